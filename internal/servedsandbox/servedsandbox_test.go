package servedsandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/listen"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/servedsandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/statefile"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// running is a served sandbox (Run) on 127.0.0.1.
type running struct {
	url    string
	ready  map[string]any // the ready line, decoded
	stdout *testutil.WatchedWriter
	stderr *testutil.SyncBuffer
	stop   func() error // ends the context, then Run's error
}

// run serves the sandbox of cfg under limits until stop or the test's
// end, and waits for its ready line.
func run(t *testing.T, cfg servedsandbox.Config, limits listen.Limits, grace time.Duration) *running {
	t.Helper()
	ln, err := listen.Listen("127.0.0.1:0", limits.MaxConnections)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: testutil.NewWatchedWriter(`\A(.*)\n`), stderr: &testutil.SyncBuffer{}}
	done := make(chan error, 1)
	go func() { done <- servedsandbox.Run(ctx, ln, cfg, limits, grace, r.stdout, r.stderr) }()
	var line string
	select {
	case line = <-r.stdout.Found:
	case err := <-done:
		cancel()
		t.Fatalf("Run returned before its ready line: %v; stderr %q", err, r.stderr.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("no ready line: %q", r.stderr.String())
	}
	if err := json.Unmarshal([]byte(line), &r.ready); err != nil {
		t.Fatalf("ready line is not JSON: %v: %q", err, line)
	}
	r.url, _ = r.ready["url"].(string)
	stopped := false
	var result error
	r.stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case result = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the served sandbox did not shut down")
			}
		}
		return result
	}
	t.Cleanup(func() { _ = r.stop() })
	return r
}

