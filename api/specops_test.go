package api_test

// The operations of the spec as the tests call them. A test that needs
// "some GET", "some POST with a body" or "every operation" takes it from
// the spec model (internal/spec, through specdoc): the operation, its
// parameters' and body's examples (else values synthesized from their
// schemas), its documented answers' examples. It calls the operation
// through its typed method with internal/apicall, the generated call
// table, and derives what the server must see and what the caller must
// get from the same examples. So a new operation, parameter or required
// field changes what the tests send with it, and no table here needs
// editing; what cannot be derived fails naming the spec location
// (openapi.yaml#<JSON pointer>) and the test file.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// specModel is the model of the spec embedded in gen.
func specModel(t testing.TB) *spec.Model {
	t.Helper()
	m, err := specdoc.Model()
	if err != nil {
		t.Fatalf("the embedded openapi.yaml does not model (`make generate` names the fix): %v", err)
	}
	return m
}

// testFile is the test file ("api/retry_test.go") that called into these
// helpers: a failure names it beside the spec location.
func testFile() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if base := filepath.Base(f.File); strings.HasSuffix(base, "_test.go") && base != "specops_test.go" {
			return "api/" + base
		}
		if !more {
			return "api/specops_test.go"
		}
	}
}

// at names a spec location as failures do.
func at(pointer string) string { return "openapi.yaml#" + pointer }

// specCall is one operation called with the values of the spec's examples.
type specCall struct {
	op *spec.Operation
	// path holds the path parameters' values in path order; params the
	// query and header parameters given, by wire name; body the JSON body
	// (nil when the operation takes none); raw a body that is not JSON.
	path   []any
	params map[string]any
	body   any
	raw    []byte
	// ok is the first documented success (nil when none is); answer its
	// example as compact JSON ("" when it has no body), answerValue the
	// example itself.
	ok          *spec.Response
	answer      string
	answerValue any
}

// newSpecCall builds op's call from its examples: every path parameter,
// the required query and header parameters (all of them with optional),
// the body. The first documented success gives the answer.
func newSpecCall(op *spec.Operation, optional bool) (*specCall, error) {
	sc := &specCall{op: op, params: map[string]any{}}
	for _, p := range op.PathParams {
		v, err := paramValue(op, p)
		if err != nil {
			return nil, err
		}
		sc.path = append(sc.path, v)
	}
	for _, p := range slices.Concat(op.QueryParams, op.HeaderParams) {
		if !p.Required && !optional {
			continue
		}
		v, err := paramValue(op, p)
		if err != nil {
			return nil, err
		}
		sc.params[p.Name] = v
	}
	if b := op.Body; b != nil {
		v, ok := b.Example()
		if !ok {
			v, ok = spec.Synthesize(b.Schema, false)
		}
		if !ok {
			return nil, fmt.Errorf("%s: the request body of %s has no example that matches its schema, and no value can be synthesized from the schema: add an example there", at(b.Pointer), op.Name())
		}
		if b.JSON {
			sc.body = v
		} else if s, isText := v.(string); isText {
			sc.raw = []byte(s)
		} else {
			return nil, fmt.Errorf("%s: the %s request body of %s has an example that is not text: give it a string example", at(b.Pointer), b.ContentType, op.Name())
		}
	}
	if s := op.Successes(); len(s) > 0 {
		sc.ok = s[0]
		if sc.ok.JSON && sc.ok.Schema != nil {
			v, text, err := answerOf(op, sc.ok, false)
			if err != nil {
				return nil, err
			}
			sc.answerValue, sc.answer = v, text
		}
	}
	return sc, nil
}

// paramValue is a parameter's example, else a value synthesized from its
// schema.
func paramValue(op *spec.Operation, p *spec.Param) (any, error) {
	if v, ok := p.Example(); ok {
		return v, nil
	}
	if v, ok := spec.Synthesize(p.Schema, false); ok {
		return v, nil
	}
	return nil, fmt.Errorf("%s: the %s parameter %s of %s has no example that matches its schema, and no value can be synthesized from the schema: add an example there", at(p.Pointer), p.In, p.Name, op.Name())
}

