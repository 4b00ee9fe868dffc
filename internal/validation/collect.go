package validation

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"golang.org/x/net/http/httpguts"

	"github.com/finicity-go/connect-components/internal/spec"
)

const (
	ruleContentType     = "not a media type the operation documents for this status"
	ruleBodyContentType = "not a media type the operation documents for its body"
)

// requireHeaders accepts an apiKey security scheme whose header is present
// and not empty: the value is the server's business.
func requireHeaders(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "apiKey" || s.In != "header" {
		return fmt.Errorf("unsupported security scheme %q", in.SecuritySchemeName)
	}
	if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
		return &missingHeader{name: s.Name}
	}
	return nil
}

type missingHeader struct{ name string }

func (e *missingHeader) Error() string { return "header " + e.name + " is missing" }

// checkHeaders applies net/http's rules for what it sends on a socket: it
// refuses a name or a value that httpguts rejects (a newline, CR, NUL or
// other control character), and trims a value's leading and trailing
// whitespace, so the server would receive another value. In process no
// socket checks them; this does.
func checkHeaders(c *collector, h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		field := name
		if !httpguts.ValidHeaderFieldName(name) {
			field = fmt.Sprintf("%q", name)
			c.add(KindInvalidHeader, "header", field, "header "+field, "not a valid header name: net/http refuses to send it")
			continue
		}
		for _, v := range h[name] {
			switch {
			case !httpguts.ValidHeaderFieldValue(v):
				c.add(KindInvalidHeader, "header", field, "header "+field, "value holds a newline, CR, NUL or other control character: net/http refuses to send it")
			case v != textproto.TrimString(v):
				c.add(KindInvalidHeader, "header", field, "header "+field, "value has leading or trailing whitespace: net/http trims it on a socket, so the server would receive another value")
			default:
				continue
			}
			break
		}
	}
}

// checkDuplicateHeaders finds a header the operation defines (its security
// headers, its header parameters, the body's Content-Type) given more than
// once: the spec defines one value, and a server reads one of them.
func checkDuplicateHeaders(c *collector, op *spec.Operation, h http.Header) {
	names := slices.Clone(op.Security)
	for _, p := range op.HeaderParams {
		names = append(names, p.Name)
	}
	if op.Body != nil {
		names = append(names, "Content-Type")
	}
	seen := map[string]bool{}
	for _, name := range names {
		key := http.CanonicalHeaderKey(name)
		if seen[key] {
			continue
		}
		seen[key] = true
		if n := len(h.Values(key)); n > 1 {
			c.add(KindDuplicateHeader, "header", key, "header "+key, RuleDuplicateHeader(n))
		}
	}
}

// checkQuery finds the query parameters the operation does not define:
// the allow-list is the operation's own (names exact; a deepObject
// parameter's name[key] members included).
func checkQuery(c *collector, op *spec.Operation, rawQuery string) {
	if rawQuery == "" {
		return
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		key, _, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		if seen[name] || definesQuery(op, name) {
			continue
		}
		seen[name] = true
		c.add(KindUnknownParameter, "query", name, "query "+name, RuleUnknownParameter)
	}
}

func definesQuery(op *spec.Operation, name string) bool {
	for _, p := range op.QueryParams {
		if p.Name == name {
			return true
		}
		if p.Style == openapi3.SerializationDeepObject && strings.HasPrefix(name, p.Name+"[") {
			return true
		}
		if p.Explode && p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is(openapi3.TypeObject) {
			// An exploded form object: its properties are parameters.
			if _, ok := p.Schema.Value.Properties[name]; ok {
				return true
			}
		}
	}
	return false
}

// collector gathers the findings of one message.
type collector struct {
	op     Operation
	dir    Direction
	status int
	list   []Finding
}

