// Package specexample makes, for tests, the requests, bodies and answers
// of the spec's operations from the spec's own examples (else from their
// schemas), with the test's own fields set: a field the spec adds is sent
// with its example, and a test keeps testing what it tests. What the
// spec no longer has fails the test naming the spec location
// (openapi.yaml#<JSON pointer>) and the test file.
package specexample

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/bodypath"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// The operations the tests of the CLI, the state file and the served
// sandbox use most, by operationId.
const (
	CreateConfiguration = "PostConfigurations"
	ListConfigurations  = "GetConfigurations"
	CreateToken         = "CreateToken"
)

// CallerFile is the test file ("internal/cli/state_test.go") that called
// into this package, for failures that say which test to update.
func CallerFile() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.File, "_test.go") {
			file := filepath.ToSlash(f.File)
			for _, root := range []string{"/internal/", "/cmd/", "/api/"} {
				if i := strings.LastIndex(file, root); i >= 0 {
					return file[i+1:]
				}
			}
			return filepath.Base(file)
		}
		if !more {
			return "a test"
		}
	}
}

// Op is operation id of the embedded spec; it fails t, naming the test
// file, when the spec lacks it.
func Op(t testing.TB, id string) *spec.Operation {
	t.Helper()
	op, ok := specdoc.MustModel().Operation(id)
	if !ok {
		t.Fatalf("openapi.yaml has no operation %s, which %s tests: update the test", id, CallerFile())
	}
	return op
}

// DecodeAs decodes the JSON value v into T, failing t when it does not.
func DecodeAs[T any](t testing.TB, v any) T {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s does not decode into %T: %v", data, out, err)
	}
	return out
}

// bodyExample is operation op's body example, else one made from its
// schema.
func bodyExample(op *spec.Operation) (any, bool) {
	if v, ok := op.Body.Example(); ok {
		return v, true
	}
	return spec.Synthesize(op.Body.Schema, false)
}

// Body is the JSON body of operation id for a test that sends it by
// hand: its example (else a value made from its schema) with the fields
// at the dotted wire paths of set given the test's values. A field the
// body does not have fails t, naming its location and the test file.
func Body(t testing.TB, id string, set map[string]any) string {
	t.Helper()
	return bodyWith(t, id, set, true)
}

// BodyUnknown is Body with fields the body does not have (a test of how
// an unknown name is refused): each must be unknown, or t fails naming
// the body's location and the test file.
func BodyUnknown(t testing.TB, id string, set map[string]any) string {
	t.Helper()
	return bodyWith(t, id, set, false)
}

