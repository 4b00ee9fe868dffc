package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
)

// specFile is the spec the embedded one is generated from.
const specFile = "../../openapi.yaml"

// editedSpec writes a copy of openapi.yaml, changed by edit, to a temp dir
// and loads it as the sandbox would load its own.
func editedSpec(t *testing.T, edit func(t *testing.T, spec string) string) *openapi3.T {
	t.Helper()
	src, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(path, []byte(edit(t, string(src))), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		t.Fatalf("the edited copy of %s does not load: %v", specFile, err)
	}
	return doc
}

// insertAfter inserts text after the first match of anchor (a regexp), or
// fails naming the anchor: a reworded openapi.yaml needs this test's
// anchors updated (in this file).
func insertAfter(t *testing.T, spec, anchor, text string) string {
	t.Helper()
	loc := regexp.MustCompile(anchor).FindStringIndex(spec)
	if loc == nil {
		t.Fatalf("%s has nothing matching %q: update the anchor in specchange_internal_test.go", specFile, anchor)
	}
	return spec[:loc[1]] + text + spec[loc[1]:]
}

const (
	// A new optional field of the configuration, in its request and its
	// answer.
	// The names are this test's own, so that the test still holds when
	// the real spec gains such a field or operation.
	trialProperty = "        sandboxTrialField:\n          type: string\n          description: A field added by TestSpecChangeReachesTheSandbox.\n"
	// A new operation, with a query parameter and a new response schema,
	// and no x-sandbox behaviour.
	trialPath = `  /connect-components/configurations/{configuration_id}/sandbox-trial:
    parameters:
      - $ref: "#/components/parameters/ConfigurationId"
    get:
      operationId: GetSandboxTrial
      summary: An operation added by TestSpecChangeReachesTheSandbox
      parameters:
        - name: period
          in: query
          required: false
          schema:
            type: string
      responses:
        "200":
          description: How often the configuration was used
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/SandboxTrialAnswer"
              example:
                configurationId: 605543e1-f507-48ad-8127-95c40566597b
                logins: 3
        "401":
          $ref: "#/components/responses/Unauthorized"
`
	trialSchema = `    SandboxTrialAnswer:
      type: object
      required: [configurationId, logins]
      properties:
        configurationId:
          $ref: "#/components/schemas/Uuid"
        logins:
          type: integer
          minimum: 0
`
)

// withNewFieldAndOperation is a user's spec change: a new field and a new operation.
func withNewFieldAndOperation(t *testing.T, spec string) string {
	spec = insertAfter(t, spec, `\n    Configuration:\n(?:      .*\n|        .*\n|          .*\n)*?      properties:\n`, trialProperty)
	spec = insertAfter(t, spec, `\n    PostConfigurationsRequest:\n(?:      .*\n|        .*\n|          .*\n)*?      properties:\n`, trialProperty)
	spec = insertAfter(t, spec, `\npaths:\n`, trialPath)
	return insertAfter(t, spec, `\n  schemas:\n`, trialSchema)
}

