package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/validation"
)

// anySpecFile is a spec of the kind real APIs publish, with no x-
// extension: the sandbox must answer all of it.
const anySpecFile = "testdata/anyapi.yaml"

// anySpec serves anySpecFile on 127.0.0.1 with a sandbox that fails t on
// any answer off the spec, and returns the model and a validator of the
// spec to check answers independently of the sandbox.
func anySpec(t *testing.T, opts ...sandbox.Option) (*spec.Model, *sandbox.Sandbox, *httptest.Server, *validation.Validator) {
	t.Helper()
	m, err := spec.Load(anySpecFile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := validation.NewFromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	opts = append([]sandbox.Option{sandbox.WithModel(m), sandbox.WithResponseValidation(func(err error) { t.Errorf("%v", err) })}, opts...)
	sb := sandbox.New(opts...)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return m, sb, srv, v
}

// exchange is one request to the fixture's sandbox, with its answer.
type exchange struct {
	req    *http.Request // as the server saw it, for validating the answer
	status int
	header http.Header
	body   []byte
}

// call sends method path (escaped as written) with the fixture's API key,
// unless key is empty, and a JSON body when there is one.
func call(t *testing.T, srv *httptest.Server, method, path, key, body string) exchange {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-Api-Key", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return exchange{req: httptest.NewRequest(method, path, nil), status: resp.StatusCode, header: resp.Header, body: got}
}

// jsonOf decodes a JSON text for comparing values.
func jsonOf(t *testing.T, text []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(text, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, text)
	}
	return v
}

// paramValue is a value of a parameter as a request writes it: its
// example, else one built from its schema.
func paramValue(t *testing.T, p *spec.Param) string {
	t.Helper()
	v, ok := p.Example()
	if !ok {
		if v, ok = spec.Synthesize(p.Schema, false); !ok {
			t.Fatalf("%s: no value for parameter %s", p.Pointer, p.Name)
		}
	}
	return fmt.Sprint(v)
}

// TestAnySpecAnswersEveryOperation: every operation of a spec with no x-
// extension answers its first documented success with a body that keeps
// to the spec: its example, its first named example, a value built from
// its schema where it has none (allOf, oneOf, anyOf) or only a broken one,
// a PDF and a CSV of their media types, and the headers it documents. The
// answer expected is the spec's: the example where it has a valid one,
// else spec.Synthesize's value of the schema; the table says which each
// operation of the fixture is, so the fixture keeps every case.
func TestAnySpecAnswersEveryOperation(t *testing.T) {
	m, _, srv, v := anySpec(t)
	const (
		example = "its example"
		named   = "its first named example"
		schema  = "a value built from its schema"
		none    = "no body"
	)
	// Where each operation's answer comes from, and its status.
	want := map[string]struct {
		status int
		source string
	}{
		"listApplications":        {200, example},
		"listPartnerApplications": {200, named},
		// Its example is broken (id not a number, createdOn not a date).
		"getPartnerApplication": {200, schema},
		"getAccount":            {200, schema}, // anyOf
		"listEvents":            {200, schema}, // allOf
		// oneOf, and the first of two 2xx statuses (201, 202).
		"createPayment": {201, schema},
		"health":        {204, none},
	}
	for _, op := range m.Operations {
		path := op.Path
		for _, p := range op.PathParams {
			path = strings.Replace(path, "{"+p.Name+"}", paramValue(t, p), 1)
		}
		body := ""
		if op.Body != nil {
			value, ok := op.Body.Example()
			if !ok {
				value, _ = spec.Synthesize(op.Body.Schema, false)
			}
			data, err := json.Marshal(value)
			if err != nil {
				t.Fatal(err)
			}
			body = string(data)
		}
		got := call(t, srv, op.Method, path, "key-1", body)
		if err := v.ValidateResponse(context.Background(), got.req, got.status, got.header, got.body); err != nil {
			t.Errorf("%s %s: the answer breaks the spec: %v", op.Method, path, err)
		}
		if got.status < 200 || got.status > 299 {
			t.Errorf("%s %s: %d %s, want a 2xx", op.Method, path, got.status, got.body)
			continue
		}
		switch op.ID {
		case "getStatement":
			if ct := got.header.Get("Content-Type"); ct != "application/pdf" || got.status != 200 {
				t.Errorf("statement: %d %s, want 200 application/pdf", got.status, ct)
			}
			checkPDF(t, got.body)
			continue
		case "exportTransactions":
			if ct := got.header.Get("Content-Type"); ct != "text/csv" || got.status != 200 || string(got.body) != "id,name\n1,sandbox\n" {
				t.Errorf("transactions: %d %s %q, want 200 text/csv with a header and a row", got.status, ct, got.body)
			}
			continue
		case "listEvents":
			if h := got.header.Get("X-Rate-Limit-Remaining"); h != "0" {
				t.Errorf("events: X-Rate-Limit-Remaining %q, want the documented required header (0)", h)
			}
		}
		w, ok := want[op.ID]
		if !ok {
			t.Errorf("%s: no expected answer: add one to this test", op.ID)
			continue
		}
		r := op.Response(w.status)
		if r == nil {
			t.Errorf("%s (%s): no documented %d answer, which this test expects", op.ID, anySpecFile, w.status)
			continue
		}
		if wantType := r.ContentType; got.status != w.status || got.header.Get("Content-Type") != wantType {
			t.Errorf("%s: %d %q, want %d %q", op.ID, got.status, got.header.Get("Content-Type"), w.status, wantType)
		}
		var wantBody any
		switch w.source {
		case none:
			if r.Schema != nil || len(got.body) != 0 {
				t.Errorf("%s: body %s (documented schema %v), want none", op.ID, got.body, r.Schema != nil)
			}
			continue
		case example, named:
			// The first valid example, of the kind the case names.
			for _, e := range r.Examples {
				if e.Err == nil {
					if (e.Name == "") != (w.source == example) {
						t.Errorf("%s: its first valid example is %q, want %s (%s#%s)", op.ID, e.Name, w.source, anySpecFile, r.Pointer)
					}
					wantBody = e.Value
					break
				}
			}
		case schema:
			if ex, ok := r.Example(); ok {
				t.Errorf("%s: a valid example %v, but this case wants no usable one (%s#%s)", op.ID, ex, anySpecFile, r.Pointer)
			}
			var built bool
			if wantBody, built = spec.Synthesize(r.Schema, true); !built {
				t.Errorf("%s: no value can be built from the schema (%s#%s)", op.ID, anySpecFile, r.Pointer)
			}
		}
		if g := jsonOf(t, got.body); !reflect.DeepEqual(g, wantBody) {
			t.Errorf("%s (%s):\ngot  %s\nwant %s", op.ID, w.source, got.body, mustJSONText(t, wantBody))
		}
	}
}

