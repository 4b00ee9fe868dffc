package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// lockedBuffer is a bytes.Buffer safe for the proxy's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runningProxy is a proxy command running in process.
type runningProxy struct {
	url, report, har string
	ready            proxyReady
	stop             func() outcome // SIGINT, then what it printed and its exit code
}

// startProxy runs finicity-connect proxy on 127.0.0.1:0 with --report and
// --har in a temp dir, and waits for its ready line.
func startProxy(t *testing.T, upstream string, args ...string) *runningProxy {
	t.Helper()
	dir := t.TempDir()
	p := &runningProxy{report: filepath.Join(dir, "report.jsonl"), har: filepath.Join(dir, "traffic.har")}
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	var stderr lockedBuffer
	done := make(chan int, 1)
	all := append([]string{"proxy", "--upstream", upstream, "--addr", "127.0.0.1:0", "--report", p.report, "--har", p.har}, args...)
	go func() {
		code := run(ctx, all, strings.NewReader(""), outW, &stderr, func(string) string { return "" })
		outW.Close()
		done <- code
	}()
	rd := bufio.NewReader(outR)
	line, err := rd.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no ready line: %v; stderr: %s", err, stderr.String())
	}
	if err := json.Unmarshal([]byte(line), &p.ready); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	p.url = p.ready.URL
	rest := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(rd)
		rest <- string(b)
	}()
	var once sync.Once
	var result outcome
	p.stop = func() outcome {
		once.Do(func() {
			cancel()
			code := <-done
			result = outcome{code: code, stdout: line + <-rest, stderr: stderr.String()}
		})
		return result
	}
	t.Cleanup(func() { p.stop() })
	return p
}

