package spec_test

import (
	"errors"
	"github.com/getkin/kin-openapi/openapi3"
	"reflect"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/spec"
)

func load(t *testing.T) *spec.Model {
	t.Helper()
	m, err := spec.Load("testdata/plain.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// An operation with no x- extension gets a service from its first tag, a
// method from its operationId and a command from both; an untagged one is
// in the Default service.
func TestDefaults(t *testing.T) {
	m := load(t)
	want := map[string][3]string{
		"listCustomers":           {"CustomerAccounts.ListCustomers", "customer-accounts list-customers", "/paths/~1customers/get"},
		"createCustomer":          {"CustomerAccounts.CreateCustomer", "customer-accounts create-customer", "/paths/~1customers/post"},
		"getCustomerById":         {"CustomerAccounts.GetCustomerByID", "customer-accounts get-customer-by-id", "/paths/~1customers~1{customerId}/get"},
		"getMe":                   {"CustomerAccounts.GetMe", "customer-accounts get-me", "/paths/~1customers~1me/get"},
		"list_applications":       {"Default.ListApplications", "default list-applications", "/paths/~1applications/get"},
		"listPartnerApplications": {"Partners.ListPartnerApplications", "partners list-partner-applications", "/paths/~1partners~1applications/get"},
	}
	if len(m.Operations) != len(want) {
		t.Fatalf("%d operations, want %d", len(m.Operations), len(want))
	}
	for _, o := range m.Operations {
		w, ok := want[o.ID]
		if !ok {
			t.Errorf("unexpected operation %s", o.ID)
			continue
		}
		if got := [3]string{o.Qualified(), o.Command, o.Pointer}; got != w {
			t.Errorf("%s: %q, want %q", o.ID, got, w)
		}
	}
	s, ok := m.Service("CustomerAccounts")
	if !ok || s.Description != "Customers and their accounts." || s.Command != "customer-accounts" || len(s.Operations) != 4 {
		t.Errorf("service CustomerAccounts: %+v", s)
	}
	if o, _ := m.Operation("listPartnerApplications"); len(o.Security) != 0 {
		t.Errorf("security: [] is no requirement, got %v", o.Security)
	}
	if o, _ := m.Operation("getMe"); !reflect.DeepEqual(o.Security, []string{"X-App-Key"}) || !o.Requires("x-app-key") {
		t.Errorf("document security: %v", o.Security)
	}
	for _, name := range []string{"CustomerAccounts.GetCustomerByID", "getCustomerById", "customer-accounts get-customer-by-id"} {
		if o, ok := m.Lookup(name); !ok || o.ID != "getCustomerById" {
			t.Errorf("Lookup(%q) = %v, %v", name, o, ok)
		}
	}
}

// Several 2xx answers with bodies make a result type, with a field per
// answer named after its schema.
func TestResult(t *testing.T) {
	o, _ := load(t).Operation("getCustomerById")
	if o.Result != "GetCustomerByIDCustomerAccountsResult" {
		t.Errorf("Result = %q", o.Result)
	}
	var fields []string
	for _, r := range o.Successes() {
		fields = append(fields, r.Status+":"+r.Field)
	}
	if !reflect.DeepEqual(fields, []string{"200:Customer", "202:Pet"}) {
		t.Errorf("fields %v", fields)
	}
	if r := o.Response(404); r != nil {
		t.Errorf("Response(404) = %v, want none documented", r.Status)
	}
	c, _ := load(t).Operation("createCustomer")
	if s := c.ErrorSchema(); s == nil || s.Value.Properties["message"] == nil {
		t.Errorf("ErrorSchema of createCustomer: %v", s)
	}
}

func TestExamples(t *testing.T) {
	m := load(t)
	list, _ := m.Operation("listCustomers")
	r := list.Response(200)
	if len(r.Examples) != 2 || r.Examples[0].Name != "one" || r.Examples[1].Name != "two" {
		t.Fatalf("named examples, by name: %+v", r.Examples)
	}
	if v, ok := r.Example(); !ok || len(v.([]any)) != 1 {
		t.Errorf("Example() = %v, %v, want the first named one", v, ok)
	}
	create, _ := m.Operation("createCustomer")
	ex := create.Body.Examples
	if len(ex) != 1 || ex[0].Err == nil || ex[0].Pointer != "/paths/~1customers/post/requestBody/content/application~1json/example" {
		t.Fatalf("a broken example is marked with its pointer: %+v", ex)
	}
	if _, ok := create.Body.Example(); ok {
		t.Error("Example() returns a broken example")
	}
	get, _ := m.Operation("getCustomerById")
	if v, ok := get.PathParams[0].Example(); !ok || v != 7.0 {
		t.Errorf("parameter example %v %v", v, ok)
	}
	// Without an example of its own, a response uses its schema's.
	if v, ok := get.Response(200).Example(); !ok || !reflect.DeepEqual(v, map[string]any{"id": 1.0, "name": "Ann"}) {
		t.Errorf("schema example %v %v", v, ok)
	}
}

func TestFields(t *testing.T) {
	create, _ := load(t).Operation("createCustomer")
	var got []string
	for _, f := range create.Body.Fields {
		req := ""
		if f.Required {
			req = "!"
		}
		got = append(got, strings.Join(f.Path, ".")+req)
	}
	want := []string{"address.city", "id!", "name!", "password", "tokenType"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v (readOnly left out, nested flattened, required only under required parents)", got, want)
	}
}

func TestSecrets(t *testing.T) {
	m := load(t)
	if !reflect.DeepEqual(m.Secrets.Fields, []string{"password"}) {
		t.Errorf("secret fields %v: password by its name, tokenType not (x-secret: false)", m.Secrets.Fields)
	}
	if !m.Secrets.IsHeader("X-APP-KEY") || !m.Secrets.IsField("PASSWORD") {
		t.Error("IsHeader/IsField are case-insensitive")
	}
	if len(m.Notes) != 1 || !strings.Contains(m.Notes[0].String(), "testdata/plain.yaml#/components/schemas/Customer/properties/password") {
		t.Errorf("notes %v: the default applied, with its pointer", m.Notes)
	}
	for name, want := range map[string]bool{"newPartnerSecret": true, "accessToken": true, "apiKey": true, "X-Api-Key": true, "clientSecret": true,
		"eventStreamId": false, "keyboard": false, "tokenizer": false, "passwordPolicy": false, "secretId": false, "tokenType": false, "signingSecret": true, "pin": true, "spinner": false} {
		if spec.CredentialName(name) != want {
			t.Errorf("CredentialName(%q) = %v", name, !want)
		}
	}
}

func TestReasons(t *testing.T) {
	m := load(t)
	if len(m.Reasons) != 1 || m.Reasons[0] != (spec.Reason{Code: "E1", Name: "Broken", Status: 400, Description: "Something broke.", Pointer: "/components/schemas/Code/x-reason-codes/0"}) {
		t.Errorf("reasons %+v", m.Reasons)
	}
}

// The router is exact: a path matches a template with as many segments,
// a literal wins over a parameter, and the answer does not depend on
// map order.
func TestFind(t *testing.T) {
	m := load(t)
	for _, c := range []struct {
		method, path, id string
		params           map[string]string
		err              error
	}{
		{"GET", "/customers", "listCustomers", nil, nil},
		{"GET", "/customers/me", "getMe", nil, nil},
		{"GET", "/customers/42", "getCustomerById", map[string]string{"customerId": "42"}, nil},
		{"GET", "/customers/a%2Fb", "getCustomerById", map[string]string{"customerId": "a/b"}, nil},
		{"GET", "/applications", "list_applications", nil, nil},
		{"GET", "/partners/applications", "listPartnerApplications", nil, nil},
		{"GET", "/v2/partners/applications", "", nil, spec.ErrPathNotFound},
		{"GET", "/customers/", "", nil, spec.ErrPathNotFound},
		{"GET", "/customers/42/", "", nil, spec.ErrPathNotFound},
		{"DELETE", "/customers", "", nil, spec.ErrMethodNotAllowed},
	} {
		for range 20 {
			o, params, err := m.Find(c.method, c.path)
			if !errors.Is(err, c.err) || (o == nil) != (c.id == "") || o != nil && o.ID != c.id || !reflect.DeepEqual(params, c.params) {
				t.Fatalf("Find(%s %s) = %v, %v, %v; want %s, %v, %v", c.method, c.path, o, params, err, c.id, c.params, c.err)
			}
		}
	}
}

func TestSynthesize(t *testing.T) {
	m := load(t)
	for _, name := range []string{"Customer", "Pet", "Both", "Code"} {
		ref := m.Doc.Components.Schemas[name]
		for _, response := range []bool{true, false} {
			v, ok := spec.Synthesize(ref, response)
			if !ok {
				t.Errorf("%s: %v does not validate: %v", name, v, spec.Check(ref.Value, v, response))
			}
		}
	}
	v, _ := spec.Synthesize(m.Doc.Components.Schemas["Both"], true)
	if c := v.(map[string]any)["c"].(string); len(c) < 12 || len(c) > 14 {
		t.Errorf("bounds not honoured: %q", c)
	}
}

// What the model cannot decide is a problem naming where, and the fix.
func TestProblems(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{`paths: {/a: {get: {responses: {"200": {description: x}}}}}`, "x.yaml#/paths/~1a/get: the operation has no operationId; add an operationId"},
		{`paths: {/a: {get: {operationId: a, x-sdk: {service: S, method: M}, responses: {"200": {description: x}}}}, /b: {get: {operationId: b, x-sdk: {service: S, method: M}, responses: {"200": {description: x}}}}}`,
			"the Go method S.M is also a's (#/paths/~1a/get); set x-sdk: {method: <another name>} on one of them"},
		{`paths: {/a: {get: {operationId: a, x-sdk: {servce: S}, responses: {"200": {description: x}}}}}`, `x.yaml#/paths/~1a/get/x-sdk/servce: unknown key "servce"`},
		{`paths: {/a: {get: {operationId: a, x-sandbox: {action: fetch, collection: c}, responses: {"200": {description: x}}}}}`, `x.yaml#/paths/~1a/get/x-sandbox/action: action "fetch": want create, list, get, delete`},
		{`paths: {/a: {get: {operationId: a, x-sdk: {method: not-go}, responses: {"200": {description: x}}}}}`, `the method "not-go" is not an exported Go identifier`},
	} {
		_, err := spec.Parse("x.yaml", []byte("openapi: 3.0.3\ninfo: {title: x, version: '1'}\n"+c.yaml))
		var p *spec.Problem
		if err == nil || !errors.As(err, &p) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.yaml, err, c.want)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"getCustomerById": "GetCustomerByID", "redirect_uri": "RedirectURI", "Data Connect Components": "DataConnectComponents",
		"2fa": "N2fa", "": "X", "MFAType": "MFAType", "oauth-urls": "OauthUrls"} {
		if got := spec.GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"mfaChallenges": "mfa challenge", "configurations": "configuration", "id": "id", "": "", "--": "--"} {
		if got := spec.Singular(in); got != want {
			t.Errorf("Singular(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct {
		v    any
		want string
	}{{"a b", "a b"}, {7008461438.0, "7008461438"}, {0.5, "0.5"}, {true, "true"}, {[]any{1.0, "x"}, `[1,"x"]`}, {nil, "null"}} {
		if got := spec.ValueText(tc.v); got != tc.want {
			t.Errorf("ValueText(%#v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := spec.FirstSentence("Known values: en, en-us,\nes, es-us.\nMore text.\n\nOther paragraph."); got != "Known values: en, en-us, es, es-us." {
		t.Errorf("FirstSentence = %q", got)
	}
	if spec.Pointer("paths", "/a/b", "get") != "/paths/~1a~1b/get" || spec.Pointer("x~y") != "/x~0y" {
		t.Error("Pointer escapes ~ and /")
	}
}

func TestExampleArgs(t *testing.T) {
	m := load(t)
	get, _ := m.Operation("getCustomerById")
	if a, ok := get.ExampleArgs(); !ok || !reflect.DeepEqual(a.Path, []any{7.0}) || a.HasBody || a.Query != nil {
		t.Errorf("getCustomerById: %+v %v", a, ok)
	}
	list, _ := m.Operation("listCustomers")
	if a, ok := list.ExampleArgs(); !ok || a.Query != nil {
		t.Errorf("an optional parameter with no example is left out: %+v %v", a, ok)
	}
	create, _ := m.Operation("createCustomer")
	a, ok := create.ExampleArgs()
	if !ok || !a.HasBody || spec.Check(create.Body.Schema.Value, a.Body, false) != nil {
		t.Errorf("a broken body example is replaced by a synthesized body that validates: %+v %v", a, ok)
	}
}

func TestSynthesizePatterns(t *testing.T) {
	for _, c := range []struct {
		pattern string
		min     int
	}{{`^[a-f0-9]{32}$`, 0}, {`^#[0-9A-F]{6}$`, 0}, {`^[A-F0-9]{8}$`, 0}, {`^\d{9}$`, 0}, {`^(ach|wire)-[a-z]+$`, 0}, {`^[A-Z]{2}\d*$`, 5}, {`^\w+@example\.com$`, 0}} {
		s := &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: c.pattern, MinLength: uint64(c.min)}
		v, ok := spec.Synthesize(openapi3.NewSchemaRef("", s), true)
		if !ok {
			t.Errorf("pattern %s: %v does not validate: %v", c.pattern, v, spec.Check(s, v, true))
		}
	}
}

// A property an object requires without declaring it gets a value its
// additionalProperties allow, as an answer and as a request, nested in a
// list too; an object that allows no other property has no valid value.
func TestSynthesizeRequiredWithoutSchema(t *testing.T) {
	m, err := spec.Parse("x.yaml", []byte(`openapi: 3.0.3
info: {title: x, version: '1'}
paths: {}
components:
  schemas:
    Account:
      type: object
      required: [id, nickname]
      properties: {id: {type: string}}
    Accounts:
      type: object
      properties: {accounts: {type: array, items: {$ref: '#/components/schemas/Account'}}}
      required: [accounts]
    Counted:
      type: object
      required: [count]
      additionalProperties: {type: integer, minimum: 3}
    Closed:
      type: object
      required: [name]
      additionalProperties: false
`))
	if err != nil {
		t.Fatal(err)
	}
	schemas := m.Doc.Components.Schemas
	for _, response := range []bool{true, false} {
		v, ok := spec.Synthesize(schemas["Accounts"], response)
		if !ok {
			t.Errorf("Accounts (response %v): %v does not validate: %v", response, v, spec.Check(schemas["Accounts"].Value, v, response))
		}
		if got := v.(map[string]any)["accounts"].([]any)[0].(map[string]any)["nickname"]; got != "string" {
			t.Errorf("Accounts (response %v): nickname %#v, want a string", response, got)
		}
		if v, ok := spec.Synthesize(schemas["Counted"], response); !ok || !reflect.DeepEqual(v, map[string]any{"count": 3.0}) {
			t.Errorf("Counted (response %v): %#v %v, want count 3 (its additionalProperties' minimum)", response, v, ok)
		}
		if v, ok := spec.Synthesize(schemas["Closed"], response); ok {
			t.Errorf("Closed (response %v): %#v validates, want none found", response, v)
		}
	}
}

// A schema's own example serves requests too: a request body given it
// sends it without its readOnly properties, nested ones included, and an
// answer keeps them; an operation's own request example with a readOnly
// property is broken.
func TestSchemaExampleInRequest(t *testing.T) {
	m, err := spec.Parse("x.yaml", []byte(`openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /apps:
    post:
      operationId: createApp
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/App'}}}}
      responses:
        "201": {description: x, content: {application/json: {schema: {$ref: '#/components/schemas/App'}}}}
    put:
      operationId: replaceApp
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/App'}
            example: {id: 7, name: own}
      responses: {"204": {description: x}}
components:
  schemas:
    App:
      type: object
      required: [name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        owner:
          type: object
          properties:
            ownerId: {type: integer, readOnly: true}
            email: {type: string}
      example: {id: 1, name: app, owner: {ownerId: 2, email: a@example.com}}
`))
	if err != nil {
		t.Fatal(err)
	}
	create, _ := m.Operation("createApp")
	ex := create.Body.Examples
	wantRequest := map[string]any{"name": "app", "owner": map[string]any{"email": "a@example.com"}}
	if len(ex) != 1 || ex[0].Err != nil || !reflect.DeepEqual(ex[0].Value, wantRequest) || ex[0].Pointer != "/components/schemas/App/example" {
		t.Errorf("request: %+v, want %v, valid, at /components/schemas/App/example", ex, wantRequest)
	}
	wantAnswer := map[string]any{"id": 1.0, "name": "app", "owner": map[string]any{"ownerId": 2.0, "email": "a@example.com"}}
	if v, ok := create.Response(201).Example(); !ok || !reflect.DeepEqual(v, wantAnswer) {
		t.Errorf("answer: %v %v, want %v", v, ok, wantAnswer)
	}
	replace, _ := m.Operation("replaceApp")
	if ex := replace.Body.Examples; len(ex) != 1 || ex[0].Err == nil {
		t.Errorf("an operation's own request example with a readOnly property: %+v, want it broken", ex)
	}
}
