package proxy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/listen"
	"github.com/finicity-go/connect-components/internal/proxy"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/drift"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
	"github.com/finicity-go/connect-components/internal/tour"
)

// running is a proxy served by httptest on 127.0.0.1, with a report and
// a HAR in a temporary directory.
type running struct {
	url         string
	p           *proxy.Proxy
	srv         *httptest.Server
	log         *testutil.SyncBuffer // the findings, then the summary
	report, har string
}

// options makes the proxy's options for upstream, with a report and a
// HAR at the paths of r.
func (r *running) options(t *testing.T, upstream string) proxy.Options {
	t.Helper()
	up, err := proxy.ParseUpstream(upstream)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r.report, r.har = filepath.Join(dir, "report.jsonl"), filepath.Join(dir, "traffic.har")
	report, err := os.OpenFile(r.report, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	h, err := proxy.CreateHAR(r.har)
	if err != nil {
		t.Fatal(err)
	}
	r.log = &testutil.SyncBuffer{}
	return proxy.Options{Upstream: up, Log: r.log, Report: report, HAR: h}
}

// start serves a proxy to upstream; set changes its options.
func start(t *testing.T, upstream string, set ...func(*proxy.Options)) *running {
	t.Helper()
	r := &running{}
	opts := r.options(t, upstream)
	for _, f := range set {
		f(&opts)
	}
	p, err := proxy.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	r.p, r.srv = p, httptest.NewServer(p)
	r.url = r.srv.URL
	t.Cleanup(func() {
		r.srv.Close()
		_ = p.Close()
	})
	return r
}

// stopped is what a stopped proxy printed: its summary line (stdout), its
// log with the summary (stderr), and the summary's error.
type stopped struct {
	stdout, stderr string
	err            error
}

// stop waits for the exchanges in flight, closes the proxy and
// summarises, failing on failOn.
func (r *running) stop(failOn string) stopped {
	r.srv.Close()
	_ = r.p.Close()
	var stdout bytes.Buffer
	err := r.p.Summarize(&stdout, r.log, failOn)
	return stopped{stdout: stdout.String(), stderr: r.log.String(), err: err}
}

// failedOn is the count of a *proxy.FailOnError, 0 for none.
func failedOn(t *testing.T, err error) int {
	t.Helper()
	var fe *proxy.FailOnError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &fe) && fe.ExitCode() == 1:
		return fe.Count
	}
	t.Fatalf("summary: %v", err)
	return -1
}

// reportLines reads the report.
func (r *running) reportLines(t *testing.T) []proxy.ReportLine {
	t.Helper()
	return readReport(t, r.report)
}

func readReport(t *testing.T, path string) []proxy.ReportLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []proxy.ReportLine
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var line proxy.ReportLine
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("report line %q: %v", l, err)
		}
		out = append(out, line)
	}
	return out
}

// harContent is a HAR response's content with its text as a plain
// string.
type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
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
				Cookies, Headers         []har.NameValue
				QueryString              []har.NameValue `json:"queryString"`
				PostData                 *har.PostData   `json:"postData"`
				HeadersSize, BodySize    *int
			} `json:"request"`
			Response struct {
				Status                *int
				StatusText            *string
				HTTPVersion           string
				Cookies, Headers      []har.NameValue
				Content               *harContent
				RedirectURL           *string
				HeadersSize, BodySize *int
			} `json:"response"`
			Cache    *struct{}          `json:"cache"`
			Timings  *har.Timings       `json:"timings"`
			Findings []proxy.ReportLine `json:"_findings"`
		} `json:"entries"`
	} `json:"log"`
}

// readHAR reads the HAR, checking every field HAR 1.2 requires.
func (r *running) readHAR(t *testing.T) (harFile, string) {
	t.Helper()
	return readHARFile(t, r.har)
}

