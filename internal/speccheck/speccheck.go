// Package speccheck loads openapi.yaml and checks it the way CI does: the
// document must pass kin-openapi's full validation with every example
// checked against its schema (formats included), and the copy embedded in
// the generated code must be the same document.
package speccheck

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/validation"
)

var defineFormats = sync.OnceFunc(func() {
	// Document validation (examples) reads kin-openapi's global format
	// table; the request/response validators pass the same formats per
	// call.
	for name, v := range validation.StringFormats() {
		openapi3.DefineStringFormatValidator(name, v)
	}
})

// Load reads and fully validates the OpenAPI document at path.
func Load(path string) (*openapi3.T, error) {
	defineFormats()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if err := doc.Validate(context.Background(),
		openapi3.EnableExamplesValidation(),
		openapi3.EnableSchemaFormatValidation(),
		openapi3.EnableSchemaDefaultsValidation(),
		openapi3.EnableSchemaPatternValidation(),
	); err != nil {
		return nil, fmt.Errorf("validate %s: %w", path, err)
	}
	return doc, nil
}

// Check validates the document at path and compares it with the one
// embedded in package gen.
func Check(path string) error {
	doc, err := Load(path)
	if err != nil {
		return err
	}
	embedded, err := gen.GetSpec()
	if err != nil {
		return fmt.Errorf("embedded spec: %w", err)
	}
	a, _ := json.Marshal(doc)
	b, _ := json.Marshal(embedded)
	if string(a) != string(b) {
		return fmt.Errorf("%s differs from the spec embedded in gen/: run `make generate`", path)
	}
	return nil
}