// answerOf is a documented response's example (else a value synthesized
// from its schema) and the JSON text a server sends: compact, or indented
// with a final newline as some servers write it.
func answerOf(op *spec.Operation, r *spec.Response, indent bool) (any, string, error) {
	if r.Schema == nil || !r.JSON {
		return nil, "", nil
	}
	v, ok := r.Example()
	if !ok {
		v, ok = spec.Synthesize(r.Schema, true)
	}
	if !ok {
		return nil, "", fmt.Errorf("%s: the %s answer of %s has no example that matches its schema, and no value can be synthesized from the schema: add an example there", at(r.Pointer), r.Status, op.Name())
	}
	var b []byte
	var err error
	if indent {
		b, err = json.MarshalIndent(v, "", "  ")
		b = append(b, '\n')
	} else {
		b, err = json.Marshal(v)
	}
	return v, string(b), err
}

// clone copies sc, so that a test can change one argument.
func (sc *specCall) clone() *specCall {
	cp := *sc
	cp.path = slices.Clone(sc.path)
	cp.params = make(map[string]any, len(sc.params))
	for k, v := range sc.params {
		cp.params[k] = v
	}
	cp.body = copyJSON(sc.body)
	return &cp
}

// withBody is sc sending body instead.
func (sc *specCall) withBody(body any) *specCall {
	cp := sc.clone()
	cp.body = body
	return cp
}

// input is the call's arguments for apicall, as JSON.
func (sc *specCall) input() *apicall.Input {
	in := &apicall.Input{}
	for _, v := range sc.path {
		in.Path = append(in.Path, mustJSON(v))
	}
	if len(sc.params) > 0 {
		in.Params = mustJSON(sc.params)
	}
	if b := sc.op.Body; b != nil {
		if b.JSON {
			in.Body = mustJSON(sc.body)
		} else {
			in.Raw = bytes.NewReader(sc.raw)
		}
	}
	return in
}

// call sends the operation with c through its typed method.
func (sc *specCall) call(ctx context.Context, c *api.Client, opts ...api.CallOption) error {
	return apicall.Call(ctx, c, sc.op.ID, sc.input(), opts...)
}

// send is call without options, for tables of calls.
func (sc *specCall) send(ctx context.Context, c *api.Client) error { return sc.call(ctx, c) }

// result is call returning the typed method's result.
func (sc *specCall) result(ctx context.Context, c *api.Client, opts ...api.CallOption) (any, error) {
	return apicall.Result(ctx, c, sc.op.ID, sc.input(), opts...)
}

// okReply is the server's answer to the call: its first documented
// success, with the example (200 and no body when none is documented).
func (sc *specCall) okReply() reply {
	if sc.ok == nil || sc.ok.Code == 0 {
		return reply{status: 200}
	}
	return reply{status: sc.ok.Code, body: sc.answer}
}

// name is how subtests and messages name the call.
func (sc *specCall) name() string { return sc.op.Qualified() }

// urlPath is the escaped path the call is sent to, its parameters
// written as the client writes them.
func (sc *specCall) urlPath() string {
	p := sc.op.Path
	for i, prm := range sc.op.PathParams {
		p = strings.Replace(p, "{"+prm.Name+"}", url.PathEscape(wireText(prm.Schema, sc.path[i])), 1)
	}
	return p
}

// wireText writes a scalar parameter value as the client sends it.
func wireText(ref *openapi3.SchemaRef, v any) string {
	switch x := v.(type) {
	case string:
		if schemaOf(ref).Format == "date-time" {
			if tm, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return tm.Format(time.RFC3339Nano)
			}
		}
		return x
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	return string(mustJSON(v))
}

