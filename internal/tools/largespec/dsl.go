package main

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Schema is a schema of the fixture, before rendering. Fields left zero
// are not written.
type Schema struct {
	ref         string // a components/schemas name: the schema is a $ref
	desc        string
	typ, format string
	enum        []any
	nullable    bool
	readOnly    bool
	minLen      int // -1: none
	maxLen      int // -1: none
	minimum     *float64
	maximum     *float64
	pattern     string
	props       []prop
	items       *Schema
	minItems    int
	addl        any // nil, true or *Schema
	allOf       []*Schema
	oneOf       []*Schema
	anyOf       []*Schema
	discProp    string
	discMapping [][2]string // value, schema name
	deflt       any
	example     any // written as the schema's example; autoExample synthesizes it
	hint        any // not written: the value synthesized examples use (see pickHint for hints)
	notSecret   bool
}

type prop struct {
	name     string
	s        *Schema // nil: required without a property schema (Undeclared)
	required bool
	value    any // the examples' value of an Undeclared property
}

// autoExample asks for an example synthesized from the schema.
type autoExample struct{}

// hints gives one hint a variant: variant i uses hints[i%len].
type hints []any

// null is the JSON null as a hint (a nil hint means "no hint").
type null struct{}

func newSchema(typ, format, desc string) *Schema {
	return &Schema{typ: typ, format: format, desc: desc, minLen: -1, maxLen: -1}
}

func Str(desc string) *Schema      { return newSchema("string", "", desc) }
func Int32(desc string) *Schema    { return newSchema("integer", "int32", desc) }
func Int64(desc string) *Schema    { return newSchema("integer", "int64", desc) }
func Integer(desc string) *Schema  { return newSchema("integer", "", desc) }
func Double(desc string) *Schema   { return newSchema("number", "double", desc) }
func Number(desc string) *Schema   { return newSchema("number", "", desc) }
func Bool(desc string) *Schema     { return newSchema("boolean", "", desc) }
func Date(desc string) *Schema     { return newSchema("string", "date", desc) }
func DateTime(desc string) *Schema { return newSchema("string", "date-time", desc) }
func UUID(desc string) *Schema     { return newSchema("string", "uuid", desc) }
func URI(desc string) *Schema      { return newSchema("string", "uri", desc) }
func Email(desc string) *Schema    { return newSchema("string", "email", desc) }
func Binary(desc string) *Schema   { return newSchema("string", "binary", desc) }

// Ref refers to a component schema.
func Ref(name string) *Schema { return &Schema{ref: name, minLen: -1, maxLen: -1} }

// Obj is an object schema; R props are required.
func Obj(desc string, props ...prop) *Schema {
	s := newSchema("object", "", desc)
	s.props = props
	return s
}

// Arr is an array schema.
func Arr(desc string, items *Schema) *Schema {
	s := newSchema("array", "", desc)
	s.items = items
	return s
}

func AllOf(desc string, parts ...*Schema) *Schema {
	s := newSchema("", "", desc)
	s.allOf = parts
	return s
}

func OneOf(desc string, parts ...*Schema) *Schema {
	s := newSchema("", "", desc)
	s.oneOf = parts
	return s
}

func AnyOf(desc string, parts ...*Schema) *Schema {
	s := newSchema("", "", desc)
	s.anyOf = parts
	return s
}

// P is an optional property, R a required one.
func P(name string, s *Schema) prop { return prop{name: name, s: s} }
func R(name string, s *Schema) prop { return prop{name: name, s: s, required: true} }

// Undeclared is a name the object requires without a property schema
// (published specs have them): any value, value in the examples.
func Undeclared(name string, value any) prop { return prop{name: name, required: true, value: value} }

// StrInt64 is a string with format int64: a 64-bit integer written as a
// string (a published spec's ids).
func StrInt64(desc string) *Schema { return newSchema("string", "int64", desc) }

// D describes a $ref (written as a sibling description) or replaces the
// description of any schema.
func (s *Schema) D(desc string) *Schema { s.desc = desc; return s }

func (s *Schema) Enum(v ...any) *Schema    { s.enum = v; return s }
func (s *Schema) Null() *Schema            { s.nullable = true; return s }
func (s *Schema) RO() *Schema              { s.readOnly = true; return s }
func (s *Schema) Len(min, max int) *Schema { s.minLen, s.maxLen = min, max; return s }
func (s *Schema) Min(v float64) *Schema    { s.minimum = &v; return s }
func (s *Schema) Max(v float64) *Schema    { s.maximum = &v; return s }
func (s *Schema) Pat(p string) *Schema     { s.pattern = p; return s }
func (s *Schema) Hint(v any) *Schema       { s.hint = v; return s }
func (s *Schema) Hints(v ...any) *Schema   { s.hint = hints(v); return s }
func (s *Schema) Ex(v any) *Schema         { s.example = v; return s }
func (s *Schema) AutoEx() *Schema          { s.example = autoExample{}; return s }
func (s *Schema) Addl(v any) *Schema       { s.addl = v; return s }
func (s *Schema) Default(v any) *Schema    { s.deflt = v; return s }
func (s *Schema) MinItems(n int) *Schema   { s.minItems = n; return s }
func (s *Schema) NotSecret() *Schema       { s.notSecret = true; return s }
func (s *Schema) Disc(prop string, mapping ...[2]string) *Schema {
	s.discProp, s.discMapping = prop, mapping
	return s
}

