package validation

import (
	"bytes"
	"maps"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// The fast path.
//
// openapi3filter decodes every body into map[string]any and walks it with
// the schema: correct, but several times the cost of the HTTP call itself.
// The fast path compiles each schema once into a tree of checks and walks
// the raw JSON bytes in a single pass without building values.
//
// It only ever answers "certainly valid" or "not sure": every keyword
// outside its allow-list (below), every document that is not OpenAPI 3.0.x,
// anything in the bytes it does not model (string escapes, exponents,
// duplicate keys, ...) and every violation fall through to openapi3filter,
// which stays the single authority on what is invalid and on the wording
// of the error. So the fast path can make validation cheaper, never more
// lenient; TestKeywordsOutsideTheAllowListFallBack walks the keywords and
// FuzzFastPathAgrees checks that it accepts nothing openapi3filter rejects.
//
// Why hand-written: a library validator was measured against it
// (BenchmarkBodyCheck, login-form request and response bodies, one run,
// -cpu 1, 2-core VM): openapi3filter 45.5 µs, this fast path 3.5 µs
// (0.08x), santhosh-tekuri/jsonschema v6 compiled from the same component
// schemas 48.6 µs (1.07x openapi3filter). The library decodes into
// map[string]any too (200 allocations for the two bodies); its cost alone
// is about three times the raw net/http call (~15 µs), so it cannot keep
// the validated client within 1.5x of raw, and the fast path stays.

type kind uint8

const (
	kAny kind = iota // no type: any JSON value
	kObject
	kArray
	kString
	kInteger
	kNumber
	kBoolean
	kUnsupported // a construct the fast path does not model
)

type format uint8

const (
	fNone format = iota
	fUUID
	fDateTime
	fURI
	fInt64
	fInt32
)

type fastSchema struct {
	kind     kind
	nullable bool

	// object
	propNames   []string // property names; index into propSchemas
	propSchemas []*fastSchema
	required    uint64 // bit i set: props index i is required
	minProps    int
	maxProps    int // -1: no bound
	closed      bool

	// array
	items    *fastSchema
	minItems int
	maxItems int // -1: no bound

	// string
	minLen int
	maxLen int // -1: no bound
	format format

	// integer / number
	min, max       float64
	hasMin, hasMax bool
}

// The keyword allow-list.
//
// A schema is compiled only when every keyword set on it, and on every
// schema it reaches, is one the fast path implements in full, exactly as
// openapi3filter applies it to an OpenAPI 3.0 document. The keywords, by
// type (OpenAPI names):
//
//   - any type: type (absent, or exactly one of object, array, string,
//     integer, number, boolean), nullable
//   - object: properties, required, minProperties, maxProperties,
//     additionalProperties as true or false (a schema is not modelled)
//   - array: items (which must be present), minItems, maxItems
//   - string: minLength, maxLength, format: uuid, date-time or uri
//   - integer: minimum, maximum, format: int32 or int64
//   - number: minimum, maximum (no format)
//   - descriptive, which never change a verdict: title, description,
//     example, externalDocs, deprecated, xml, x- extensions, and default
//     (a default could only fill in a missing value, and this package always
//     validates with SkipSettingDefaults)
//
// Everything else, in any version, compiles to kUnsupported ("not sure"):
// enum, const, pattern, multipleOf, uniqueItems, exclusiveMinimum and
// exclusiveMaximum (boolean or number), oneOf, anyOf, allOf, not,
// discriminator, readOnly, writeOnly, allowEmptyValue, additionalProperties
// as a schema, a type array, a boolean schema, any other format, and every
// JSON Schema 2020-12 keyword (prefixItems, contains, if/then/else,
// dependentRequired, patternProperties, unevaluatedProperties, $defs, ...).
//
// The check reflects over openapi3.Schema and requires every field outside
// the allow-list of the schema's type to hold its zero value, instead of
// naming the fields it refuses. A field a later kin-openapi adds is outside
// the list, so a schema that uses it falls back to openapi3filter until
// someone implements it here: the fast path can only grow less useful with
// an upgrade, never more lenient. The reflection runs once per schema, when
// the Validator is built, never per message.
var (
	descriptiveFields = []string{"Extensions", "Origin", "Title", "Description", "Example", "ExternalDocs", "Deprecated", "XML", "Default"}
	commonFields      = append([]string{"Type", "Nullable"}, descriptiveFields...)

	allowedFields = map[kind]map[string]bool{
		kAny:     fieldSet(commonFields),
		kObject:  fieldSet(commonFields, "Properties", "Required", "MinProps", "MaxProps", "AdditionalProperties"),
		kArray:   fieldSet(commonFields, "Items", "MinItems", "MaxItems"),
		kString:  fieldSet(commonFields, "MinLength", "MaxLength", "Format"),
		kInteger: fieldSet(commonFields, "Min", "Max", "Format"),
		kNumber:  fieldSet(commonFields, "Min", "Max"),
		kBoolean: fieldSet(commonFields),
	}

	// allowedFormats is the format allow-list, by type; "" is no format.
	allowedFormats = map[kind]map[string]format{
		kString:  {"": fNone, "uuid": fUUID, "date-time": fDateTime, "uri": fURI},
		kInteger: {"": fNone, "int32": fInt32, "int64": fInt64},
		kNumber:  {"": fNone},
	}
)

func fieldSet(base []string, more ...string) map[string]bool {
	set := map[string]bool{}
	for _, f := range append(append([]string{}, base...), more...) {
		set[f] = true
	}
	return set
}

// onlyFields reports whether every field of the struct v whose name is not
// in allowed holds its zero value. A non-nil but empty slice or map counts
// as set: the check errs on the side of "not sure".
func onlyFields(v reflect.Value, allowed map[string]bool) bool {
	t := v.Type()
	for i := range t.NumField() {
		if !allowed[t.Field(i).Name] && !v.Field(i).IsZero() {
			return false
		}
	}
	return true
}

// onlyExtensions reports whether every key of ext is an x- extension. An
// OpenAPI loader may park keywords it does not know among the extensions;
// those are not descriptive.
func onlyExtensions(ext map[string]any) bool {
	for k := range ext {
		if !strings.HasPrefix(k, "x-") {
			return false
		}
	}
	return true
}

// schemaKind returns the kind of s, and false when s itself uses anything
// outside the allow-list. Its subschemas are not looked at.
func schemaKind(s *openapi3.Schema) (kind, bool) {
	k := kAny
	if s.Type != nil {
		switch types := s.Type.Slice(); {
		case len(types) > 1:
			return kUnsupported, false
		case len(types) == 1:
			switch types[0] {
			case openapi3.TypeObject:
				k = kObject
			case openapi3.TypeArray:
				k = kArray
			case openapi3.TypeString:
				k = kString
			case openapi3.TypeInteger:
				k = kInteger
			case openapi3.TypeNumber:
				k = kNumber
			case openapi3.TypeBoolean:
				k = kBoolean
			default:
				return kUnsupported, false
			}
		}
	}
	if !onlyFields(reflect.ValueOf(s).Elem(), allowedFields[k]) || !onlyExtensions(s.Extensions) {
		return kUnsupported, false
	}
	if _, ok := allowedFormats[k][s.Format]; s.Format != "" && !ok {
		return kUnsupported, false
	}
	// Bounds must fit an int on every platform, or a huge minLength would
	// wrap to a negative number and bound nothing.
	for _, b := range []uint64{s.MinLength, s.MinItems, s.MinProps, deref(s.MaxLength), deref(s.MaxItems), deref(s.MaxProps)} {
		if b > math.MaxInt32 {
			return kUnsupported, false
		}
	}
	switch k {
	case kObject:
		// A schema-valued additionalProperties is not modelled; true and
		// false are.
		if s.AdditionalProperties.Schema != nil {
			return kUnsupported, false
		}
		// Property presence is tracked in a 64-bit set.
		n := len(s.Properties)
		for _, r := range s.Required {
			if s.Properties[r] == nil {
				n++
			}
		}
		if n > 64 {
			return kUnsupported, false
		}
	case kArray:
		if s.Items == nil {
			return kUnsupported, false
		}
	}
	return k, true
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

// allAllowed reports whether ref and every schema it reaches pass
// schemaKind. seen breaks cycles: a schema met again is being checked
// further up, and its verdict is part of the answer already.
func allAllowed(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) bool {
	if ref == nil || ref.Value == nil {
		return false
	}
	s := ref.Value
	if seen[s] {
		return true
	}
	seen[s] = true
	if _, ok := schemaKind(s); !ok {
		return false
	}
	for _, p := range s.Properties {
		if !allAllowed(p, seen) {
			return false
		}
	}
	return s.Items == nil || allAllowed(s.Items, seen)
}

// compileSchema turns ref into a fastSchema, or into kUnsupported (every
// value "not sure") unless ref and every schema it reaches keep to the
// keyword allow-list above.
func compileSchema(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]*fastSchema) *fastSchema {
	if !allAllowed(ref, map[*openapi3.Schema]bool{}) {
		return &fastSchema{kind: kUnsupported}
	}
	return buildSchema(ref.Value, seen)
}

// buildSchema compiles s, which allAllowed has accepted with everything
// it reaches.
func buildSchema(s *openapi3.Schema, seen map[*openapi3.Schema]*fastSchema) *fastSchema {
	if fs, ok := seen[s]; ok {
		return fs // recursive schemas share the node
	}
	k, _ := schemaKind(s)
	fs := &fastSchema{kind: k, nullable: s.Nullable, maxProps: -1, maxItems: -1, maxLen: -1}
	seen[s] = fs
	switch k {
	case kObject:
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			fs.propNames = append(fs.propNames, name)
			fs.propSchemas = append(fs.propSchemas, buildSchema(s.Properties[name].Value, seen))
		}
		for _, r := range s.Required {
			i := slices.Index(fs.propNames, r)
			if i < 0 {
				// Required but not described: track it as an "any" property.
				i = len(fs.propSchemas)
				fs.propNames = append(fs.propNames, r)
				fs.propSchemas = append(fs.propSchemas, &fastSchema{kind: kAny})
			}
			fs.required |= 1 << uint(i)
		}
		fs.minProps = int(s.MinProps)
		if s.MaxProps != nil {
			fs.maxProps = int(*s.MaxProps)
		}
		fs.closed = s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has
	case kArray:
		fs.items = buildSchema(s.Items.Value, seen)
		fs.minItems = int(s.MinItems)
		if s.MaxItems != nil {
			fs.maxItems = int(*s.MaxItems)
		}
	case kString:
		fs.format = allowedFormats[k][s.Format]
		fs.minLen = int(s.MinLength)
		if s.MaxLength != nil {
			fs.maxLen = int(*s.MaxLength)
		}
	case kInteger, kNumber:
		fs.format = allowedFormats[k][s.Format]
		if s.Min != nil {
			fs.min, fs.hasMin = *s.Min, true
		}
		if s.Max != nil {
			fs.max, fs.hasMax = *s.Max, true
		}
	}
	return fs
}

