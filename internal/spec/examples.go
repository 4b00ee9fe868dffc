package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
)

// StringFormats gives the string formats the SDK checks their meaning: a
// UUID in canonical 36-character form (any version: the docs restrict
// none), an absolute URI, an RFC 3339 date-time, a full date, an e-mail
// address. Every checker passes them per call (FormatOptions), so that
// importing the SDK changes nothing for other users of kin-openapi in a
// program.
func StringFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"uuid": openapi3.NewCallbackValidator(func(s string) error {
			if len(s) != 36 || uuid.Validate(s) != nil {
				return errors.New(FormatRule("uuid"))
			}
			return nil
		}),
		"uri": openapi3.NewCallbackValidator(func(s string) error {
			if u, err := url.Parse(s); err != nil || u.Scheme == "" {
				return errors.New(FormatRule("uri"))
			}
			return nil
		}),
		"date-time": openapi3.NewCallbackValidator(func(s string) error {
			if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
				return errors.New(FormatRule("date-time"))
			}
			return nil
		}),
		"date": openapi3.NewCallbackValidator(func(s string) error {
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				return errors.New(FormatRule("date"))
			}
			return nil
		}),
		"email": openapi3.NewCallbackValidator(func(s string) error {
			if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
				return errors.New(FormatRule("email"))
			}
			return nil
		}),
	}
}

// FormatRule words the rule of a format, as every message of the SDK
// about a value off its format says it.
func FormatRule(format string) string {
	switch format {
	case "date-time":
		return "must be an RFC 3339 date-time such as 2024-11-28T18:25:32Z"
	case "date":
		return "must be a date such as 2024-11-28"
	case "uuid":
		return "must be a UUID in canonical 36-character form"
	case "uri":
		return "must be an absolute URI"
	case "email":
		return "must be an e-mail address"
	case "int32", "int64":
		// kin-openapi's integer formats check only the range.
		return "out of range for " + format
	}
	return "must match format " + format
}

// FormatOptions are the schema options every check runs with: the string
// formats, and no value in error messages (it may be a secret).
func FormatOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidators(StringFormats()),
		openapi3.DisableSchemaErrorDetails(),
	}
}

// examples gathers the example of an element, then its named examples by
// name, then its schema's example, each checked against the schema.
func (b *builder) examples(example any, named openapi3.Examples, schema *openapi3.SchemaRef, ptr string) []Example {
	var out []Example
	if example != nil {
		out = append(out, Example{Value: example, Pointer: ptr + "/example"})
	}
	names := make([]string, 0, len(named))
	for n := range named {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ref := named[n]
		if ref == nil || ref.Value == nil || ref.Value.Value == nil {
			continue
		}
		out = append(out, Example{Name: n, Summary: ref.Value.Summary, Value: ref.Value.Value, Pointer: ptr + "/examples/" + pointerEscape(n) + "/value"})
	}
	response := strings.Contains(ptr, "/responses/")
	if len(out) == 0 && schema != nil && schema.Value != nil && schema.Value.Example != nil {
		p := ptr + "/schema/example"
		if schema.Ref != "" {
			p = strings.TrimPrefix(schema.Ref, "#") + "/example"
		}
		v := Normalize(schema.Value.Example)
		if !response {
			// A schema's own example serves its answers and requests
			// alike: a request sends it without what only the server
			// writes.
			v = WithoutReadOnly(schema.Value, v)
		}
		out = append(out, Example{Value: v, Pointer: p})
	}
	for i := range out {
		out[i].Value = Normalize(out[i].Value)
		if schema != nil && schema.Value != nil {
			out[i].Err = Check(schema.Value, out[i].Value, response)
		}
	}
	return out
}

// WithoutReadOnly is v (a JSON value of schema s, as encoding/json
// decodes it) without the properties s marks readOnly, nested ones
// included (in objects, lists, allOf members, additionalProperties): a
// copy, v itself is not changed.
func WithoutReadOnly(s *openapi3.Schema, v any) any {
	return withoutReadOnly(s, v, 0)
}

func withoutReadOnly(s *openapi3.Schema, v any, depth int) any {
	if s == nil || depth > 32 {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := Properties(s)
		out := make(map[string]any, len(x))
		for k, e := range x {
			p := props[k]
			if p == nil && s.AdditionalProperties.Schema != nil {
				p = s.AdditionalProperties.Schema
			}
			if p != nil && p.Value != nil {
				if p.Value.ReadOnly {
					continue
				}
				e = withoutReadOnly(p.Value, e, depth+1)
			}
			out[k] = e
		}
		return out
	case []any:
		if s.Items == nil || s.Items.Value == nil {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutReadOnly(s.Items.Value, e, depth+1)
		}
		return out
	}
	return v
}

// Normalize gives a value the types encoding/json decodes into (float64
// numbers, map[string]any), whatever YAML decoded it as.
func Normalize(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(data, &out) != nil {
		return v
	}
	return out
}