// checkSent asserts that r, whose body was body, is exactly the request sc
// makes: the operation's method and path with the parameters' values, the
// query and header parameters given and no other, the credentials (token
// "" when none may be sent), the User-Agent, and the body: the example,
// valid against the body's schema. Values are compared as the schema reads
// them: a date-time as an instant, an optional field the example leaves
// out as its zero value (the typed model cannot tell them apart).
func (sc *specCall) checkSent(t testing.TB, r *http.Request, body []byte, token string) {
	t.Helper()
	op := sc.op
	got, pathValues, err := specModel(t).Find(r.Method, r.URL.EscapedPath())
	switch {
	case err != nil:
		t.Errorf("%s: the request %s %s is not the operation's (%v)", sc.name(), r.Method, r.URL.EscapedPath(), err)
	case got != op:
		t.Errorf("%s: the request %s %s is %s's", sc.name(), r.Method, r.URL.EscapedPath(), got.Qualified())
	default:
		for i, p := range op.PathParams {
			if d := diffText(p.Schema, pathValues[p.Name], sc.path[i]); d != "" {
				t.Errorf("%s: path parameter %s: %s", sc.name(), p.Name, d)
			}
		}
	}

	query := r.URL.Query()
	for _, p := range op.QueryParams {
		want, given := sc.params[p.Name]
		vals, sent := query[p.Name]
		switch {
		case !given && sent:
			t.Errorf("%s: query parameter %s sent (%q) but not given", sc.name(), p.Name, vals)
		case given && !sent:
			t.Errorf("%s: query parameter %s not sent", sc.name(), p.Name)
		case given:
			if d := diffQuery(p, vals, want); d != "" {
				t.Errorf("%s: query parameter %s: %s", sc.name(), p.Name, d)
			}
		}
		delete(query, p.Name)
	}
	for k, v := range query {
		t.Errorf("%s: query parameter %s=%q is not one of the operation's", sc.name(), k, v)
	}

	wantHeader := map[string]string{"Finicity-App-Key": testKey, "User-Agent": wantUserAgent}
	if op.Requires("Finicity-App-Token") && token != "" {
		wantHeader["Finicity-App-Token"] = token
	}
	if op.Body != nil {
		wantHeader["Content-Type"] = op.Body.ContentType
	}
	if wantAccept != "" {
		wantHeader["Accept"] = wantAccept
	}
	for name, want := range wantHeader {
		if got := r.Header.Values(name); !slices.Equal(got, []string{want}) {
			t.Errorf("%s: header %s: got %q, want %q", sc.name(), name, got, want)
		}
	}
	params := map[string]bool{}
	for _, p := range op.HeaderParams {
		name := http.CanonicalHeaderKey(p.Name)
		params[name] = true
		want, given := sc.params[p.Name]
		vals := r.Header.Values(name)
		switch {
		case !given && len(vals) > 0:
			t.Errorf("%s: header parameter %s sent (%q) but not given", sc.name(), p.Name, vals)
		case given && len(vals) != 1:
			t.Errorf("%s: header parameter %s: sent %q, want one value", sc.name(), p.Name, vals)
		case given:
			if d := diffText(p.Schema, vals[0], want); d != "" {
				t.Errorf("%s: header parameter %s: %s", sc.name(), p.Name, d)
			}
		}
	}
	// Added by net/http itself, not by the client.
	transport := map[string]bool{"Accept-Encoding": true, "Content-Length": true}
	for name, vals := range r.Header {
		if _, ok := wantHeader[name]; !ok && !transport[name] && !params[name] {
			t.Errorf("%s: unexpected header %s: %q", sc.name(), name, vals)
		}
	}
	sc.checkBody(t, body)
}

// checkBody asserts that body is the call's body: the example, valid
// against the body's schema; nothing for an operation without a body.
func (sc *specCall) checkBody(t testing.TB, body []byte) {
	t.Helper()
	b := sc.op.Body
	switch {
	case b == nil:
		if len(body) != 0 {
			t.Errorf("%s: body %q sent, want none", sc.name(), body)
		}
	case !b.JSON:
		if !bytes.Equal(body, sc.raw) {
			t.Errorf("%s: body:\n got %q\nwant %q", sc.name(), body, sc.raw)
		}
	default:
		var got any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("%s: the body sent is not JSON (%v): %q", sc.name(), err, body)
			return
		}
		if d := diffJSON(b.Schema, got, sc.body, ""); d != "" {
			t.Errorf("%s: the body sent is not the one given (%s):\n got %s\nwant %s", sc.name(), d, body, mustJSON(sc.body))
		}
		if b.Schema != nil && b.Schema.Value != nil {
			if err := spec.Check(b.Schema.Value, got, false); err != nil {
				t.Errorf("%s: the body sent breaks its schema (%s): %v\n%s", sc.name(), at(b.Pointer), err, body)
			}
		}
	}
}

// checkResult asserts that v, the typed method's result for answer r of
// op, holds exactly want, the answer's JSON value: marshalled back, it
// says what want says (as diffJSON reads both). An operation with
// several successes answers its result type: StatusCode is r's, the
// field of r holds the answer, the others are nil.
func checkResult(t testing.TB, op *spec.Operation, r *spec.Response, v any, want any) {
	t.Helper()
	var got any
	if err := json.Unmarshal(mustJSON(v), &got); err != nil {
		t.Fatalf("%s: the result %#v does not marshal back: %v", op.Qualified(), v, err)
	}
	if op.Result != "" {
		m, _ := got.(map[string]any)
		if m["StatusCode"] != float64(r.Code) {
			t.Errorf("%s: %s.StatusCode is %v, want %d", op.Qualified(), op.Result, m["StatusCode"], r.Code)
		}
		got = nil
		for _, s := range op.Successes() {
			if s.Field == "" {
				continue
			}
			if s == r {
				got = m[s.Field]
			} else if m[s.Field] != nil {
				t.Errorf("%s: %s.%s is set for a %s answer: %s", op.Qualified(), op.Result, s.Field, r.Status, mustJSON(m[s.Field]))
			}
		}
	}
	if d := diffJSON(r.Schema, got, want, ""); d != "" {
		t.Errorf("%s: the %s answer decodes into another value (%s):\n got %s\nwant %s (%s)", op.Qualified(), r.Status, d, mustJSON(got), mustJSON(want), at(r.Pointer))
	}
}

