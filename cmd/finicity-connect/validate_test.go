package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// The tests of finicity-connect validate take their operations, bodies
// and answers from the spec: a recording is made of the spec's examples
// (or through the proxy, of the journey through every operation), so a
// new operation or required field changes what is recorded and checked.

// specAt names a spec location and this file, for a failure about what
// the spec lacks.
func specAt(pointer string) string {
	return "openapi.yaml#" + pointer + " (cmd/finicity-connect/validate_test.go)"
}

// exampleCall is an operation called with its examples' values: its
// escaped path, its JSON body (nil for none).
type exampleCall struct {
	op   *spec.Operation
	args spec.Args
	path string
	body any
}

// callOf makes op's call from spec.Operation.ExampleArgs.
func callOf(t *testing.T, op *spec.Operation) exampleCall {
	t.Helper()
	args, ok := op.ExampleArgs()
	if !ok {
		t.Fatalf("%s: %s has an argument with no valid example and none can be synthesized", specAt(op.Pointer), op.Name())
	}
	path := op.Path
	for i, p := range op.PathParams {
		path = strings.Replace(path, "{"+p.Name+"}", url.PathEscape(wireValue(args.Path[i])), 1)
	}
	return exampleCall{op: op, args: args, path: path, body: args.Body}
}

// wireValue writes a JSON scalar as a URL writes it.
func wireValue(v any) string {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return fmt.Sprint(v)
}

// offSpec is a request that breaks the spec in one way only: the body of
// an operation's example with one optional field renamed by the case of
// its last letter (configurationId sent as configurationID), which the
// spec does not define and the API ignores.
type offSpec struct {
	exampleCall
	field string // the misspelt name
}

// misspelt finds the first operation whose example body has an optional
// field (not a credential), and misspells it.
func misspelt(t *testing.T) offSpec {
	t.Helper()
	m := specdoc.MustModel()
	for _, op := range m.Operations {
		if op.Body == nil || !op.Body.JSON {
			continue
		}
		c := callOf(t, op)
		body, ok := c.body.(map[string]any)
		if !ok {
			continue
		}
		_, required := spec.Properties(op.Body.Schema.Value)
		keys := make([]string, 0, len(body))
		for k := range body {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if slices.Contains(required, k) || m.Secrets.IsField(k) {
				continue
			}
			wrong := flipLast(k)
			if where, err := specdoc.PropertyDefined(wrong); err != nil || where != "" {
				continue
			}
			edited := map[string]any{}
			for name, v := range body {
				edited[name] = v
			}
			edited[wrong] = edited[k]
			delete(edited, k)
			c.body = edited
			return offSpec{exampleCall: c, field: wrong}
		}
	}
	t.Fatalf("%s: no operation has a JSON body example with an optional field to misspell", specAt("/paths"))
	return offSpec{}
}

// flipLast changes the case of a name's last letter.
func flipLast(s string) string {
	last := s[len(s)-1:]
	if up := strings.ToUpper(last); up != last {
		return s[:len(s)-1] + up
	}
	return s[:len(s)-1] + strings.ToLower(last)
}

// detail is how every check words the off-spec field.
func (o offSpec) detail() string {
	return "body " + o.field + ": unknown field: not defined by the spec (names are exact and case-sensitive)"
}