// Check validates a JSON value (as encoding/json decodes it) against a
// schema, as a response (readOnly allowed, writeOnly not) or a request.
func Check(s *openapi3.Schema, v any, response bool) error {
	opts := FormatOptions()
	if response {
		opts = append(opts, openapi3.VisitAsResponse())
	} else {
		opts = append(opts, openapi3.VisitAsRequest())
	}
	return s.VisitJSON(v, opts...)
}

// Synthesize builds a value that the schema accepts, for an answer or a
// request the document gives no example of: the schema's own example,
// default or first enum value where valid, else a value made from its
// type, format and bounds. ok is false when no value was found that
// validates (a pattern it cannot satisfy, say).
func Synthesize(ref *openapi3.SchemaRef, response bool) (v any, ok bool) {
	if ref == nil || ref.Value == nil {
		return nil, false
	}
	v = synth(ref.Value, response, 0)
	return v, Check(ref.Value, v, response) == nil
}

func synth(s *openapi3.Schema, response bool, depth int) any {
	for _, c := range []any{s.Example, s.Default} {
		if c != nil {
			if c = Normalize(c); Check(s, c, response) == nil {
				return c
			}
		}
	}
	if len(s.Enum) > 0 {
		return Normalize(s.Enum[0])
	}
	if depth > 6 {
		return nil
	}
	switch {
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0:
		for _, m := range append(append([]*openapi3.SchemaRef{}, s.OneOf...), s.AnyOf...) {
			if m == nil || m.Value == nil {
				continue
			}
			v := synth(m.Value, response, depth+1)
			if Check(s, v, response) == nil {
				return v
			}
		}
	case len(s.AllOf) > 0:
		obj := map[string]any{}
		for _, m := range s.AllOf {
			if m == nil || m.Value == nil {
				continue
			}
			if part, ok := synth(m.Value, response, depth+1).(map[string]any); ok {
				for k, v := range part {
					obj[k] = v
				}
			}
		}
		if props, _ := Properties(s); len(props) > 0 {
			for k, v := range synthObject(s, response, depth).(map[string]any) {
				obj[k] = v
			}
		}
		return obj
	}
	switch {
	case s.Type.Is(openapi3.TypeObject) || (s.Type == nil || len(*s.Type) == 0) && len(s.Properties) > 0:
		return synthObject(s, response, depth)
	case s.Type.Is(openapi3.TypeArray):
		n := max(int(s.MinItems), 1)
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			var item any = "x"
			if s.Items != nil && s.Items.Value != nil {
				item = synth(s.Items.Value, response, depth+1)
			}
			if s.UniqueItems && i > 0 {
				break
			}
			out = append(out, item)
		}
		return out
	case s.Type.Is(openapi3.TypeInteger):
		return synthNumber(s, true)
	case s.Type.Is(openapi3.TypeNumber):
		return synthNumber(s, false)
	case s.Type.Is(openapi3.TypeBoolean):
		return false
	case s.Type.Is(openapi3.TypeString):
		return synthString(s)
	}
	return map[string]any{}
}

func synthObject(s *openapi3.Schema, response bool, depth int) any {
	props, _ := Properties(s)
	obj := map[string]any{}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := props[n]
		if p == nil || p.Value == nil || (response && p.Value.WriteOnly) || (!response && p.Value.ReadOnly) {
			continue
		}
		if s.MaxProps != nil && uint64(len(obj)) >= *s.MaxProps {
			break
		}
		obj[n] = synth(p.Value, response, depth+1)
	}
	_, required := Properties(s)
	for _, n := range required {
		if _, done := obj[n]; done {
			continue
		}
		if _, declared := props[n]; declared {
			continue // readOnly in a request, writeOnly in an answer: not required there
		}
		// Required but given no property schema: a value any extra
		// property may hold.
		if v, ok := ExtraValue(s, response, depth); ok {
			obj[n] = v
		}
	}
	return obj
}

// ExtraValue is a value for a property an object schema requires without
// declaring it: one its additionalProperties schema accepts, else (any
// value allowed) a string. ok is false when the object allows no
// property it does not declare. depth is how deep s is in the value
// being built (0 at its top).
func ExtraValue(s *openapi3.Schema, response bool, depth int) (any, bool) {
	ap := s.AdditionalProperties
	switch {
	case ap.Has != nil && !*ap.Has:
		return nil, false
	case ap.Schema != nil && ap.Schema.Value != nil:
		return synth(ap.Schema.Value, response, depth+1), true
	}
	for _, m := range s.AllOf {
		if m != nil && m.Value != nil && m.Value.AdditionalProperties.Has != nil && !*m.Value.AdditionalProperties.Has {
			return nil, false
		}
	}
	return "string", true
}

func synthNumber(s *openapi3.Schema, integer bool) any {
	v := 1.0
	if s.Min != nil {
		v = *s.Min
		if s.ExclusiveMin.IsTrue() {
			v++
		}
	} else if s.Max != nil && *s.Max < v {
		v = *s.Max
		if s.ExclusiveMax.IsTrue() {
			v--
		}
	}
	if s.MultipleOf != nil && *s.MultipleOf > 0 {
		m := *s.MultipleOf
		v = float64(int64(v/m)+1) * m
	}
	if integer {
		return float64(int64(v))
	}
	return v
}

