package harcheck_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/harcheck"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/proxy"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
	"github.com/finicity-go/connect-components/internal/tour"
)

// The tests take their operations, bodies and answers from the spec: a
// recording is made of the spec's examples (or through the proxy, of the
// journey through every operation), so a new operation or required field
// changes what is recorded and checked.

// check reads the recordings at paths and checks them with the scope of
// baseURL ("" for the spec's), as the validate command does, and renders
// the report in format.
func check(t *testing.T, format, baseURL string, paths ...string) (*harcheck.Report, string) {
	t.Helper()
	v, err := specdoc.Validator()
	if err != nil {
		t.Fatal(err)
	}
	scope, err := har.NewScope(v, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := harcheck.Read(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := harcheck.Check(context.Background(), v, scope, inputs)
	text, err := rep.Render(format)
	if err != nil {
		t.Fatal(err)
	}
	return rep, text
}

// junitReport is what a test reads of the JUnit XML report.
type junitReport struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name     string `xml:"name,attr"`
			Failures []struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, text string) junitReport {
	t.Helper()
	var r junitReport
	if err := xml.Unmarshal([]byte(text), &r); err != nil {
		t.Fatalf("not JUnit XML: %v\n%s", err, text)
	}
	return r
}

// TestProxyRecording: the journey through every operation of the spec,
// made by the SDK's client through the proxy in front of the sandbox,
// recorded as a HAR: its JUnit report has every exchange a test case and
// no failure; with one off-spec request more (a misspelt field, which
// the sandbox answers as the API would), the proxy fails on it and the
// report has one failure, naming the field and the rule.
func TestProxyRecording(t *testing.T) {
	bad := specexample.Misspelt(t)
	m := specdoc.MustModel()
	for _, tc := range []struct {
		name     string
		offSpec  bool
		failures int
	}{
		{"a clean journey", false, 0},
		{"one off-spec request", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := httptest.NewServer(sandbox.New(sandbox.WithResponseValidation(func(err error) { t.Errorf("the sandbox: %v", err) })))
			defer up.Close()
			upstream, _ := url.Parse(up.URL)
			harPath := filepath.Join(t.TempDir(), "traffic.har")
			h, err := proxy.CreateHAR(harPath)
			if err != nil {
				t.Fatal(err)
			}
			p, err := proxy.New(proxy.Options{Upstream: upstream, HAR: h})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(p)
			c, err := api.NewClient("ci-app-key-3c9d", api.WithBaseURL(srv.URL), api.WithRetries(0),
				api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := journey.New(m, journey.Options{Values: map[string]any{"partner-id": sandbox.DefaultPartnerID, "partner-secret": sandbox.DefaultPartnerSecret}})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range plan.Run(context.Background(), tour.Send(c), nil) {
				if !r.OK() {
					t.Errorf("%s: %d %v %s", r.Step.Op.Name(), r.Status, r.Err, r.Skipped)
				}
			}
			if tc.offSpec {
				if status := bad.Send(t, srv.URL, specexample.Credentials(bad.Op)); status/100 != 2 {
					t.Errorf("the sandbox answered the misspelt field %d, want the API's 2xx (it ignores unknown fields)", status)
				}
			}
			srv.Close()
			_ = p.Close()
			var fe *proxy.FailOnError
			if err := p.Summarize(io.Discard, io.Discard, proxy.FailOnViolations); errors.As(err, &fe) != tc.offSpec {
				t.Errorf("the proxy's summary: %v", err)
			}

			rep, text := check(t, harcheck.FormatJUnit, "", harPath)
			if rep.Totals.Violations != tc.failures {
				t.Errorf("%d violation(s), want %d", rep.Totals.Violations, tc.failures)
			}
			r := parseJUnit(t, text)
			ops := len(m.Operations)
			if r.Failures != tc.failures || r.Skipped != 0 || len(r.Suites) != 1 || r.Tests < ops {
				t.Errorf("report: %d test(s), %d failure(s), %d skipped; want every exchange a test, %d failure(s)\n%s", r.Tests, r.Failures, r.Skipped, tc.failures, text)
			}
			var messages, names []string
			for _, c := range r.Suites[0].Cases {
				names = append(names, c.Name)
				for _, f := range c.Failures {
					messages = append(messages, c.Name+" | "+f.Type+" | "+f.Message)
				}
			}
			// Every operation is a test case, named by the operation and
			// its request line.
			for _, op := range m.Operations {
				if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, " "+op.Qualified()+" "+op.Method+" ") }) {
					t.Errorf("no test case for %s in %q", op.Qualified(), names)
				}
			}
			var want []string
			if tc.offSpec {
				want = []string{fmt.Sprintf("#%d %s %s %s | unknown field | %s", r.Tests, bad.Op.Qualified(), bad.Op.Method, bad.Path, bad.Detail())}
			}
			if !slices.Equal(messages, want) {
				t.Errorf("failures:\n%q\nwant\n%q", messages, want)
			}
			testutil.NoFormOf(t, "the report", text, sandbox.DefaultPartnerSecret, "ci-app-key-3c9d")
		})
	}
}