// send sends the request to base with the headers the operation's
// security requires.
func (c exampleCall) send(t *testing.T, base string, header http.Header) int {
	t.Helper()
	var body []byte
	if c.op.Body != nil {
		body, _ = json.Marshal(c.body)
	}
	req, err := http.NewRequest(c.op.Method, base+c.path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if c.op.Body != nil {
		req.Header.Set("Content-Type", c.op.Body.ContentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// credentials are the headers an operation's security asks for, with
// made-up values.
func credentials(op *spec.Operation) http.Header {
	h := http.Header{}
	for _, name := range op.Security {
		h.Set(name, "ci-"+strings.ToLower(name)+"-value")
	}
	return h
}

// journeyValues are the flags the conformance journey needs to run every
// operation: each opt-in input with its parameter's example.
func journeyValues(t *testing.T) []string {
	t.Helper()
	var args []string
	for _, in := range journey.Inputs(specdoc.MustModel()) {
		if len(in.OptIn) == 0 {
			continue
		}
		v, ok := in.Param.Example()
		if !ok {
			t.Fatalf("%s: %s has no example, which the journey of cmd/finicity-connect/validate_test.go needs", specAt(in.Param.Pointer), in.Param.Name)
		}
		args = append(args, "--"+in.Name, wireValue(v))
	}
	return args
}

// junitReport is what a test reads of validate's JUnit XML.
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

// TestValidateProxyRecording: the journey through every operation of the
// spec, made by the CLI's own client through the proxy in front of the
// sandbox, recorded as a HAR: validate --format junit exits 0 on it; with
// one off-spec request more (a misspelt field, which the sandbox answers
// as the API would), the proxy exits 1 (--fail-on violations) and
// validate exits 1 with one failure, naming the field and the rule.
func TestValidateProxyRecording(t *testing.T) {
	bad := misspelt(t)
	for _, tc := range []struct {
		name     string
		offSpec  bool
		code     int
		failures int
	}{
		{"a clean journey", false, exitOK, 0},
		{"one off-spec request", true, exitAPI, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := httptest.NewServer(sandbox.New(sandbox.WithResponseValidation(func(err error) { t.Errorf("the sandbox: %v", err) })))
			defer up.Close()
			p := startProxy(t, up.URL)
			env := map[string]string{envBaseURL: p.url, envAppKey: "ci-app-key-3c9d", envPartnerID: sandbox.DefaultPartnerID, envPartnerSecret: sandbox.DefaultPartnerSecret}
			journeyRun := cliRun(t, env, append([]string{"conformance"}, journeyValues(t)...)...)
			journeyRun.expect(t, exitOK, nil, []string{""})
			if tc.offSpec {
				if status := bad.send(t, p.url, credentials(bad.op)); status/100 != 2 {
					t.Errorf("the sandbox answered the misspelt field %d, want the API's 2xx (it ignores unknown fields)", status)
				}
			}
			out := p.stop()
			if out.code != tc.code {
				t.Errorf("proxy: exit %d, want %d: %s", out.code, tc.code, out.stderr)
			}

			v := cliRun(t, nil, "validate", "--format", "junit", p.har)
			if v.code != tc.code {
				t.Errorf("validate: exit %d, want %d\n%s%s", v.code, tc.code, v.stdout, v.stderr)
			}
			r := parseJUnit(t, v.stdout)
			ops := len(specdoc.MustModel().Operations)
			if r.Failures != tc.failures || r.Skipped != 0 || len(r.Suites) != 1 || r.Tests < ops {
				t.Errorf("report: %d test(s), %d failure(s), %d skipped; want every exchange a test, %d failure(s)\n%s", r.Tests, r.Failures, r.Skipped, tc.failures, v.stdout)
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
			for _, op := range specdoc.MustModel().Operations {
				if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, " "+op.Qualified()+" "+op.Method+" ") }) {
					t.Errorf("no test case for %s in %q", op.Qualified(), names)
				}
			}
			var want []string
			if tc.offSpec {
				want = []string{fmt.Sprintf("#%d %s %s %s | unknown field | %s", r.Tests, bad.op.Qualified(), bad.op.Method, bad.path, bad.detail())}
			}
			if !slices.Equal(messages, want) {
				t.Errorf("failures:\n%q\nwant\n%q", messages, want)
			}
			testutil.NoFormOf(t, "the report", v.stdout, sandbox.DefaultPartnerSecret, "ci-app-key-3c9d")
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
		c := callOf(t, op)
		u := base + c.path
		parsed, _ := url.Parse(u)
		headers := []map[string]string{
			{"name": ":authority", "value": parsed.Host}, {"name": ":method", "value": op.Method},
			{"name": ":path", "value": c.path}, {"name": ":scheme", "value": parsed.Scheme},
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
			body, _ := json.Marshal(secrets.fill(m, c.body))
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
					t.Fatalf("%s: the %s answer of %s has no example", specAt(ok.Pointer), ok.Status, op.Name())
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

// TestValidateDevtoolsRecording: a browser's recording of every operation
// is checked whole (base64 answers decoded, pseudo-headers and extras
// ignored), the page's own requests are skipped and counted, an answer
// whose body was not kept is informational; no raw credential of the
// recording shows in any format, in any form; the exit is 0.
func TestValidateDevtoolsRecording(t *testing.T) {
	secrets := devtoolsSecrets{appKey: "devtools-app-key-1f7e", token: "devtools-token-b4a2c9", secret: "devtools-partner-secret-88d1"}
	ops := len(specdoc.MustModel().Operations)
	file := filepath.Join(t.TempDir(), "devtools.har")
	if err := os.WriteFile(file, devtoolsHAR(t, "https://api.finicity.com", secrets), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json", "junit"} {
		t.Run(format, func(t *testing.T) {
			o := cliRun(t, nil, "validate", "--format", format, file)
			o.expect(t, exitOK, nil, []string{""})
			testutil.NoFormOf(t, format, o.stdout, secrets.appKey, secrets.token, secrets.secret)
			switch format {
			case "text":
				want := fmt.Sprintf("1 file(s), %d exchange(s): %d checked, 2 skipped; 0 violation(s) in 0 exchange(s), 1 informational\n", ops+3, ops+1)
				if !strings.HasSuffix(o.stdout, want) || !strings.Contains(o.stdout, "  skip  #"+strconv.Itoa(ops+1)+" GET https://app.example.com/index.html: not the API") ||
					!strings.Contains(o.stdout, "response: body: not in the recording: not checked (informational)") {
					t.Errorf("text report:\n%s\nwant it to end %q", o.stdout, want)
				}
			case "json":
				var rep validateReport
				o.decode(t, &rep)
				if want := (validateTotals{Files: 1, Exchanges: ops + 3, Checked: ops + 1, Skipped: 2, Informational: 1}); rep.Totals != want {
					t.Errorf("totals %+v, want %+v", rep.Totals, want)
				}
				for _, x := range rep.Files[0].Exchanges[:ops] {
					if x.Operation.Method == "" || x.Status == 0 || len(x.Findings) != 0 {
						t.Errorf("entry %d: %+v", x.Entry, x)
					}
				}
			case "junit":
				r := parseJUnit(t, o.stdout)
				if r.Tests != ops+3 || r.Failures != 0 || r.Skipped != 2 || r.Suites[0].Cases[ops].Skipped == nil {
					t.Errorf("junit: %+v", r)
				}
				if out := r.Suites[0].Cases[ops+2].SystemOut; !strings.Contains(out, "not in the recording") {
					t.Errorf("the informational finding is not in system-out: %q", out)
				}
			}
		})
	}
}

// TestValidateScope: without --base-url the API is the spec's servers'
// host, or any host for a path the spec has; with it, only what is below
// it, the rest of the path routed.
func TestValidateScope(t *testing.T) {
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
		args             []string
		checked, skipped int
	}{
		{[]string{local}, ops + 1, 2},
		{[]string{prefixed}, 0, ops + 3},
		{[]string{"--base-url", "http://127.0.0.1:4011/api", prefixed}, ops + 1, 2},
		{[]string{"--base-url", "http://127.0.0.1:4011/api", local}, 0, ops + 3},
	}
	for _, tc := range cases {
		o := cliRun(t, nil, append([]string{"validate", "--format", "json"}, tc.args...)...)
		var rep validateReport
		o.decode(t, &rep)
		if o.code != exitOK || rep.Totals.Checked != tc.checked || rep.Totals.Skipped != tc.skipped {
			t.Errorf("validate %q: exit %d, %+v; want %d checked, %d skipped", tc.args, o.code, rep.Totals, tc.checked, tc.skipped)
		}
	}
}

// TestValidateUsage: exit 2 for a usage error or an input that cannot be
// read, naming it; - reads stdin; --output writes the report to a file;
// --help shows validate's own exit codes.
func TestValidateUsage(t *testing.T) {
	dir := t.TempDir()
	notHAR := filepath.Join(dir, "not.har")
	if err := os.WriteFile(notHAR, []byte(`{"entries":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken.har")
	if err := os.WriteFile(broken, []byte(`{"log":{"entries":[`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "finicity-connect validate: no HAR file: give one or more, or - for stdin\n"},
		{[]string{"validate", "--format", "xml", notHAR}, `finicity-connect validate: invalid --format "xml": want text, json or junit` + "\n"},
		{[]string{"validate", filepath.Join(dir, "missing.har")}, "finicity-connect validate: cannot read " + filepath.Join(dir, "missing.har") + ": no such file or directory\n"},
		{[]string{"validate", notHAR}, "finicity-connect validate: cannot read " + notHAR + `: not a HAR file: no "log"` + "\n"},
		{[]string{"validate", broken}, "finicity-connect validate: cannot read " + broken + ": not a HAR file: the JSON ends early\n"},
		{[]string{"validate", "--base-url", "api.finicity.com", notHAR}, "finicity-connect validate: invalid --base-url: want an absolute http(s) URL"},
		{[]string{"validate", "-", "-"}, "finicity-connect validate: - is given twice"},
	} {
		o := cliRun(t, nil, tc.args...)
		if o.code != exitUsage || !strings.HasPrefix(o.stderr, tc.want) || o.stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want 2 and %q", tc.args, o.code, o.stderr, o.stdout, tc.want)
		}
	}

	secrets := devtoolsSecrets{appKey: "usage-app-key", token: "usage-token", secret: "usage-secret"}
	data := devtoolsHAR(t, "https://api.finicity.com", secrets)
	var stdout, stderr bytes.Buffer
	report := filepath.Join(dir, "report.xml")
	code := run(t.Context(), []string{"validate", "--format", "junit", "--output", report, "-"}, bytes.NewReader(data), &stdout, &stderr, func(string) string { return "" })
	written, err := os.ReadFile(report)
	if code != exitOK || stdout.Len() != 0 || stderr.Len() != 0 || err != nil {
		t.Fatalf("stdin to --output: exit %d, stdout %q, stderr %q, %v", code, stdout.String(), stderr.String(), err)
	}
	if r := parseJUnit(t, string(written)); r.Suites[0].Name != "-" || r.Tests == 0 {
		t.Errorf("report from stdin: %+v", r)
	}

	help := cliRun(t, nil, "validate", "--help")
	help.expect(t, exitOK, []string{"\nExit codes:\n  0  no violation", "\n  1  at least one violation", "\n  2  usage error"}, []string{""})
}
