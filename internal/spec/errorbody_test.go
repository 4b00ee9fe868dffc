package spec_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
)

// errorSchemas are error shapes real APIs document, by name.
const errorSchemas = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{
 "Connect":{"type":"object","required":["Errors"],"properties":{"Errors":{"type":"object","required":["Error"],"properties":{
   "Error":{"type":"array","items":{"type":"object","properties":{
     "Source":{"type":"string"},"ReasonCode":{"type":"string"},"Description":{"type":"string"},
     "Recoverable":{"type":"boolean"},"Details":{"type":"string"}}}}}}}},
 "CodeMessage":{"type":"object","required":["code","message"],"properties":{
   "code":{"type":"integer","format":"int32"},"message":{"type":"string"},"hint":{"type":"string"}}},
 "Nested":{"type":"object","required":["error"],"properties":{"error":{"type":"object","required":["code","message"],"properties":{
   "code":{"type":"string"},"message":{"type":"string"},"traceId":{"type":"string","format":"uuid"}}}}},
 "List":{"type":"array","minItems":1,"items":{"type":"object","required":["errorCode"],"properties":{
   "errorCode":{"type":"integer"},"errorMessage":{"type":"string"}}}},
 "OneOf":{"oneOf":[{"type":"object","required":["error"],"additionalProperties":false,"properties":{"error":{"type":"string"},"error_description":{"type":"string"}}},
   {"type":"object","required":["code"],"additionalProperties":false,"properties":{"code":{"type":"integer"}}}]},
 "Problem":{"type":"object","required":["type","title","status"],"properties":{
   "type":{"type":"string","format":"uri"},"title":{"type":"string"},"status":{"type":"integer"},"detail":{"type":"string"}}},
 "AllOf":{"allOf":[{"type":"object","required":["code"],"properties":{"code":{"type":"integer"}}},
   {"type":"object","required":["message"],"properties":{"message":{"type":"string"}}}]},
 "Enum":{"type":"object","required":["code","message"],"properties":{"code":{"type":"string","enum":["NOT_FOUND","BAD_INPUT"]},"message":{"type":"string"}}}
}}}`

func errorSchema(t *testing.T, name string) *openapi3.SchemaRef {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(errorSchemas))
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("no schema %s", name)
	}
	return ref
}

// TestErrorBody: an error body is built in each documented shape, every
// property filled by its meaning, and read back by ParseError.
func TestErrorBody(t *testing.T) {
	f := spec.ErrorFields{Code: "4041", Status: 404, Description: "The requested entity was not found.",
		Details: "No configuration with that id.", Source: "Connect-Components"}
	cases := []struct {
		schema string
		fields spec.ErrorFields
		want   string
		// what ParseError reads back
		code, description, details string
	}{
		{"Connect", f,
			`{"Errors":{"Error":[{"Description":"The requested entity was not found.","Details":"No configuration with that id.","ReasonCode":"4041","Recoverable":false,"Source":"Connect-Components"}]}}`,
			"4041", f.Description, f.Details},
		{"Connect", spec.ErrorFields{Code: "10023", Description: "Expired.", Recoverable: true},
			`{"Errors":{"Error":[{"Description":"Expired.","ReasonCode":"10023","Recoverable":true}]}}`,
			"10023", "Expired.", ""},
		{"CodeMessage", f, `{"code":4041,"message":"The requested entity was not found. No configuration with that id."}`, "4041", f.Description + " " + f.Details, ""},
		{"CodeMessage", spec.ErrorFields{Code: "not-a-number", Status: 503, Description: "Busy."}, `{"code":503,"message":"Busy."}`, "503", "Busy.", ""},
		{"Nested", f, `{"error":{"code":"4041","message":"The requested entity was not found. No configuration with that id."}}`, "4041", f.Description + " " + f.Details, ""},
		{"List", f, `[{"errorCode":4041,"errorMessage":"The requested entity was not found. No configuration with that id."}]`, "4041", f.Description + " " + f.Details, ""},
		{"OneOf", f, `{"error":"4041","error_description":"The requested entity was not found. No configuration with that id."}`, "4041", f.Description + " " + f.Details, ""},
		{"Problem", f, `{"detail":"No configuration with that id.","status":404,"title":"The requested entity was not found.","type":"https://example.com/"}`,
			"", f.Description, f.Details},
		{"AllOf", f, `{"code":4041,"message":"The requested entity was not found. No configuration with that id."}`, "4041", f.Description + " " + f.Details, ""},
		{"Enum", f, `{"code":"NOT_FOUND","message":"The requested entity was not found. No configuration with that id."}`, "NOT_FOUND", f.Description + " " + f.Details, ""},
	}
	for _, tc := range cases {
		got, err := spec.ErrorBody(errorSchema(t, tc.schema), tc.fields)
		if err != nil {
			t.Errorf("%s: %v", tc.schema, err)
			continue
		}
		data, _ := json.Marshal(got)
		var gotV, wantV any
		_ = json.Unmarshal(data, &gotV)
		if err := json.Unmarshal([]byte(tc.want), &wantV); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotV, wantV) {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.schema, data, tc.want)
		}
		code, description, details, ok := spec.ParseError(data)
		if !ok || code != tc.code || description != tc.description || details != tc.details {
			t.Errorf("%s: ParseError(%s) = %q %q %q %v, want %q %q %q true", tc.schema, data, code, description, details, ok, tc.code, tc.description, tc.details)
		}
	}
}

// TestErrorBodyRefusesWhatItCannotFill: a shape no value of the fields
// (nor a synthesized one) satisfies is an error, never a body off the
// schema passed as valid.
func TestErrorBodyRefusesWhatItCannotFill(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{
 "Impossible":{"type":"object","required":["code"],"properties":{"code":{"type":"string","pattern":"^Z{3}$","minLength":4}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := spec.ErrorBody(doc.Components.Schemas["Impossible"], spec.ErrorFields{Code: "4041"}); err == nil {
		t.Errorf("got %v and no error", v)
	}
	if _, err := spec.ErrorBody(nil, spec.ErrorFields{}); err == nil {
		t.Error("no schema: no error")
	}
}

// TestParseErrorOfOtherBodies: bodies that are not errors, or not JSON,
// say so.
func TestParseErrorOfOtherBodies(t *testing.T) {
	for _, body := range []string{``, `{`, `[]`, `{}`, `{"id":"x","items":[{"n":1}]}`, `"text"`, `{"error":{"id":7}}`} {
		if code, description, details, ok := spec.ParseError([]byte(body)); ok {
			t.Errorf("%s: got %q %q %q, want not ok", body, code, description, details)
		}
	}
	code, description, _, ok := spec.ParseError([]byte(`{"data":null,"errors":[{"extensions":{"code":"FORBIDDEN"},"message":"No."}]}`))
	if !ok || code != "" || description != "No." {
		t.Errorf("GraphQL-style: got %q %q %v", code, description, ok)
	}
}