// readHARFile reads the HAR file at path, checking every field HAR 1.2
// requires.
func readHARFile(t *testing.T, path string) (harFile, string) {
	t.Helper()
	b, err := os.ReadFile(path)
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
		if u, err := url.Parse(r.URL); err != nil || !u.IsAbs() {
			t.Errorf("HAR entry %d: request.url %q is not absolute", i, r.URL)
		}
		if _, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err != nil {
			t.Errorf("HAR entry %d: startedDateTime: %v", i, err)
		}
	}
	return h, string(b)
}

// viaProxy is an api client for the drift secrets through the proxy.
func viaProxy(t *testing.T, proxyURL string) *api.Client {
	t.Helper()
	c, err := api.NewClient(drift.AppKey, api.WithBaseURL(proxyURL), api.WithRetries(0),
		api.WithPartnerCredentials(drift.PartnerID, drift.PartnerSecret))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// journeyThrough runs the journey through every operation of the spec
// (internal/journey: the spec's examples, the created id bound to what
// uses it) with c, ignoring the errors (a drifted answer may not decode),
// and returns the number of exchanges it made: one per step, and the
// token c fetches itself before the first call that needs one.
func journeyThrough(t *testing.T, c *api.Client) int {
	t.Helper()
	plan, err := journey.New(specdoc.MustModel(), journey.Options{Values: map[string]any{"partner-id": drift.PartnerID, "partner-secret": drift.PartnerSecret}})
	if err != nil {
		t.Fatalf("%v (internal/proxy/proxy_test.go)", err)
	}
	return len(plan.Run(context.Background(), tour.Send(c), nil)) + 1
}

// TestProxySandbox: the sandbox keeps to the spec; through the proxy no
// finding, every exchange in the HAR, no secret anywhere.
func TestProxySandbox(t *testing.T) {
	up := httptest.NewServer(sandbox.New(sandbox.WithPartnerCredentials(drift.PartnerID, drift.PartnerSecret), sandbox.WithTokenCheck(true)))
	defer up.Close()
	p := start(t, up.URL)
	exchanges := journeyThrough(t, viaProxy(t, p.url))
	o := p.stop(proxy.FailOnViolations)
	if o.err != nil {
		t.Errorf("summary: %v\n%s", o.err, o.stderr)
	}
	if lines := p.reportLines(t); len(lines) != 0 {
		t.Errorf("findings on the sandbox: %+v", lines)
	}
	// Every exchange in the HAR, each answered with a 2xx, every
	// operation of the spec among them.
	h, text := p.readHAR(t)
	seen := map[string]bool{}
	for _, e := range h.Log.Entries {
		u, _ := url.Parse(e.Request.URL)
		if op, _, err := specdoc.MustModel().Find(e.Request.Method, u.EscapedPath()); err == nil && *e.Response.Status/100 == 2 {
			seen[op.ID] = true
		}
	}
	if len(h.Log.Entries) != exchanges || len(seen) != len(specdoc.MustModel().Operations) {
		t.Errorf("HAR: %d entries, %d operations answered 2xx; want %d entries, every operation", len(h.Log.Entries), len(seen), exchanges)
	}
	if !strings.Contains(text, `"name":"Finicity-App-Token","value":"[REDACTED]"`) || !strings.Contains(text, `\"partnerSecret\":\"[REDACTED]\"`) ||
		!strings.Contains(text, `\"token\":\"[REDACTED]\"`) {
		t.Errorf("the HAR masks nothing: %s", text)
	}
	if !strings.Contains(o.stderr, fmt.Sprintf("summary: %d exchange(s), 0 finding(s)", exchanges)) ||
		o.stdout != fmt.Sprintf(`{"summary":{"byKind":{},"exchanges":%d,"exitCode":0,"failOn":"violations","findings":0,"informational":0,"violations":0}}`+"\n", exchanges) {
		t.Errorf("summary:\n%s\n%s", o.stderr, o.stdout)
	}
	for name, s := range map[string]string{"HAR": text, "stderr": o.stderr, "stdout": o.stdout} {
		drift.AssertNoSecrets(t, name, s)
	}
}

// TestProxyDrift: each drift is found at its operation, none on the
// documented answers, and no secret reaches the report, the HAR, the
// log or the summary.
func TestProxyDrift(t *testing.T) {
	d := drift.NewServer(t)
	p := start(t, d.URL)
	exchanges := journeyThrough(t, viaProxy(t, p.url))
	o := p.stop(proxy.FailOnViolations)
	if n := failedOn(t, o.err); n != 4 {
		t.Errorf("failed on %d violation(s), want 4", n)
	}

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
	drift.ExpectKinds(t, got, false)
	for _, line := range []string{
		"finding: Configurations.Get (get_configurations_configuration_id): response (status 200): type: body aoRequired: value must be a boolean",
		"finding: OAuthURLs.Create (post_institutions_institution_id_oauth_urls): response (status 200): undocumented status: the operation does not document this status",
		"finding: Configurations.Create (post_configurations): response (status 201): unknown field: body " + drift.Field + ": unknown field: not defined by the spec (names are exact and case-sensitive) (informational",
		fmt.Sprintf("summary: %d exchange(s), 5 finding(s)", exchanges),
		"missing required",
		"format",
	} {
		if !strings.Contains(o.stderr, line) {
			t.Errorf("stderr lacks %q:\n%s", line, o.stderr)
		}
	}
	// The summary: counts per kind.
	var sum struct {
		Summary struct {
			Exchanges, Findings int
			ByKind              map[string]int
		}
	}
	if err := json.Unmarshal([]byte(o.stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", o.stdout, err)
	}
	wantKinds := map[string]int{"unknown field": 1, "type": 1, "format": 1, "missing required": 1, "undocumented status": 1}
	if sum.Summary.Exchanges != exchanges || sum.Summary.Findings != 5 || !reflect.DeepEqual(sum.Summary.ByKind, wantKinds) {
		t.Errorf("summary %+v", sum.Summary)
	}
	report, _ := os.ReadFile(p.report)
	// Every line has every field a report promises, and never a value of
	// the drifted answers.
	for _, l := range strings.Split(strings.TrimSpace(string(report)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		op, _ := m["operation"].(map[string]any)
		for _, k := range []string{"time", "direction", "status", "kind", "field", "rule"} {
			if _, ok := m[k]; !ok {
				t.Errorf("report line lacks %q: %s", k, l)
			}
		}
		if _, ok := op["method"]; !ok || op["docs"] == "" {
			t.Errorf("report line's operation lacks its method or docs name: %s", l)
		}
		for _, v := range []string{"zzzzzzzz", `"yes"`, `"default"`} {
			if strings.Contains(l, v) {
				t.Errorf("report line shows the value %s: %s", v, l)
			}
		}
	}
	_, har := p.readHAR(t)
	for name, s := range map[string]string{"report": string(report), "HAR": har, "stderr": o.stderr, "stdout": o.stdout} {
		drift.AssertNoSecrets(t, name, s)
	}
	// The requests reached upstream unchanged: the upstream saw each.
	if n := len(d.Requests()); n != exchanges {
		t.Errorf("upstream saw %d requests: %q", n, d.Requests())
	}
}

// listThrough lists configurations through the proxy at proxyURL with the
// drift credentials, and returns the answer and its body.
func listThrough(t *testing.T, proxyURL string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", proxyURL+"/connect-components/configurations", nil)
	req.Header.Set("Finicity-App-Key", drift.AppKey)
	req.Header.Set("Finicity-App-Token", drift.AppToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

// TestProxyUpstreamDown: no upstream, a 502 with the API's error shape
// and a finding of kind upstream.
func TestProxyUpstreamDown(t *testing.T) {
	d := drift.NewServer(t)
	gone := d.URL
	d.Close()
	p := start(t, gone)
	resp, body := listThrough(t, p.url)
	var e struct {
		Errors struct {
			Error []struct{ ReasonCode, Details string }
		}
	}
	if resp.StatusCode != 502 || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &e) != nil || len(e.Errors.Error) != 1 ||
		e.Errors.Error[0].ReasonCode != "502" || e.Errors.Error[0].Details != "no answer from upstream "+gone {
		t.Errorf("answer %d %q", resp.StatusCode, body)
	}
	o := p.stop(proxy.FailOnViolations)
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
	drift.AssertNoSecrets(t, "HAR", text)
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
	p := start(t, up.URL)
	c, err := api.NewClient(drift.AppKey, api.WithBaseURL(p.url), api.WithAppToken(drift.AppToken), api.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	bodies := make([]api.ConfigurationParams, clients)
	for i := range bodies {
		bodies[i] = specexample.Typed[api.ConfigurationParams](t, specexample.CreateConfiguration, map[string]any{"filterAccounts": []string{fmt.Sprint("account-", i)}})
	}
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			_, err := c.Configurations.Create(context.Background(), bodies[i])
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
	o := p.stop(proxy.FailOnViolations)
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
	if n := len(sb.Configurations(drift.AppKey)); n != clients {
		t.Errorf("upstream stored %d configurations, want %d", n, clients)
	}
}

// TestParseUpstream: https anywhere, plain http only to a loopback host,
// and nothing but scheme, host and path; the refusals name --upstream
// and never the credentials of a URL.
func TestParseUpstream(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
	}{
		{"", "missing required --upstream: the API to forward to, e.g. --upstream https://api.finicity.com"},
		{"http://api.example.com", "refusing plain http --upstream api.example.com: the app key and token would travel in clear; use https, or http only to a loopback host"},
		{"ftp://127.0.0.1", "invalid --upstream: want an absolute http(s) URL such as https://api.finicity.com"},
		{"api.finicity.com", "invalid --upstream: want an absolute http(s) URL such as https://api.finicity.com"},
		{"https://user:pw@api.example.com", "invalid --upstream: want scheme, host and an optional path, with no user, query or fragment"},
		{"https://api.example.com/?token=t", "invalid --upstream: want scheme, host and an optional path, with no user, query or fragment"},
	} {
		if _, err := proxy.ParseUpstream(tc.raw); err == nil || err.Error() != tc.want {
			t.Errorf("ParseUpstream(%q): %v, want %q", tc.raw, err, tc.want)
		}
	}
	for _, raw := range []string{"https://api.finicity.com", "http://127.0.0.1:4010", "http://localhost/base/", "http://[::1]:1"} {
		u, err := proxy.ParseUpstream(raw)
		if err != nil || u.String() != raw {
			t.Errorf("ParseUpstream(%q) = %v, %v", raw, u, err)
		}
	}
}

// TestProxyBodyCap: a request body past the body cap is not forwarded,
// and is recorded all the same.
func TestProxyBodyCap(t *testing.T) {
	d := drift.NewServer(t)
	p := start(t, d.URL, func(o *proxy.Options) { o.MaxBody = 64 })
	body := `{"filterAccounts":["` + strings.Repeat("a", 100) + `"]}`
	req, _ := http.NewRequest("POST", p.url+"/connect-components/configurations", strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || len(d.Requests()) != 0 {
		t.Errorf("answer %d, upstream saw %q", resp.StatusCode, d.Requests())
	}
	// Recorded all the same, at the URL it was for.
	h, _ := p.readHAR(t)
	if len(h.Log.Entries) != 1 || *h.Log.Entries[0].Response.Status != http.StatusRequestEntityTooLarge ||
		h.Log.Entries[0].Request.URL != d.URL+"/connect-components/configurations" {
		t.Errorf("HAR entries %+v", h.Log.Entries)
	}
}

// TestProxyRequestFindings: requests are checked as the strict test kit
// checks them (exact field names, unknown fields), and an exchange is in
// the report and the HAR by the time its client has the answer, while
// the proxy runs.
func TestProxyRequestFindings(t *testing.T) {
	d := drift.NewServer(t)
	p := start(t, d.URL)
	body := `{"redirectUrl":"https://partner.example/done","customerId":"1005061234","configurationID":"` + drift.ConfigID + `",` +
		`"serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32Z"}}`
	send := func(method, path, body string) int {
		req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
		req.Header.Set("Finicity-App-Key", drift.AppKey)
		req.Header.Set("Finicity-App-Token", drift.AppToken)
		req.Header.Set("Authorization", "Bearer "+drift.IssuedToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := send("POST", "/connect-components/institutions/101732/oauth-urls", body); status != 200 {
		t.Fatalf("status %d, want the drifted server's 200, forwarded as it came", status)
	}
	// Before the proxy stops: the report and the HAR hold the exchange.
	var got []string
	for _, r := range p.reportLines(t) {
		if r.Direction == "request" {
			got = append(got, string(r.Kind)+" "+r.Field)
			if r.Status != 200 || r.Operation.Method != "OAuthURLs.Create" || r.Time == "" || r.Rule == "" {
				t.Errorf("report line %+v", r)
			}
		}
	}
	want := []string{"unknown field configurationID", "unknown field redirectUrl", "missing required redirectURI"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("request findings %q, want %q", got, want)
	}
	h, text := p.readHAR(t)
	if len(h.Log.Entries) != 1 {
		t.Fatalf("HAR while running: %d entries, want 1", len(h.Log.Entries))
	}
	// Every secret masked; the rest as sent.
	for _, s := range []string{`"name":"Authorization","value":"[REDACTED]"`, `"name":"Finicity-App-Key","value":"[REDACTED]"`,
		`"name":"Finicity-App-Token","value":"[REDACTED]"`, `\"configurationID\":\"` + drift.ConfigID + `\"`, `\"redirectUrl\":\"https://partner.example/done\"`} {
		if !strings.Contains(text, s) {
			t.Errorf("HAR lacks %s: %s", s, text)
		}
	}
	// A secret in the query, by its name (a value not seen elsewhere):
	// masked in the URL and in queryString.
	const queryToken = "query-only-token-4e1f"
	send("GET", "/connect-components/configurations?token="+queryToken+"&x=1", "")
	h, text = p.readHAR(t)
	if len(h.Log.Entries) != 2 {
		t.Fatalf("HAR: %d entries, want 2", len(h.Log.Entries))
	}
	if e := h.Log.Entries[1].Request; !strings.HasSuffix(e.URL, "?token=%5BREDACTED%5D&x=1") ||
		!reflect.DeepEqual(e.QueryString, []har.NameValue{{Name: "token", Value: "[REDACTED]"}, {Name: "x", Value: "1"}}) {
		t.Errorf("URL %s, query %+v", e.URL, e.QueryString)
	}
	if strings.Contains(text, queryToken) {
		t.Errorf("the HAR shows the query's token")
	}
	o := p.stop(proxy.FailOnViolations)
	report, _ := os.ReadFile(p.report)
	for name, s := range map[string]string{"report": string(report), "HAR": text, "stderr": o.stderr, "stdout": o.stdout} {
		drift.AssertNoSecrets(t, name, s)
	}
}

// TestProxyAnswerCap: an answer past the body cap is not forwarded: a
// 502 and a finding of kind upstream.
func TestProxyAnswerCap(t *testing.T) {
	d := drift.NewServer(t)
	p := start(t, d.URL, func(o *proxy.Options) { o.MaxBody = 64 })
	resp, body := listThrough(t, p.url)
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "larger than --max-body-bytes") {
		t.Errorf("answer %d %s", resp.StatusCode, body)
	}
	lines := p.reportLines(t)
	if len(lines) != 1 || lines[0].Kind != "upstream" || lines[0].Operation.Method != "Configurations.List" {
		t.Errorf("report %+v", lines)
	}
}

// TestProxyForwardsUnchanged: the method, the escaped path, the query,
// the headers (but hop-by-hop ones) and the body bytes reach upstream as
// the client sent them, credentials included; the answer reaches the
// client as upstream gave it.
func TestProxyForwardsUnchanged(t *testing.T) {
	type seen struct {
		method, uri string
		header      http.Header
		body        []byte
	}
	got := make(chan seen, 1)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, r.Header.Clone(), b}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Upstream", "yes")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(` {"id" : "` + drift.ConfigID + `", "filterAccounts":["a"] } `))
	}))
	defer up.Close()
	p := start(t, up.URL+"/base/")
	body := "{ \"filterAccounts\" : [\"Checking\"],\n  \"aoRequired\":true }"
	req, _ := http.NewRequest("POST", p.url+"/connect-components/configurations?b=2&a=%2F1", strings.NewReader(body))
	req.Header.Set("Finicity-App-Key", drift.AppKey)
	req.Header.Set("Finicity-App-Token", drift.AppToken)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Add("X-Custom", "one")
	req.Header.Add("X-Custom", "two")
	req.Header.Set("User-Agent", "my-node-app/1.0")
	req.Header.Set("Connection", "keep-alive, X-Hop")
	req.Header.Set("X-Hop", "dropped")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := <-got
	if s.method != "POST" || s.uri != "/base/connect-components/configurations?b=2&a=%2F1" || string(s.body) != body {
		t.Errorf("upstream saw %s %s %q", s.method, s.uri, s.body)
	}
	for name, want := range map[string][]string{"Finicity-App-Key": {drift.AppKey}, "Finicity-App-Token": {drift.AppToken},
		"Content-Type": {"application/json; charset=utf-8"}, "X-Custom": {"one", "two"}, "User-Agent": {"my-node-app/1.0"}} {
		if !reflect.DeepEqual(s.header[name], want) {
			t.Errorf("upstream header %s: %q, want %q", name, s.header[name], want)
		}
	}
	if s.header.Get("X-Hop") != "" {
		t.Errorf("a hop-by-hop header was forwarded")
	}
	if resp.StatusCode != 201 || resp.Header.Get("X-Upstream") != "yes" ||
		string(answer) != ` {"id" : "`+drift.ConfigID+`", "filterAccounts":["a"] } ` {
		t.Errorf("client got %d %q %v", resp.StatusCode, answer, resp.Header)
	}
}

// TestProxyStopsWithExchangeInFlight: an exchange upstream never answers
// is still recorded when the proxy stops past its grace: the summary
// counts it and the HAR, whole, holds it (with no answer).
func TestProxyStopsWithExchangeInFlight(t *testing.T) {
	arrived := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done() // never answers; the proxy gives up at exit
	}))
	defer up.Close()
	r := &running{}
	p, err := proxy.New(r.options(t, up.URL))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := listen.Listen("127.0.0.1:0", 8)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- p.Serve(ctx, ln, listen.Defaults, 50*time.Millisecond) }()
	failed := make(chan error, 1)
	go func() {
		_, err := http.Get("http://" + ln.Addr().String() + "/connect-components/configurations")
		failed <- err
	}()
	<-arrived
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	_ = p.Close()
	var stdout bytes.Buffer
	err = p.Summarize(&stdout, r.log, proxy.FailOnViolations)
	// The request had no credentials: a violation.
	if n := failedOn(t, err); n != 1 || !strings.Contains(r.log.String(), "summary: 1 exchange(s), 1 finding(s): 1 violation(s), 0 informational") {
		t.Errorf("failed on %d: %s", n, r.log.String())
	}
	if err := <-failed; err == nil {
		t.Error("the client got an answer")
	}
	h, _ := readHARFile(t, r.har)
	if len(h.Log.Entries) != 1 || *h.Log.Entries[0].Response.Status != 0 {
		t.Errorf("HAR entries %+v", h.Log.Entries)
	}
}

