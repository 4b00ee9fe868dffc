package validation_test

// The checker's tests take their operations from the spec model, their
// requests and answers from the spec's examples, each case changing only
// what it tests: a new operation or required field (with its example)
// changes no case, and an operation a case needs that the spec lacks
// fails naming the spec location and this file.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

const thisFile = "internal/validation/check_test.go"

func at(pointer string) string { return "openapi.yaml#" + pointer + " (" + thisFile + ")" }

// lookup is the operation name (an api method), or the test fails naming
// it.
func lookup(t testing.TB, name string) *spec.Operation {
	t.Helper()
	op, ok := specdoc.MustModel().Lookup(name)
	if !ok {
		t.Fatalf("openapi.yaml has no operation %s, which %s checks", name, thisFile)
	}
	return op
}

// where is the first operation ok accepts.
func where(t testing.TB, what string, ok func(*spec.Operation) bool) *spec.Operation {
	t.Helper()
	for _, op := range specdoc.MustModel().Operations {
		if ok(op) {
			return op
		}
	}
	t.Fatalf("openapi.yaml has no %s, which %s checks", what, thisFile)
	return nil
}

// examplePath is op's path with its parameters' example values.
func examplePath(t testing.TB, op *spec.Operation) string {
	t.Helper()
	args, ok := op.ExampleArgs()
	if !ok {
		t.Fatalf("%s: %s has a parameter with no valid example", at(op.Pointer), op.Name())
	}
	p := op.Path
	for i, prm := range op.PathParams {
		v := args.Path[i]
		text := ""
		if f, isNumber := v.(float64); isNumber {
			text = strconv.FormatInt(int64(f), 10)
		} else {
			text, _ = v.(string)
		}
		p = strings.Replace(p, "{"+prm.Name+"}", url.PathEscape(text), 1)
	}
	return p
}

// request is op's request: its example path, the credentials its security
// asks for (made up), and header pairs set as given (a value of "" left
// out).
func request(t testing.TB, op *spec.Operation, header ...string) *http.Request {
	t.Helper()
	req := httptest.NewRequest(op.Method, "http://127.0.0.1"+examplePath(t, op), nil)
	for _, name := range op.Security {
		req.Header.Set(name, "made-up-"+strings.ToLower(name))
	}
	if op.Body != nil {
		req.Header.Set("Content-Type", op.Body.ContentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header[header[i]] = []string{header[i+1]}
		}
	}
	return req
}

// brief is what a test compares of a finding.
type brief struct{ Kind, In, Field string }

func briefs(fs []validation.Finding) []brief {
	out := []brief{}
	for _, f := range fs {
		out = append(out, brief{string(f.Kind), f.In, f.Field})
	}
	return out
}

// drop, as a value of example's edits, leaves the member out.
const drop = "\x00drop"

// rawJSON is a member written as it is: `"name":value`.
type rawJSON string