// prop returns the index of property key, or -1. Objects in this API have
// a handful of properties: a scan beats hashing.
func (fs *fastSchema) prop(key []byte) int {
	for i, name := range fs.propNames {
		if len(name) == len(key) && name == string(key) {
			return i
		}
	}
	return -1
}

// fastValid reports whether data is certainly one JSON value valid against
// fs, with nothing but white space around it.
func fastValid(fs *fastSchema, data []byte) bool {
	p := parser{data: data}
	p.skipSpace()
	if !p.value(fs) {
		return false
	}
	p.skipSpace()
	return p.pos == len(p.data)
}

type parser struct {
	data []byte
	pos  int
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(fs *fastSchema) bool {
	if p.pos >= len(p.data) || fs.kind == kUnsupported {
		return false
	}
	c := p.data[p.pos]
	if c == 'n' {
		// Without nullable, null fails even a schema with no type.
		return fs.nullable && p.literal("null")
	}
	switch fs.kind {
	case kAny:
		return p.anyValue(0)
	case kObject:
		return c == '{' && p.object(fs)
	case kArray:
		return c == '[' && p.array(fs)
	case kString:
		if c != '"' {
			return false
		}
		s, ok := p.plainString()
		return ok && stringOK(fs, s)
	case kInteger, kNumber:
		return p.number(fs)
	case kBoolean:
		if c == 't' {
			return p.literal("true")
		}
		return c == 'f' && p.literal("false")
	}
	return false
}

func (p *parser) literal(lit string) bool {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		return false
	}
	p.pos += len(lit)
	return true
}