// reportLines reads the --report file.
func (p *runningProxy) reportLines(t *testing.T) []reportLine {
	t.Helper()
	b, err := os.ReadFile(p.report)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []reportLine
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var r reportLine
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("report line %q: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

// harFile is what a test reads of a HAR 1.2 file: the fields the format
// requires.
type harFile struct {
	Log struct {
		Version string `json:"version"`
		Creator struct {
			Name, Version string
		} `json:"creator"`
		Entries []struct {
			StartedDateTime string   `json:"startedDateTime"`
			Time            *float64 `json:"time"`
			Request         struct {
				Method, URL, HTTPVersion string
				Cookies, Headers         []harNameValue
				QueryString              []harNameValue `json:"queryString"`
				PostData                 *harPostData   `json:"postData"`
				HeadersSize, BodySize    *int
			} `json:"request"`
			Response struct {
				Status                *int
				StatusText            *string
				HTTPVersion           string
				Cookies, Headers      []harNameValue
				Content               *harContent
				RedirectURL           *string
				HeadersSize, BodySize *int
			} `json:"response"`
			Cache   *struct{}   `json:"cache"`
			Timings *harTimings `json:"timings"`
		} `json:"entries"`
	} `json:"log"`
}

func (p *runningProxy) readHAR(t *testing.T) (harFile, string) {
	t.Helper()
	b, err := os.ReadFile(p.har)
	if err != nil {
		t.Fatal(err)
	}
	var h harFile
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("the HAR does not parse: %v\n%s", err, b)
	}
	if h.Log.Version != "1.2" || h.Log.Creator.Name == "" || h.Log.Creator.Version == "" {
		t.Errorf("HAR log: version %q, creator %+v", h.Log.Version, h.Log.Creator)
	}
	for i, e := range h.Log.Entries {
		r, s := e.Request, e.Response
		if e.StartedDateTime == "" || e.Time == nil || e.Cache == nil || e.Timings == nil ||
			r.Method == "" || r.URL == "" || r.HTTPVersion == "" || r.Cookies == nil || r.Headers == nil || r.QueryString == nil || r.HeadersSize == nil || r.BodySize == nil ||
			s.Status == nil || s.StatusText == nil || s.HTTPVersion == "" || s.Cookies == nil || s.Headers == nil || s.Content == nil || s.RedirectURL == nil || s.HeadersSize == nil || s.BodySize == nil {
			t.Errorf("HAR entry %d lacks a field HAR 1.2 requires: %+v", i, e)
		}
	}
	return h, string(b)
}

// viaProxy is an api client for the drift secrets through the proxy.
func viaProxy(t *testing.T, proxyURL string, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(driftAppKey, append([]api.Option{api.WithBaseURL(proxyURL), api.WithRetries(0),
		api.WithPartnerCredentials(driftPartnerID, driftPartnerSecret)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var agreed = api.ServiceAgreement{Language: "en", AcceptedDate: time.Date(2024, 11, 28, 18, 25, 32, 0, time.UTC)}

// journeyThrough runs every operation through c, ignoring the errors (a
// drifted answer may not decode).
func journeyThrough(c *api.Client) {
	ctx := context.Background()
	cfg, _ := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking"}})
	id := api.MustParseUUID(driftConfigID)
	if cfg != nil {
		id = cfg.ID
	}
	_, _ = c.Configurations.Get(ctx, id)
	_, _ = c.Configurations.List(ctx)
	_, _ = c.LoginForms.Create(ctx, 101732, api.LoginFormParams{Language: "en", CustomerID: "1005061234", ConfigurationID: id, ServiceAgreement: agreed})
	_, _ = c.OAuthURLs.Create(ctx, 101732, api.OAuthURLParams{RedirectURI: "https://partner.example/done", CustomerID: "1005061234", ServiceAgreement: agreed})
	_ = c.Configurations.Delete(ctx, id)
	_, _ = c.Reconnections.Create(ctx, "1005061234", 7008461431, api.ReconnectionParams{})
}

// TestProxySandbox: the sandbox keeps to the spec; through the proxy no
// finding, every exchange in the HAR, no secret anywhere.
func TestProxySandbox(t *testing.T) {
	up := httptest.NewServer(sandbox.New(sandbox.WithPartnerCredentials(driftPartnerID, driftPartnerSecret), sandbox.WithTokenCheck(true)))
	defer up.Close()
	p := startProxy(t, up.URL)
	if p.ready.PID != os.Getpid() || p.ready.Upstream != up.URL || !strings.HasPrefix(p.url, "http://127.0.0.1:") {
		t.Errorf("ready line %+v", p.ready)
	}
	journeyThrough(viaProxy(t, p.url))
	o := p.stop()
	if o.code != exitOK {
		t.Errorf("exit %d: %s", o.code, o.stderr)
	}
	if lines := p.reportLines(t); len(lines) != 0 {
		t.Errorf("findings on the sandbox: %+v", lines)
	}
	h, text := p.readHAR(t)
	var ops []string
	for _, e := range h.Log.Entries {
		ops = append(ops, fmt.Sprintf("%s %d", e.Request.Method, *e.Response.Status))
	}
	want := []string{"POST 200", "POST 201", "GET 200", "GET 200", "POST 201", "POST 201", "DELETE 204", "POST 201"}
	if !reflect.DeepEqual(ops, want) {
		t.Errorf("HAR entries %q, want %q", ops, want)
	}
	if !strings.Contains(text, `"name":"Finicity-App-Token","value":"[REDACTED]"`) || !strings.Contains(text, `\"partnerSecret\":\"[REDACTED]\"`) ||
		!strings.Contains(text, `\"token\":\"[REDACTED]\"`) {
		t.Errorf("the HAR masks nothing: %s", text)
	}
	if !strings.Contains(o.stderr, "summary: 8 exchange(s), 0 finding(s)") || !strings.Contains(o.stdout, `{"summary":{"byKind":{},"exchanges":8,"findings":0}}`) {
		t.Errorf("summary:\n%s\n%s", o.stderr, o.stdout)
	}
	for name, s := range map[string]string{"HAR": text, "stderr": o.stderr, "stdout": o.stdout} {
		assertNoSecrets(t, name, s)
	}
}

// TestProxyDrift: each drift is found at its operation, none on the
// documented answers, and no secret reaches the report, the HAR, stderr
// or stdout.
func TestProxyDrift(t *testing.T) {
	d := newDriftServer(t)
	p := startProxy(t, d.URL)
	journeyThrough(viaProxy(t, p.url))
	o := p.stop()

	got := map[string][]string{}
	for _, r := range p.reportLines(t) {
		got[r.Operation.Method] = append(got[r.Operation.Method], string(r.Kind))
		if r.Time == "" || r.Direction != "response" || r.Status == 0 || r.Rule == "" || r.Operation.Docs == "" {
			t.Errorf("report line %+v", r)
		}
		if r.Informational != (r.Kind == "unknown field") {
			t.Errorf("informational %t for %s", r.Informational, r.Kind)
		}
	}
	expectDriftKinds(t, got, false)
	for _, line := range []string{
		"finding: Configurations.Get (get_configurations_configuration_id): response (status 200): type: body aoRequired: value must be a boolean",
		"finding: OAuthURLs.Create (post_institutions_institution_id_oauth_urls): response (status 200): undocumented status: the operation does not document this status",
		"finding: Configurations.Create (post_configurations): response (status 201): unknown field: body " + driftField + ": unknown field: not defined by the spec (names are exact and case-sensitive) (informational",
		"summary: 8 exchange(s), 5 finding(s)",
		"missing required",
		"format",
	} {
		if !strings.Contains(o.stderr, line) {
			t.Errorf("stderr lacks %q:\n%s", line, o.stderr)
		}
	}
	// The summary at exit: counts per kind, on stdout after the ready line.
	lines := strings.Split(strings.TrimSpace(o.stdout), "\n")
	var sum struct {
		Summary struct {
			Exchanges, Findings int
			ByKind              map[string]int
		}
	}
	if len(lines) != 2 || json.Unmarshal([]byte(lines[1]), &sum) != nil {
		t.Fatalf("stdout: %q", o.stdout)
	}
	wantKinds := map[string]int{"unknown field": 1, "type": 1, "format": 1, "missing required": 1, "undocumented status": 1}
	if sum.Summary.Exchanges != 8 || sum.Summary.Findings != 5 || !reflect.DeepEqual(sum.Summary.ByKind, wantKinds) {
		t.Errorf("summary %+v", sum.Summary)
	}
	report, _ := os.ReadFile(p.report)
	_, har := p.readHAR(t)
	for name, s := range map[string]string{"report": string(report), "HAR": har, "stderr": o.stderr, "stdout": o.stdout} {
		assertNoSecrets(t, name, s)
	}
	// The requests reached upstream unchanged: the upstream saw each.
	if n := len(d.requests()); n != 8 {
		t.Errorf("upstream saw %d requests: %q", n, d.requests())
	}
}

// TestProxyUpstreamDown: no upstream, a 502 with the API's error shape
// and a finding of kind upstream.
func TestProxyUpstreamDown(t *testing.T) {
	d := newDriftServer(t)
	url := d.URL
	d.Close()
	p := startProxy(t, url)
	req, _ := http.NewRequest("GET", p.url+"/connect-components/configurations", nil)
	req.Header.Set("Finicity-App-Key", driftAppKey)
	req.Header.Set("Finicity-App-Token", driftAppToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e struct {
		Errors struct {
			Error []struct{ ReasonCode, Details string }
		}
	}
	if resp.StatusCode != 502 || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &e) != nil || len(e.Errors.Error) != 1 {
		t.Errorf("answer %d %q", resp.StatusCode, body)
	}
	o := p.stop()
	lines := p.reportLines(t)
	if len(lines) != 1 || lines[0].Kind != "upstream" || lines[0].Status != 502 || lines[0].Operation.Method != "Configurations.List" {
		t.Errorf("report %+v", lines)
	}
	if !strings.Contains(o.stderr, "upstream: no answer from upstream") {
		t.Errorf("stderr: %s", o.stderr)
	}
	h, text := p.readHAR(t)
	if len(h.Log.Entries) != 1 || *h.Log.Entries[0].Response.Status != 502 {
		t.Errorf("HAR %s", text)
	}
	assertNoSecrets(t, "HAR", text)
}

// TestProxyConcurrency: 50 clients at once, each exchange kept.
func TestProxyConcurrency(t *testing.T) {
	const clients = 50
	// Upstream holds every answer until all 50 requests are in: the 50
	// exchanges are in flight through the proxy at once.
	sb := sandbox.New()
	var arrived atomic.Int32
	all := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == clients {
			close(all)
		}
		select {
		case <-all:
		case <-time.After(30 * time.Second): // a bound, should the proxy serialise
		}
		sb.ServeHTTP(w, r)
	}))
	defer up.Close()
	p := startProxy(t, up.URL)
	c, err := api.NewClient(driftAppKey, api.WithBaseURL(p.url), api.WithAppToken(driftAppToken), api.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			_, err := c.Configurations.Create(context.Background(), api.ConfigurationParams{FilterAccounts: []string{fmt.Sprint("account-", i)}})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	o := p.stop()
	h, _ := p.readHAR(t)
	var accounts []string
	for _, e := range h.Log.Entries {
		var body struct{ FilterAccounts []string }
		if e.Request.PostData != nil {
			_ = json.Unmarshal([]byte(e.Request.PostData.Text), &body)
		}
		accounts = append(accounts, body.FilterAccounts...)
	}
	sort.Strings(accounts)
	var want []string
	for i := range clients {
		want = append(want, fmt.Sprint("account-", i))
	}
	sort.Strings(want)
	if !slices.Equal(accounts, want) {
		t.Errorf("HAR holds %d of %d exchanges", len(accounts), clients)
	}
	if !strings.Contains(o.stderr, fmt.Sprintf("summary: %d exchange(s), 0 finding(s)", clients)) {
		t.Errorf("stderr: %s", o.stderr)
	}
	select {
	case <-all:
	default:
		t.Error("the 50 requests were never in flight at once")
	}
	if n := len(sb.Configurations(driftAppKey)); n != clients {
		t.Errorf("upstream stored %d configurations, want %d", n, clients)
	}
}

func TestProxyRefusals(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, "missing required --upstream"},
		{[]string{"proxy", "--upstream", "http://api.example.com"}, "refusing plain http --upstream api.example.com"},
		{[]string{"proxy", "--upstream", "ftp://127.0.0.1"}, "invalid --upstream"},
		{[]string{"proxy", "--upstream", "https://user:pw@api.example.com"}, "with no user, query or fragment"},
	} {
		o := cliRun(t, nil, tc.args...)
		o.expect(t, exitUsage, []string{""}, []string{tc.want})
		assertNoSecrets(t, "stderr", o.stderr)
	}
}

// TestProxyBodyCap: a request body past --max-body-bytes is not
// forwarded.
func TestProxyBodyCap(t *testing.T) {
	d := newDriftServer(t)
	p := startProxy(t, d.URL, "--max-body-bytes", "64")
	body := `{"filterAccounts":["` + strings.Repeat("a", 100) + `"]}`
	req, _ := http.NewRequest("POST", p.url+"/connect-components/configurations", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || len(d.requests()) != 0 {
		t.Errorf("answer %d, upstream saw %q", resp.StatusCode, d.requests())
	}
}