// Param is a parameter, inline or a $ref to components/parameters.
type Param struct {
	ref      string
	name, in string
	required bool
	desc     string
	schema   *Schema
	style    string
	explode  *bool
	example  any // autoExample, a value, or nil for none
}

func PathParam(name, desc string, s *Schema) *Param {
	return &Param{name: name, in: "path", required: true, desc: desc, schema: s, example: autoExample{}}
}

func Query(name, desc string, s *Schema) *Param {
	return &Param{name: name, in: "query", desc: desc, schema: s}
}

func Header(name, desc string, s *Schema) *Param {
	return &Param{name: name, in: "header", desc: desc, schema: s}
}

func ParamRef(name string) *Param { return &Param{ref: name} }

func (p *Param) Req() *Param { p.required = true; return p }

// Form makes an array query parameter comma-separated (style form,
// explode false).
func (p *Param) Form() *Param {
	f := false
	p.style, p.explode = "form", &f
	return p
}

func (p *Param) WithExample() *Param { p.example = autoExample{}; return p }

// exampleMode says how a body or response shows examples.
type exampleMode int

const (
	exNone     exampleMode = iota
	exSingle               // example
	exNamed                // examples with inline Example objects
	exNamedRef             // examples referring to components/examples
)

// Media is one content entry.
type Media struct {
	mediaType string
	schema    *Schema
	mode      exampleMode
	value     any // an explicit example for exSingle
}

// Body is a request body, inline or a $ref to components/requestBodies.
type Body struct {
	ref      string
	desc     string
	required bool
	media    []Media
}

// Resp is a response, inline or a $ref to components/responses.
type Resp struct {
	status  string
	ref     string
	desc    string
	headers []respHeader
	media   []Media
}

type respHeader struct {
	name string
	ref  string // components/headers name
	desc string
	s    *Schema
}

// HeaderDef is a components/headers entry.
type HeaderDef struct {
	desc string
	s    *Schema
}

// Op is one operation.
type Op struct {
	method, path, id string
	tags             []string
	summary, desc    string
	params           []*Param
	body             *Body
	resps            []*Resp
}

func JSON(s *Schema, mode exampleMode) Media {
	return Media{mediaType: "application/json", schema: s, mode: mode}
}

// Resp builders.
func Ok(status int, desc string, media ...Media) *Resp {
	return &Resp{status: strconv.Itoa(status), desc: desc, media: media}
}

func RespRef(status int, name string) *Resp {
	return &Resp{status: strconv.Itoa(status), ref: name}
}

func (r *Resp) With(headers ...respHeader) *Resp { r.headers = append(r.headers, headers...); return r }

// ---- YAML rendering ----

// kv is one entry of an ordered mapping.
type kv struct {
	k string
	v any
}

// omap is an ordered mapping: documents and examples keep the order the
// generator gives, so the output is deterministic.
type omap []kv

func (m *omap) set(k string, v any) {
	for i := range *m {
		if (*m)[i].k == k {
			(*m)[i].v = v
			return
		}
	}
	*m = append(*m, kv{k, v})
}

// flow marks a list written on one line.
type flow []any

func node(v any) *yaml.Node {
	switch x := v.(type) {
	case *yaml.Node:
		return x
	case omap:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, e := range x {
			n.Content = append(n.Content, scalar("!!str", e.k), node(e.v))
		}
		if len(x) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range x {
			n.Content = append(n.Content, node(e))
		}
		if len(x) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n
	case flow:
		n := node([]any(x))
		n.Style = yaml.FlowStyle
		return n
	case []string:
		f := make(flow, len(x))
		for i, s := range x {
			f[i] = s
		}
		return node(f)
	case string:
		n := scalar("!!str", x)
		if strings.Contains(x, "\n") {
			n.Style = yaml.LiteralStyle
		}
		return n
	case int:
		return scalar("!!int", strconv.Itoa(x))
	case int64:
		return scalar("!!int", strconv.FormatInt(x, 10))
	case float64:
		s := strconv.FormatFloat(x, 'f', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return scalar("!!float", s)
	case bool:
		return scalar("!!bool", strconv.FormatBool(x))
	case null:
		return scalar("!!null", "null")
	case nil:
		return scalar("!!null", "null")
	}
	panic(fmt.Sprintf("node: unsupported %T", v))
}

func scalar(tag, v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }
