// Package specdoc loads the OpenAPI document embedded in the generated code
// once per process, and builds the shared Validator from it. Only what
// validates or serves the spec uses it (opt-in validation, the sandbox, the
// test kit): a client's default call path never loads the spec.
package specdoc

import (
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/validation"
)

// Doc returns the embedded document, decoded on first call. Callers must
// not modify it.
var Doc = sync.OnceValues(func() (*openapi3.T, error) {
	doc, err := gen.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("embedded OpenAPI document: %w", err)
	}
	return doc, nil
})

// Validator returns the process-wide Validator for the embedded spec. It is
// safe for concurrent use; the document is decoded only once.
var Validator = sync.OnceValues(func() (*validation.Validator, error) {
	doc, err := Doc()
	if err != nil {
		return nil, err
	}
	return validation.New(doc)
})

// MustValidator is Validator for tests and program start-up, where a broken
// embedded spec is a build defect.
func MustValidator() *validation.Validator {
	v, err := Validator()
	if err != nil {
		panic("specdoc: embedded OpenAPI document does not load: " + err.Error())
	}
	return v
}