// grownServer answers every operation with its first documented success
// and that answer's example (else a value made from its schema), one
// field more where it is an object: an API
// that grew a field, whose answers break nothing (informational findings
// only).
func grownServer(t *testing.T) *httptest.Server {
	t.Helper()
	m := specdoc.MustModel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, _, err := m.Find(r.Method, r.URL.EscapedPath())
		if err != nil {
			http.NotFound(w, r)
			return
		}
		ok := op.Successes()[0]
		v, found := ok.Example()
		if !found && ok.JSON && ok.Schema != nil {
			v, found = spec.Synthesize(ok.Schema, true)
		}
		obj, isObject := v.(map[string]any)
		if !found || !isObject {
			t.Errorf("openapi.yaml#%s: the %s answer of %s has no object example, which grownServer (internal/proxy/proxy_test.go) grows", ok.Pointer, ok.Status, op.Name())
			http.Error(w, "no example", http.StatusInternalServerError)
			return
		}
		grown := map[string]any{drift.Field: "grown"}
		for k, e := range obj {
			grown[k] = e
		}
		w.Header().Set("Content-Type", ok.ContentType)
		w.WriteHeader(ok.Code)
		_ = json.NewEncoder(w).Encode(grown)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestProxyFailOn: the summary fails (exit 1) as the class says: on a
// violation unless none; on an informational finding only with any;
// never on no finding. The summary says which and why.
func TestProxyFailOn(t *testing.T) {
	bad := specexample.Misspelt(t)
	good := specexample.CallOf(t, bad.Op)
	sandboxURL := func(t *testing.T) string {
		srv := httptest.NewServer(sandbox.New())
		t.Cleanup(srv.Close)
		return srv.URL
	}
	cases := []struct {
		name     string
		upstream func(t *testing.T) string
		call     specexample.Call
		codes    map[string]int // by class
		counts   string
	}{
		{"a violation", sandboxURL, bad.Call, map[string]int{"violations": 1, "any": 1, "none": 0}, "1 finding(s): 1 violation(s), 0 informational"},
		{"an informational finding", func(t *testing.T) string { return grownServer(t).URL }, good, map[string]int{"violations": 0, "any": 1, "none": 0}, "1 finding(s): 0 violation(s), 1 informational"},
		{"no finding", sandboxURL, good, map[string]int{"violations": 0, "any": 0, "none": 0}, "0 finding(s): 0 violation(s), 0 informational"},
	}
	for _, tc := range cases {
		for _, failOn := range []string{proxy.FailOnViolations, proxy.FailOnAny, proxy.FailOnNone} {
			t.Run(tc.name+"/"+failOn, func(t *testing.T) {
				p := start(t, tc.upstream(t))
				tc.call.Send(t, p.url, specexample.Credentials(tc.call.Op))
				o := p.stop(failOn)
				want := tc.codes[failOn]
				says := fmt.Sprintf("exit 0: no finding of --fail-on %s was recorded\n", failOn)
				if want == 1 {
					says = fmt.Sprintf("exit 1: --fail-on %s, and 1 such finding(s) were recorded\n", failOn)
					if o.err == nil || o.err.Error() != "1 finding(s) of --fail-on "+failOn+" recorded" {
						t.Errorf("error %v", o.err)
					}
				}
				if failedOn(t, o.err) != want || !strings.Contains(o.stderr, "summary: 1 exchange(s), "+tc.counts+"\n") || !strings.HasSuffix(o.stderr, says) ||
					!strings.Contains(o.stdout, fmt.Sprintf(`"exitCode":%d,"failOn":%q`, want, failOn)) {
					t.Errorf("want exit %d saying %q:\n%s%s", want, says, o.stderr, o.stdout)
				}
			})
		}
	}
}