// wantDocumented is the *api.Error of an error answer whose body is in the
// documented shape: its items decoded from the body; for another shape an
// operation documents ({code, message}), no items, and the code and
// message as the spec model reads that shape (spec.ParseError, the
// inverse of the spec.ErrorBody that wrote it).
func wantDocumented(status int, body, method, path string) *api.Error {
	var doc api.ErrorResponse
	if json.Unmarshal([]byte(body), &doc) == nil && len(doc.Errors.Error) > 0 {
		return wantAPIError(status, body, method, path, doc.Errors.Error)
	}
	e := wantAPIError(status, body, method, path, nil)
	e.ReasonCode, e.Description, e.Details, _ = spec.ParseError([]byte(body))
	return e
}

// The kinds of operation the behaviour tests call when any operation of
// the kind will do. Each is the first operation of the spec (in the
// model's order) of that kind whose examples give a call.
const (
	kindGET     = "a GET that needs the Finicity-App-Token and answers JSON"
	kindGETPath = "a GET with a path parameter that needs the Finicity-App-Token and answers JSON"
	kindPOST    = "a POST with a JSON body that needs the Finicity-App-Token and answers JSON"
	kindDELETE  = "a DELETE that needs the Finicity-App-Token"
	kindAuth    = "partner authentication: Partners.Authenticate, which WithPartnerCredentials sends to " + tokenPath
)

var kinds = map[string]func(o *spec.Operation) bool{
	kindGET: func(o *spec.Operation) bool {
		return o.Method == http.MethodGet && o.Requires("Finicity-App-Token") && answersJSON(o)
	},
	kindGETPath: func(o *spec.Operation) bool {
		return o.Method == http.MethodGet && o.Requires("Finicity-App-Token") && answersJSON(o) && len(o.PathParams) > 0
	},
	kindPOST: func(o *spec.Operation) bool {
		return o.Method == http.MethodPost && o.Requires("Finicity-App-Token") && o.Body != nil && o.Body.JSON && answersJSON(o)
	},
	kindDELETE: func(o *spec.Operation) bool {
		return o.Method == http.MethodDelete && o.Requires("Finicity-App-Token")
	},
	kindAuth: func(o *spec.Operation) bool {
		return o.Qualified() == "Partners.Authenticate"
	},
}

func answersJSON(o *spec.Operation) bool {
	s := o.Successes()
	return len(s) > 0 && s[0].JSON && s[0].Schema != nil
}

type picked struct {
	sc  *specCall
	err error
}

// picks holds the call of each kind, built once.
var picks = sync.OnceValue(func() map[string]picked {
	out := map[string]picked{}
	m, err := specdoc.Model()
	for kind, keep := range kinds {
		if err != nil {
			out[kind] = picked{err: err}
			continue
		}
		var problems []error
		for _, o := range m.Operations {
			if !keep(o) {
				continue
			}
			sc, err := newSpecCall(o, false)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			if kind == kindAuth && o.Path != tokenPath {
				problems = append(problems, fmt.Errorf("%s: partner authentication is at %s, but the client (internal/auth.TokenPath) and the tests (tokenPath) send it to %s", at(o.Pointer), o.Path, tokenPath))
				continue
			}
			out[kind] = picked{sc: sc}
			break
		}
		if out[kind].sc == nil {
			out[kind] = picked{err: fmt.Errorf("openapi.yaml has no %s whose examples give a call: %w", kind, errors.Join(problems...))}
		}
	}
	return out
})

// pick is the call of a kind; a spec without one fails t, naming the test
// file that needs it.
func pick(t testing.TB, kind string) *specCall {
	t.Helper()
	p := picks()[kind]
	if p.err != nil {
		t.Fatalf("%v (%s needs one)", p.err, testFile())
	}
	return p.sc.clone()
}

