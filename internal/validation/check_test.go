package validation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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

func request(method, path, body string, header ...string) *http.Request {
	req := httptest.NewRequest(method, "http://127.0.0.1"+path, nil)
	req.Header.Set("Finicity-App-Key", "key")
	req.Header.Set("Finicity-App-Token", "token")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header[header[i]] = []string{header[i+1]}
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

// example is the request body of the operation name (an api method) as
// the spec's example gives it, with edits: a dotted path set to a value
// (drop leaves it out), or, for a value no JSON encoder writes (invalid
// UTF-8, a name with a newline), set to raw JSON text as it is. So a case
// differs from a valid request only by what it tests, and a new required
// field (with its example) changes no case.
func example(t *testing.T, name string, edits map[string]any) string {
	t.Helper()
	op, ok := specdoc.MustModel().Lookup(name)
	if !ok || op.Body == nil {
		t.Fatalf("openapi.yaml has no operation %s with a body, which internal/validation/check_test.go sends", name)
	}
	body, ok := op.Body.Example()
	if !ok {
		t.Fatalf("openapi.yaml#%s: the body of %s has no valid example, which internal/validation/check_test.go starts from", op.Body.Pointer, name)
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
			marker := fmt.Sprintf("\x01raw%d", len(raws))
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

// rawJSON is a member written as it is: `"name":value`.
type rawJSON string

// grownField is a field the API might grow: one the spec does not define
// anywhere (specLacks proves it for every unknown field a case expects).
const grownField = "notInTheSpec"

// specLacks fails the test if the spec defines, anywhere, a field that want
// expects to be unknown: a spec change adding it must fail naming it, not
// silently change what the case tests.
func specLacks(t *testing.T, want []brief) {
	t.Helper()
	for _, b := range want {
		if b.Kind != string(validation.KindUnknownField) {
			continue
		}
		name := b.Field[strings.LastIndex(b.Field, ".")+1:]
		if u, err := strconv.Unquote(name); err == nil {
			name = u
		}
		if where, err := specdoc.PropertyDefined(name); err != nil || where != "" {
			t.Fatalf("openapi.yaml defines %q (at %s, %v), which this case expects to be an unknown field: "+
				"use a name the spec lacks in internal/validation/check_test.go", name, where, err)
		}
	}
}

func TestRequest(t *testing.T) {
	c := specdoc.MustValidator()
	loginForm := "/connect-components/institutions/101732/login-forms"
	cases := []struct {
		name   string
		req    *http.Request
		body   string
		want   []brief
		method string
	}{
		{"valid", request("POST", loginForm, "x"), example(t, "LoginForms.Create", nil), []brief{}, "LoginForms.Create"},
		{"misspelled field", request("POST", loginForm, "x"),
			example(t, "LoginForms.Create", map[string]any{"configurationId": drop, "configurationID": "605543e1-f507-48ad-8127-95c40566597b"}),
			[]brief{{"unknown field", "body", "configurationID"}}, "LoginForms.Create"},
		{"unknown nested field", request("POST", loginForm, "x"),
			example(t, "LoginForms.Create", map[string]any{"serviceAgreement.lang": "en"}),
			[]brief{{"unknown field", "body", "serviceAgreement.lang"}}, "LoginForms.Create"},
		{"several at once", request("POST", "/connect-components/institutions/1/oauth-urls", "x"),
			example(t, "OAuthURLs.Create", map[string]any{"redirectURI": drop, "redirectUrl": "https://a.example/", "customerId": 1}),
			[]brief{{"type", "body", "customerId"}, {"unknown field", "body", "redirectUrl"}, {"missing required", "body", "redirectURI"}}, "OAuthURLs.Create"},
		{"any object stays open", request("POST", "/connect-components/customers/1/institution-login-ids/2/reconnections", "x"),
			example(t, "Reconnections.Create", map[string]any{"anything": 1}), []brief{}, "Reconnections.Create"},
		{"newline in a header", request("GET", "/connect-components/configurations", "", "X-Trace", "a\nb"), "",
			[]brief{{"invalid header", "header", "X-Trace"}}, "Configurations.List"},
		{"NUL in a header", request("GET", "/connect-components/configurations", "", "X-Trace", "a\x00b"), "",
			[]brief{{"invalid header", "header", "X-Trace"}}, "Configurations.List"},
		{"CR in a header", request("GET", "/connect-components/configurations", "", "X-Trace", "a\rb"), "",
			[]brief{{"invalid header", "header", "X-Trace"}}, "Configurations.List"},
		{"leading space in a header", request("GET", "/connect-components/configurations", "", "X-Trace", " ab"), "",
			[]brief{{"invalid header", "header", "X-Trace"}}, "Configurations.List"},
		{"invalid header name", request("GET", "/connect-components/configurations", "", "X Trace", "ab"), "",
			[]brief{{"invalid header", "header", `"X Trace"`}}, "Configurations.List"},
		{"trailing space in a header", request("GET", "/connect-components/configurations", "", "Finicity-App-Token", "token "), "",
			[]brief{{"invalid header", "header", "Finicity-App-Token"}}, "Configurations.List"},
		{"invalid UTF-8", request("POST", loginForm, "x"), example(t, "LoginForms.Create", map[string]any{"customerId": rawJSON("\"customerId\":\"1\xff\"")}),
			[]brief{{"invalid utf-8", "body", "customerId"}}, "LoginForms.Create"},
		{"invalid UTF-8 nested", request("POST", "/connect-components/configurations", "x"),
			example(t, "Configurations.Create", map[string]any{"filterAccounts": rawJSON("\"filterAccounts\":[\"ok\",\"b\xc3\"]")}),
			[]brief{{"invalid utf-8", "body", "filterAccounts.1"}}, "Configurations.Create"},
		{"path parameter", request("GET", "/connect-components/configurations/not-a-uuid", ""), "",
			[]brief{{"bounds", "path", "configuration_id"}, {"format", "path", "configuration_id"}}, "Configurations.Get"},
		{"no token", request("GET", "/connect-components/configurations", "", "Finicity-App-Token", ""), "",
			[]brief{{"credentials", "header", "Finicity-App-Token"}}, "Configurations.List"},
		{"not JSON", request("POST", "/connect-components/configurations", "x"), `{`, []brief{{"invalid json", "body", ""}}, "Configurations.Create"},
		{"a name that would break a line", request("POST", "/connect-components/configurations", "x"),
			example(t, "Configurations.Create", map[string]any{"a": rawJSON("\"a\\nb\":1")}),
			[]brief{{"unknown field", "body", `"a\nb"`}}, "Configurations.Create"},
		{"unknown path", request("GET", "/connect-components/nothing", ""), "", []brief{{"unknown operation", "", ""}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			specLacks(t, tc.want)
			route, got := c.CheckRequest(context.Background(), tc.req, []byte(tc.body))
			if !reflect.DeepEqual(briefs(got), tc.want) {
				t.Errorf("findings %+v, want %+v", got, tc.want)
			}
			var op validation.Operation
			if route != nil {
				op = validation.OperationOf(route.Op)
			}
			if op.Method != tc.method {
				t.Errorf("operation %+v, want %s", op, tc.method)
			}
			for _, f := range got {
				if f.Direction != validation.Request || f.Rule == "" || f.Operation != op {
					t.Errorf("finding %+v", f)
				}
				// Never a value of the request.
				for _, v := range []string{"token", "not-a-uuid", "https://a.example/", "a\nb"} {
					if strings.Contains(f.String(), v) {
						t.Errorf("%q shows %q", f, v)
					}
				}
			}
		})
	}
}

func TestResponse(t *testing.T) {
	c := specdoc.MustValidator()
	get := request("GET", "/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b", "")
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	cases := []struct {
		name   string
		status int
		body   string
		want   []brief
	}{
		{"documented", 200, `{"id":"605543e1-f507-48ad-8127-95c40566597b","filterAccounts":["Checking"],"aoRequired":false}`, []brief{}},
		{"format", 200, `{"id":"605543e1"}`, []brief{{"bounds", "body", "id"}, {"format", "body", "id"}}},
		{"type", 200, `{"aoRequired":"no"}`, []brief{{"type", "body", "aoRequired"}}},
		{"unknown field", 200, `{"` + grownField + `":"x"}`, []brief{{"unknown field", "body", grownField}}},
		{"undocumented status", 202, `{}`, []brief{{"undocumented status", "", ""}}},
		{"missing required", 404, `{"errors":{}}`, []brief{{"unknown field", "body", "errors"}, {"missing required", "body", "Errors"}}},
		{"invalid json", 200, `{`, []brief{{"invalid json", "body", ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			specLacks(t, tc.want)
			_, got := c.CheckResponse(context.Background(), get, tc.status, jsonHeader, []byte(tc.body))
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
		})
	}
}

// TestDocumentedExamples: every example the spec documents, for every
// operation and status, passes the strict checker: closing the objects
// refuses nothing the spec itself shows.
func TestDocumentedExamples(t *testing.T) {
	c := specdoc.MustValidator()
	doc, err := specdoc.Doc()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			concrete := strings.NewReplacer("{configuration_id}", "605543e1-f507-48ad-8127-95c40566597b",
				"{institution_id}", "1", "{customer_id}", "1", "{institution_login_id}", "2").Replace(path)
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Value.Content {
					body, _ := json.Marshal(mt.Example)
					_, got := c.CheckRequest(context.Background(), request(method, concrete, "x"), body)
					if len(got) != 0 {
						t.Errorf("%s request example: %v", op.OperationID, got)
					}
					n++
				}
			}
			for code, resp := range op.Responses.Map() {
				status, _ := strconv.Atoi(code)
				for _, mt := range resp.Value.Content {
					if mt.Example == nil {
						continue
					}
					body, _ := json.Marshal(mt.Example)
					_, got := c.CheckResponse(context.Background(), request(method, concrete, ""), status,
						http.Header{"Content-Type": {"application/json"}}, body)
					if len(got) != 0 {
						t.Errorf("%s %d example: %v", op.OperationID, status, got)
					}
					n++
				}
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
	get := request("GET", "/connect-components/configurations", "")
	body := []byte(`[{"id":"605543e1-f507-48ad-8127-95c40566597b","` + grownField + `":"default"}]`)
	hdr := http.Header{"Content-Type": {"application/json"}}
	unknown := []brief{{"unknown field", "body", "0." + grownField}}
	specLacks(t, unknown)
	_, before := specdoc.MustValidator().CheckResponse(context.Background(), get, 200, hdr, body)
	if !reflect.DeepEqual(briefs(before), unknown) || !before[0].Informational() {
		t.Fatalf("before: %+v", before)
	}

	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	doc.Components.Schemas["Configuration"].Value.Properties[grownField] = openapi3.NewSchemaRef("", openapi3.NewStringSchema())
	m, err := spec.New("openapi.yaml", doc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := validation.NewFromModel(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, after := c.CheckResponse(context.Background(), get, 200, hdr, body); len(after) != 0 {
		t.Errorf("after the spec gained the field: %+v", after)
	}
	_, typed := c.CheckResponse(context.Background(), get, 200, hdr, []byte(`[{"`+grownField+`":1}]`))
	if !reflect.DeepEqual(briefs(typed), []brief{{"type", "body", "0." + grownField}}) {
		t.Errorf("a number for the new string field: %+v", typed)
	}
}

// TestUnderBasePath: routing is exact, so an exchange below a base URL's
// path (a proxy's /proxy) is outside the spec unless the Checker is told
// the path (Under), and then is checked like any other.
func TestUnderBasePath(t *testing.T) {
	c := specdoc.MustValidator()
	const path = "/proxy/connect-components/configurations"
	if _, _, err := c.FindRoute("GET", path); err == nil {
		t.Error("a prefixed path routed without Under")
	}
	if _, got := c.CheckRequest(context.Background(), request("GET", path, ""), nil); len(got) != 1 || got[0].Kind != validation.KindUnknownOperation {
		t.Errorf("without Under: %v, want one unknown-operation finding", briefs(got))
	}
	under := c.Under("/proxy")
	if r, _, err := under.FindRoute("GET", path); err != nil || r.Op.ID != "GetConfigurations" {
		t.Errorf("Under(/proxy): %v %v, want GetConfigurations", r, err)
	}
	route, got := under.CheckRequest(context.Background(), request("GET", path, ""), nil)
	if route == nil || route.Op.ID != "GetConfigurations" || len(got) != 0 {
		t.Errorf("Under(/proxy): %v %v, want GetConfigurations and no finding", route, briefs(got))
	}
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	if _, got := under.CheckResponse(context.Background(), request("GET", path, ""), 200, jsonHeader, []byte(`[{"id":"nope"}]`)); len(got) == 0 {
		t.Error("Under(/proxy): a bad answer has no finding")
	}
	if _, _, err := under.FindRoute("GET", "/connect-components/configurations"); err == nil {
		t.Error("Under(/proxy): a path outside /proxy routed")
	}
}