// TestSpecChangeReachesTheSandbox: with a new optional configuration
// field and a new operation added to a copy of openapi.yaml, and no code
// change, the field is stored, returned by create, get and list, kept
// through MarshalState and UnmarshalState; the new operation answers its
// documented example, validated, and is the one operation listed as
// answering its example.
func TestSpecChangeReachesTheSandbox(t *testing.T) {
	doc := editedSpec(t, withNewFieldAndOperation)
	m, err := spec.New("openapi.yaml", doc)
	if err != nil {
		t.Fatalf("the edited copy of %s does not model: %v", specFile, err)
	}
	report := func(err error) { t.Errorf("answer off the spec: %v", err) }
	s := New(WithDocument(doc), WithResponseValidation(report))
	if len(s.problems) != 0 {
		t.Fatalf("x-sandbox problems: %v", s.problems)
	}

	// The edited spec's create body: its example with the new field set.
	create := SpecOp(t, m, "Configurations.Create")
	sent := SpecBody(t, create, map[string]any{"sandboxTrialField": "premium", "filterAccounts": []string{"Checking"}})
	body, _ := json.Marshal(sent)
	rec := s.callForTest("POST", SpecPath(t, create), "k", "t", string(body))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create with the new field: %d %s", rec.Code, rec.Body)
	}
	var created map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	id, _ := created["id"].(string)
	if want := Answered(t, create, Stored(t, create, sent, id)); created["sandboxTrialField"] != "premium" || !reflect.DeepEqual(created, want) || len(id) != 36 {
		t.Errorf("created: %v, want %v: the new field sandboxTrialField, the others sent and an id", created, want)
	}
	for _, path := range []string{SpecPath(t, SpecOp(t, m, "Configurations.Get"), id), SpecPath(t, SpecOp(t, m, "Configurations.List"))} {
		rec := s.callForTest("GET", path, "k", "t", "")
		var got any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		if list, ok := got.([]any); ok && len(list) == 1 {
			got = list[0]
		}
		if !reflect.DeepEqual(got, created) {
			t.Errorf("GET %s:\ngot  %v\nwant %v (as created)", path, got, created)
		}
	}

	state, err := s.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(state), `"sandboxTrialField":"premium"`) {
		t.Errorf("state without the new field: %s", state)
	}
	restored := New(WithDocument(doc), WithResponseValidation(report))
	if err := restored.UnmarshalState(state); err != nil {
		t.Fatal(err)
	}
	if rec := restored.callForTest("GET", SpecPath(t, SpecOp(t, m, "Configurations.Get"), id), "k", "t", ""); !strings.Contains(rec.Body.String(), `"sandboxTrialField":"premium"`) {
		t.Errorf("restored get: %d %s", rec.Code, rec.Body)
	}

	trial := SpecOp(t, m, "GetSandboxTrial")
	rec = s.callForTest("GET", SpecPath(t, trial, id)+"?period=2024-11", "k", "t", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("new operation: %d %s", rec.Code, rec.Body)
	}
	var usage any
	if err := json.Unmarshal(rec.Body.Bytes(), &usage); err != nil {
		t.Fatal(err)
	}
	if want, ok := trial.Response(http.StatusOK).Example(); !ok || !reflect.DeepEqual(usage, want) {
		t.Errorf("new operation's answer:\ngot  %v\nwant %v (its documented example)", usage, want)
	}
	// It is still checked like any other: credentials first.
	if rec := s.callForTest("GET", SpecPath(t, trial, id), "", "t", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("new operation without an app key: %d", rec.Code)
	}
	want := append(New().exampleOnly(), "GetSandboxTrial")
	slices.Sort(want)
	if got := s.exampleOnly(); !reflect.DeepEqual(got, want) {
		t.Errorf("operations answering their example: got %q, want %q (the embedded spec's and GetSandboxTrial)", got, want)
	}
}

// TestEmbeddedSpecBehaviours: every x-sandbox extension of openapi.yaml
// names a behaviour the sandbox has, and every operation without one
// (listed by name in the test log) answers its documented success
// example, validated: in the embedded spec, and in a copy with a new
// operation.
func TestEmbeddedSpecBehaviours(t *testing.T) {
	for name, opts := range map[string][]Option{
		"embedded":                  nil,
		"copy with a new operation": {WithDocument(editedSpec(t, withNewFieldAndOperation))},
	} {
		t.Run(name, func(t *testing.T) {
			s := New(append(opts, WithResponseValidation(func(err error) { t.Errorf("answer off the spec: %v", err) }))...)
			for _, p := range s.problems {
				t.Errorf("%v (edit openapi.yaml)", p)
			}
			only := s.exampleOnly()
			t.Logf("operations answering their documented example (no x-sandbox): %q", only)
			for _, id := range only {
				op, _ := s.model.Operation(id)
				o := s.ops[op]
				body := ""
				if op.Body != nil && op.Body.JSON {
					body = SpecBodyText(t, op, nil)
				}
				rec := s.callForTest(op.Method, SpecPath(t, op)+SpecQuery(t, op), "k", "t", body)
				var got any
				_ = json.Unmarshal(rec.Body.Bytes(), &got)
				want, hasExample := o.success.Example()
				if rec.Code != o.status || (hasExample && !reflect.DeepEqual(got, want)) {
					t.Errorf("%s (no x-sandbox in openapi.yaml): %d %s, want %d with its example %v", id, rec.Code, rec.Body, o.status, want)
				}
			}
		})
	}
}