// plainString reads a string without escapes or control characters; a
// string with either is left to the slow path.
func (p *parser) plainString() ([]byte, bool) {
	start := p.pos + 1
	end := bytes.IndexByte(p.data[start:], '"')
	if end < 0 {
		return nil, false
	}
	str := p.data[start : start+end]
	for _, c := range str {
		if special[c] {
			return nil, false
		}
	}
	p.pos = start + end + 1
	return str, true
}

// special marks the bytes that make a string "not plain": control
// characters and the backslash.
var special = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['\\'] = true
	return t
}()

// sequence parses the rest of an array or object after its opening
// bracket: items separated by commas up to close. item parses one element
// (for objects, one "key": value member).
func (p *parser) sequence(close byte, item func() bool) bool {
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == close {
		p.pos++
		return true
	}
	for {
		p.skipSpace()
		if !item() {
			return false
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return false
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case close:
			p.pos++
			return true
		default:
			return false
		}
	}
}

// key parses a member's `"key":` and the white space after it.
func (p *parser) key() ([]byte, bool) {
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		return nil, false
	}
	k, ok := p.plainString()
	if !ok {
		return nil, false
	}
	p.skipSpace()
	if p.pos >= len(p.data) || p.data[p.pos] != ':' {
		return nil, false
	}
	p.pos++
	p.skipSpace()
	return k, true
}