// pickIf is the call of a kind, if the spec has one.
func pickIf(kind string) (*specCall, bool) {
	p := picks()[kind]
	if p.err != nil {
		return nil, false
	}
	return p.sc.clone(), true
}

// callOf returns a call of the kind as a function, for tables of calls:
// without one, the function fails with the reason.
func callOf(kind string) func(context.Context, *api.Client) error {
	p := picks()[kind]
	if p.err != nil {
		file := testFile()
		return func(context.Context, *api.Client) error { return fmt.Errorf("%w (%s needs one)", p.err, file) }
	}
	return p.sc.send
}

// listCall is a GET: the call of kindGET.
func listCall(ctx context.Context, c *api.Client) error { return callOf(kindGET)(ctx, c) }

// createCall is a POST with a body: the call of kindPOST.
func createCall(ctx context.Context, c *api.Client) error { return callOf(kindPOST)(ctx, c) }

// getOK is the success answering listCall.
func getOK() reply {
	if p := picks()[kindGET]; p.err == nil {
		return p.sc.okReply()
	}
	return reply{status: 200}
}

// specOp is the operation a test is specifically about, by operationId or
// api method; a spec without it fails t, naming the test file.
func specOp(t testing.TB, name string) *spec.Operation {
	t.Helper()
	o, ok := specModel(t).Lookup(name)
	if !ok {
		t.Fatalf("openapi.yaml has no operation %s, which %s tests: update the test", name, testFile())
	}
	return o
}

// specCallOf is the call of the operation a test is specifically about.
func specCallOf(t testing.TB, name string) *specCall {
	t.Helper()
	sc, err := newSpecCall(specOp(t, name), false)
	if err != nil {
		t.Fatalf("%v (%s calls it)", err, testFile())
	}
	return sc
}

// exampleBody is op's example body with the fields at the given dotted
// wire paths set to values of the test's own. A path the body's schema
// does not have fails t, naming the schema's location and the test file.
func exampleBody(t testing.TB, op *spec.Operation, set map[string]any) any {
	t.Helper()
	sc, err := newSpecCall(op, false)
	if err != nil {
		t.Fatalf("%v (%s builds a body from it)", err, testFile())
	}
	if op.Body == nil || !op.Body.JSON {
		t.Fatalf("%s: %s has no JSON body, which %s sends: update the test", at(op.Pointer), op.Name(), testFile())
	}
	body := copyJSON(sc.body)
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, path := range keys {
		if schemaAt(op.Body.Schema, strings.Split(path, ".")) == nil {
			t.Fatalf("%s: the body of %s has no field %s, which %s sets: update the test", at(op.Body.Pointer), op.Name(), path, testFile())
		}
		body = setJSON(body, strings.Split(path, "."), set[path])
	}
	return body
}

// typedBody is exampleBody decoded into T, the typed method's body type.
func typedBody[T any](t testing.TB, op *spec.Operation, set map[string]any) T {
	t.Helper()
	var out T
	if err := json.Unmarshal(mustJSON(exampleBody(t, op, set)), &out); err != nil {
		t.Fatalf("%s: the body of %s does not decode into %T (%v), as %s expects: update the test", at(op.Body.Pointer), op.Name(), out, err, testFile())
	}
	return out
}

// schemaAt is the schema of the property at path, nil when there is none
// (a free-form object takes any name).
func schemaAt(ref *openapi3.SchemaRef, path []string) *openapi3.SchemaRef {
	for _, name := range path {
		s := schemaOf(ref)
		props, _ := spec.Properties(s)
		switch {
		case props[name] != nil:
			ref = props[name]
		case s.AdditionalProperties.Schema != nil:
			ref = s.AdditionalProperties.Schema
		case s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has:
			ref = &openapi3.SchemaRef{Value: &openapi3.Schema{}}
		default:
			return nil
		}
	}
	return ref
}

// schemaOf is ref's schema; an empty one (any value) for none.
func schemaOf(ref *openapi3.SchemaRef) *openapi3.Schema {
	if ref == nil || ref.Value == nil {
		return &openapi3.Schema{}
	}
	return ref.Value
}

// setJSON returns v with the value at path set (objects made on the way).
func setJSON(v any, path []string, value any) any {
	if len(path) == 0 {
		return value
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	m[path[0]] = setJSON(m[path[0]], path[1:], value)
	return m
}

// deleteJSON returns v without the value at path.
func deleteJSON(v any, path []string) any {
	m, _ := v.(map[string]any)
	if m == nil {
		return v
	}
	if len(path) == 1 {
		delete(m, path[0])
		return m
	}
	m[path[0]] = deleteJSON(m[path[0]], path[1:])
	return m
}

// copyJSON is a deep copy of a JSON value.
func copyJSON(v any) any {
	if v == nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(mustJSON(v), &out)
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("a JSON value does not marshal: %v", err))
	}
	return b
}

