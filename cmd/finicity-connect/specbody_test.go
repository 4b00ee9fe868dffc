package main

// Command lines, bodies and expected answers from the spec model, for
// the tests of the CLI against its sandbox: a command line is the
// operation's command with the test's own flags and, from the spec's
// examples, every required body flag the test leaves out (withRequired);
// a body sent by hand is the operation's example with the test's own
// fields set; what the sandbox stores and answers for a created
// configuration is what the create answer's schema declares of the body
// sent, the id, and the schema's defaults. What cannot be derived fails
// naming the spec location (openapi.yaml#<JSON pointer>) and the test
// file.

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/bodypath"
	"github.com/finicity-go/connect-components/internal/spec"
)

// The operations the state tests use, by operationId.
const (
	opCreateConfiguration = "PostConfigurations"
	opListConfigurations  = "GetConfigurations"
)

// specHelpers are the helpers of specflags_test.go that build command
// lines and bodies: callerFile looks past them, as past this file's.
var specHelpers = []string{".withRequired", ".requiredBody", ".opByID", ".fieldByFlag"}

// callerFile is the test file ("cmd/finicity-connect/state_test.go")
// that called into these helpers.
func callerFile() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		helper := slices.ContainsFunc(specHelpers, func(h string) bool { return strings.HasSuffix(f.Function, h) })
		if base := filepath.Base(f.File); strings.HasSuffix(base, "_test.go") && base != "specbody_test.go" && !helper {
			return "cmd/finicity-connect/" + base
		}
		if !more {
			return "cmd/finicity-connect/specbody_test.go"
		}
	}
}

// commandOf is the command of operation id, as the words of a command
// line ("configurations", "create").
func commandOf(t testing.TB, id string) []string {
	t.Helper()
	return strings.Fields(opByID(t, id, callerFile()).name())
}

// sandboxCreate is the command line creating a configuration with
// --sandbox and args, the required body flags args leaves out added from
// the spec's examples; and the body fields those added flags send.
func sandboxCreate(t testing.TB, args ...string) ([]string, map[string]any) {
	t.Helper()
	line := slices.Concat(commandOf(t, opCreateConfiguration), []string{"--sandbox"}, args)
	_, extra := requiredBody(t, opByID(t, opCreateConfiguration, callerFile()), ownFlags(args)...)
	return withRequired(t, line...), extra
}

// sandboxVerb is the command line of the configurations command verb
// ("list" or "create") with --sandbox: a create with its required
// flags (sandboxCreate).
func sandboxVerb(t testing.TB, verb string) []string {
	t.Helper()
	switch verb {
	case "create":
		line, _ := sandboxCreate(t)
		return line
	case "list":
		return append(commandOf(t, opListConfigurations), "--sandbox")
	}
	t.Fatalf("%s: no configurations %s in the tests' helpers", callerFile(), verb)
	return nil
}

// ownFlags are the flag names args gives.
func ownFlags(args []string) []string {
	var own []string
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ = strings.Cut(name, "=")
			own = append(own, name)
		}
	}
	return own
}

