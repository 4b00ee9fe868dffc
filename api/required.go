package api

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// Required fields left at their Go zero value.
//
// The spec marks fields required, but a Go struct always has them: without
// this check an empty customerId, or a forgotten serviceAgreement, would be
// sent as "" and 0001-01-01T00:00:00Z and pass any schema check. The
// check is read from the spec's `required` lists (nested objects
// included), once per operation, and matched to the generated Go fields by
// their JSON names; a new operation or field is covered with no code here.
//
// A required string, time, UUID, slice, map or pointer at its zero value
// is "not set". Numbers and booleans are never refused: 0 and false are
// values the spec allows.

// bodyCheck is the compiled check of one operation's body type.
type bodyCheck struct {
	typ    reflect.Type // the body's Go type (not a pointer)
	fields []fieldCheck
}

type fieldCheck struct {
	index    []int
	path     string // dotted JSON path, for the error
	required bool   // the spec requires it
	unset    bool   // required, and its zero value means "not set"
	secret   bool   // a credential: noted for masking
	children []fieldCheck
}

// lazyBodyCheck is one operation's compiled check, built on first use: the
// generated code keeps one per operation, so a call costs an atomic load
// rather than a map lookup.
type lazyBodyCheck struct {
	once  sync.Once
	check *bodyCheck
	err   error
}

func (l *lazyBodyCheck) get(op string, body any) (*bodyCheck, error) {
	l.once.Do(func() { l.check, l.err = compileBodyCheck(op, body) })
	return l.check, l.err
}

// compileBodyCheck builds the check of op's body, body being a pointer to
// a value of the body's Go type.
func compileBodyCheck(op string, body any) (*bodyCheck, error) {
	typ := reflect.TypeOf(body).Elem()
	_, _, operation, err := specdoc.Operation(op)
	if err != nil {
		return nil, fmt.Errorf("%s%w", errPrefix, err)
	}
	c := &bodyCheck{typ: typ}
	if rb := operation.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			c.fields = compileFields(typ, mt.Schema.Value, "")
		}
	}
	return c, nil
}

// compileFields matches the properties of schema to the fields of typ by
// JSON name, in the order of the spec's required list first (so the first
// missing field reported is the spec's first), then the others.
func compileFields(typ reflect.Type, schema *openapi3.Schema, prefix string) []fieldCheck {
	if schema == nil || typ.Kind() != reflect.Struct {
		return nil
	}
	names := slices.Clone(schema.Required)
	var others []string
	for name := range schema.Properties {
		if !slices.Contains(names, name) {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	var out []fieldCheck
	for _, name := range append(names, others...) {
		sf, ok := fieldByJSONName(typ, name)
		if !ok {
			continue
		}
		required := slices.Contains(schema.Required, name)
		fc := fieldCheck{
			index:    sf.Index,
			path:     prefix + name,
			required: required,
			unset:    required && zeroMeansUnset(sf.Type),
			secret:   redact.IsSecretField(name) && sf.Type.Kind() == reflect.String,
		}
		if prop := schema.Properties[name]; prop != nil && sf.Type.Kind() == reflect.Struct && sf.Type != timeType {
			fc.children = compileFields(sf.Type, prop.Value, fc.path+".")
		}
		if fc.unset || fc.secret || len(fc.children) > 0 {
			out = append(out, fc)
		}
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// zeroMeansUnset reports whether the zero value of t can only mean "not
// set": true for strings, times, UUIDs and references; false for numbers
// and booleans, whose zero is a valid value.
func zeroMeansUnset(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		return true
	case reflect.Array: // UUID
		return true
	case reflect.Struct:
		return t == timeType
	}
	return false
}

func fieldByJSONName(typ reflect.Type, name string) (reflect.StructField, bool) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// run returns the dotted path of the first required field left unset
// ("" if none), and the values of the credential fields.
func (c *bodyCheck) run(body any) (missing string, secrets []string) {
	v := reflect.ValueOf(body)
	if v.Kind() != reflect.Pointer || v.Type().Elem() != c.typ || len(c.fields) == 0 {
		return "", nil
	}
	return walk(v.Elem(), c.fields, nil)
}

func walk(v reflect.Value, fields []fieldCheck, secrets []string) (string, []string) {
	for _, f := range fields {
		fv := v.FieldByIndex(f.index)
		zero := fv.IsZero()
		if f.unset && zero {
			return f.path, secrets
		}
		if f.secret && !zero {
			secrets = append(secrets, fv.String())
		}
		// An optional object left out is not checked inside; a set one
		// (or a required one) must be complete.
		if len(f.children) > 0 && (f.required || !zero) {
			var missing string
			if missing, secrets = walk(fv, f.children, secrets); missing != "" {
				return missing, secrets
			}
		}
	}
	return "", secrets
}

var routes sync.Map // operationId -> [2]string{method, path}

// operationRoute returns the method and path template of op, for errors
// raised before a request exists.
func operationRoute(op string) (method, path string) {
	if r, ok := routes.Load(op); ok {
		mp := r.([2]string)
		return mp[0], mp[1]
	}
	method, path, _, err := specdoc.Operation(op)
	if err != nil {
		return "", ""
	}
	routes.Store(op, [2]string{method, path})
	return method, path
}
