package sandbox

// The operations, bodies and paths the sandbox's tests send, from the
// spec model: the internal tests call these directly, the external ones
// (package sandbox_test) as sandbox.SpecOp and so on, since they live in
// a test file of the package. A body is the operation's example (else a
// value synthesized from its schema) with the test's own fields set, so
// that a field the spec adds, required or not, is sent with its example
// and the test stays about what it tests; what cannot be derived fails
// naming the spec location (openapi.yaml#<JSON pointer>) and the test
// file.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/bodypath"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// Absent, as the value of a field a test sets, leaves the field out of
// the body.
var Absent any = absentField{}

type absentField struct{}

// helperFiles are the files of these helpers: a failure names the test
// file that called them instead.
var helperFiles = []string{"specbody_internal_test.go", "specops_test.go"}

// CallerFile is the test file ("internal/sandbox/state_test.go") that
// called into the helpers.
func CallerFile() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		base := filepath.Base(f.File)
		if strings.HasSuffix(base, "_test.go") && base != helperFiles[0] && base != helperFiles[1] {
			return "internal/sandbox/" + base
		}
		if !more {
			return "internal/sandbox/specbody_internal_test.go"
		}
	}
}

// At names a spec location as failures do.
func At(pointer string) string { return "openapi.yaml#" + pointer }

// SpecModel is the model of the spec embedded in gen: the sandbox's own.
func SpecModel(t testing.TB) *spec.Model {
	t.Helper()
	m, err := specdoc.Model()
	if err != nil {
		t.Fatalf("the embedded openapi.yaml does not model (`make generate` names the fix): %v", err)
	}
	return m
}

// SpecOp is the operation of m a test is about, by operationId or api
// method ("Configurations.Create"); a spec without it fails t, naming
// the test file.
func SpecOp(t testing.TB, m *spec.Model, name string) *spec.Operation {
	t.Helper()
	o, ok := m.Lookup(name)
	if !ok {
		t.Fatalf("%s has no operation %s, which %s sends: update the test", At("/paths"), name, CallerFile())
	}
	return o
}

// SpecBody is op's JSON body for a test: its example (else a value
// synthesized from its schema), the example's values of x-sandbox refs
// left out (they name resources a fresh sandbox does not have) unless the
// test sets them, and the fields at the dotted wire paths of set given
// the test's values (Absent removes one). A field the body's schema does
// not declare fails t, naming the schema's location and the test file.
func SpecBody(t testing.TB, op *spec.Operation, set map[string]any) map[string]any {
	t.Helper()
	b := op.Body
	if b == nil || !b.JSON {
		t.Fatalf("%s: %s has no JSON body, which %s sends: update the test", At(op.Pointer), op.Name(), CallerFile())
	}
	v, ok := b.Example()
	if !ok {
		v, ok = spec.Synthesize(b.Schema, false)
	}
	body, isObject := copyJSON(v).(map[string]any)
	if !ok || !isObject {
		t.Fatalf("%s: the body of %s has no example object that matches its schema, and none can be synthesized: add an example there (%s sends it)", At(b.Pointer), op.Name(), CallerFile())
	}
	if op.Sandbox != nil {
		for _, ref := range op.Sandbox.RefNames() {
			if _, own := set[ref]; !own {
				delete(body, ref)
			}
		}
	}
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		keys := strings.Split(p, ".")
		if !declares(b.Schema, keys) {
			t.Fatalf("%s: the body of %s has no field %s, which %s sets: update the test", At(schemaPointer(b)), op.Name(), p, CallerFile())
		}
		setPath(body, keys, copyJSON(set[p]))
	}
	return body
}