// TestMalformedBehaviour: an x-sandbox naming no handler the sandbox has
// makes its operation answer 500 naming the operation and the
// extension's JSON pointer, never a made-up success; New lists the
// problem.
func TestMalformedBehaviour(t *testing.T) {
	recon := SpecOp(t, SpecModel(t), "Reconnections.Create")
	const from = "x-sandbox: {handler: reconnection}"
	doc := editedSpec(t, func(t *testing.T, spec string) string {
		if strings.Count(spec, from) != 1 {
			t.Fatalf("%s has not once %q, at %s: update TestMalformedBehaviour in internal/sandbox/specchange_internal_test.go", specFile, from, At(recon.Pointer+"/x-sandbox"))
		}
		return strings.Replace(spec, from, "x-sandbox: {handler: reconnect-me}", 1)
	})
	s := New(WithDocument(doc))
	want := At(recon.Pointer+"/x-sandbox") + `: no handler "reconnect-me" (the sandbox has loginForm, oauthURL, reconnection, token)`
	if len(s.problems) != 1 || !strings.HasPrefix(s.problems[0].Error(), want) {
		t.Errorf("problems: %v, want one starting %s", s.problems, want)
	}
	rec := s.callForTest("POST", SpecPath(t, recon), "k", "t", SpecBodyText(t, recon, nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), recon.ID+": openapi.yaml#/paths/") {
		t.Errorf("answer: %d %s", rec.Code, rec.Body)
	}
}

// TestBehaviourChecks: what the model refuses in x-sandbox (its keys, its
// action, its collection's name) makes the document not model, naming
// the pointer, and New refuses it; what only the sandbox knows (its
// handlers, a collection without a create, the id's parameter) is a
// problem of New naming it.
func TestBehaviourChecks(t *testing.T) {
	cases := []struct {
		from, to, want string
		model          bool // the model refuses it
	}{
		{"x-sandbox: {action: create, collection: configurations}", "x-sandbox: {action: upsert, collection: configurations}", `action "upsert"`, true},
		{"x-sandbox: {action: create, collection: configurations}", "x-sandbox: {action: create, collection: tokens}", `collection "tokens"`, true},
		{"x-sandbox: {handler: token}", "x-sandbox: {handler: token, colour: red}", `unknown key "colour"`, true},
		{"x-sandbox: {handler: token}", "x-sandbox: {handler: token, action: list, collection: configurations}", "an action and a handler", true},
		{"x-sandbox: {action: get, collection: configurations}", "x-sandbox: {action: get, collection: widgets}", `collection "widgets" has no create operation`, false},
		{"x-sandbox: {action: delete, collection: configurations}", "x-sandbox: {action: delete, collection: configurations, param: nope}", `param "nope"`, false},
	}
	for _, tc := range cases {
		doc := editedSpec(t, func(t *testing.T, spec string) string {
			if !strings.Contains(spec, tc.from) {
				t.Fatalf("%s has no %q: update TestBehaviourChecks in internal/sandbox/specchange_internal_test.go", specFile, tc.from)
			}
			return strings.Replace(spec, tc.from, tc.to, 1)
		})
		if tc.model {
			if _, err := spec.New("openapi.yaml", doc); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "/x-sandbox") {
				t.Errorf("%s: model error %v, want one naming %s at its x-sandbox", tc.to, err, tc.want)
			}
			func() {
				defer func() {
					if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), tc.want) {
						t.Errorf("%s: New panicked with %v, want a panic naming %s", tc.to, p, tc.want)
					}
				}()
				New(WithDocument(doc))
			}()
			continue
		}
		s := New(WithDocument(doc))
		named := false
		for _, p := range s.problems {
			named = named || strings.Contains(p.Error(), tc.want)
		}
		if !named {
			t.Errorf("%s: problems %v, want one naming %s", tc.to, s.problems, tc.want)
		}
	}
}

