// Package speccheck loads openapi.yaml and checks it the way CI does: the
// document must be a valid OpenAPI document that models (internal/spec),
// every example must keep to its schema, and the copy embedded in the
// generated code must be the same document.
//
// Formats are the spec model's: those the SDK gives a meaning
// (spec.StringFormats) are checked in examples; any other (int64, double,
// binary, password, a format of the API's own) is accepted, as OpenAPI
// allows, and does not make the document invalid.
package speccheck

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/validation"
)

// exampleFix is what to do about an example that breaks its schema.
const exampleFix = "correct the example or remove it"

// Model reads the document at path, checks its structure and models it.
// Its examples are not checked (BrokenExamples).
func Model(path string) (*spec.Model, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return spec.New(path, doc)
}

// BrokenExamples lists every example of m that breaks its schema, once
// each, in the model's order: parameters, then the request body, then
// the responses, operation by operation. Each names its JSON pointer
// (openapi.yaml#/paths/~1x/get/responses/200/content/application~1json/example),
// the rule broken, and the fix.
func BrokenExamples(m *spec.Model) []*spec.Problem {
	var out []*spec.Problem
	seen := map[string]bool{}
	add := func(examples []spec.Example) {
		for _, e := range examples {
			if e.Err == nil || seen[e.Pointer] {
				continue
			}
			seen[e.Pointer] = true
			out = append(out, &spec.Problem{File: m.File, Pointer: e.Pointer, Message: validation.SchemaRule(e.Err), Fix: exampleFix})
		}
	}
	for _, o := range m.Operations {
		for _, p := range o.Params() {
			add(p.Examples)
		}
		if o.Body != nil {
			add(o.Body.Examples)
		}
		for _, r := range o.Responses {
			add(r.Examples)
		}
	}
	return out
}

// ExamplesError is the error of a document with examples that break
// their schemas.
type ExamplesError struct {
	Problems []*spec.Problem
}

func (e *ExamplesError) Error() string {
	var b strings.Builder
	for _, p := range e.Problems {
		b.WriteString(p.Error())
		b.WriteByte('\n')
	}
	n := len(e.Problems)
	if n == 1 {
		b.WriteString("1 example breaks its schema")
	} else {
		b.WriteString(strconv.Itoa(n) + " examples break their schema")
	}
	return b.String()
}

// Load reads the document at path and checks it (Model, BrokenExamples):
// an error lists every problem, an *ExamplesError every broken example.
func Load(path string) (*openapi3.T, error) {
	m, err := Model(path)
	if err != nil {
		return nil, err
	}
	if broken := BrokenExamples(m); len(broken) > 0 {
		return nil, &ExamplesError{Problems: broken}
	}
	return m.Doc, nil
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