func (c *collector) add(kind Kind, in, field, location, rule string) {
	if strings.ContainsFunc(field, func(r rune) bool { return r < ' ' || r == 0x7f || r == utf8.RuneError }) {
		// A name from the message itself: quoted, so that it cannot
		// break the line it is printed on.
		field = strconv.Quote(field)
		if in != "body" {
			location = in + " " + field
		}
	}
	if strings.ContainsFunc(location, func(r rune) bool { return r < ' ' || r == 0x7f || r == utf8.RuneError }) {
		location = strconv.Quote(location)
	}
	severity := Violation
	if kind == KindNotRecorded || kind == KindUnknownField && c.dir == Response {
		// A field the API sends that the spec lacks: the API grew.
		severity = Informational
	}
	f := Finding{Operation: c.op, Direction: c.dir, Status: c.status, Kind: kind, Severity: severity,
		In: in, Field: field, Location: location, Rule: rule}
	if slices.Contains(c.list, f) {
		return
	}
	c.list = append(c.list, f)
}

// addAt records a finding at a path of the body: the path as a dotted
// field and as a JSON pointer.
func (c *collector) addAt(kind Kind, in string, path []string, rule string) {
	field := strings.Join(path, ".")
	location := in + " " + field
	switch {
	case in == "body" || in == "":
		location = spec.Pointer(path...)
	case field == "":
		location = in
	}
	c.add(kind, in, field, location, rule)
}

// walk turns an openapi3filter error into findings: every error of a
// MultiError, each schema error at its JSON pointer. in and field are
// where the error applies (a parameter's location and name).
func (c *collector) walk(err error, in, field string) {
	switch e := err.(type) {
	case openapi3.MultiError:
		if len(e) == 0 {
			c.addAt(KindSchema, in, fieldPath(field), "invalid")
		}
		for _, inner := range e {
			c.walk(inner, in, field)
		}
	case *openapi3filter.SecurityRequirementsError:
		seen := false
		for _, inner := range e.Errors {
			var mh *missingHeader
			if errors.As(inner, &mh) {
				c.add(KindCredentials, "header", mh.name, "header "+mh.name, RuleRequired)
				seen = true
			}
		}
		if !seen {
			c.add(KindCredentials, "header", "", "header", "authentication headers missing")
		}
	case *openapi3filter.RequestError:
		c.request(e, in, field)
	case *openapi3filter.ResponseError:
		switch {
		case e.Reason == "status is not supported":
			c.add(KindUndocumentedStatus, "", "", "", RuleUndocumented)
		case strings.Contains(e.Reason, "Content-Type"):
			c.add(KindContentType, "header", "Content-Type", "header Content-Type", ruleContentType)
		case e.Err != nil && isSchemaError(e.Err):
			c.walk(e.Err, in, field)
		case e.Reason == "failed to decode response body":
			c.add(KindInvalidJSON, "body", "", "", RuleInvalidJSON)
		default:
			c.addAt(KindSchema, in, fieldPath(field), cmp.Or(e.Reason, "invalid"))
		}
	case *openapi3.SchemaError:
		c.schema(e, in, field)
	default:
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			c.schema(se, in, field)
			return
		}
		c.addAt(KindSchema, in, fieldPath(field), "could not be validated")
	}
}

func fieldPath(field string) []string {
	if field == "" {
		return nil
	}
	return []string{field}
}

// request records a RequestError: a parameter's or the body's.
func (c *collector) request(e *openapi3filter.RequestError, in, field string) {
	if p := e.Parameter; p != nil {
		in, field = p.In, p.Name
	}
	var parse *openapi3filter.ParseError
	switch {
	case e.Err == nil && e.Parameter != nil:
		kind := KindSchema
		if strings.Contains(e.Reason, "required") || strings.Contains(e.Reason, "missing") {
			kind = KindMissingRequired
		}
		c.addAt(kind, in, fieldPath(field), e.Reason)
	case e.Err == nil && strings.Contains(e.Reason, "Content-Type"):
		c.add(KindContentType, "header", "Content-Type", "header Content-Type", ruleBodyContentType)
	case e.Err == nil:
		c.addAt(KindSchema, in, fieldPath(field), cmp.Or(e.Reason, "invalid"))
	case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
		c.addAt(KindMissingRequired, in, fieldPath(field), RuleRequired)
	case errors.Is(e.Err, openapi3filter.ErrInvalidEmptyValue):
		c.addAt(KindMissingRequired, in, fieldPath(field), "must not be empty")
	case isSchemaError(e.Err):
		c.walk(e.Err, in, field)
	case e.Parameter != nil && errors.As(e.Err, &parse):
		c.addAt(KindType, in, fieldPath(field), parseRule(e.Parameter, parse))
	case e.Parameter == nil:
		c.addAt(KindInvalidJSON, in, fieldPath(field), RuleInvalidJSON)
	default:
		c.addAt(KindType, in, fieldPath(field), "could not be decoded as the spec's type")
	}
}