// devtoolsHAR is a recording as a browser's devtools write one: HTTP/2
// pseudo-headers and lower-case names, extras whose names start with
// "_", answers in base64, raw credentials, a page's own requests beside
// the API's, and an answer whose body was not kept. Every operation of
// the spec is there once, with its examples; base is where the API is.
func devtoolsHAR(t *testing.T, base string, secrets devtoolsSecrets) []byte {
	t.Helper()
	m := specdoc.MustModel()
	var entries []map[string]any
	for _, op := range m.Operations {
		c := specexample.CallOf(t, op)
		u := base + c.Path
		parsed, _ := url.Parse(u)
		headers := []map[string]string{
			{"name": ":authority", "value": parsed.Host}, {"name": ":method", "value": op.Method},
			{"name": ":path", "value": c.Path}, {"name": ":scheme", "value": parsed.Scheme},
		}
		for _, name := range op.Security {
			value := secrets.appKey
			if !strings.EqualFold(name, "Finicity-App-Key") {
				value = secrets.token
			}
			headers = append(headers, map[string]string{"name": strings.ToLower(name), "value": value})
		}
		request := map[string]any{"method": op.Method, "url": u, "httpVersion": "http/2.0", "headers": headers,
			"queryString": []any{}, "cookies": []any{}, "headersSize": -1, "bodySize": 0}
		if op.Body != nil {
			body, _ := json.Marshal(secrets.fill(m, c.Body))
			headers = append(headers, map[string]string{"name": "content-type", "value": op.Body.ContentType})
			request["headers"] = headers
			request["postData"] = map[string]any{"mimeType": op.Body.ContentType, "text": string(body)}
		}
		ok := op.Successes()[0]
		content := map[string]any{"size": 0, "mimeType": ok.ContentType}
		respHeaders := []map[string]string{}
		if ok.JSON && ok.Schema != nil {
			v, found := ok.Example()
			if !found {
				if v, found = spec.Synthesize(ok.Schema, true); !found {
					t.Fatalf("openapi.yaml#%s: the %s answer of %s has no example (internal/harcheck/harcheck_test.go)", ok.Pointer, ok.Status, op.Name())
				}
			}
			text, _ := json.Marshal(secrets.fill(m, v))
			content = map[string]any{"size": len(text), "mimeType": ok.ContentType, "encoding": "base64", "text": base64.StdEncoding.EncodeToString(text)}
			respHeaders = append(respHeaders, map[string]string{"name": "content-type", "value": ok.ContentType})
		}
		entries = append(entries, map[string]any{
			"_initiator": map[string]any{"type": "script"}, "_priority": "High", "_resourceType": "fetch",
			"startedDateTime": "2026-03-02T10:00:00.000Z", "time": 12.5, "cache": map[string]any{},
			"timings":  map[string]any{"send": 0.1, "wait": 12, "receive": 0.4},
			"request":  request,
			"response": map[string]any{"status": ok.Code, "statusText": "", "httpVersion": "http/2.0", "headers": respHeaders, "cookies": []any{}, "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
		})
	}
	// The page's own requests: not the API's.
	for _, u := range []string{"https://app.example.com/index.html", "https://fonts.example.net/inter.woff2"} {
		entries = append(entries, map[string]any{
			"startedDateTime": "2026-03-02T10:00:00.000Z", "time": 1, "cache": map[string]any{}, "timings": map[string]any{},
			"request":  map[string]any{"method": "GET", "url": u + "?session=" + secrets.token, "httpVersion": "http/2.0", "headers": []any{}, "queryString": []any{}, "cookies": []any{}},
			"response": map[string]any{"status": 200, "headers": []any{}, "content": map[string]any{"size": 10, "mimeType": "text/html", "text": "<html></html>"}},
		})
	}
	// The first operation again, its answer's body not kept.
	dropped, _ := json.Marshal(entries[0])
	var again map[string]any
	_ = json.Unmarshal(dropped, &again)
	resp := again["response"].(map[string]any)
	if content := resp["content"].(map[string]any); content["text"] != nil {
		delete(content, "text")
		delete(content, "encoding")
		content["size"] = 100
	}
	entries = append(entries, again)
	data, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2",
		"creator": map[string]any{"name": "WebInspector", "version": "537.36"}, "pages": []any{}, "entries": entries}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// devtoolsSecrets are the raw credentials of a devtools recording.
type devtoolsSecrets struct{ appKey, token, secret string }

// fill sets every secret field of a JSON value (partnerSecret, token) to
// the recording's raw secret.
func (s devtoolsSecrets) fill(m *spec.Model, v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if _, isString := e.(string); isString && m.Secrets.IsField(k) {
				out[k] = s.secret
				continue
			}
			out[k] = s.fill(m, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.fill(m, e)
		}
		return out
	}
	return v
}

