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
	"errors"
	"fmt"
	"maps"
	"slices"
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
	problems, _ := brokenExamples(m)
	return problems
}

// brokenExamples is BrokenExamples with, for each problem, the schema
// whose rule the example breaks (its JSON pointer; "" when it is no
// named schema's).
func brokenExamples(m *spec.Model) ([]*spec.Problem, []string) {
	var out []*spec.Problem
	var schemas []string
	named := schemaPointers(m.Doc)
	seen := map[string]bool{}
	add := func(examples []spec.Example) {
		for _, e := range examples {
			if e.Err == nil || seen[e.Pointer] {
				continue
			}
			seen[e.Pointer] = true
			out = append(out, &spec.Problem{File: m.File, Pointer: e.Pointer, Message: validation.SchemaRule(e.Err), Fix: exampleFix})
			var where string
			if se := (*openapi3.SchemaError)(nil); errors.As(e.Err, &se) {
				where = named[se.Schema]
			}
			schemas = append(schemas, where)
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
	return out, schemas
}

// schemaPointers gives each schema of the document's components, and
// each schema within one (properties, items, additionalProperties,
// allOf, oneOf, anyOf, not), the JSON pointer where it is written: where
// a rule that many examples break is corrected once. A schema reached
// twice keeps its first pointer.
func schemaPointers(doc *openapi3.T) map[*openapi3.Schema]string {
	out := map[*openapi3.Schema]string{}
	if doc == nil || doc.Components == nil {
		return out
	}
	var walk func(ref *openapi3.SchemaRef, ptr string, depth int)
	walk = func(ref *openapi3.SchemaRef, ptr string, depth int) {
		if ref == nil || ref.Value == nil || depth > 32 {
			return
		}
		if ref.Ref != "" && depth > 0 {
			return // written where the reference points: walked from there
		}
		s := ref.Value
		if _, ok := out[s]; ok {
			return
		}
		out[s] = ptr
		for _, name := range sortedKeys(s.Properties) {
			walk(s.Properties[name], ptr+"/properties/"+escape(name), depth+1)
		}
		walk(s.Items, ptr+"/items", depth+1)
		walk(s.AdditionalProperties.Schema, ptr+"/additionalProperties", depth+1)
		walk(s.Not, ptr+"/not", depth+1)
		for _, c := range []struct {
			kind string
			list openapi3.SchemaRefs
		}{{"allOf", s.AllOf}, {"oneOf", s.OneOf}, {"anyOf", s.AnyOf}} {
			for i, r := range c.list {
				walk(r, ptr+"/"+c.kind+"/"+strconv.Itoa(i), depth+1)
			}
		}
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		walk(doc.Components.Schemas[name], "/components/schemas/"+escape(name), 0)
	}
	return out
}

func sortedKeys(m openapi3.Schemas) []string { return slices.Sorted(maps.Keys(m)) }

// escape escapes a JSON pointer token.
func escape(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// ExamplesError is the error of a document with examples that break
// their schemas.
type ExamplesError struct {
	Problems []*spec.Problem
	// Schemas holds, for each problem, the JSON pointer of the schema
	// whose rule it breaks ("" when not known); the summary names it.
	Schemas []string
}

// manyExamples is how many examples breaking one rule make the summary
// suggest that the schema, not each example, may be what is wrong.
const manyExamples = 3

// Rule is a rule broken by examples, and by how many (Summary).
type Rule struct {
	Message  string // as the problems say it: "code: value must be an object"
	Schema   string // JSON pointer of the schema of the rule; "" when not known
	Examples int
}

// Summary is each rule the examples break with how many examples break
// it, the most broken first (then in the order of the list).
func (e *ExamplesError) Summary() []Rule {
	var rules []Rule
	at := map[[2]string]int{}
	for i, p := range e.Problems {
		var schema string
		if i < len(e.Schemas) {
			schema = e.Schemas[i]
		}
		key := [2]string{p.Message, schema}
		if j, ok := at[key]; ok {
			rules[j].Examples++
			continue
		}
		at[key] = len(rules)
		rules = append(rules, Rule{Message: p.Message, Schema: schema, Examples: 1})
	}
	slices.SortStableFunc(rules, func(a, b Rule) int { return b.Examples - a.Examples })
	return rules
}

// Error lists every broken example with its fix and counts them; when
// some rule is broken by more than one example, a summary follows: each
// rule by how many examples break it, and, for a rule that many break,
// that its schema may be what to correct.
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
	rules := e.Summary()
	if len(rules) == 0 || rules[0].Examples < 2 {
		return b.String() // each rule once: the list says it all
	}
	file := ""
	if n > 0 {
		file = e.Problems[0].File
	}
	b.WriteString("\nrules broken, by how many examples:")
	for _, r := range rules {
		fmt.Fprintf(&b, "\n  %s: %s", examplesCount(r.Examples), r.Message)
		if r.Schema != "" {
			fmt.Fprintf(&b, " (schema %s#%s)", file, r.Schema)
		}
	}
	for _, r := range rules {
		if r.Examples < manyExamples {
			continue
		}
		where := "their schema"
		if r.Schema != "" {
			where = "the schema at " + file + "#" + r.Schema
		}
		fmt.Fprintf(&b, "\n%s break one rule (%s): %s may be what to correct, rather than each example", examplesCount(r.Examples), r.Message, where)
	}
	return b.String()
}

func examplesCount(n int) string {
	if n == 1 {
		return "1 example"
	}
	return strconv.Itoa(n) + " examples"
}

// Load reads the document at path and checks it (Model, BrokenExamples):
// an error lists every problem, an *ExamplesError every broken example.
func Load(path string) (*openapi3.T, error) {
	m, err := Model(path)
	if err != nil {
		return nil, err
	}
	if broken, schemas := brokenExamples(m); len(broken) > 0 {
		return nil, &ExamplesError{Problems: broken, Schemas: schemas}
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
