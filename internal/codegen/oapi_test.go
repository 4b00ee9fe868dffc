package codegen

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"
)

// paramForms is a spec whose optional query and header parameters take
// every form a spec writes them in: inline, a $ref to
// components.parameters, a schema that is a $ref, both, and none of
// them with an extension.
const paramForms = `openapi: 3.0.3
info: {title: forms, version: "1"}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: shared, in: query, required: false, schema: {type: integer}}
    get:
      operationId: GetThings
      parameters:
        - {name: inline, in: query, required: false, schema: {type: integer, format: int32}}
        - $ref: "#/components/parameters/Limit"
        - {name: status, in: query, required: false, schema: {$ref: "#/components/schemas/Status"}}
        - $ref: "#/components/parameters/Kind"
        - {name: X-Trace, in: header, required: false, schema: {type: string}}
        - {name: tags, in: query, required: false, schema: {type: array, items: {type: string}}}
        - {name: required, in: query, required: true, schema: {type: integer}}
      responses:
        "204": {description: none}
components:
  parameters:
    Limit: {name: limit, in: query, required: false, schema: {type: integer, minimum: 1}}
    Kind: {name: kind, in: query, required: false, schema: {$ref: "#/components/schemas/Kind"}}
  schemas:
    Status: {type: string, enum: [active, pending]}
    Kind: {type: string}
`

// TestOptionalParametersBecomePointers: under the project's
// oapi-codegen.yaml (prefer-skip-optional-pointer), every optional scalar
// parameter is a pointer in gen's params struct whatever its form, so an
// unset one is not sent; a list stays a slice and a required one a value.
func TestOptionalParametersBecomePointers(t *testing.T) {
	doc, generate := generator(t, paramForms)
	// Without the overlay, the configuration makes them values: the
	// test can fail.
	params := func() string {
		return regexp.MustCompile(`(?s)type GetThingsParams struct \{.*?\n\}`).FindString(generate())
	}
	if before := params(); regexp.MustCompile(`\bLimit \*`).MatchString(before) {
		t.Fatalf("without the overlay, limit is already a pointer: this test no longer checks the overlay\n%s", before)
	}
	overlayOptionalParams(doc)
	got := params()
	// Shared is a path-level parameter; Limit and Kind $refs to
	// components.parameters; Status and Kind have a $ref'd schema.
	for field, want := range map[string]string{
		"Shared": `\*int`, "Inline": `\*int32`, "Limit": `\*\w+`, "Status": `\*\w+`,
		"Kind": `\*\w+`, "XTrace": `\*string`, "Tags": `\[\]string`, "Required": `int`,
	} {
		re := regexp.MustCompile(`\n\t` + field + ` +(\S+) `)
		m := re.FindStringSubmatch(got)
		if m == nil {
			t.Errorf("no field %s in\n%s", field, got)
			continue
		}
		if !regexp.MustCompile(`^(` + want + `)$`).MatchString(m[1]) {
			t.Errorf("%s is %s, want %s", field, m[1], want)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}

// TestDefaultedScalarsBecomePointers: an optional boolean or number whose
// default is not the Go zero value is a pointer in its model, so that a
// caller's false or 0 is sent instead of dropped by omitempty (the API
// would apply the default); one defaulting to the zero value, or with no
// default, stays a value, and a required one too.
func TestDefaultedScalarsBecomePointers(t *testing.T) {
	const forms = `openapi: 3.0.3
info: {title: defaults, version: "1"}
paths: {}
components:
  schemas:
    Flag: {type: boolean, default: true}
    Options:
      type: object
      required: [mustSet]
      properties:
        earnings: {type: boolean, default: true}
        shared: {$ref: "#/components/schemas/Flag"}
        pageSize: {type: integer, default: 25}
        ratio: {type: number, default: 0.5}
        strict: {type: boolean, default: false}
        offset: {type: integer, default: 0}
        plain: {type: boolean}
        mustSet: {type: boolean, default: true}
`
	doc, generate := generator(t, forms)
	options := func() string {
		return regexp.MustCompile(`(?s)type Options struct \{.*?\n\}`).FindString(generate())
	}
	if before := options(); regexp.MustCompile(`\bEarnings \*`).MatchString(before) {
		t.Fatalf("without the overlay, earnings is already a pointer: this test no longer checks the overlay\n%s", before)
	}
	overlayDefaultedScalars(doc)
	model := options()
	for field, want := range map[string]string{
		"Earnings": `\*bool`, "Shared": `\*Flag`, "PageSize": `\*int`, "Ratio": `\*float32`, // float64 after overlayFloats
		"Strict": `bool`, "Offset": `int`, "Plain": `bool`, "MustSet": `bool`,
	} {
		if !regexp.MustCompile(`\b` + field + `\s+` + want + "\\s").MatchString(model) {
			t.Errorf("%s: want type %s in\n%s", field, want, model)
		}
	}
}

// TestRequiredWithoutSchemaGetsAField: a name an object requires without
// declaring it gets a field (of what additionalProperties allows, else
// any value), so that decoding keeps the value; a composed schema is left
// to its parts.
func TestRequiredWithoutSchemaGetsAField(t *testing.T) {
	const forms = `openapi: 3.0.3
info: {title: required, version: "1"}
paths: {}
components:
  schemas:
    Account:
      type: object
      required: [id, nickname]
      properties:
        id: {type: string}
    Labels:
      type: object
      required: [id, color]
      properties:
        id: {type: string}
      additionalProperties: {type: string}
    Composed:
      allOf:
        - {$ref: "#/components/schemas/Account"}
        - {type: object, required: [extra]}
`
	doc, generate := generator(t, forms)
	if before := generate(); regexp.MustCompile(`\bNickname\s`).MatchString(before) {
		t.Fatalf("without the overlay, nickname already has a field: this test no longer checks the overlay")
	}
	overlayRequiredWithoutSchema(doc)
	out := generate()
	for _, want := range []string{`Nickname\s+interface\{\}\s+` + "`json:\"nickname\"`", `Color\s+string\s+` + "`json:\"color\"`"} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("want %s in\n%s", want, out)
		}
	}
	if got := doc.Components.Schemas["Composed"].Value.AllOf[1].Value.Properties; len(got) != 0 {
		t.Errorf("a part of an allOf got properties: %v", got)
	}
}