// parseRule words why a parameter's text is not of its type, as the CLI
// words it for its flags: "must be an integer", or "out of range for
// int64" for a number too large for the Go type it is generated as.
func parseRule(p *openapi3.Parameter, e *openapi3filter.ParseError) string {
	var schema *openapi3.Schema
	if p.Schema != nil {
		schema = p.Schema.Value
	}
	for inner := e; inner != nil; {
		if next, ok := inner.Cause.(*openapi3filter.ParseError); ok {
			inner = next
			continue
		}
		e = inner
		break
	}
	rangeErr := errors.Is(e.Cause, strconv.ErrRange)
	switch {
	case schema == nil:
	case schema.Type.Is(openapi3.TypeInteger):
		if rangeErr {
			if schema.Format == "int32" {
				return RuleOutOfRange("int32")
			}
			return RuleOutOfRange("int64")
		}
		return RuleInteger
	case schema.Type.Is(openapi3.TypeNumber):
		if rangeErr {
			return RuleOutOfRange("float64")
		}
		return RuleNumber
	case schema.Type.Is(openapi3.TypeBoolean):
		return RuleBoolean
	}
	return "could not be decoded as the spec's type"
}

// isSchemaError reports whether err is made of schema errors only (one,
// or a MultiError of them).
func isSchemaError(err error) bool {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			if !isSchemaError(inner) {
				return false
			}
		}
		return len(e) > 0
	case *openapi3.SchemaError:
		return true
	}
	return false
}

// schema records one schema error.
func (c *collector) schema(e *openapi3.SchemaError, in, field string) {
	path := e.JSONPointer()
	if field != "" {
		path = append([]string{field}, path...)
	}
	with := func(extra ...string) []string { return append(slices.Clone(path), extra...) }
	switch e.SchemaField {
	case "properties", "additionalProperties":
		var name string
		if _, err := fmt.Sscanf(e.Reason, "property %q is unsupported", &name); err == nil {
			c.addAt(KindUnknownField, in, with(name), RuleUnknownField)
			return
		}
	case "required":
		c.addAt(KindMissingRequired, in, with(), RuleRequired)
		return
	case "type", "nullable":
		rule := cmp.Or(e.Reason, "wrong type")
		if rule == "value must be an integer" {
			rule = RuleInteger // as the CLI words it
		}
		c.addAt(KindType, in, with(), rule)
		return
	case "format":
		c.addAt(KindFormat, in, with(), formatRule(e))
		return
	case "pattern":
		c.addAt(KindFormat, in, with(), cmp.Or(e.Reason, "does not match the pattern"))
		return
	case "enum":
		c.addAt(KindEnum, in, with(), cmp.Or(e.Reason, "not one of the allowed values"))
		return
	case "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
		"minItems", "maxItems", "minProperties", "maxProperties", "multipleOf", "uniqueItems":
		c.addAt(KindBounds, in, with(), cmp.Or(e.Reason, "out of bounds"))
		return
	}
	c.addAt(KindSchema, in, with(), cmp.Or(e.Reason, "does not match the schema"))
}

// formatRule words a format error: spec.FormatRule, the one wording of
// formats.
func formatRule(e *openapi3.SchemaError) string {
	if e.Schema == nil {
		return "does not match its format"
	}
	return spec.FormatRule(e.Schema.Format)
}
