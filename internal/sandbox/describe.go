package sandbox

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
)

// SchemaProblem names the property a value breaks its schema at, and the
// rule, from kin-openapi's error, never the value (it may be a secret):
// "serviceAgreement.acceptedDate: not of format \"date-time\"". The
// sandbox words a stored resource's refusal with it, and the CLI a
// --body that does not decode.
func SchemaProblem(err error) string {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return "breaks its schema"
	}
	for {
		var inner *openapi3.SchemaError
		if se.Origin == nil || !errors.As(se.Origin, &inner) || inner == se {
			break
		}
		se = inner
	}
	field := strings.Join(se.JSONPointer(), ".")
	reason := se.Reason
	if se.SchemaField == "format" && se.Schema != nil {
		reason = fmt.Sprintf("not of format %q", se.Schema.Format)
	}
	if reason == "" {
		reason = fmt.Sprintf("breaks the schema's %q", se.SchemaField)
	}
	if field == "" {
		return reason
	}
	return field + ": " + reason
}

// JSONKind names what a value of Go type t is written as in JSON, in
// JSON's words rather than Go's ("a list", "true or false"), for
// messages about a JSON value of the wrong kind.
func JSONKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		return "an RFC 3339 date-time string"
	case t == reflect.TypeFor[uuid.UUID]():
		return "a UUID string"
	}
	switch t.Kind() {
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}