func (p *parser) object(fs *fastSchema) bool {
	p.pos++ // '{'
	var seen uint64
	var unknown [][]byte // unknown keys, to spot repeats that change the count
	count := 0
	ok := p.sequence('}', func() bool {
		key, ok := p.key()
		if !ok {
			return false
		}
		count++
		if i := fs.prop(key); i >= 0 {
			if seen&(1<<uint(i)) != 0 {
				return false // duplicate key: the decoder keeps the last; not modelled
			}
			seen |= 1 << uint(i)
			return p.value(fs.propSchemas[i])
		}
		if fs.closed {
			return false
		}
		// A repeated unknown key would make the decoded property count
		// smaller than the one counted here.
		for _, k := range unknown {
			if string(k) == string(key) {
				return false
			}
		}
		unknown = append(unknown, key)
		return p.anyValue(0)
	})
	return ok && seen&fs.required == fs.required && count >= fs.minProps && (fs.maxProps < 0 || count <= fs.maxProps)
}

func (p *parser) array(fs *fastSchema) bool {
	p.pos++ // '['
	n := 0
	ok := p.sequence(']', func() bool {
		n++
		return p.value(fs.items)
	})
	return ok && n >= fs.minItems && (fs.maxItems < 0 || n <= fs.maxItems)
}

// anyValue checks the syntax of any JSON value, to a bounded depth.
func (p *parser) anyValue(depth int) bool {
	if depth > 32 || p.pos >= len(p.data) {
		return false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		p.pos++
		return p.sequence('}', func() bool {
			_, ok := p.key()
			return ok && p.anyValue(depth+1)
		})
	case c == '[':
		p.pos++
		return p.sequence(']', func() bool { return p.anyValue(depth + 1) })
	case c == '"':
		_, ok := p.plainString()
		return ok
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	default:
		_, ok := p.plainNumber()
		return ok
	}
}