// mustJSONText is v as JSON text, for messages.
func mustJSONText(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// exampleAnswer is the first valid example of the first success of
// operation id of m, as JSON text.
func exampleAnswer(t *testing.T, m *spec.Model, id string) []byte {
	t.Helper()
	op := sandbox.SpecOp(t, m, id)
	s := op.Successes()
	if len(s) == 0 {
		t.Fatalf("%s#%s: %s documents no success, which this test expects", anySpecFile, op.Pointer, id)
	}
	v, ok := s[0].Example()
	if !ok {
		t.Fatalf("%s#%s: no valid example, which this test expects", anySpecFile, s[0].Pointer)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkPDF checks body is a PDF document a reader opens: the header, the
// end marker, and a startxref that points at the cross-reference table.
func checkPDF(t *testing.T, body []byte) {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("%PDF-")) || !bytes.HasSuffix(body, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF document: %q", body)
	}
	i := bytes.LastIndex(body, []byte("startxref\n"))
	end := bytes.IndexByte(body[i+len("startxref\n"):], '\n')
	off, err := strconv.Atoi(string(body[i+len("startxref\n") : i+len("startxref\n")+end]))
	if i < 0 || end < 0 || err != nil || off >= len(body) || !bytes.HasPrefix(body[off:], []byte("xref\n")) {
		t.Errorf("startxref does not point at the xref table: %q", body)
	}
}

// TestAnySpecBrokenExampleNotServed: the example that breaks its schema
// is never the answer, however often asked.
func TestAnySpecBrokenExampleNotServed(t *testing.T) {
	m, _, srv, _ := anySpec(t)
	op, _ := m.Operation("getPartnerApplication")
	examples := op.Responses[0].Examples
	if len(examples) != 1 || examples[0].Err == nil {
		t.Fatalf("the fixture's broken example is gone: %v", examples)
	}
	broken, _ := json.Marshal(examples[0].Value)
	for range 3 {
		got := call(t, srv, "GET", "/aggregation/v2/partners/applications/42", "key-1", "")
		if got.status != 200 || reflect.DeepEqual(jsonOf(t, got.body), jsonOf(t, broken)) {
			t.Fatalf("got %d %s, want 200 with an answer other than the broken example %s", got.status, got.body, broken)
		}
	}
}

// TestAnySpecRoutesExactly: /applications and
// /aggregation/v2/partners/applications share their trailing segments
// and each answers its own operation, every time and in every sandbox
// (no map order decides); a trailing slash, a prefix or an extra segment
// is not a route.
func TestAnySpecRoutesExactly(t *testing.T) {
	for range 5 { // a fresh model and sandbox each time
		m, _, srv, _ := anySpec(t)
		// Each answers its own documented example.
		plain, partner := exampleAnswer(t, m, "listApplications"), exampleAnswer(t, m, "listPartnerApplications")
		for range 40 {
			for path, want := range map[string][]byte{"/applications": plain, "/aggregation/v2/partners/applications": partner} {
				got := call(t, srv, "GET", path, "key-1", "")
				if got.status != 200 || !reflect.DeepEqual(jsonOf(t, got.body), jsonOf(t, want)) {
					t.Fatalf("GET %s: %d %s, want 200 %s", path, got.status, got.body, want)
				}
			}
		}
		for _, path := range []string{"/applications/", "/x/applications", "/aggregation/v2/partners/applications/", "/partners/applications",
			"/v2/partners/applications", "/aggregation/v2/partners/applications/42/x", "//applications"} {
			if got := call(t, srv, "GET", path, "key-1", ""); got.status != 404 {
				t.Errorf("GET %s: %d %s, want 404", path, got.status, got.body)
			}
		}
	}
}

// TestAnySpecErrorsInTheirShapes: each error comes in the shape its
// operation documents ({code, message} with an integer code, or {error:
// {code, message}} with a string one), a request no operation takes in
// the shape most operations document, every one checked against its
// schema.
func TestAnySpecErrorsInTheirShapes(t *testing.T) {
	m, sb, srv, v := anySpec(t)
	errorSchema := m.Doc.Components.Schemas["Error"]
	payment := sandbox.SpecOp(t, m, "createPayment")
	cases := []struct {
		name, method, path, key, body string
		status                        int
		want                          string
	}{
		{"unknown path", "GET", "/nope", "key-1", "", 404, `{"code":4041,"message":"The requested entity was not found. No operation for this path."}`},
		{"trailing slash", "GET", "/applications/", "key-1", "", 404, `{"code":4041,"message":"The requested entity was not found. No operation for this path."}`},
		{"method not allowed", "PUT", "/applications", "key-1", "", 405, `{"code":4041,"message":"Method not allowed. No operation for method PUT on this path."}`},
		{"query below its minimum", "GET", "/applications?limit=0", "key-1", "", 400,
			`{"code":10010,"message":"All request parameters could not be validated. query limit: number must be at least 1"}`},
		{"query not a date", "GET", "/applications?since=2024-13-45", "key-1", "", 400,
			`{"code":10010,"message":"All request parameters could not be validated. query since: must be a date such as 2024-11-28"}`},
		{"integer path parameter not one", "GET", "/aggregation/v2/partners/applications/abc", "key-1", "", 404,
			`{"code":4041,"message":"The requested entity was not found. path applicationId: must be an integer"}`},
		// The operation documents no 401: the closest status it does.
		{"no API key", "GET", "/applications", "", "", 400, `{"code":10026,"message":"Missing X-Api-Key header. The X-Api-Key header is required."}`},
		{"no API key, no 401 nor 400", "GET", "/aggregation/v2/partners/applications/42", "", "", 404, `{"code":10026,"message":"Missing X-Api-Key header. The X-Api-Key header is required."}`},
		{"payment without amount", "POST", "/payments", "key-1", sandbox.SpecBodyText(t, payment, map[string]any{"amount": sandbox.Absent}), 400,
			`{"error":{"code":"10010","message":"All request parameters could not be validated. body amount: value is required but missing"}}`},
	}
	for _, tc := range cases {
		got := call(t, srv, tc.method, tc.path, tc.key, tc.body)
		if got.status != tc.status || got.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: %d %q %s, want %d application/json", tc.name, got.status, got.header.Get("Content-Type"), got.body, tc.status)
		}
		if g, w := jsonOf(t, got.body), jsonOf(t, []byte(tc.want)); !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.name, got.body, tc.want)
		}
		if op, _, err := m.Find(tc.method, strings.Split(tc.path, "?")[0]); err == nil && op.Response(tc.status) != nil {
			if err := v.ValidateResponse(context.Background(), got.req, got.status, got.header, got.body); err != nil {
				t.Errorf("%s: the error breaks the spec: %v", tc.name, err)
			}
		} else if err := spec.Check(errorSchema.Value, jsonOf(t, got.body), true); err != nil {
			t.Errorf("%s: the error breaks the Error schema: %v", tc.name, err)
		}
	}

	// A scripted status the operation does not document comes in its
	// shape too.
	if err := sb.Inject("createPayment", 1, sandbox.Fault{Status: http.StatusServiceUnavailable}); err != nil {
		t.Fatal(err)
	}
	got := call(t, srv, "POST", "/payments", "key-1", sandbox.SpecBodyText(t, payment, nil))
	want := `{"error":{"code":"503","message":"Service Unavailable. Answer scripted by the test."}}`
	if got.status != 503 || !reflect.DeepEqual(jsonOf(t, got.body), jsonOf(t, []byte(want))) {
		t.Errorf("scripted 503: %d %s, want %s", got.status, got.body, want)
	}
}

// TestAnySpecByDocument: WithDocument serves a document as WithModel
// serves its model.
func TestAnySpecByDocument(t *testing.T) {
	m, err := spec.Load(anySpecFile)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sandbox.New(sandbox.WithDocument(m.Doc)))
	defer srv.Close()
	got := call(t, srv, "GET", "/applications", "key-1", "")
	if want := exampleAnswer(t, m, "listApplications"); got.status != 200 || !reflect.DeepEqual(jsonOf(t, got.body), jsonOf(t, want)) {
		t.Errorf("got %d %s, want 200 %s", got.status, got.body, want)
	}
}