// diffJSON describes the first difference between got and want, two JSON
// values of the schema ref, as the typed models read them; "" when they
// agree. A date-time is an instant, a uuid is case-blind, and a member one
// side leaves out (or null) agrees with the other side's zero value (0,
// false, "", [], {}): the typed model holds both as its Go zero value.
func diffJSON(ref *openapi3.SchemaRef, got, want any, path string) string {
	s := schemaOf(ref)
	mismatch := func() string {
		return fmt.Sprintf("at %q: got %s, want %s", "/"+path, mustJSON(got), mustJSON(want))
	}
	if isZeroJSON(s, got) && isZeroJSON(s, want) {
		return ""
	}
	if got == nil || want == nil {
		return mismatch()
	}
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "/" + k
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return mismatch()
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if d := diffJSON(schemaAt(ref, []string{k}), g[k], w[k], join(k)); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return mismatch()
		}
		for i := range w {
			if d := diffJSON(s.Items, g[i], w[i], join(strconv.Itoa(i))); d != "" {
				return d
			}
		}
		return ""
	case string:
		g, ok := got.(string)
		if !ok {
			return mismatch()
		}
		if sameText(s, g, w) {
			return ""
		}
		return mismatch()
	}
	if got != want {
		return mismatch()
	}
	return ""
}

// sameText reports whether two strings of schema s say the same.
func sameText(s *openapi3.Schema, got, want string) bool {
	switch s.Format {
	case "date-time":
		g, err1 := time.Parse(time.RFC3339Nano, got)
		w, err2 := time.Parse(time.RFC3339Nano, want)
		return err1 == nil && err2 == nil && g.Equal(w)
	case "uuid":
		return strings.EqualFold(got, want)
	}
	return got == want
}

// isZeroJSON reports whether v is a JSON value the Go zero value of its
// model writes (or leaves out).
func isZeroJSON(s *openapi3.Schema, v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		if x == "" {
			return true
		}
		if s.Format == "date-time" {
			tm, err := time.Parse(time.RFC3339Nano, x)
			return err == nil && tm.IsZero()
		}
		return s.Format == "uuid" && x == "00000000-0000-0000-0000-000000000000"
	case []any:
		return len(x) == 0
	case map[string]any:
		for k, e := range x {
			if !isZeroJSON(schemaOf(schemaAt(&openapi3.SchemaRef{Value: s}, []string{k})), e) {
				return false
			}
		}
		return true
	}
	return false
}