// TestReadyLine: once it listens, the served sandbox prints one JSON line
// on stdout with the URL to call, and nothing else goes there; stderr
// says where it listens and how to log in.
func TestReadyLine(t *testing.T) {
	for _, check := range []bool{false, true} {
		t.Run("check tokens "+strconv.FormatBool(check), func(t *testing.T) {
			r := run(t, servedsandbox.Config{CheckTokens: check}, listen.Defaults, time.Second)
			if !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`).MatchString(r.url) {
				t.Fatalf("url: %q", r.url)
			}
			want := map[string]any{"url": r.url, "pid": float64(os.Getpid()), "partnerId": sandbox.DefaultPartnerID, "tokenCheck": check}
			if !reflect.DeepEqual(r.ready, want) {
				t.Errorf("ready line:\ngot  %v\nwant %v", r.ready, want)
			}
			// The URL answers: a client logs in with the partner
			// credentials and lists.
			c, err := api.NewClient("k", api.WithBaseURL(r.url), api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
			if err != nil {
				t.Fatal(err)
			}
			if list, err := c.Configurations.List(context.Background()); err != nil || len(list) != 0 {
				t.Errorf("list at the ready URL: %v %v", err, list)
			}
			if err := r.stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			if lines := strings.Split(r.stdout.String(), "\n"); len(lines) != 2 || lines[1] != "" {
				t.Errorf("stdout: want the ready line alone, got %q", r.stdout.String())
			}
			if strings.Contains(r.stdout.String(), sandbox.DefaultPartnerSecret) {
				t.Errorf("the ready line shows the partner secret")
			}
			onOff := map[bool]string{false: "off", true: "on"}[check]
			want2 := "sandbox listening on " + r.url + " (token checking " + onOff + "; partner credentials sandbox-partner / sandbox-secret)\n" +
				"try: FINICITY_APP_KEY=k FINICITY_APP_TOKEN=t FINICITY_BASE_URL=" + r.url + " finicity-connect configurations list\nshutting down\n"
			if r.stderr.String() != want2 {
				t.Errorf("stderr:\ngot  %q\nwant %q", r.stderr.String(), want2)
			}
		})
	}
}

// TestReadyLineUnwritable: a ready line that cannot be written ends the
// run with the writer's error, before anything is served.
func TestReadyLineUnwritable(t *testing.T) {
	ln, err := listen.Listen("127.0.0.1:0", 4)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	broken := errors.New("stdout is closed")
	err = servedsandbox.Run(context.Background(), ln, servedsandbox.Config{}, listen.Defaults, time.Second, failingWriter{broken}, io.Discard)
	if !errors.Is(err, broken) {
		t.Errorf("Run: %v, want the writer's error", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestFindings: the served sandbox answers a request that departs from
// the spec as the API would (a misspelt field: 2xx) and writes one line
// for it on its log, naming the field and the rule; a request the API
// refuses is refused and marked so; a valid one writes nothing. Strict,
// the misspelt field is refused: 400, reason 10010, the field in
// Details.
func TestFindings(t *testing.T) {
	bad := specexample.Misspelt(t)
	good := specexample.CallOf(t, bad.Op)
	line := "finding: " + bad.Op.Method + " " + bad.Path + ": " + bad.Op.Name() + ": " + bad.Detail() + "\n"

	base, log := handler(t, servedsandbox.Config{})
	if status := good.Send(t, base, specexample.Credentials(good.Op)); status/100 != 2 {
		t.Errorf("a valid request: %d", status)
	}
	if log.String() != "" {
		t.Errorf("a valid request was logged: %q", log.String())
	}
	if status := bad.Send(t, base, specexample.Credentials(bad.Op)); status/100 != 2 {
		t.Errorf("the misspelt field: %d, want the API's 2xx (it ignores unknown fields)", status)
	}
	// The same request without its credentials: refused, as the API does.
	if status := bad.Send(t, base, http.Header{}); status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", status)
	}
	findings := strings.SplitAfter(log.String(), "\n")
	prefix := "finding: " + bad.Op.Method + " " + bad.Path + ": " + bad.Op.Name() + ": "
	if len(findings) != 3 || findings[0] != line || !strings.HasPrefix(findings[1], prefix) || !strings.HasSuffix(findings[1], " (refused)\n") ||
		!strings.Contains(findings[1], bad.Detail()) || !strings.Contains(findings[1], "header "+bad.Op.Security[0]+": value is required but missing") {
		t.Errorf("finding lines:\n%q\nwant\n%q and the refused one naming the field and header %s", findings, line, bad.Op.Security[0])
	}

	strict, strictLog := handler(t, servedsandbox.Config{Strict: true})
	body, _ := json.Marshal(bad.Body)
	req, _ := http.NewRequest(bad.Op.Method, strict+bad.Path, bytes.NewReader(body))
	req.Header = specexample.Credentials(bad.Op)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The error comes in the shape the operation documents: read it as
	// any shape the sandbox writes. A shape with no place for the reason
	// code or the details says them in its description.
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	code, description, details, parsed := spec.ParseError(answer)
	if resp.StatusCode != http.StatusBadRequest || !parsed || (code != "" && code != gen.ReasonInvalidField) ||
		(details != bad.Detail() && !strings.HasSuffix(description, " "+bad.Detail())) {
		t.Errorf("strict: %d %s, want 400, reason %s, the details %q", resp.StatusCode, answer, gen.ReasonInvalidField, bad.Detail())
	}
	if want := strings.TrimSuffix(line, "\n") + " (refused)\n"; strictLog.String() != want {
		t.Errorf("strict log %q, want %q", strictLog.String(), want)
	}
}

// handler serves the sandbox of cfg (Open) with httptest on 127.0.0.1,
// and returns its URL and its log.
func handler(t *testing.T, cfg servedsandbox.Config) (string, *testutil.SyncBuffer) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	var log testutil.SyncBuffer
	s, err := servedsandbox.Open(context.Background(), cfg, base, &log)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = s
	srv.Start()
	t.Cleanup(srv.Close)
	return base, &log
}

// appKey is the app key the tests' clients use against the state file.
const appKey = sandbox.DefaultAppKey

// savedByCommand creates a configuration in the state file at path as a
// --sandbox command does (a session of the state file), and returns its
// id.
func savedByCommand(t *testing.T, path string) string {
	t.Helper()
	s, err := statefile.OpenSession(context.Background(), path, statefile.Exclusive, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	id := create(t, client(t, sandbox.InProcessURL, appKey, s.Sandbox().HTTPClient()))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return id
}

// inFile lists the configurations of appKey in the state file at path.
func inFile(t *testing.T, path string) []string {
	t.Helper()
	s, err := statefile.OpenSession(context.Background(), path, statefile.Shared, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ids := []string{}
	for _, c := range s.Sandbox().Configurations(appKey) {
		ids = append(ids, c.ID.String())
	}
	return ids
}

func client(t *testing.T, base, key string, hc *http.Client) *api.Client {
	t.Helper()
	opts := []api.Option{api.WithBaseURL(base), api.WithAppToken("any"), api.WithRetries(0)}
	if hc != nil {
		opts = append(opts, api.WithHTTPClient(hc))
	}
	c, err := api.NewClient(key, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func create(t *testing.T, c *api.Client) string {
	t.Helper()
	cfg, err := c.Configurations.Create(context.Background(), specexample.Typed[api.ConfigurationParams](t, specexample.CreateConfiguration, nil))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.ID.String()
}

// TestState: with a state file, the served sandbox loads it at start,
// saves each change before answering (under the same lock as --sandbox
// commands, which see it), and warns when another process changed the
// file meanwhile, its own state replacing it.
func TestState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	before := savedByCommand(t, path)
	r := run(t, servedsandbox.Config{StatePath: path}, listen.Defaults, time.Second)
	if r.ready["stateFile"] != path {
		t.Errorf("ready line stateFile: %v, want %s", r.ready["stateFile"], path)
	}
	c := client(t, r.url, appKey, nil)
	ctx := context.Background()
	list, err := c.Configurations.List(ctx)
	if err != nil || len(list) != 1 || list[0].ID.String() != before {
		t.Errorf("served list of the loaded state: %v %+v", err, list)
	}
	made := create(t, c)
	if ids := inFile(t, path); !reflect.DeepEqual(ids, []string{before, made}) {
		t.Errorf("state file after a served create: %q", ids)
	}
	if strings.Contains(r.stderr.String(), "warning") {
		t.Errorf("warning without a change by another process: %q", r.stderr.String())
	}
	savedByCommand(t, path) // another process changes the file
	if err := c.Configurations.Delete(ctx, api.MustParseUUID(made)); err != nil {
		t.Fatal(err)
	}
	if ids := inFile(t, path); !reflect.DeepEqual(ids, []string{before}) {
		t.Errorf("state file after a served delete: %q", ids)
	}
	if err := r.stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	for _, want := range []string{
		"state: " + path + " (1 configuration(s) loaded, saved after each change; --sandbox commands use app key sandbox-app-key)\n",
		"warning: sandbox state file " + path + " was changed by another process; the served sandbox's state replaces it\n",
	} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr: want %q in %q", want, r.stderr.String())
		}
	}
}

// TestStateRefused: a state file that cannot be used ends the run with
// its error before the ready line.
func TestStateRefused(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.json")
	if err := os.WriteFile(corrupt, []byte(`{"version":1,"configurations":{`), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(filepath.Join(dir, "gone", "state.json"), link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		corrupt: "sandbox state file " + corrupt + ": not a JSON object: empty or cut short",
		link:    "sandbox state file " + link + ": a symbolic link to " + filepath.Join(dir, "gone", "state.json") + ", which does not exist, nor its directory: not followed, nothing created",
	} {
		ln, err := listen.Listen("127.0.0.1:0", 4)
		if err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		err = servedsandbox.Run(context.Background(), ln, servedsandbox.Config{StatePath: path}, listen.Defaults, time.Second, &stdout, io.Discard)
		ln.Close()
		if _, ok := errors.AsType[*statefile.Error](err); !ok || err.Error() != want || stdout.Len() != 0 {
			t.Errorf("%s: %v, stdout %q; want %q before the ready line", filepath.Base(path), err, stdout.String(), want)
		}
	}
}

// TestStateHoldsNoAppKey: the state file stores a keyed hash of each app
// key, never the key in any form; a sandbox started again on the file
// serves each app key what it stored, and its issued tokens still work
// with token checking. A version 1 file (app keys as they are) is read
// as it is and written back as version 2 at the next change, the app
// keys gone from it.
func TestStateHoldsNoAppKey(t *testing.T) {
	keys := []string{"served-app-key-7d21c0", "other-app-key-e5"}
	path := filepath.Join(t.TempDir(), "state.json")
	cfg := servedsandbox.Config{CheckTokens: true, StatePath: path}
	createPath, createBody := specexample.Path(t, specexample.CreateConfiguration), specexample.Body(t, specexample.CreateConfiguration, nil)
	loginPath := specexample.Path(t, specexample.CreateToken)
	loginBody := specexample.Body(t, specexample.CreateToken, map[string]any{"partnerId": sandbox.DefaultPartnerID, "partnerSecret": sandbox.DefaultPartnerSecret})
	post := func(url, key, token, body string, v any) int {
		t.Helper()
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Finicity-App-Key", key)
		if token != "" {
			req.Header.Set("Finicity-App-Token", token)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("POST %s: %d %v", url, resp.StatusCode, err)
		}
		return resp.StatusCode
	}
	create := func(base, key, token string) string {
		t.Helper()
		var cfg struct{ ID string }
		if status := post(base+createPath, key, token, createBody, &cfg); status != http.StatusCreated {
			t.Fatalf("create: %d", status)
		}
		return cfg.ID
	}
	login := func(base, key string) string {
		t.Helper()
		var tok struct{ Token string }
		if post(base+loginPath, key, "", loginBody, &tok); tok.Token == "" {
			t.Fatal("login: no token")
		}
		return tok.Token
	}
	list := func(base, key, token string) []string {
		t.Helper()
		c, err := api.NewClient(key, api.WithAppToken(token), api.WithBaseURL(base), api.WithRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := c.Configurations.List(context.Background())
		if err != nil {
			t.Fatalf("list for %s: %v", key, err)
		}
		var ids []string
		for _, cfg := range cfgs {
			ids = append(ids, cfg.ID.String())
		}
		return ids
	}
	fileHoldsNoKey := func(when string) []byte {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		testutil.NoFormOf(t, "the state file "+when, string(data), keys...)
		testutil.NoFormOf(t, "the state file "+when, string(data), hex.EncodeToString([]byte(keys[0])))
		return data
	}

	r := run(t, cfg, listen.Defaults, time.Second)
	tokens := map[string]string{}
	ids := map[string]string{}
	for _, k := range keys {
		tokens[k] = login(r.url, k)
		ids[k] = create(r.url, k, tokens[k])
	}
	_ = r.stop()
	data := fileHoldsNoKey("after creates")
	if !strings.HasPrefix(string(data), `{"version":2,"appKeyHashKey":"`) {
		t.Errorf("state file: %.80s", data)
	}

	r = run(t, cfg, listen.Defaults, time.Second)
	for _, k := range keys {
		if got := list(r.url, k, tokens[k]); len(got) != 1 || got[0] != ids[k] {
			t.Errorf("after a restart, %s lists %q, want [%s]", k, got, ids[k])
		}
	}
	_ = r.stop()
	if !strings.Contains(r.stderr.String(), "(2 configuration(s) loaded") {
		t.Errorf("stderr: %s", r.stderr.String())
	}

	// A version 1 file, as earlier builds wrote it.
	const id = "605543e1-f507-48ad-8127-95c40566597b"
	v1 := `{"version":1,"configurations":{"` + keys[0] + `":[{"filterAccounts":["Savings"],"id":"` + id + `"}]},` +
		`"tokens":[{"token":"v1-token","appKey":"` + keys[0] + `","expires":"2999-01-01T00:00:00Z"}],"oauth":[]}` + "\n"
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, cfg, listen.Defaults, time.Second)
	if got := list(r.url, keys[0], "v1-token"); len(got) != 1 || got[0] != id {
		t.Errorf("version 1 file: %s lists %q", keys[0], got)
	}
	second := create(r.url, keys[0], "v1-token")
	_ = r.stop()
	fileHoldsNoKey("after a version 1 file was saved again")
	r = run(t, cfg, listen.Defaults, time.Second)
	if got := list(r.url, keys[0], "v1-token"); !slices.Equal(got, []string{id, second}) {
		t.Errorf("after the migration: %q, want %q", got, []string{id, second})
	}
}

// TestLongAppKey: an app key of 400 KB is answered with the API's 401
// (reason 10026) naming the limit, not refused by net/http's header cap
// with a bare 431; past MaxHeaderBytes it is that 431.
func TestLongAppKey(t *testing.T) {
	r := run(t, servedsandbox.Config{}, listen.Defaults, time.Second)
	for _, tc := range []struct {
		size   int
		status int
		want   string
	}{
		{400_000, http.StatusUnauthorized, `"ReasonCode":"10026"`},
		{servedsandbox.MaxHeaderBytes + 8192, http.StatusRequestHeaderFieldsTooLarge, ""},
	} {
		req, err := http.NewRequest("GET", r.url+specexample.Path(t, specexample.ListConfigurations), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Finicity-App-Key", strings.Repeat("k", tc.size))
		req.Header.Set("Finicity-App-Token", "t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !bytes.Contains(body, []byte(tc.want)) {
			t.Errorf("app key of %d bytes: %d %.300s; want %d with %s", tc.size, resp.StatusCode, body, tc.status, tc.want)
		}
		if tc.status == http.StatusUnauthorized && !bytes.Contains(body, []byte("at most 256 visible ASCII characters")) {
			t.Errorf("the 401 does not name the limit: %.300s", body)
		}
	}
}

// TestTimeouts: a client that sends its body slowly, or its headers, or
// keeps an idle keep-alive connection, is cut off after the read, header
// and idle timeouts.
func TestTimeouts(t *testing.T) {
	limits := listen.Defaults
	limits.ReadTimeout, limits.HeaderTimeout, limits.IdleTimeout = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	r := run(t, servedsandbox.Config{}, limits, time.Second)
	create, list := specexample.Path(t, specexample.CreateConfiguration), specexample.Path(t, specexample.ListConfigurations)
	createBody := specexample.Body(t, specexample.CreateConfiguration, nil)

	t.Run("slow body", func(t *testing.T) {
		conn := testutil.Dial(t, r.url)
		// Headers announce the whole body; only 10 bytes follow, and then
		// nothing.
		_, err := io.WriteString(conn, "POST "+create+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n"+
			"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(createBody))+"\r\n\r\n"+createBody[:10])
		if err != nil {
			t.Fatal(err)
		}
		testutil.ClosedWithin(t, conn, 5*time.Second)
	})
	t.Run("slow headers", func(t *testing.T) {
		conn := testutil.Dial(t, r.url)
		if _, err := io.WriteString(conn, "GET "+list+" HTTP/1.1\r\nHost: x\r\n"); err != nil {
			t.Fatal(err)
		}
		testutil.ClosedWithin(t, conn, 5*time.Second)
	})
	t.Run("idle keep-alive", func(t *testing.T) {
		conn := testutil.Dial(t, r.url)
		if _, err := io.WriteString(conn, "GET "+list+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("first request: %d, close %v", resp.StatusCode, resp.Close)
		}
		testutil.ClosedWithin(t, conn, 5*time.Second)
	})
	if err := r.stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
}

// TestShutdownGrace: once the context ends with a request still
// arriving, the served sandbox waits the grace, closes its connection,
// says so, and returns no error: the shutdown is bounded and is no
// failure.
func TestShutdownGrace(t *testing.T) {
	r := run(t, servedsandbox.Config{}, listen.Defaults, 200*time.Millisecond)
	conn := testutil.Dial(t, r.url)
	// A create whose body stops after its first byte.
	body := specexample.Body(t, specexample.CreateConfiguration, nil)
	if _, err := io.WriteString(conn, "POST "+specexample.Path(t, specexample.CreateConfiguration)+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n"+
		"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body[:1]); err != nil {
		t.Fatal(err)
	}
	// The request is in flight once the server answers nothing to it:
	// its handler waits for the body. Wait for that server-side state
	// through the server's own view: a GET on a second connection is
	// served, so the first one was accepted before it.
	if resp, err := http.Get(r.url + specexample.Path(t, specexample.ListConfigurations)); err == nil {
		resp.Body.Close()
	}
	if err := r.stop(); err != nil {
		t.Errorf("stop after the grace: %v, stderr %q", err, r.stderr.String())
	}
	if want := "shutting down\nrequests still in flight after the 200ms grace: their connections were closed\n"; !strings.HasSuffix(r.stderr.String(), want) {
		t.Errorf("stderr %q, want it to end with %q", r.stderr.String(), want)
	}
	testutil.ClosedWithin(t, conn, 5*time.Second)
}

// TestConnectionCap: with a cap of 2 connections, two requests in flight
// (bodies still arriving) hold a third connection back until one of them
// closes: a request in flight is never closed to make room. Two idle
// connections, keep-alive after a request or fresh with nothing sent, do
// not: at the cap the longest-idle one is closed once idle long enough,
// and the third is served.
func TestConnectionCap(t *testing.T) {
	// Timeouts longer than the test's guards: only the eviction can make
	// room in time.
	limits := listen.Defaults
	limits.MaxConnections, limits.HeaderTimeout, limits.IdleTimeout = 2, 30*time.Second, 60*time.Second
	r := run(t, servedsandbox.Config{}, limits, time.Second)
	create, list := specexample.Path(t, specexample.CreateConfiguration), specexample.Path(t, specexample.ListConfigurations)
	createBody := specexample.Body(t, specexample.CreateConfiguration, nil)
	get := func(conn net.Conn) error {
		if _, err := io.WriteString(conn, "GET "+list+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	// third dials a connection and GETs on it, reporting the outcome.
	third := func(t *testing.T) <-chan error {
		conn := testutil.Dial(t, r.url) // accepted by the kernel, waiting in the backlog
		answered := make(chan error, 1)
		go func() { answered <- get(conn) }()
		return answered
	}

	t.Run("requests in flight hold the cap", func(t *testing.T) {
		// Headers announce a body that does not come (yet).
		head := "POST " + create + " HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n" +
			"Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(createBody)) + "\r\n\r\n"
		testutil.CapHolds(t, r.url, head, createBody, http.StatusCreated,
			"GET "+list+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n\r\n", limits.IdleEvictAfter)
	})

	for _, keepAlive := range []bool{true, false} {
		name := "fresh idle connections make room"
		if keepAlive {
			name = "keep-alive idle connections make room"
		}
		t.Run(name, func(t *testing.T) {
			var idle []net.Conn
			for range 2 {
				conn := testutil.Dial(t, r.url)
				if keepAlive {
					if err := get(conn); err != nil {
						t.Fatal(err)
					}
				}
				idle = append(idle, conn)
			}
			select {
			case err := <-third(t):
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("idle connections held every slot: the third connection was not served")
			}
			// The longest idle was closed by the server to make room.
			testutil.ClosedWithin(t, idle[0], 10*time.Second)
		})
	}
}