// example is the request body of op as the spec's example gives it, with
// edits: a dotted path set to a value (drop leaves it out), or, for a
// value no JSON encoder writes (invalid UTF-8, a name with a newline, a
// member named twice), set to raw JSON text as it is.
func example(t testing.TB, op *spec.Operation, edits map[string]any) string {
	t.Helper()
	if op.Body == nil {
		t.Fatalf("%s: %s takes no body, which %s sends", at(op.Pointer), op.Name(), thisFile)
	}
	body, ok := op.Body.Example()
	if !ok {
		t.Fatalf("%s: the body of %s has no valid example, which %s starts from", at(op.Body.Pointer), op.Name(), thisFile)
	}
	b, _ := json.Marshal(body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	var raws []string
	for path, value := range edits {
		parts := strings.Split(path, ".")
		m := v
		for _, p := range parts[:len(parts)-1] {
			next, _ := m[p].(map[string]any)
			if next == nil {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		last := parts[len(parts)-1]
		switch x := value.(type) {
		case rawJSON:
			// A placeholder, replaced in the text below.
			delete(m, last)
			marker := "\x01raw" + strconv.Itoa(len(raws))
			m[marker] = marker
			raws = append(raws, marker, string(x))
		default:
			if value == drop {
				delete(m, last)
			} else {
				m[last] = value
			}
		}
	}
	b, _ = json.Marshal(v)
	text := string(b)
	for i := 0; i < len(raws); i += 2 {
		marker, _ := json.Marshal(raws[i])
		text = strings.Replace(text, string(marker)+":"+string(marker), raws[i+1], 1)
	}
	return text
}

// grownField is a field the API might grow: one the spec does not define
// anywhere (specLacks proves it for every unknown field a case expects).
const grownField = "notInTheSpec"

// specLacks fails the test if the spec defines, anywhere, a field or a
// parameter that want expects to be unknown: a spec change adding it must
// fail naming it, not silently change what the case tests.
func specLacks(t *testing.T, want []brief) {
	t.Helper()
	for _, b := range want {
		if b.Kind != string(validation.KindUnknownField) && b.Kind != string(validation.KindUnknownParameter) {
			continue
		}
		name := b.Field[strings.LastIndex(b.Field, ".")+1:]
		if u, err := strconv.Unquote(name); err == nil {
			name = u
		}
		if where, err := specdoc.PropertyDefined(name); err != nil || where != "" {
			t.Fatalf("openapi.yaml defines %q (at %s, %v), which this case expects to be unknown: use a name the spec lacks in %s", name, where, err, thisFile)
		}
		for _, op := range specdoc.MustModel().Operations {
			for _, p := range op.Params() {
				if p.Name == name {
					t.Fatalf("%s: the spec defines the parameter %q, which this case expects to be unknown", at(p.Pointer), name)
				}
			}
		}
	}
}

// TestRequest: every rule a request is held to, each case one departure
// from the spec's example, found under its exact name, and no finding
// quotes a value.
func TestRequest(t *testing.T) {
	c := specdoc.MustValidator()
	login, oauth, create := lookup(t, "LoginForms.Create"), lookup(t, "OAuthURLs.Create"), lookup(t, "Configurations.Create")
	list, get, recon := lookup(t, "Configurations.List"), lookup(t, "Configurations.Get"), lookup(t, "Reconnections.Create")
	withQuery := func(r *http.Request, q string) *http.Request { r.URL.RawQuery = q; return r }
	withPath := func(r *http.Request, p string) *http.Request { r.URL.Path, r.URL.RawPath = p, ""; return r }
	withBody := func(r *http.Request) *http.Request {
		r.Body, r.ContentLength = io.NopCloser(strings.NewReader("{}")), 2
		return r
	}
	twice := func(r *http.Request, name string) *http.Request { r.Header.Add(name, r.Header.Get(name)); return r }
	intParam := func(op *spec.Operation) (int, string) {
		for i, p := range op.PathParams {
			if p.Schema.Value.Type.Is(openapi3.TypeInteger) {
				return i, p.Name
			}
		}
		t.Fatalf("%s: %s has no integer path parameter, which %s sends off its type", at(op.Pointer), op.Name(), thisFile)
		return 0, ""
	}
	setSegment := func(op *spec.Operation, i int, value string) string {
		parts := strings.Split(op.Path, "/")
		n := -1
		for j, part := range parts {
			if strings.HasPrefix(part, "{") {
				if n++; n == i {
					parts[j] = value
				}
			}
		}
		r := strings.Join(parts, "/")
		for _, p := range op.PathParams {
			r = strings.Replace(r, "{"+p.Name+"}", "1", 1)
		}
		return r
	}
	loginInt, loginIntName := intParam(login)
	cases := []struct {
		name string
		req  *http.Request
		body string
		want []brief
		op   *spec.Operation
	}{
		{"valid", request(t, login), example(t, login, nil), []brief{}, login},
		{"misspelled field", request(t, login),
			example(t, login, map[string]any{"configurationId": drop, "configurationID": "605543e1-f507-48ad-8127-95c40566597b"}),
			[]brief{{"unknown field", "body", "configurationID"}}, login},
		{"unknown nested field", request(t, login), example(t, login, map[string]any{"serviceAgreement.lang": "en"}),
			[]brief{{"unknown field", "body", "serviceAgreement.lang"}}, login},
		{"several at once", request(t, oauth),
			example(t, oauth, map[string]any{"redirectURI": drop, "redirectUrl": "https://a.example/", "customerId": 1}),
			[]brief{{"type", "body", "customerId"}, {"unknown field", "body", "redirectUrl"}, {"missing required", "body", "redirectURI"}}, oauth},
		{"any object stays open", request(t, recon), example(t, recon, map[string]any{"anything": 1}), []brief{}, recon},
		{"newline in a header", request(t, list, "X-Trace", "a\nb"), "", []brief{{"invalid header", "header", "X-Trace"}}, list},
		{"NUL in a header", request(t, list, "X-Trace", "a\x00b"), "", []brief{{"invalid header", "header", "X-Trace"}}, list},
		{"CR in a header", request(t, list, "X-Trace", "a\rb"), "", []brief{{"invalid header", "header", "X-Trace"}}, list},
		{"leading space in a header", request(t, list, "X-Trace", " ab"), "", []brief{{"invalid header", "header", "X-Trace"}}, list},
		{"invalid header name", request(t, list, "X Trace", "ab"), "", []brief{{"invalid header", "header", `"X Trace"`}}, list},
		{"trailing space in a header", request(t, list, "Finicity-App-Token", "token "), "", []brief{{"invalid header", "header", "Finicity-App-Token"}}, list},
		{"invalid UTF-8", request(t, login), example(t, login, map[string]any{"customerId": rawJSON("\"customerId\":\"1\xff\"")}),
			[]brief{{"invalid utf-8", "body", "customerId"}}, login},
		{"invalid UTF-8 nested", request(t, create),
			example(t, create, map[string]any{"filterAccounts": rawJSON("\"filterAccounts\":[\"ok\",\"b\xc3\"]")}),
			[]brief{{"invalid utf-8", "body", "filterAccounts.1"}}, create},
		{"path parameter", withPath(request(t, get), setSegment(get, 0, "not-a-uuid")), "",
			[]brief{{"bounds", "path", "configuration_id"}, {"format", "path", "configuration_id"}}, get},
		{"integer path parameter out of range", withPath(request(t, login), setSegment(login, loginInt, "99999999999999999999")), example(t, login, nil),
			[]brief{{"type", "path", loginIntName}}, login},
		{"no token", request(t, list, "Finicity-App-Token", ""), "", []brief{{"credentials", "header", "Finicity-App-Token"}}, list},
		{"not JSON", request(t, create), `{`, []brief{{"invalid json", "body", ""}}, create},
		{"text after the JSON", request(t, recon), `{}x`, []brief{{"invalid json", "body", ""}}, recon},
		{"a member named twice", request(t, create), example(t, create, map[string]any{"aoRequired": rawJSON(`"aoRequired":"no","aoRequired":true`)}),
			[]brief{{"duplicate key", "body", "aoRequired"}}, create},
		{"a name that would break a line", request(t, create), example(t, create, map[string]any{"a": rawJSON("\"a\\nb\":1")}),
			[]brief{{"unknown field", "body", `"a\nb"`}}, create},
		{"unknown query parameter", withQuery(request(t, list), grownField+"=1"), "", []brief{{"unknown parameter", "query", grownField}}, list},
		{"a query on a POST", withQuery(request(t, create), grownField+"=1&"+grownField+"=2"), example(t, create, nil),
			[]brief{{"unknown parameter", "query", grownField}}, create},
		{"a body on a GET", withBody(request(t, list)), "", []brief{{"unexpected body", "body", ""}}, list},
		{"a duplicated app key", twice(request(t, list), "Finicity-App-Key"), "", []brief{{"duplicate header", "header", "Finicity-App-Key"}}, list},
		{"unknown path", withPath(request(t, list), list.Path+"x"), "", []brief{{"unknown operation", "", ""}}, nil},
		{"trailing slash", withPath(request(t, list), list.Path+"/"), "", []brief{{"unknown operation", "", ""}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			specLacks(t, tc.want)
			route, got := c.CheckRequest(context.Background(), tc.req, []byte(tc.body))
			if !reflect.DeepEqual(briefs(got), tc.want) {
				t.Errorf("findings %+v, want %+v", got, tc.want)
			}
			var op *spec.Operation
			if route != nil {
				op = route.Op
			}
			if op != tc.op {
				t.Errorf("operation %v, want %v", op, tc.op)
			}
			for _, f := range got {
				if f.Direction != validation.Request || f.Rule == "" || f.Operation != validation.OperationOf(op) || f.Severity != validation.Violation {
					t.Errorf("finding %+v", f)
				}
				// Never a value of the request.
				for _, v := range []string{"made-up", "not-a-uuid", "https://a.example/", "a\nb", "99999999999999999999"} {
					if strings.Contains(f.String(), v) {
						t.Errorf("%q shows %q", f, v)
					}
				}
			}
		})
	}
}

// TestRules: each rule worded once, as every check words it; a body
// field's location is its JSON pointer, a parameter's its place and name.
func TestRules(t *testing.T) {
	c := specdoc.MustValidator()
	login, list, recon := lookup(t, "LoginForms.Create"), lookup(t, "Configurations.List"), lookup(t, "Reconnections.Create")
	check := func(req *http.Request, body string) []string {
		_, fs := c.CheckRequest(context.Background(), req, []byte(body))
		var out []string
		for _, f := range fs {
			out = append(out, f.Location+" | "+f.Detail())
		}
		return out
	}
	withQuery := request(t, list)
	withQuery.URL.RawQuery = grownField + "=1"
	trailing := request(t, list)
	trailing.URL.Path += "/"
	put := request(t, list)
	put.Method = http.MethodPut
	cases := []struct {
		name string
		got  []string
		want []string
	}{
		{"missing required field", check(request(t, login), example(t, login, map[string]any{"serviceAgreement.acceptedDate": drop})),
			[]string{"/serviceAgreement/acceptedDate | body serviceAgreement.acceptedDate: value is required but missing"}},
		{"missing body", check(request(t, recon), ""), []string{" | body: value is required but missing"}},
		{"missing credential", check(request(t, list, "Finicity-App-Key", ""), ""), []string{"header Finicity-App-Key | header Finicity-App-Key: value is required but missing"}},
		{"format", check(request(t, login), example(t, login, map[string]any{"serviceAgreement.acceptedDate": "yesterday"})),
			[]string{"/serviceAgreement/acceptedDate | body serviceAgreement.acceptedDate: " + spec.FormatRule("date-time")}},
		{"unknown field", check(request(t, login), example(t, login, map[string]any{grownField: 1})),
			[]string{"/" + grownField + " | body " + grownField + ": " + validation.RuleUnknownField}},
		{"unknown parameter", check(withQuery, ""), []string{"query " + grownField + " | query " + grownField + ": " + validation.RuleUnknownParameter}},
		{"text after the JSON", check(request(t, recon), `{} x`), []string{" | body: " + validation.RuleTrailingData}},
		{"trailing slash", check(trailing, ""), []string{" | no operation of the spec for GET " + list.Path + "/: trailing slash (the spec's path of " + list.Name() + " has none)"}},
		{"method not allowed", check(put, ""), []string{" | no operation of the spec for PUT " + list.Path + ": method not allowed (the path has " + methodsOf(list.Path) + ")"}},
	}
	for _, tc := range cases {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s:\n%q\nwant\n%q", tc.name, tc.got, tc.want)
		}
	}
}

// methodsOf lists the methods of the spec's operations at path.
func methodsOf(path string) string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace} {
		for _, op := range specdoc.MustModel().Operations {
			if op.Path == path && op.Method == m {
				out = append(out, m)
			}
		}
	}
	return strings.Join(out, ", ")
}