// synthUUID is the UUID synthesized values carry: recognisably made up.
const synthUUID = "00000000-0000-4000-8000-000000000001"

func synthString(s *openapi3.Schema) any {
	if s.Pattern != "" {
		if v, ok := matching(s.Pattern, int(s.MinLength)); ok {
			return v
		}
	}
	var v string
	switch s.Format {
	case "uuid":
		return synthUUID
	case "date-time":
		return "2024-01-02T03:04:05Z"
	case "date":
		return "2024-01-02"
	case "email":
		return "user@example.com"
	case "uri", "url":
		return "https://example.com/"
	case "byte":
		v = "AAAA"
	case "ipv4":
		return "192.0.2.1"
	case "ipv6":
		return "2001:db8::1"
	default:
		v = "string"
	}
	if n := int(s.MinLength); len(v) < n {
		v += strings.Repeat("x", n-len(v))
	}
	if s.MaxLength != nil && uint64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v
}

// ValueText is a JSON value as a command line or a URL path writes it: a
// string as it is, anything else as JSON (7008461438, not
// 7.008461438e+09).
func ValueText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// Args are arguments for an operation, as JSON values: what a test, the
// demo or a help text sends when it needs "a valid call" of it.
type Args struct {
	// Path holds a value per path parameter, in path order.
	Path []any
	// Query and Header hold the parameters by wire name.
	Query, Header map[string]any
	// Body is the request body; HasBody is false when the operation
	// takes none.
	Body    any
	HasBody bool
}

// ExampleArgs are arguments for o from its examples: every path
// parameter, every required query and header parameter and every
// optional one that has an example, and the body, each from its example
// or, where it has no valid one, a value synthesized from its schema. ok
// is false when some required value could not be made (its schema has a
// pattern synthesis cannot satisfy, say); the values made are returned.
func (o *Operation) ExampleArgs() (a Args, ok bool) {
	ok = true
	value := func(p *Param) (any, bool) {
		if v, found := p.Example(); found {
			return v, true
		}
		if !p.Required {
			return nil, false
		}
		v, valid := Synthesize(p.Schema, false)
		if !valid {
			ok = false
		}
		return v, true
	}
	for _, p := range o.PathParams {
		v, _ := value(p)
		a.Path = append(a.Path, v)
	}
	for _, p := range o.QueryParams {
		if v, found := value(p); found {
			if a.Query == nil {
				a.Query = map[string]any{}
			}
			a.Query[p.Name] = v
		}
	}
	for _, p := range o.HeaderParams {
		if v, found := value(p); found {
			if a.Header == nil {
				a.Header = map[string]any{}
			}
			a.Header[p.Name] = v
		}
	}
	if b := o.Body; b != nil {
		a.HasBody = true
		if v, found := b.Example(); found {
			a.Body = v
		} else if b.Schema != nil {
			v, valid := Synthesize(b.Schema, false)
			a.Body = v
			ok = ok && valid
		}
	}
	return a, ok
}

// matching makes a short string that pattern matches, at least min
// characters long where the pattern allows: each class gives its first
// character, each repeat its least count (at least one for +), each
// alternation its first branch. ok is false for a pattern it cannot
// read or a string the pattern then refuses.
func matching(pattern string, min int) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	var gen func(r *syntax.Regexp, stretch bool)
	gen = func(r *syntax.Regexp, stretch bool) {
		switch r.Op {
		case syntax.OpLiteral:
			b.WriteString(string(r.Rune))
		case syntax.OpCharClass:
			if len(r.Rune) > 0 {
				c := r.Rune[0]
				// A printable member, when the class starts below space.
				for i := 0; i+1 < len(r.Rune) && c < '0'; i += 2 {
					if r.Rune[i+1] >= '0' {
						c = max(r.Rune[i], '0')
					}
				}
				b.WriteRune(c)
			}
		case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
			b.WriteByte('x')
		case syntax.OpCapture:
			for _, sub := range r.Sub {
				gen(sub, stretch)
			}
		case syntax.OpConcat:
			for _, sub := range r.Sub {
				gen(sub, stretch)
			}
		case syntax.OpAlternate:
			if len(r.Sub) > 0 {
				gen(r.Sub[0], stretch)
			}
		case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
			n, most := r.Min, r.Max
			switch r.Op {
			case syntax.OpStar:
				n, most = 0, -1
			case syntax.OpPlus:
				n, most = 1, -1
			case syntax.OpQuest:
				n, most = 0, 1
			}
			if stretch && (most < 0 || most > n) {
				// Grow the first open repeat to reach min.
				n = max(n, 1)
				for b.Len()+n < min && (most < 0 || n < most) {
					n++
				}
				stretch = false
			}
			for i := 0; i < n; i++ {
				gen(r.Sub[0], stretch)
			}
		}
	}
	gen(re.Simplify(), true)
	out := b.String()
	ok, err := regexp.MatchString(pattern, out)
	return out, err == nil && ok
}