func bodyWith(t testing.TB, id string, set map[string]any, known bool) string {
	t.Helper()
	op := Op(t, id)
	var body map[string]any
	if op.Body != nil {
		v, ok := bodyExample(op)
		body, _ = v.(map[string]any)
		if !ok {
			body = nil
		}
	}
	if body == nil {
		t.Fatalf("openapi.yaml#%s: %s has no JSON object body with an example, which %s sends: update the test", op.Pointer+"/requestBody", op.Name(), CallerFile())
	}
	body = DecodeAs[map[string]any](t, body) // a copy
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		has := slices.ContainsFunc(op.Body.Fields, func(f *spec.Field) bool {
			return f.Schema != nil && f.Schema.Value != nil && strings.Join(f.Path, ".") == k
		})
		if has != known {
			what := "has no field"
			if has {
				what = "has the field"
			}
			t.Fatalf("openapi.yaml#%s: the body of %s %s %s, which %s sets: update the test", op.Body.Pointer, op.Name(), what, k, CallerFile())
		}
		bodypath.Set(body, strings.Split(k, "."), DecodeAs[any](t, set[k]))
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Typed is Body decoded into T, the typed method's body type: what a
// test passes to the api client.
func Typed[T any](t testing.TB, id string, set map[string]any) T {
	t.Helper()
	return DecodeAs[T](t, json.RawMessage(Body(t, id, set)))
}

// Answer is the example of the first success of operation id (else a
// value made from its schema), with the fields at the dotted paths of
// set given the test's values, as the JSON text a fake API answers.
func Answer(t testing.TB, id string, set map[string]any) string {
	t.Helper()
	op := Op(t, id)
	s := op.Successes()
	if len(s) == 0 || s[0].Schema == nil {
		t.Fatalf("openapi.yaml#%s: %s documents no success with a body, which %s answers: update the test", op.Pointer+"/responses", op.Name(), CallerFile())
	}
	v, ok := s[0].Example()
	if !ok {
		v, ok = spec.Synthesize(s[0].Schema, true)
	}
	answer, isObject := DecodeAs[any](t, v).(map[string]any)
	if !ok || !isObject {
		t.Fatalf("openapi.yaml#%s: the %s answer of %s has no example object, which %s answers: add one there", s[0].Pointer, s[0].Status, op.Name(), CallerFile())
	}
	for k, v := range set {
		bodypath.Set(answer, strings.Split(k, "."), DecodeAs[any](t, v))
	}
	data, err := json.Marshal(answer)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Path is the path of operation id with its path parameters given by
// values, in path order (the examples for those left out).
func Path(t testing.TB, id string, values ...string) string {
	t.Helper()
	op := Op(t, id)
	p := op.Path
	for i, prm := range op.PathParams {
		v := ""
		if i < len(values) {
			v = values[i]
		} else {
			ex, ok := prm.Example()
			if !ok {
				ex, _ = spec.Synthesize(prm.Schema, false)
			}
			v = spec.ValueText(ex)
		}
		p = strings.Replace(p, "{"+prm.Name+"}", v, 1)
	}
	return p
}

// Merged is the JSON object of a's and b's properties (b's win).
func Merged(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range []map[string]any{a, b} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// configurationFields are the properties of a stored configuration (the
// schema of its create's first success), each with its default (nil for
// none).
func configurationFields(t testing.TB) map[string]any {
	t.Helper()
	create := Op(t, CreateConfiguration)
	s := create.Successes()
	if len(s) == 0 || s[0].Schema == nil || s[0].Schema.Value == nil {
		t.Fatalf("openapi.yaml#%s: %s documents no success with a schema, which %s relies on: update the test", create.Pointer+"/responses", create.Name(), CallerFile())
	}
	declared, _ := spec.Properties(s[0].Schema.Value)
	fields := map[string]any{}
	for name, p := range declared {
		var def any
		if p != nil && p.Value != nil {
			def = p.Value.Default
		}
		fields[name] = def
	}
	return fields
}

// StoredConfiguration is the configuration the sandbox keeps for a
// create whose body was sent, as its state file writes it (compact JSON,
// keys sorted): the fields the configuration's schema declares, and the
// id.
func StoredConfiguration(t testing.TB, sent map[string]any, id string) string {
	t.Helper()
	fields := configurationFields(t)
	rec := map[string]any{}
	for k, v := range sent {
		if _, ok := fields[k]; ok && k != "id" {
			rec[k] = v
		}
	}
	rec["id"] = id
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// AnsweredConfiguration is the configuration the sandbox answers for
// it: what it stored, with the schema's default of each field it lacks.
func AnsweredConfiguration(t testing.TB, sent map[string]any, id string) map[string]any {
	t.Helper()
	out := DecodeAs[map[string]any](t, json.RawMessage(StoredConfiguration(t, sent, id)))
	for k, def := range configurationFields(t) {
		if _, ok := out[k]; !ok && def != nil {
			out[k] = def
		}
	}
	return out
}

// Call is an operation called with its examples' values: its escaped
// path with the query of its query parameters (required ones and those
// with an example), its JSON body (nil for none).
type Call struct {
	Op   *spec.Operation
	Args spec.Args
	Path string
	Body any
}

// queryOf is the query string of args' query parameters, each as a URL
// writes it (a list as one pair per item, form style); "" for none.
func queryOf(query map[string]any) string {
	q := url.Values{}
	for name, v := range query {
		if list, ok := v.([]any); ok {
			for _, item := range list {
				q.Add(name, spec.ValueText(item))
			}
			continue
		}
		q.Set(name, spec.ValueText(v))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// CallOf makes op's call from spec.Operation.ExampleArgs.
func CallOf(t testing.TB, op *spec.Operation) Call {
	t.Helper()
	args, ok := op.ExampleArgs()
	if !ok {
		t.Fatalf("openapi.yaml#%s: %s has an argument with no valid example and none can be synthesized (%s)", op.Pointer, op.Name(), CallerFile())
	}
	path := op.Path
	for i, p := range op.PathParams {
		path = strings.Replace(path, "{"+p.Name+"}", url.PathEscape(spec.ValueText(args.Path[i])), 1)
	}
	return Call{Op: op, Args: args, Path: path + queryOf(args.Query), Body: args.Body}
}

// Send sends the call to base with header (the operation's Credentials,
// or none) and returns the answer's status.
func (c Call) Send(t testing.TB, base string, header http.Header) int {
	t.Helper()
	var body []byte
	if c.Op.Body != nil {
		body, _ = json.Marshal(c.Body)
	}
	req, err := http.NewRequest(c.Op.Method, base+c.Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	for name, v := range c.Args.Header {
		if req.Header.Get(name) == "" {
			req.Header.Set(name, spec.ValueText(v))
		}
	}
	if c.Op.Body != nil {
		req.Header.Set("Content-Type", c.Op.Body.ContentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Credentials are the headers an operation's security asks for, with
// made-up values.
func Credentials(op *spec.Operation) http.Header {
	h := http.Header{}
	for _, name := range op.Security {
		h.Set(name, "ci-"+strings.ToLower(name)+"-value")
	}
	return h
}

// OffSpec is a request that breaks the spec in one way only: the body of
// an operation's example with one optional field renamed by the case of
// its last letter (configurationId sent as configurationID), which the
// spec does not define and the API ignores.
type OffSpec struct {
	Call
	Field string // the misspelt name
}

// Misspelt finds the first operation whose example body has an optional
// field (not a credential) and that answers a JSON object (which a test
// may grow by a field), and misspells the field.
func Misspelt(t testing.TB) OffSpec {
	t.Helper()
	m := specdoc.MustModel()
	for _, op := range m.Operations {
		if op.Body == nil || !op.Body.JSON || !answersObject(op) {
			continue
		}
		c := CallOf(t, op)
		body, ok := c.Body.(map[string]any)
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
			c.Body = edited
			return OffSpec{Call: c, Field: wrong}
		}
	}
	t.Fatalf("openapi.yaml#/paths: no operation has a JSON body example with an optional field to misspell (%s)", CallerFile())
	return OffSpec{}
}

// answersObject reports whether op's first documented success is a JSON
// object: its example, else a value made from its schema.
func answersObject(op *spec.Operation) bool {
	ok := op.Successes()
	if len(ok) == 0 || !ok[0].JSON || ok[0].Schema == nil {
		return false
	}
	v, found := ok[0].Example()
	if !found {
		v, found = spec.Synthesize(ok[0].Schema, true)
	}
	_, isObject := v.(map[string]any)
	return found && isObject
}

// flipLast changes the case of a name's last letter.
func flipLast(s string) string {
	last := s[len(s)-1:]
	if up := strings.ToUpper(last); up != last {
		return s[:len(s)-1] + up
	}
	return s[:len(s)-1] + strings.ToLower(last)
}

// Detail is how every check words the off-spec field.
func (o OffSpec) Detail() string {
	return "body " + o.Field + ": unknown field: not defined by the spec (names are exact and case-sensitive)"
}