// answer is the example of op's documented answer status as a JSON
// object, with edits (drop leaves a member out).
func answer(t testing.TB, op *spec.Operation, status string, edits map[string]any) []byte {
	t.Helper()
	var r *spec.Response
	for _, x := range op.Responses {
		if x.Status == status {
			r = x
		}
	}
	if r == nil {
		t.Fatalf("%s: %s documents no %s answer, which %s checks", at(op.Pointer), op.Name(), status, thisFile)
	}
	v, ok := r.Example()
	if !ok {
		t.Fatalf("%s: the %s answer of %s has no valid example", at(r.Pointer), status, op.Name())
	}
	b, _ := json.Marshal(v)
	if len(edits) == 0 {
		return b
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: the %s answer of %s is not an object, which %s edits", at(r.Pointer), status, op.Name(), thisFile)
	}
	for k, e := range edits {
		if e == drop {
			delete(m, k)
		} else {
			m[k] = e
		}
	}
	b, _ = json.Marshal(m)
	return b
}

func TestResponse(t *testing.T) {
	c := specdoc.MustValidator()
	get := lookup(t, "Configurations.Get")
	req := request(t, get)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	cases := []struct {
		name   string
		status int
		body   []byte
		want   []brief
	}{
		{"documented", 200, answer(t, get, "200", nil), []brief{}},
		{"format", 200, answer(t, get, "200", map[string]any{"id": "605543e1"}), []brief{{"bounds", "body", "id"}, {"format", "body", "id"}}},
		{"type", 200, answer(t, get, "200", map[string]any{"aoRequired": "no"}), []brief{{"type", "body", "aoRequired"}}},
		{"unknown field", 200, answer(t, get, "200", map[string]any{grownField: "x"}), []brief{{"unknown field", "body", grownField}}},
		{"undocumented status", 202, answer(t, get, "200", nil), []brief{{"undocumented status", "", ""}}},
		{"missing required", 404, answer(t, get, "404", map[string]any{"Errors": drop, "errors": map[string]any{}}),
			[]brief{{"unknown field", "body", "errors"}, {"missing required", "body", "Errors"}}},
		{"invalid json", 200, []byte(`{`), []brief{{"invalid json", "body", ""}}},
		{"a member named twice", 200, append([]byte(`{"id":1,`), answer(t, get, "200", nil)[1:]...), []brief{{"duplicate key", "body", "id"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			specLacks(t, tc.want)
			_, got := c.CheckResponse(context.Background(), req, tc.status, jsonHeader, tc.body)
			if !reflect.DeepEqual(briefs(got), tc.want) {
				t.Errorf("findings %+v, want %+v", got, tc.want)
			}
			for _, f := range got {
				if f.Status != tc.status || f.Direction != validation.Response {
					t.Errorf("finding %+v", f)
				}
				if f.Informational() != (f.Kind == validation.KindUnknownField) {
					t.Errorf("%+v: informational %t", f, f.Informational())
				}
			}
			// The verdict: only violations make an error.
			err := c.ValidateResponse(context.Background(), req, tc.status, jsonHeader, tc.body)
			if (err != nil) != (len(validation.Violations(got)) > 0) {
				t.Errorf("ValidateResponse: %v for %+v", err, got)
			}
		})
	}
}

// TestDocumentedExamples: every example the spec documents, for every
// operation and status, passes the checker: closing the objects refuses
// nothing the spec itself shows.
func TestDocumentedExamples(t *testing.T) {
	c := specdoc.MustValidator()
	n := 0
	for _, op := range specdoc.MustModel().Operations {
		if op.Body != nil {
			for _, e := range op.Body.Examples {
				body, _ := json.Marshal(e.Value)
				if _, got := c.CheckRequest(context.Background(), request(t, op), body); len(got) != 0 {
					t.Errorf("%s: %v", at(e.Pointer), got)
				}
				n++
			}
		}
		for _, r := range op.Responses {
			if r.Code == 0 || !r.JSON {
				continue
			}
			for _, e := range r.Examples {
				body, _ := json.Marshal(e.Value)
				_, got := c.CheckResponse(context.Background(), request(t, op), r.Code, http.Header{"Content-Type": {r.ContentType}}, body)
				if len(got) != 0 {
					t.Errorf("%s: %v", at(e.Pointer), got)
				}
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no examples in the spec")
	}
}

// TestSpecChange: the checker follows the document it is given. A field
// the API grew is an unknown field until the spec gains it; then it is
// checked like any other, its type included.
func TestSpecChange(t *testing.T) {
	list := lookup(t, "Configurations.List")
	req := request(t, list)
	item := answer(t, lookup(t, "Configurations.Get"), "200", map[string]any{grownField: "default"})
	body := []byte("[" + string(item) + "]")
	hdr := http.Header{"Content-Type": {"application/json"}}
	unknown := []brief{{"unknown field", "body", "0." + grownField}}
	specLacks(t, unknown)
	_, before := specdoc.MustValidator().CheckResponse(context.Background(), req, 200, hdr, body)
	if !reflect.DeepEqual(briefs(before), unknown) || !before[0].Informational() || before[0].Location != "/0/"+grownField {
		t.Fatalf("before: %+v", before)
	}

	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	doc.Components.Schemas["Configuration"].Value.Properties[grownField] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
	_, c := checkerOf(t, doc)
	if _, after := c.CheckResponse(context.Background(), req, 200, hdr, body); len(after) != 0 {
		t.Errorf("after the spec gained the field: %+v", after)
	}
	_, typed := c.CheckResponse(context.Background(), req, 200, hdr, []byte(`[{"`+grownField+`":1}]`))
	if !reflect.DeepEqual(briefs(typed), []brief{{"type", "body", "0." + grownField}}) {
		t.Errorf("a number for the new string field: %+v", typed)
	}
	// The model's own document is not closed: the copy is.
	if ap := doc.Components.Schemas["Configuration"].Value.AdditionalProperties; ap.Has != nil {
		t.Error("the model's document was changed")
	}
}

// TestNumberRules: an integer body field too large for its Go type, or
// not an integer, is worded as the CLI words it. The spec has no such
// field yet: the test gives the create body one, of each size.
func TestNumberRules(t *testing.T) {
	create := lookup(t, "Configurations.Create")
	name := create.Body.Schema.Ref[strings.LastIndex(create.Body.Schema.Ref, "/")+1:]
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	body := doc.Components.Schemas[name]
	if body == nil || body.Value == nil {
		t.Fatalf("%s: the create body is not the component %q, which %s extends", at(create.Body.Pointer), name, thisFile)
	}
	for _, f := range []string{"int32", "int64"} {
		body.Value.Properties[grownField+f] = openapi3.NewSchemaRef("", openapi3.NewIntegerSchema().WithFormat(f))
	}
	m, c := checkerOf(t, doc)
	for _, tc := range []struct {
		field string
		value any
		rule  string
	}{
		{grownField + "int32", 3000000000, "out of range for int32"},
		{grownField + "int64", 1e19, "out of range for int64"},
		{grownField + "int32", 1.5, "must be an integer"},
	} {
		op, _ := m.Operation(create.ID)
		_, got := c.CheckRequest(context.Background(), request(t, create), []byte(example(t, op, map[string]any{tc.field: tc.value})))
		if len(got) != 1 || got[0].Detail() != "body "+tc.field+": "+tc.rule || got[0].Location != "/"+tc.field {
			t.Errorf("%s = %v: %+v, want %q", tc.field, tc.value, got, tc.rule)
		}
	}
}

// TestUnderBasePath: routing is exact, so an exchange below a base URL's
// path (a proxy's /proxy) is outside the spec unless the checker is told
// the path (Under), and then is checked like any other.
func TestUnderBasePath(t *testing.T) {
	c := specdoc.MustValidator()
	list := lookup(t, "Configurations.List")
	path := "/proxy" + list.Path
	prefixed := request(t, list)
	prefixed.URL.Path = path
	if _, _, err := c.FindRoute("GET", path); err == nil {
		t.Error("a prefixed path routed without Under")
	}
	if _, got := c.CheckRequest(context.Background(), prefixed, nil); len(got) != 1 || got[0].Kind != validation.KindUnknownOperation {
		t.Errorf("without Under: %v, want one unknown-operation finding", briefs(got))
	}
	under := c.Under("/proxy")
	if r, _, err := under.FindRoute("GET", path); err != nil || r.Op != list {
		t.Errorf("Under(/proxy): %v %v, want %s", r, err, list.ID)
	}
	route, got := under.CheckRequest(context.Background(), prefixed, nil)
	if route == nil || route.Op != list || len(got) != 0 {
		t.Errorf("Under(/proxy): %v %v, want %s and no finding", route, briefs(got), list.ID)
	}
	item := answer(t, lookup(t, "Configurations.Get"), "200", map[string]any{"id": "nope"})
	if err := under.ValidateResponse(context.Background(), prefixed, 200, http.Header{"Content-Type": {"application/json"}}, []byte("["+string(item)+"]")); err == nil {
		t.Error("Under(/proxy): a bad answer is no error")
	}
	if _, _, err := under.FindRoute("GET", list.Path); err == nil {
		t.Error("Under(/proxy): a path outside /proxy routed")
	}
	// A client adds the credentials after checking: CheckOutgoing takes
	// the security requirements as met, and checks the rest.
	bare := request(t, list, "Finicity-App-Key", "", "Finicity-App-Token", "")
	if _, got := c.CheckOutgoing(context.Background(), bare, nil); len(got) != 0 {
		t.Errorf("CheckOutgoing without credentials: %v", briefs(got))
	}
}

// TestFindRoute: routing is exact (spec.Model.Find): the same number of
// segments, no prefix, no trailing slash, each segment unescaped after
// splitting; a base path is taken off only when the caller declares it
// (Under).
func TestFindRoute(t *testing.T) {
	v := specdoc.MustValidator()
	list, get, recon := lookup(t, "Configurations.List"), lookup(t, "Configurations.Get"), lookup(t, "Reconnections.Create")
	byID := func(prefix string, op *spec.Operation, values ...string) string {
		p := op.Path
		for i, prm := range op.PathParams {
			p = strings.Replace(p, "{"+prm.Name+"}", values[i], 1)
		}
		return prefix + p
	}
	proxied := v.Under("/prefix/v1/")
	tests := []struct {
		v            *validation.Validator
		method, path string
		want         *spec.Operation
		wantParams   map[string]string
		wantErr      error
	}{
		{v, "GET", list.Path, list, map[string]string{}, nil},
		{v, "GET", list.Path + "/", nil, nil, spec.ErrPathNotFound},
		{v, "GET", list.Path + "//", nil, nil, spec.ErrPathNotFound},
		{v, "GET", byID("/prefix/v1", get, "abc"), nil, nil, spec.ErrPathNotFound},
		{proxied, "GET", byID("/prefix/v1", get, "abc"), get, map[string]string{get.PathParams[0].Name: "abc"}, nil},
		{proxied, "GET", "/prefix/v1" + list.Path + "/", nil, nil, spec.ErrPathNotFound},
		{proxied, "GET", byID("", get, "abc"), nil, nil, spec.ErrPathNotFound},
		{proxied, "GET", "/prefix/v10" + list.Path, nil, nil, spec.ErrPathNotFound},
		{v.Under("/a%2Fb"), "GET", "/a%2Fb" + list.Path, list, map[string]string{}, nil},
		{v.Under("/"), "GET", list.Path, list, map[string]string{}, nil},
		{v, "POST", byID("", recon, "c%201", "7"), recon, map[string]string{recon.PathParams[0].Name: "c 1", recon.PathParams[1].Name: "7"}, nil},
		{v, "POST", byID("", recon, "a%2Fb", "7"), recon, map[string]string{recon.PathParams[0].Name: "a/b", recon.PathParams[1].Name: "7"}, nil},
		{v, "GET", strings.Replace(list.Path, "/", "//", 2), nil, nil, spec.ErrPathNotFound},
		{v, "GET", "", nil, nil, spec.ErrPathNotFound},
		{v, "PATCH", list.Path, nil, nil, spec.ErrMethodNotAllowed},
	}
	for _, tc := range tests {
		r, params, err := tc.v.FindRoute(tc.method, tc.path)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("%s %q: got %v %v, want error %v", tc.method, tc.path, r, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.method, tc.path, err)
			continue
		}
		if r.Op != tc.want || r.Operation.OperationID != tc.want.ID || !maps.Equal(params, tc.wantParams) {
			t.Errorf("%s %q: got %s %v, want %s %v", tc.method, tc.path, r.Operation.OperationID, params, tc.want.ID, tc.wantParams)
		}
	}
}

// TestFindingsNeverQuoteValues: a credential sent where the spec wants
// another type is named by its field, never quoted.
func TestFindingsNeverQuoteValues(t *testing.T) {
	token := where(t, "token operation", func(o *spec.Operation) bool { return o.Sandbox != nil && o.Sandbox.Handler == "token" })
	secret := "s3cr3t-value-never-shown"
	var field string
	for _, f := range token.Body.Fields {
		if specdoc.MustModel().Secrets.IsField(f.Path[len(f.Path)-1]) {
			field = strings.Join(f.Path, ".")
		}
	}
	if field == "" {
		t.Fatalf("%s: the token's body has no secret field, which %s sends", at(token.Pointer), thisFile)
	}
	_, got := specdoc.MustValidator().CheckRequest(context.Background(), request(t, token),
		[]byte(example(t, token, map[string]any{field: map[string]any{"v": secret}})))
	if len(got) == 0 || got[0].Field != field {
		t.Fatalf("findings %+v, want one naming %s", got, field)
	}
	for _, f := range got {
		if s := f.String() + f.Location; strings.Contains(s, secret) {
			t.Errorf("%q quotes the value", s)
		}
	}
}

// TestSchemaRule: an example's schema error is worded as findings word it.
func TestSchemaRule(t *testing.T) {
	login := lookup(t, "LoginForms.Create")
	var v any
	_ = json.Unmarshal([]byte(example(t, login, map[string]any{"serviceAgreement.acceptedDate": "yesterday"})), &v)
	err := spec.Check(login.Body.Schema.Value, v, false)
	if got, want := validation.SchemaRule(err), "serviceAgreement.acceptedDate: "+spec.FormatRule("date-time"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestRequiredWithoutSchema: a name an object requires without declaring
// it (a published spec's accountNickname) is one the spec defines: an
// answer that has it has no finding, one without it is missing a
// required field, and another name is still an unknown field.
func TestRequiredWithoutSchema(t *testing.T) {
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	cfg := doc.Components.Schemas["Configuration"]
	if cfg == nil || cfg.Value == nil {
		t.Fatalf("openapi.yaml#/components/schemas/Configuration is gone, which %s changes: update the test", thisFile)
	}
	cfg.Value.Required = append(cfg.Value.Required, "nickname")
	_, c := checkerOf(t, doc)
	get := lookup(t, "Configurations.Get")
	req := request(t, get)
	hdr := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name string
		set  map[string]any
		want []brief
	}{
		{"given", map[string]any{"nickname": "mine"}, []brief{}},
		{"given as a number", map[string]any{"nickname": 7}, []brief{}},
		{"missing", nil, []brief{{"missing required", "body", "nickname"}}},
		{"another name", map[string]any{"nickname": "mine", grownField: "x"}, []brief{{"unknown field", "body", grownField}}},
	} {
		specLacks(t, tc.want)
		_, got := c.CheckResponse(context.Background(), req, 200, hdr, answer(t, get, "200", tc.set))
		if !reflect.DeepEqual(briefs(got), tc.want) {
			t.Errorf("%s: findings %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// checkerOf is the model and checker of doc, a changed copy of the
// embedded spec.
func checkerOf(t *testing.T, doc *openapi3.T) (*spec.Model, *validation.Validator) {
	t.Helper()
	m, err := spec.New("openapi.yaml", doc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := validation.NewFromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}