// TestFloatsAreFloat64: a number of format float decodes into a float64,
// which keeps an amount with cents exactly as written; float32 would not.
func TestFloatsAreFloat64(t *testing.T) {
	const forms = `openapi: 3.0.3
info: {title: floats, version: "1"}
paths: {}
components:
  schemas:
    Rate: {type: number, format: float}
    Balance:
      type: object
      required: [current]
      properties:
        current: {type: number, format: float}
        rate: {$ref: "#/components/schemas/Rate"}
        exact: {type: number, format: double}
        plain: {type: number}
`
	doc, generate := generator(t, forms)
	if out := generate(); !strings.Contains(out, "float32") {
		t.Fatalf("without the overlay, no float32: this test no longer checks the overlay\n%s", out)
	}
	overlayFloats(doc)
	out := generate()
	if strings.Contains(out, "float32") {
		t.Errorf("float32 left:\n%s", out)
	}
	for _, want := range []string{`type Rate = float64`, `Current\s+float64`, `Plain\s+float64`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("want %s in\n%s", want, out)
		}
	}
	if got := float32(345789.23); float64(got) == 345789.23 {
		t.Errorf("float32 holds 345789.23: the reason for the overlay is gone")
	}
}

// generator loads the spec text and returns it with a function that
// generates its code as make generate configures oapi-codegen (the
// project's oapi-codegen.yaml), without the embedded spec.
func generator(t *testing.T, text string) (*openapi3.T, func() string) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg codegen.Configuration
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg = cfg.UpdateDefaults()
	cfg.Generate.EmbeddedSpec = false
	return doc, func() string {
		t.Helper()
		out, err := codegen.Generate(doc, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}