// diffText describes how a parameter's text, as sent, differs from the
// JSON value given; "" when it says the same.
func diffText(ref *openapi3.SchemaRef, got string, want any) string {
	s := schemaOf(ref)
	ok := false
	switch w := want.(type) {
	case string:
		ok = sameText(s, got, w)
	case float64:
		f, err := strconv.ParseFloat(got, 64)
		ok = err == nil && f == w
	case bool:
		b, err := strconv.ParseBool(got)
		ok = err == nil && b == w
	default:
		ok = got == wireText(ref, want)
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("sent %q, want %s", got, mustJSON(want))
}

// diffQuery is diffText for a query parameter's values: an array is one
// value per item (exploded) or the items joined by commas.
func diffQuery(p *spec.Param, vals []string, want any) string {
	items, isList := want.([]any)
	if !isList {
		if len(vals) != 1 {
			return fmt.Sprintf("sent %q, want one value", vals)
		}
		return diffText(p.Schema, vals[0], want)
	}
	if !p.Explode && len(vals) == 1 {
		vals = strings.Split(vals[0], ",")
	}
	if len(vals) != len(items) {
		return fmt.Sprintf("sent %q, want %s", vals, mustJSON(want))
	}
	for i := range items {
		if d := diffText(schemaOf(p.Schema).Items, vals[i], items[i]); d != "" {
			return d
		}
	}
	return ""
}

// zeroOf is the JSON value that decodes into the Go zero value of a
// scalar of the schema: what "left at its zero value" sends.
func zeroOf(ref *openapi3.SchemaRef) any {
	s := schemaOf(ref)
	switch {
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		return 0
	case s.Type.Is(openapi3.TypeBoolean):
		return false
	case s.Format == "uuid":
		return "00000000-0000-0000-0000-000000000000"
	case s.Format == "date-time":
		return "0001-01-01T00:00:00Z"
	case s.Format == "date":
		return "0001-01-01"
	case s.Type.Is(openapi3.TypeArray):
		return nil
	}
	return ""
}

// generated calls the operation through Generated's client: the method
// oapi-codegen names after the operationId (suffix "WithResponse" for
// ClientWithResponses', "" for the plain client's), with sc's arguments
// decoded into its parameter types, then editors. It returns the method's
// first result (a *gen.<Operation>Response, or the *http.Response) and its
// error; a method it cannot find or feed is an error naming it.
func (sc *specCall) generated(ctx context.Context, c *api.Client, suffix string, editors ...gen.RequestEditorFn) (reflect.Value, error) {
	op := sc.op
	name := spec.GoName(op.ID) + suffix
	meth := reflect.ValueOf(c.Generated()).MethodByName(name)
	if !meth.IsValid() || (op.Body != nil && !op.Body.JSON) {
		return reflect.Value{}, fmt.Errorf("%s: Generated() has no method %s taking a JSON body for %s (%s)", at(op.Pointer), name, op.Name(), testFile())
	}
	mt := meth.Type()
	args := []reflect.Value{reflect.ValueOf(ctx)}
	decode := func(v any, t reflect.Type) error {
		arg := reflect.New(t)
		if err := json.Unmarshal(mustJSON(v), arg.Interface()); err != nil {
			return fmt.Errorf("%s: %v does not decode into %s's %s (%s)", at(op.Pointer), mustJSON(v), name, t, testFile())
		}
		args = append(args, arg.Elem())
		return nil
	}
	for _, v := range sc.path {
		if err := decode(v, mt.In(len(args))); err != nil {
			return reflect.Value{}, err
		}
	}
	if len(op.QueryParams)+len(op.HeaderParams) > 0 {
		params := reflect.New(mt.In(len(args)).Elem())
		if err := json.Unmarshal(mustJSON(sc.params), params.Interface()); err != nil {
			return reflect.Value{}, fmt.Errorf("%s: the parameters %s do not decode into %s (%s)", at(op.Pointer), mustJSON(sc.params), params.Type(), testFile())
		}
		args = append(args, params)
	}
	if op.Body != nil {
		if err := decode(sc.body, mt.In(len(args))); err != nil {
			return reflect.Value{}, err
		}
	}
	for _, e := range editors {
		args = append(args, reflect.ValueOf(e))
	}
	out := meth.Call(args)
	err, _ := out[len(out)-1].Interface().(error)
	return out[0], err
}

// genStatus and genField read a *gen.<Operation>Response by reflection:
// its status, and a field (Body, JSON200).
func genStatus(resp reflect.Value) int {
	return int(resp.MethodByName("StatusCode").Call(nil)[0].Int())
}

func genField(resp reflect.Value, name string) reflect.Value {
	return resp.Elem().FieldByName(name)
}

// invalidField is an operation's call with one body field set to a string
// its schema refuses: what request validation must refuse before
// anything is sent, naming the field.
type invalidField struct {
	sc     *specCall
	field  string // dotted wire path
	value  string
	format string // the format the value breaks; "" for its maxLength
}

// invalidFields lists, for every operation, each string body field with
// a format the SDK checks (spec.StringFormats) set to values off it, and
// each with a maxLength set one character over it. Only fields whose Go
// type holds any string are kept: a UUID or a time.Time field cannot even
// hold a value off its format.
func invalidFields(t testing.TB) []invalidField {
	t.Helper()
	formats := spec.StringFormats()
	// A client that never sends: a call that gets past the typed
	// argument and the validation fails at the transport.
	c, err := api.NewClient(testKey, api.WithAppToken(testToken), api.WithBaseURL("http://127.0.0.1"), api.WithRetries(0), api.WithRequestValidation(),
		api.WithHTTPClient(&http.Client{Transport: transportFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("not sent") })}))
	if err != nil {
		t.Fatal(err)
	}
	var out []invalidField
	for _, op := range specModel(t).Operations {
		if op.Body == nil || !op.Body.JSON {
			continue
		}
		base, err := newSpecCall(op, false)
		if err != nil {
			t.Errorf("%v (%s)", err, testFile())
			continue
		}
		for _, f := range op.Body.Fields {
			s := schemaOf(f.Schema)
			if !s.Type.Is(openapi3.TypeString) {
				continue
			}
			field := strings.Join(f.Path, ".")
			var cases []invalidField
			if _, checked := formats[s.Format]; checked {
				cases = append(cases, invalidField{field: field, value: "not a " + s.Format, format: s.Format})
				if s.Format == "uri" {
					cases = append(cases, invalidField{field: field, value: "/relative/path", format: s.Format})
				}
			}
			if s.MaxLength != nil && *s.MaxLength < 4096 {
				v := ""
				if s.Format == "uri" {
					v = "https://partner.example.com/"
				}
				cases = append(cases, invalidField{field: field, value: v + strings.Repeat("a", int(*s.MaxLength)+1)})
			}
			for _, tc := range cases {
				tc.sc = base.withBody(setJSON(copyJSON(base.body), f.Path, tc.value))
				if _, ok := errors.AsType[*apicall.ArgError](tc.sc.call(context.Background(), c)); ok {
					continue
				}
				out = append(out, tc)
			}
		}
	}
	return out
}

