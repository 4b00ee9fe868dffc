package api

// Required fields and parameters left at their Go zero value are refused
// before anything is sent: a Go struct always has every field, and an
// empty customerId or a forgotten serviceAgreement would go out as "" and
// 0001-01-01T00:00:00Z, passing any schema check. The checks are generated
// from the spec's `required` lists (internal/codegen): a check<Model> per
// model in api/models.gen.go, which api/services.gen.go calls beside a
// test of each required parameter. A string, time, UUID, slice or map at
// its zero value is not set, nor is a path parameter at "", the zero UUID
// or 0; body numbers and booleans always are (0 and false are values).

// operationRoute is an operation's method and path template
// (operationRoutes, generated).
type operationRoute struct{ method, path string }

// missingParam is the error of a required parameter (location "path",
// "query" or "header") left at its zero value.
func (cl call) missingParam(location, name, reason string) error {
	r := operationRoutes[cl.op]
	return &ValidationError{Method: r.method, Path: r.path, Location: location, Field: name, Reason: reason}
}

// checkBody turns the verdict of a generated check<Body> (the wire path of
// the first required field left unset, or "") into the caller's error. The
// check noted the body's secrets in cl.secrets, for masking.
func (cl *call) checkBody(missing string) error {
	if missing == "" {
		return nil
	}
	r := operationRoutes[cl.op]
	return &ValidationError{Method: r.method, Path: r.path, Location: "body", Field: missing, Reason: "required, but not set"}
}
