package api

import (
	"strings"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/validation"
)

// Required fields and parameters left at their Go zero value.
//
// The spec marks fields required, but a Go struct always has them: without
// these checks an empty customerId, or a forgotten serviceAgreement, would
// be sent as "" and 0001-01-01T00:00:00Z and pass any schema check. The
// checks are generated from the spec (internal/codegen): api/models.gen.go
// has a check<Model> function per model, written from its `required` list
// (nested objects included), and api/services.gen.go calls the body's one
// and tests each required parameter. Nothing reads the spec or reflects at
// run time; a new operation or field is covered by `make generate`.
//
// A required string, time, UUID, slice or map at its zero value is "not
// set", and so is a required path parameter at "", the zero UUID or 0.
// Body numbers and booleans are never refused: 0 and false are values the
// spec allows.

// operationRoute is an operation's method and path template
// (operationRoutes, generated in api/services.gen.go).
type operationRoute struct{ method, path string }

// missingParam is the error for a required parameter left at its zero
// value: location is "path", "query" or "header".
func (cl call) missingParam(location, name, reason string) error {
	r := operationRoutes[cl.op]
	return &ValidationError{Method: r.method, Path: r.path, Location: location, Field: name, Reason: reason}
}

// checkBody turns the verdict of a generated check<Body> function (the
// wire path of the first required field left unset, or "") into the error
// the caller gets. The check has noted the body's secret values in
// cl.secrets already, so that error text can mask them.
func (cl *call) checkBody(missing string) error {
	if missing == "" {
		return nil
	}
	r := operationRoutes[cl.op]
	// Worded as every check words a missing required value.
	return &ValidationError{Method: r.method, Path: r.path, Location: "body", Field: missing, Pointer: spec.Pointer(strings.Split(missing, ".")...),
		Kind: string(validation.KindMissingRequired), Reason: validation.RuleRequired}
}