// invalidFormat is the first of invalidFields off a format, with value
// instead; a spec without one fails t.
func invalidFormat(t testing.TB, value string) invalidField {
	t.Helper()
	for _, f := range invalidFields(t) {
		if f.format != "" {
			f.value = value
			f.sc = f.sc.withBody(setJSON(copyJSON(f.sc.body), strings.Split(f.field, "."), value))
			return f
		}
	}
	t.Fatalf("openapi.yaml has no body field of a string type with a format the SDK checks (%s needs one)", testFile())
	return invalidField{}
}

// offFormat is a copy of v, a JSON value of the schema ref, whose first
// string of a format the SDK checks (in key order) is off it; false when
// it holds none.
func offFormat(ref *openapi3.SchemaRef, v any) (any, bool) {
	s := schemaOf(ref)
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if nv, ok := offFormat(schemaAt(ref, []string{k}), x[k]); ok {
				cp := copyJSON(x).(map[string]any)
				cp[k] = nv
				return cp, true
			}
		}
	case []any:
		for i, e := range x {
			if nv, ok := offFormat(s.Items, e); ok {
				cp := copyJSON(x).([]any)
				cp[i] = nv
				return cp, true
			}
		}
	case string:
		if _, checked := spec.StringFormats()[s.Format]; checked {
			return "not-a-" + s.Format, true
		}
	}
	return nil, false
}

// undocumented is a 5xx status op does not document.
func undocumented(op *spec.Operation) int {
	for _, s := range []int{500, 502, 520, 599} {
		if r := op.Response(s); r == nil || r.Status == "default" {
			return s
		}
	}
	return 599
}

// exampleReply is the answer to r of a server playing the spec: the
// first documented success of r's operation, with its example; a 404
// with an empty body for a request that is no operation's.
func exampleReply(t testing.TB, r *http.Request) reply {
	op, _, err := specModel(t).Find(r.Method, r.URL.EscapedPath())
	if err != nil {
		return reply{status: 404}
	}
	sc, err := newSpecCall(op, false)
	if err != nil {
		t.Errorf("%v (%s)", err, testFile())
		return reply{status: 500}
	}
	return sc.okReply()
}

// typedBodyValue is the call's body decoded into the type the typed method
// takes: the body parameter of Generated's method for the operation
// (which the typed method's is an alias of).
func (sc *specCall) typedBodyValue(c *api.Client) (any, error) {
	name := spec.GoName(sc.op.ID) + "WithResponse"
	meth := reflect.ValueOf(c.Generated()).MethodByName(name)
	if !meth.IsValid() {
		return nil, fmt.Errorf("%s: Generated() has no method %s for %s (%s)", at(sc.op.Pointer), name, sc.op.Name(), testFile())
	}
	mt := meth.Type()
	v := reflect.New(mt.In(mt.NumIn() - 2))
	if err := json.Unmarshal(mustJSON(sc.body), v.Interface()); err != nil {
		return nil, fmt.Errorf("%s: the body %s does not decode into %s (%s)", at(sc.op.Body.Pointer), mustJSON(sc.body), v.Elem().Type(), testFile())
	}
	return v.Elem().Interface(), nil
}

// schemaRef is a schema written as JSON, for the helpers' own tests.
func schemaRef(text string) *openapi3.SchemaRef {
	s := &openapi3.Schema{}
	if err := json.Unmarshal([]byte(text), s); err != nil {
		panic(err)
	}
	return &openapi3.SchemaRef{Value: s}
}

// jsonValue decodes JSON text.
func jsonValue(text string) any {
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		panic(err)
	}
	return v
}