// SpecBodyText is SpecBody as the JSON text a client sends.
func SpecBodyText(t testing.TB, op *spec.Operation, set map[string]any) string {
	t.Helper()
	data, err := json.Marshal(SpecBody(t, op, set))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// RawSegment is a path parameter's value SpecPath writes as it is,
// escapes included: for tests of how the sandbox reads escapes.
type RawSegment string

// SpecPath is op's path with its path parameters given, in path order,
// by values (escaped as a client escapes them, a RawSegment as written),
// the ones values leaves out or gives as nil from their examples (else
// synthesized).
func SpecPath(t testing.TB, op *spec.Operation, values ...any) string {
	t.Helper()
	if len(values) > len(op.PathParams) {
		t.Fatalf("%s: %s has %d path parameters, %s gives %d: update the test", At(op.Pointer), op.Name(), len(op.PathParams), CallerFile(), len(values))
	}
	p := op.Path
	for i, prm := range op.PathParams {
		var v any
		if i < len(values) && values[i] != nil {
			v = values[i]
		} else if ex, ok := prm.Example(); ok {
			v = ex
		} else if syn, ok := spec.Synthesize(prm.Schema, false); ok {
			v = syn
		} else {
			t.Fatalf("%s: the path parameter %s of %s has no example and none can be synthesized: add an example there (%s sends it)", At(prm.Pointer), prm.Name, op.Name(), CallerFile())
		}
		if raw, ok := v.(RawSegment); ok {
			p = strings.Replace(p, "{"+prm.Name+"}", string(raw), 1)
			continue
		}
		text := fmt.Sprint(v)
		if f, isFloat := v.(float64); isFloat && f == float64(int64(f)) {
			text = fmt.Sprint(int64(f))
		}
		p = strings.Replace(p, "{"+prm.Name+"}", url.PathEscape(text), 1)
	}
	return p
}

// SpecQuery is the query string ("?a=1&b=x", "" for none) of op's
// required query parameters and those with an example, each its example
// or a value made from its schema (spec.Operation.ExampleArgs).
func SpecQuery(t testing.TB, op *spec.Operation) string {
	t.Helper()
	args, ok := op.ExampleArgs()
	if !ok {
		t.Fatalf("%s: %s has a parameter with no example that none can be synthesized for (%s sends it)", At(op.Pointer), op.Name(), CallerFile())
	}
	q := url.Values{}
	for name, v := range args.Query {
		q.Set(name, spec.ValueText(v))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Collection is the schema of the resources a create operation stores
// (its first success's), and its properties: what the sandbox keeps of a
// create body and answers for it. An operation that stores nothing fails
// t, naming its location and the test file.
func Collection(t testing.TB, create *spec.Operation) (*openapi3.SchemaRef, openapi3.Schemas) {
	t.Helper()
	if create.Sandbox == nil || create.Sandbox.Action != "create" {
		t.Fatalf("%s: %s has no x-sandbox create action, which %s relies on: update the test", At(create.Pointer), create.Name(), CallerFile())
	}
	s := create.Successes()
	if len(s) == 0 || s[0].Schema == nil || s[0].Schema.Value == nil {
		t.Fatalf("%s: %s documents no success with a schema, which %s relies on: update the test", At(create.Pointer+"/responses"), create.Name(), CallerFile())
	}
	props, _ := spec.Properties(s[0].Schema.Value)
	return s[0].Schema, props
}

// Stored is what the sandbox keeps of a create of create's collection
// whose body was sent (as JSON): the properties the resource schema
// declares, and the id given.
func Stored(t testing.TB, create *spec.Operation, sent any, id string) map[string]any {
	t.Helper()
	_, props := Collection(t, create)
	in, _ := copyJSON(sent).(map[string]any)
	out := map[string]any{}
	for k, v := range in {
		if _, ok := props[k]; ok && k != "id" {
			out[k] = v
		}
	}
	out["id"] = id
	return out
}

// Answered is the answer for a stored resource: stored with the default
// of each property of the resource schema it lacks, as the schema gives
// it.
func Answered(t testing.TB, create *spec.Operation, stored map[string]any) map[string]any {
	t.Helper()
	_, props := Collection(t, create)
	out := copyJSON(stored).(map[string]any)
	for k, p := range props {
		if _, ok := out[k]; !ok && p.Value != nil && p.Value.Default != nil {
			out[k] = copyJSON(p.Value.Default)
		}
	}
	return out
}

// schemaPointer is where the schema of body b is: its component, else
// the body's media type.
func schemaPointer(b *spec.Body) string {
	if b.Schema != nil && strings.HasPrefix(b.Schema.Ref, "#/") {
		return strings.TrimPrefix(b.Schema.Ref, "#")
	}
	return b.Pointer + "/content/" + strings.ReplaceAll(strings.ReplaceAll(b.ContentType, "~", "~0"), "/", "~1") + "/schema"
}

// declares reports whether the object schema ref has the property at
// path: declared, or in an object that allows any property by saying so
// (additionalProperties: true).
func declares(ref *openapi3.SchemaRef, path []string) bool {
	if ref == nil || ref.Value == nil {
		return false
	}
	if len(path) == 0 {
		return true
	}
	props, _ := spec.Properties(ref.Value)
	if p, ok := props[path[0]]; ok {
		return declares(p, path[1:])
	}
	ap := ref.Value.AdditionalProperties
	return ap.Has != nil && *ap.Has || ap.Schema != nil
}

// setPath sets (or, for Absent, removes) the value at path in obj,
// making the objects on the way.
func setPath(obj map[string]any, path []string, v any) {
	bodypath.Set(obj, path, v)
	if _, absent := v.(absentField); absent {
		parent, _ := bodypath.Get(obj, path[:len(path)-1])
		delete(parent.(map[string]any), path[len(path)-1])
	}
}

// copyJSON is a deep copy of v in the types encoding/json decodes into
// (Go values of the test's, such as []string, become []any).
func copyJSON(v any) any {
	if _, absent := v.(absentField); absent {
		return v
	}
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("copyJSON: %v", err))
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		panic(fmt.Sprintf("copyJSON: %v", err))
	}
	return out
}