// plainNumber reads an optionally negative integer with an optional
// fraction; exponents are left to the slow path.
func (p *parser) plainNumber() ([]byte, bool) {
	start := p.pos
	i := p.pos
	if i < len(p.data) && p.data[i] == '-' {
		i++
	}
	digits := i
	for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
		i++
	}
	if i == digits || (p.data[digits] == '0' && i-digits > 1) {
		return nil, false // no digits, or a leading zero
	}
	if i < len(p.data) && p.data[i] == '.' {
		i++
		frac := i
		for i < len(p.data) && p.data[i] >= '0' && p.data[i] <= '9' {
			i++
		}
		if i == frac {
			return nil, false
		}
	}
	if i < len(p.data) && (p.data[i] == 'e' || p.data[i] == 'E') {
		return nil, false
	}
	p.pos = i
	return p.data[start:i], true
}

func (p *parser) number(fs *fastSchema) bool {
	raw, ok := p.plainNumber()
	if !ok {
		return false
	}
	var f float64
	if fs.kind == kInteger {
		// Only plain integers that fit exactly in a float64, like the
		// decoder that openapi3filter uses would see them.
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || n > 1<<53 || n < -(1<<53) {
			return false
		}
		if fs.format == fInt32 && (n > math.MaxInt32 || n < math.MinInt32) {
			return false
		}
		f = float64(n)
	} else {
		var err error
		if f, err = strconv.ParseFloat(string(raw), 64); err != nil {
			return false
		}
	}
	return (!fs.hasMin || f >= fs.min) && (!fs.hasMax || f <= fs.max)
}

func stringOK(fs *fastSchema, s []byte) bool {
	if fs.format == fUUID {
		// A canonical UUID is 36 ASCII characters: its length in runes is 36.
		return isUUID(s) && fs.minLen <= 36 && (fs.maxLen < 0 || fs.maxLen >= 36)
	}
	n, ok := runeCount(s)
	if !ok || n < fs.minLen || (fs.maxLen >= 0 && n > fs.maxLen) {
		return false
	}
	switch fs.format {
	case fDateTime:
		return isDateTime(s)
	case fURI:
		return isAbsoluteURI(string(s))
	}
	return true
}

// runeCount counts the runes of s and reports whether s is valid UTF-8, in
// one pass for the usual all-ASCII string.
func runeCount(s []byte) (int, bool) {
	for i, c := range s {
		if c >= utf8.RuneSelf {
			rest := s[i:]
			return i + utf8.RuneCount(rest), utf8.Valid(rest)
		}
	}
	return len(s), true
}

func isAbsoluteURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != ""
}

var hexDigit = func() (t [256]bool) {
	for _, c := range []byte("0123456789abcdefABCDEF") {
		t[c] = true
	}
	return t
}()

func isUUID(s []byte) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return false
	}
	for i, c := range s {
		if !hexDigit[c] && i != 8 && i != 13 && i != 18 && i != 23 {
			return false
		}
	}
	return true
}

// isDateTime accepts the common RFC 3339 shapes: whole seconds or a
// fraction, and Z or a numeric offset. Anything else goes to the slow path.
func isDateTime(s []byte) bool {
	if len(s) < 20 {
		return false
	}
	// time.Parse checks the ranges and that the day exists in its month.
	if _, err := time.Parse(time.RFC3339Nano, string(s)); err != nil {
		return false
	}
	// Shapes time.Parse is lenient about but the format regexp is not.
	if s[10] != 'T' || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return false
	}
	if c := s[19]; c != '.' && c != 'Z' && c != '+' && c != '-' {
		return false
	}
	if s[len(s)-1] == 'Z' {
		return true
	}
	// Numeric offset: +HH:MM with HH 00-23 and MM 00-59.
	off := s[len(s)-6:]
	if (off[0] != '+' && off[0] != '-') || off[3] != ':' {
		return false
	}
	hh, mm := int(off[1]-'0')*10+int(off[2]-'0'), int(off[4]-'0')*10+int(off[5]-'0')
	return hh <= 23 && mm <= 59
}
