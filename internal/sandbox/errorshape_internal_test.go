package sandbox

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
)

// TestErrorShapeOfTheEmbeddedSpec: built from the spec's error schema,
// every error of the embedded spec's operations that document the API's
// own shape (ErrorResponse), and of requests no operation takes under a
// first path segment whose operations all document it, is the JSON value
// the sandbox wrote before it read the shape from the spec:
// {"Errors":{"Error":[item]}}, the item with Source, ReasonCode,
// Description, Details and Recoverable, false included. Operations of
// another shape (an imported API's) are TestAnySpecErrorsInTheirShapes'.
func TestErrorShapeOfTheEmbeddedSpec(t *testing.T) {
	// The sandbox's error item as it was written in Go.
	type item struct {
		Description string `json:"Description,omitempty"`
		Details     string `json:"Details,omitempty"`
		ReasonCode  string `json:"ReasonCode,omitempty"`
		Source      string `json:"Source,omitempty"`
		Recoverable bool   `json:"Recoverable"`
	}
	type body struct {
		Errors struct {
			Error []item `json:"Error"`
		} `json:"Errors"`
	}
	s := New()
	legacy := s.model.Doc.Components.Schemas["ErrorResponse"]
	if legacy == nil || legacy.Value == nil {
		t.Fatalf("%s#/components/schemas/ErrorResponse is gone, the shape this test (internal/sandbox/errorshape_internal_test.go) checks: update the test", s.model.File)
	}
	shapeOf := func(op *spec.Operation) *openapi3.SchemaRef {
		if es := op.ErrorSchema(); es != nil {
			return es
		}
		return s.ops[op].errorShape
	}
	// A request no operation takes, under each first segment whose
	// operations all document the API's shape.
	type target struct {
		op   *spec.Operation // nil: no operation
		path string
	}
	var targets []target
	mixed := map[string]bool{}
	var firsts []string
	for _, op := range s.model.Operations {
		first := pathSegments(op.Path)[0]
		if !slices.Contains(firsts, first) {
			firsts = append(firsts, first)
		}
		if es := op.ErrorSchema(); es != nil && es.Value != legacy.Value {
			mixed[first] = true
		}
		if shapeOf(op) != nil && shapeOf(op).Value == legacy.Value {
			targets = append(targets, target{op: op, path: op.Path})
		}
	}
	for _, first := range firsts {
		if !mixed[first] {
			targets = append(targets, target{path: "/" + first + "/no-operation-here"})
		}
	}
	if len(targets) == 0 || targets[len(targets)-1].op != nil {
		t.Fatalf("%s: no operation, or no group of operations, documents ErrorResponse, the shape this test (internal/sandbox/errorshape_internal_test.go) checks: update the test", s.model.File)
	}
	errs := []apiError{
		invalidField("body aoRequired: value must be a boolean"), missingAppKey(), invalidAppKey(),
		invalidToken("The Finicity-App-Token header is required."), expiredToken(), invalidCredentials(),
		notFound("No configuration with that id for this partner."), scriptedError(503), scriptedError(418),
		limitReached("Configuration", "This app key already has 3 configurations."),
		{status: 405, reason: gen.ReasonNotFound, description: "Method not allowed.", details: "No operation for method PUT on this path."},
	}
	for _, tg := range targets {
		for _, e := range errs {
			var want body
			want.Errors.Error = []item{{Source: errorSource, ReasonCode: e.reason, Description: e.description, Details: e.details, Recoverable: e.recoverable}}
			wantJSON, _ := json.Marshal(want)
			got, contentType := s.errorBody(tg.op, tg.path, &e)
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("not JSON: %s", got)
			}
			_ = json.Unmarshal(wantJSON, &w)
			name := "no operation at " + tg.path
			if tg.op != nil {
				name = tg.op.ID
			}
			if !reflect.DeepEqual(g, w) || contentType != "application/json" {
				t.Errorf("%s, %d %s:\ngot  %s %s\nwant %s application/json", name, e.status, e.reason, got, contentType, wantJSON)
			}
		}
	}
}
