// Package specdoc loads the OpenAPI document embedded in the generated code
// once per process, models it (internal/spec) and builds the shared
// Validator from it. Only what
// validates or serves the spec uses it (opt-in validation, the sandbox, the
// test kit): a client's default call path never loads the spec.
package specdoc

import (
	"errors"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
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

// Model returns the spec model of the embedded document, built on first
// call: what the CLI, the sandbox, the test kit and the checkers read the
// spec through at run time.
var Model = sync.OnceValues(func() (*spec.Model, error) {
	doc, err := Doc()
	if err != nil {
		return nil, err
	}
	return spec.New("openapi.yaml", doc)
})

// MustModel is Model for program start-up and tests, where a spec that
// does not model is a build defect (`make generate` refuses one).
func MustModel() *spec.Model {
	m, err := Model()
	if err != nil {
		panic("specdoc: embedded OpenAPI document does not model: " + err.Error())
	}
	return m
}

// Validator returns the process-wide Validator for the embedded spec. It is
// safe for concurrent use; the document is decoded only once.
var Validator = sync.OnceValues(func() (*validation.Validator, error) {
	m, err := Model()
	if err != nil {
		return nil, err
	}
	return validation.NewFromModel(m)
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

// PropertyDefined reports where the embedded document defines a property
// named name (exactly, case-sensitive): the JSON pointer of the first
// schema holding it, in WalkSchemas' order, or "" if none does. Tests that
// need a field the spec lacks (an API that grew one, a caller's typo)
// prove it with this, so a spec change that adds their field fails them
// naming it instead of silently changing what they test.
func PropertyDefined(name string) (string, error) {
	doc, err := Doc()
	if err != nil {
		return "", err
	}
	found := ""
	stop := errors.New("found")
	err = doc.WalkSchemas(func(pointer string, ref *openapi3.SchemaRef) error {
		if _, ok := ref.Value.Properties[name]; ok {
			found = pointer
			return stop
		}
		return nil
	})
	if err != nil && !errors.Is(err, stop) {
		return "", err
	}
	return found, nil
}
