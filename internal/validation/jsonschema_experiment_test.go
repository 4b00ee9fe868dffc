package validation_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

// toJSONSchema rewrites an OpenAPI 3.0 schema (as JSON) into JSON Schema
// 2020-12: component refs point into $defs, nullable becomes a null type,
// examples go.
func toJSONSchema(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			switch k {
			case "example", "nullable":
			case "$ref":
				out[k] = strings.Replace(x.(string), "#/components/schemas/", "#/$defs/", 1)
			default:
				out[k] = toJSONSchema(x)
			}
		}
		if v["nullable"] == true {
			out["type"] = []any{v["type"], "null"}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toJSONSchema(x)
		}
		return out
	}
	return v
}

// compileJSONSchema compiles the component named name, with every
// component as $defs, and this package's uuid and uri formats.
func compileJSONSchema(tb testing.TB, name string) *jsonschema.Schema {
	doc := specdoc.MustValidator().Doc()
	raw, err := json.Marshal(doc.Components.Schemas)
	if err != nil {
		tb.Fatal(err)
	}
	var defs any
	if err := json.Unmarshal(raw, &defs); err != nil {
		tb.Fatal(err)
	}
	root := map[string]any{"$defs": toJSONSchema(defs), "$ref": "#/$defs/" + name}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for fname, f := range validation.StringFormats() {
		c.RegisterFormat(&jsonschema.Format{Name: fname, Validate: func(v any) error {
			s, ok := v.(string)
			if !ok {
				return nil
			}
			return f.Validate(s)
		}})
	}
	if err := c.AddResource("mem://"+name+".json", root); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile("mem://" + name + ".json")
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

func jsonSchemaValid(sch *jsonschema.Schema, body []byte) bool {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	return err == nil && sch.Validate(inst) == nil
}

// BenchmarkBodyCheckJSONSchema is BenchmarkBodyCheck's third variant:
// santhosh-tekuri/jsonschema compiled from the same component schemas,
// deciding the login-form request and response bodies (a route lookup
// included, as the fast path's lookup is). Run both in one go for ratios:
// go test -bench BodyCheck -cpu 1 ./internal/validation
func BenchmarkBodyCheckJSONSchema(b *testing.B) {
	v := specdoc.MustValidator()
	req, resp := []byte(benchLoginBody), []byte(benchFormBody)
	reqSch := compileJSONSchema(b, "PostInstitutionsInstitutionIdLoginFormsRequest")
	respSch := compileJSONSchema(b, "PostInstitutionsInstitutionIdLoginForms201Response")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := v.FindRoute("POST", loginPath); err != nil {
			b.Fatal(err)
		}
		if !jsonSchemaValid(reqSch, req) || !jsonSchemaValid(respSch, resp) {
			b.Fatal("not valid")
		}
	}
}

// TestJSONSchemaAgreesOnSamples sanity-checks the conversion: the library
// accepts the valid bodies and rejects plainly invalid ones.
func TestJSONSchemaAgreesOnSamples(t *testing.T) {
	reqSch := compileJSONSchema(t, "PostInstitutionsInstitutionIdLoginFormsRequest")
	if !jsonSchemaValid(reqSch, []byte(benchLoginBody)) {
		t.Error("valid request rejected")
	}
	for _, bad := range []string{`{"language":"en"}`, `{"language":"en","customerId":"1","serviceAgreement":{"language":"en","acceptedDate":"nope"}}`,
		`{"language":"en","customerId":"1","configurationId":"x","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32Z"}}`} {
		if jsonSchemaValid(reqSch, []byte(bad)) {
			t.Errorf("accepted %s", bad)
		}
	}
}
