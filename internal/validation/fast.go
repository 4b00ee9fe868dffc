package validation

import (
	"bytes"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
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
// It only ever answers "certainly valid" or "not sure": anything it does not
// model (string escapes, exponents, duplicate keys, patterns, enums,
// composition keywords, ...) and every violation falls through to
// openapi3filter, which stays the single authority on what is invalid and
// on the wording of the error. So the fast path can make validation
// cheaper, never more lenient; FuzzFastPathAgrees checks that it accepts
// nothing openapi3filter rejects.

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

// compileSchema turns ref into a fastSchema; constructs it does not model
// become kUnsupported, which makes every value "not sure".
func compileSchema(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]*fastSchema) *fastSchema {
	if ref == nil || ref.Value == nil {
		return &fastSchema{kind: kUnsupported}
	}
	s := ref.Value
	if fs, ok := seen[s]; ok {
		return fs // recursive schemas share the node
	}
	fs := &fastSchema{nullable: s.Nullable, maxProps: -1, maxItems: -1, maxLen: -1}
	seen[s] = fs
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.AllOf) > 0 || s.Not != nil || len(s.Enum) > 0 ||
		s.Pattern != "" || s.MultipleOf != nil || s.ExclusiveMin.IsTrue() || s.ExclusiveMax.IsTrue() || s.UniqueItems ||
		s.Discriminator != nil || s.ReadOnly || s.WriteOnly {
		fs.kind = kUnsupported
		return fs
	}
	var typ string
	if s.Type != nil {
		types := s.Type.Slice()
		if len(types) > 1 {
			fs.kind = kUnsupported
			return fs
		}
		if len(types) == 1 {
			typ = types[0]
		}
	}
	switch typ {
	case "":
		fs.kind = kAny
		if len(s.Properties) > 0 || s.Items != nil || len(s.Required) > 0 {
			fs.kind = kUnsupported
		}
	case openapi3.TypeObject:
		fs.kind = kObject
		if len(s.Properties) > 64 {
			fs.kind = kUnsupported
			return fs
		}
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			fs.propNames = append(fs.propNames, name)
			fs.propSchemas = append(fs.propSchemas, compileSchema(s.Properties[name], seen))
		}
		for _, r := range s.Required {
			i := slices.Index(fs.propNames, r)
			if i < 0 {
				// Required but not described: track it as an "any" property.
				i = len(fs.propSchemas)
				if i >= 64 {
					fs.kind = kUnsupported
					return fs
				}
				fs.propNames = append(fs.propNames, r)
				fs.propSchemas = append(fs.propSchemas, &fastSchema{kind: kAny})
			}
			fs.required |= 1 << uint(i)
		}
		fs.minProps = int(s.MinProps)
		if s.MaxProps != nil {
			fs.maxProps = int(*s.MaxProps)
		}
		ap := s.AdditionalProperties
		if ap.Has != nil && !*ap.Has {
			fs.closed = true
		} else if ap.Schema != nil {
			fs.kind = kUnsupported // typed additional properties: not modelled
		}
	case openapi3.TypeArray:
		fs.kind = kArray
		fs.items = compileSchema(s.Items, seen)
		fs.minItems = int(s.MinItems)
		if s.MaxItems != nil {
			fs.maxItems = int(*s.MaxItems)
		}
	case openapi3.TypeString:
		fs.kind = kString
		fs.minLen = int(s.MinLength)
		if s.MaxLength != nil {
			fs.maxLen = int(*s.MaxLength)
		}
		switch s.Format {
		case "":
		case "uuid":
			fs.format = fUUID
		case "date-time":
			fs.format = fDateTime
		case "uri":
			fs.format = fURI
		default:
			fs.kind = kUnsupported
		}
	case openapi3.TypeInteger, openapi3.TypeNumber:
		fs.kind = kNumber
		if typ == openapi3.TypeInteger {
			fs.kind = kInteger
		}
		switch s.Format {
		case "":
		case "int64":
			fs.format = fInt64
		case "int32":
			fs.format = fInt32
		default:
			fs.kind = kUnsupported
		}
		if s.Min != nil {
			fs.min, fs.hasMin = *s.Min, true
		}
		if s.Max != nil {
			fs.max, fs.hasMax = *s.Max, true
		}
	case openapi3.TypeBoolean:
		fs.kind = kBoolean
	default:
		fs.kind = kUnsupported
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
