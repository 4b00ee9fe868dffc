// Package specdoc loads the OpenAPI document embedded in the generated code
// once per process, and builds the shared Validator from it.
package specdoc

import (
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/validation"
)

var (
	once      sync.Once
	validator *validation.Validator
	loadErr   error
)

// Validator returns the process-wide Validator for the embedded spec. It is
// safe for concurrent use; the document is decoded only on first call.
func Validator() (*validation.Validator, error) {
	once.Do(func() {
		var doc *openapi3.T
		doc, loadErr = gen.GetSpec()
		if loadErr != nil {
			return
		}
		validator, loadErr = validation.New(doc)
	})
	return validator, loadErr
}

// MustValidator is Validator for tests and program start-up, where a broken
// embedded spec is a build defect.
func MustValidator() *validation.Validator {
	v, err := Validator()
	if err != nil {
		panic("specdoc: embedded OpenAPI document does not load: " + err.Error())
	}
	return v
}