// TestBuildFillsFromTheSchema: a required property missing from what is
// stored is filled from the spec (default, fresh uuid, example, the
// parent's example, the type's smallest value); optional ones only from
// their default; and a schema that requires itself ends.
func TestBuildFillsFromTheSchema(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},
"components":{"schemas":{
 "Node":{"type":"object","required":["id","kind","label","count","flag","tags","child","fromParent"],
   "example":{"fromParent":"parent's"},
   "properties":{
    "id":{"type":"string","format":"uuid"},
    "kind":{"type":"string","default":"plain"},
    "label":{"type":"string","example":"a label"},
    "count":{"type":"integer","minimum":2},
    "flag":{"type":"boolean"},
    "tags":{"type":"array","items":{"type":"string"}},
    "child":{"$ref":"#/components/schemas/Node"},
    "fromParent":{"type":"string"},
    "optional":{"type":"string","example":"not used"},
    "optionalDefault":{"type":"integer","default":7}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas["Node"]
	got, ok := build(ref, map[string]any{"label": "kept", "undeclared": 1}).(map[string]any)
	if !ok {
		t.Fatalf("not an object")
	}
	id, _ := got["id"].(string)
	if len(id) != 36 {
		t.Errorf("id: %v, want a fresh UUID", got["id"])
	}
	want := map[string]any{"kind": "plain", "label": "kept", "count": float64(2), "flag": false, "tags": []any{}, "fromParent": "parent's", "optionalDefault": float64(7)}
	for k, w := range want {
		g := got[k]
		if n, ok := g.(int); ok {
			g = float64(n)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: got %#v, want %#v", k, got[k], w)
		}
	}
	for _, k := range []string{"optional", "undeclared"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s present: %v", k, got[k])
		}
	}
	depth := 0
	for node := got; node != nil; depth++ {
		node, _ = node["child"].(map[string]any)
	}
	if depth < 2 || depth > maxDepth+3 {
		t.Errorf("a self-requiring schema built %d levels deep", depth)
	}
}

// TestListWrappedInAnObject: a list action whose answer is documented as
// an object wrapping the list (a published spec's {found, customers:
// [...]}) answers that object, the caller's resources in its array
// property and the rest from the schema, never a bare array; one whose
// object has no single place for the list is a problem naming its
// x-sandbox.
func TestListWrappedInAnObject(t *testing.T) {
	m := SpecModel(t)
	list, create := SpecOp(t, m, "Configurations.List"), SpecOp(t, m, "Configurations.Create")
	wrap := func(t *testing.T, props func(item *openapi3.SchemaRef) openapi3.Schemas) *openapi3.T {
		doc := editedSpec(t, func(_ *testing.T, spec string) string { return spec })
		item := doc.Components.Schemas["Configuration"]
		if item == nil {
			t.Fatalf("%s#/components/schemas/Configuration is gone, which TestListWrappedInAnObject (internal/sandbox/specchange_internal_test.go) lists: update the test", specFile)
		}
		obj := openapi3.NewObjectSchema()
		obj.Properties = openapi3.Schemas{"found": openapi3.NewSchemaRef("", openapi3.NewInt32Schema().WithMin(0))}
		for k, v := range props(item) {
			obj.Properties[k] = v
		}
		obj.Required = []string{"found"}
		mt := doc.Paths.Value(list.Path).Get.Responses.Value("200").Value.Content.Get("application/json")
		mt.Schema, mt.Example = openapi3.NewSchemaRef("", obj), nil
		return doc
	}
	t.Run("one array", func(t *testing.T) {
		doc := wrap(t, func(item *openapi3.SchemaRef) openapi3.Schemas {
			arr := openapi3.NewArraySchema()
			arr.Items = item
			return openapi3.Schemas{"configurations": openapi3.NewSchemaRef("", arr)}
		})
		s := New(WithDocument(doc), WithResponseValidation(func(err error) { t.Errorf("answer off the spec: %v", err) }))
		if len(s.problems) != 0 {
			t.Fatalf("problems: %v", s.problems)
		}
		rec := s.callForTest("POST", SpecPath(t, create), "k", "t", SpecBodyText(t, create, nil))
		var created map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || rec.Code/100 != 2 {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		rec = s.callForTest("GET", SpecPath(t, list), "k", "t", "")
		var got any
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"found": 0.0, "configurations": []any{created}}
		if rec.Code != 200 || !reflect.DeepEqual(got, want) {
			t.Errorf("list: %d %s, want 200 %v", rec.Code, rec.Body, want)
		}
	})
	t.Run("two arrays", func(t *testing.T) {
		texts := openapi3.NewSchemaRef("", openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema()))
		s := New(WithDocument(wrap(t, func(*openapi3.SchemaRef) openapi3.Schemas { return openapi3.Schemas{"a": texts, "b": texts} })))
		if len(s.problems) != 1 || !strings.Contains(s.problems[0].Error(), list.Pointer+"/x-sandbox") || !strings.Contains(s.problems[0].Error(), `["a" "b"]`) {
			t.Errorf("problems %v, want one naming %s/x-sandbox and the two arrays", s.problems, list.Pointer)
		}
	})
}