// TestDevtoolsRecording: a browser's recording of every operation is
// checked whole (base64 answers decoded, pseudo-headers and extras
// ignored), the page's own requests are skipped and counted, an answer
// whose body was not kept is informational; no raw credential of the
// recording shows in any format, in any form.
func TestDevtoolsRecording(t *testing.T) {
	secrets := devtoolsSecrets{appKey: "devtools-app-key-1f7e", token: "devtools-token-b4a2c9", secret: "devtools-partner-secret-88d1"}
	ops := len(specdoc.MustModel().Operations)
	file := filepath.Join(t.TempDir(), "devtools.har")
	if err := os.WriteFile(file, devtoolsHAR(t, "https://api.finicity.com", secrets), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{harcheck.FormatText, harcheck.FormatJSON, harcheck.FormatJUnit} {
		t.Run(format, func(t *testing.T) {
			rep, text := check(t, format, "", file)
			if want := (harcheck.Totals{Files: 1, Exchanges: ops + 3, Checked: ops + 1, Skipped: 2, Informational: 1}); rep.Totals != want {
				t.Errorf("totals %+v, want %+v", rep.Totals, want)
			}
			testutil.NoFormOf(t, format, text, secrets.appKey, secrets.token, secrets.secret)
			switch format {
			case harcheck.FormatText:
				want := fmt.Sprintf("1 file(s), %d exchange(s): %d checked, 2 skipped; 0 violation(s) in 0 exchange(s), 1 informational\n", ops+3, ops+1)
				if !strings.HasSuffix(text, want) || !strings.Contains(text, "  skip  #"+strconv.Itoa(ops+1)+" GET https://app.example.com/index.html: not the API") ||
					!strings.Contains(text, "response: body: not in the recording: not checked (informational)") {
					t.Errorf("text report:\n%s\nwant it to end %q", text, want)
				}
			case harcheck.FormatJSON:
				var decoded harcheck.Report
				if err := json.Unmarshal([]byte(text), &decoded); err != nil {
					t.Fatal(err)
				}
				if decoded.Totals != rep.Totals || len(decoded.Files) != 1 || decoded.Files[0].File != file {
					t.Errorf("JSON report: %+v", decoded)
				}
				for _, x := range decoded.Files[0].Exchanges[:ops] {
					if x.Operation.Method == "" || x.Status == 0 || len(x.Findings) != 0 {
						t.Errorf("entry %d: %+v", x.Entry, x)
					}
				}
			case harcheck.FormatJUnit:
				r := parseJUnit(t, text)
				if r.Tests != ops+3 || r.Failures != 0 || r.Skipped != 2 || r.Suites[0].Cases[ops].Skipped == nil {
					t.Errorf("junit: %+v", r)
				}
				if out := r.Suites[0].Cases[ops+2].SystemOut; !strings.Contains(out, "not in the recording") {
					t.Errorf("the informational finding is not in system-out: %q", out)
				}
			}
		})
	}
	if _, err := (&harcheck.Report{}).Render("xml"); err == nil {
		t.Error("Render of an unknown format: no error")
	}
}

// TestScope: without a base URL the API is the spec's servers' host, or
// any host for a path the spec has; with one, only what is below it, the
// rest of the path routed.
func TestScope(t *testing.T) {
	secrets := devtoolsSecrets{appKey: "scope-app-key", token: "scope-token", secret: "scope-secret"}
	ops := len(specdoc.MustModel().Operations)
	dir := t.TempDir()
	write := func(name, base string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, devtoolsHAR(t, base, secrets), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	local, prefixed := write("local.har", "http://127.0.0.1:4010"), write("prefixed.har", "http://127.0.0.1:4011/api")
	cases := []struct {
		base             string
		file             string
		checked, skipped int
	}{
		{"", local, ops + 1, 2},
		{"", prefixed, 0, ops + 3},
		{"http://127.0.0.1:4011/api", prefixed, ops + 1, 2},
		{"http://127.0.0.1:4011/api", local, 0, ops + 3},
	}
	for _, tc := range cases {
		rep, _ := check(t, harcheck.FormatJSON, tc.base, tc.file)
		if rep.Totals.Violations != 0 || rep.Totals.Checked != tc.checked || rep.Totals.Skipped != tc.skipped {
			t.Errorf("base %q, %s: %+v; want %d checked, %d skipped", tc.base, filepath.Base(tc.file), rep.Totals, tc.checked, tc.skipped)
		}
	}
}

// TestRead: "-" reads stdin, named so in the report; a recording that
// cannot be read or is not a HAR is a *harcheck.ReadError naming it.
func TestRead(t *testing.T) {
	dir := t.TempDir()
	notHAR := filepath.Join(dir, "not.har")
	if err := os.WriteFile(notHAR, []byte(`{"entries":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.har")
	if err := os.WriteFile(broken, []byte(`{"log":{"entries":[`), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.har")
	for path, want := range map[string]string{
		missing: "cannot read " + missing + ": no such file or directory",
		notHAR:  "cannot read " + notHAR + `: not a HAR file: no "log"`,
		broken:  "cannot read " + broken + ": not a HAR file: the JSON ends early",
	} {
		_, err := harcheck.Read([]string{path}, nil)
		if re, ok := errors.AsType[*harcheck.ReadError](err); !ok || re.Name != path || err.Error() != want {
			t.Errorf("Read(%s): %v, want %q", filepath.Base(path), err, want)
		}
	}
	secrets := devtoolsSecrets{appKey: "read-app-key", token: "read-token", secret: "read-secret"}
	inputs, err := harcheck.Read([]string{"-"}, strings.NewReader(string(devtoolsHAR(t, "https://api.finicity.com", secrets))))
	if err != nil || len(inputs) != 1 || inputs[0].Name != "-" || len(inputs[0].HAR.Log.Entries) != len(specdoc.MustModel().Operations)+3 {
		t.Errorf("stdin: %v %+v", err, inputs)
	}
}