// merged is the JSON object of a's and b's properties (b's win).
func merged(a, b map[string]any) map[string]any {
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
	create := opByID(t, opCreateConfiguration, callerFile()).op
	s := create.Successes()
	if len(s) == 0 || s[0].Schema == nil || s[0].Schema.Value == nil {
		t.Fatalf("openapi.yaml#%s: %s documents no success with a schema, which %s relies on: update the test", create.Pointer+"/responses", create.Name(), callerFile())
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

// storedConfiguration is the configuration the sandbox keeps for a create
// whose body was sent, as its state file writes it (compact JSON, keys
// sorted): the fields the configuration's schema declares, and the id.
func storedConfiguration(t testing.TB, sent map[string]any, id string) string {
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

// answeredConfiguration is the configuration the sandbox answers for it:
// what it stored, with the schema's default of each field it lacks.
func answeredConfiguration(t testing.TB, sent map[string]any, id string) map[string]any {
	t.Helper()
	out := decodeAs[map[string]any](t, json.RawMessage(storedConfiguration(t, sent, id)))
	for k, def := range configurationFields(t) {
		if _, ok := out[k]; !ok && def != nil {
			out[k] = def
		}
	}
	return out
}

// decodeAs decodes the JSON value v into T, failing t when it does not.
func decodeAs[T any](t testing.TB, v any) T {
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

// exampleBody is the JSON body of operation id for a test that sends it
// by hand: its example (else a value made from its schema) with the
// fields at the dotted wire paths of set given the test's values. A field
// the body does not have fails t, naming its location and the test file.
func exampleBody(t testing.TB, id string, set map[string]any) string {
	t.Helper()
	return bodyWith(t, id, set, true)
}

// exampleBodyUnknown is exampleBody with fields the body does not have
// (a test of how an unknown name is refused): each must be unknown, or t
// fails naming the body's location and the test file.
func exampleBodyUnknown(t testing.TB, id string, set map[string]any) string {
	t.Helper()
	return bodyWith(t, id, set, false)
}

func bodyWith(t testing.TB, id string, set map[string]any, known bool) string {
	t.Helper()
	o := opByID(t, id, callerFile())
	v, ok := o.bodyExample()
	body, isObject := v.(map[string]any)
	if !ok || !isObject {
		t.Fatalf("openapi.yaml#%s: %s has no JSON object body with an example, which %s sends: update the test", o.op.Pointer+"/requestBody", o.op.Name(), callerFile())
	}
	body = decodeAs[map[string]any](t, body) // a copy
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if has := slices.ContainsFunc(o.bodyFields, func(f *specField) bool { return strings.Join(f.wire, ".") == k }); has != known {
			what := "has no field"
			if has {
				what = "has the field"
			}
			t.Fatalf("openapi.yaml#%s: the body of %s %s %s, which %s sets: update the test", o.op.Body.Pointer, o.op.Name(), what, k, callerFile())
		}
		bodypath.Set(body, strings.Split(k, "."), decodeAs[any](t, set[k]))
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// answerExample is the example of the first success of operation id
// (else a value made from its schema), with the fields at the dotted
// paths of set given the test's values, as the JSON text a fake API
// answers.
func answerExample(t testing.TB, id string, set map[string]any) string {
	t.Helper()
	o := opByID(t, id, callerFile())
	s := o.op.Successes()
	if len(s) == 0 || s[0].Schema == nil {
		t.Fatalf("openapi.yaml#%s: %s documents no success with a body, which %s answers: update the test", o.op.Pointer+"/responses", o.op.Name(), callerFile())
	}
	v, ok := s[0].Example()
	if !ok {
		v, ok = spec.Synthesize(s[0].Schema, true)
	}
	answer, isObject := decodeAs[any](t, v).(map[string]any)
	if !ok || !isObject {
		t.Fatalf("openapi.yaml#%s: the %s answer of %s has no example object, which %s answers: add one there", s[0].Pointer, s[0].Status, o.op.Name(), callerFile())
	}
	for k, v := range set {
		bodypath.Set(answer, strings.Split(k, "."), decodeAs[any](t, v))
	}
	data, err := json.Marshal(answer)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// typedExample is exampleBody decoded into T, the typed method's body
// type: what a test passes to the api client.
func typedExample[T any](t testing.TB, id string, set map[string]any) T {
	t.Helper()
	return decodeAs[T](t, json.RawMessage(exampleBody(t, id, set)))
}

// pathOf is the path of operation id with its path parameters given by
// values, in path order (the examples for those left out).
func pathOf(t testing.TB, id string, values ...string) string {
	t.Helper()
	o := opByID(t, id, callerFile())
	p := o.op.Path
	for i, prm := range o.op.PathParams {
		v := ""
		if i < len(values) {
			v = values[i]
		} else {
			v = exampleText(paramExample(o.pathParams[i]))
		}
		p = strings.Replace(p, "{"+prm.Name+"}", v, 1)
	}
	return p
}
