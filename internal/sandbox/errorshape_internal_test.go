package sandbox

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
)

// TestErrorShapeOfTheEmbeddedSpec: built from the spec's error schema,
// every error of the embedded spec's operations (and of requests no
// operation takes) is the JSON value the sandbox wrote before it read
// the shape from the spec: {"Errors":{"Error":[item]}}, the item with
// Source, ReasonCode, Description, Details and Recoverable, false
// included.
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
	if s.errorShape == nil || spec.SchemaName(s.errorShape) != "ErrorResponse" {
		t.Fatalf("the embedded spec's usual error shape: %v, want ErrorResponse", s.errorShape)
	}
	errs := []apiError{
		invalidField("body aoRequired: value must be a boolean"), missingAppKey(), invalidAppKey(),
		invalidToken("The Finicity-App-Token header is required."), expiredToken(), invalidCredentials(),
		notFound("No configuration with that id for this partner."), scriptedError(503), scriptedError(418),
		limitReached("Configuration", "This app key already has 3 configurations."),
		{status: 405, reason: gen.ReasonNotFound, description: "Method not allowed.", details: "No operation for method PUT on this path."},
	}
	ops := append([]*spec.Operation{nil}, s.model.Operations...)
	for _, op := range ops {
		for _, e := range errs {
			var want body
			want.Errors.Error = []item{{Source: errorSource, ReasonCode: e.reason, Description: e.description, Details: e.details, Recoverable: e.recoverable}}
			wantJSON, _ := json.Marshal(want)
			got, contentType := s.errorBody(op, &e)
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("not JSON: %s", got)
			}
			_ = json.Unmarshal(wantJSON, &w)
			name := "no operation"
			if op != nil {
				name = op.ID
			}
			if !reflect.DeepEqual(g, w) || contentType != "application/json" {
				t.Errorf("%s, %d %s:\ngot  %s %s\nwant %s application/json", name, e.status, e.reason, got, contentType, wantJSON)
			}
		}
	}
}
