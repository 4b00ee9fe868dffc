// Package conformance checks HTTP exchanges against the embedded
// openapi.yaml strictly: it is the one checker of the test kit
// (api/connecttest), of the drift-detecting proxy and of the conformance
// command (cmd/finicity-connect).
//
// kin-openapi's openapi3filter is the authority. The checker validates
// against its own copy of the document in which every object schema that
// declares properties is closed (additionalProperties: false), so that a
// field the spec does not define is reported by openapi3filter itself,
// under its exact, case-sensitive name. The API's objects are open, and it
// ignores such a field in a request; for the caller it is almost always a
// misspelling (configurationID for configurationId), and in a response it
// means the API grew: time to regenerate. A schema without properties (the
// body of PostReconnections: any object) stays open.
//
// Beside openapi3filter the checker applies only what the document cannot
// say and net/http does on a socket: header names and values as
// net/http's transport accepts them, and JSON strings in valid UTF-8.
//
// A Finding names the operation, the direction, the field and the rule,
// never a value: values may be credentials.
package conformance

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"golang.org/x/net/http/httpguts"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/validation"
)

// Direction says which message of an exchange a finding is about.
type Direction string

// The directions.
const (
	Request  Direction = "request"
	Response Direction = "response"
)

// Kind classifies a finding.
type Kind string

// The kinds of finding. KindUnknownField is informational in a response
// (the API grew); every other kind is a departure from the spec.
const (
	KindUnknownField       Kind = "unknown field"       // a field the spec does not define
	KindMissingRequired    Kind = "missing required"    // a required field, parameter or body is absent
	KindType               Kind = "type"                // a value of the wrong JSON type (or null)
	KindFormat             Kind = "format"              // a string off its format (uuid, uri, date-time) or pattern
	KindBounds             Kind = "bounds"              // a length, size or number out of its bounds
	KindEnum               Kind = "enum"                // a value outside its enum
	KindSchema             Kind = "schema"              // any other schema rule
	KindUndocumentedStatus Kind = "undocumented status" // a status the operation does not document
	KindContentType        Kind = "content type"        // a body in a media type the operation does not document
	KindInvalidJSON        Kind = "invalid json"        // a body that does not parse
	KindInvalidUTF8        Kind = "invalid utf-8"       // a JSON string that is not valid UTF-8
	KindInvalidHeader      Kind = "invalid header"      // a header net/http would refuse or change on a socket
	KindCredentials        Kind = "credentials"         // a security header the operation requires is absent
	KindUnknownOperation   Kind = "unknown operation"   // no operation of the spec for the method and path
	KindUpstream           Kind = "upstream"            // no answer from upstream (the proxy's own finding)
)

// Operation names an operation of the spec as users know it.
type Operation struct {
	// Method is the api method, such as "Configurations.List".
	Method string `json:"method"`
	// Docs is the docs' name, such as "get_configurations"; empty for an
	// operation the docs do not name (partner authentication).
	Docs string `json:"docs"`
	// ID is the operationId, such as "GetConfigurations".
	ID string `json:"id,omitempty"`
}

// String names the operation as messages do: the api method, and the docs'
// name (or the operationId when the docs have none).
func (o Operation) String() string {
	other := cmp.Or(o.Docs, o.ID)
	switch {
	case o.Method == "" && other == "":
		return "(no operation)"
	case o.Method == "":
		return other
	}
	return o.Method + " (" + other + ")"
}

// Finding is one way an exchange departs from the spec. It never holds a
// value of the message.
type Finding struct {
	Operation Operation `json:"operation"`
	Direction Direction `json:"direction"`
	// Status is the response's status; 0 when there is none (a request
	// checked before it is answered).
	Status int  `json:"status"`
	Kind   Kind `json:"kind"`
	// In is where the field is: "body", "path", "query" or "header"
	// ("" for the message as a whole).
	In string `json:"in,omitempty"`
	// Field names the field as a dotted path (elements.0.label), the
	// parameter or the header; empty when the whole body is at fault.
	Field string `json:"field"`
	// Rule says what the spec (or net/http) wants.
	Rule string `json:"rule"`
}

// Informational reports whether f records growth rather than a break: a
// field the API sends that the spec does not define yet.
func (f Finding) Informational() bool {
	return f.Kind == KindUnknownField && f.Direction == Response
}

// Detail describes where and what, without the operation: "body
// configurationID: unknown field: ...". It is what the test kit records as
// a request's violation.
func (f Finding) Detail() string {
	where := strings.TrimSpace(f.In + " " + f.Field)
	if where == "" {
		return f.Rule
	}
	return where + ": " + f.Rule
}

// String is one human line: operation, direction, status, kind and detail.
func (f Finding) String() string {
	s := f.Operation.String() + ": " + string(f.Direction)
	if f.Status != 0 {
		s += fmt.Sprintf(" (status %d)", f.Status)
	}
	return s + ": " + string(f.Kind) + ": " + f.Detail()
}

// Join is the findings' details, one after the other.
func Join(findings []Finding) string {
	parts := make([]string, len(findings))
	for i, f := range findings {
		parts[i] = f.Detail()
	}
	return strings.Join(parts, "; ")
}

// Checker checks requests and responses against the embedded spec. It is
// safe for concurrent use.
type Checker struct {
	router   *validation.Validator // routes of the strict document
	ops      map[string]Operation  // by operationId
	list     []Operation
	reqOpts  *openapi3filter.Options
	respOpts *openapi3filter.Options
}

// Default returns the process-wide Checker of the embedded spec.
var Default = sync.OnceValues(New)

// MustDefault is Default for callers where a broken embedded spec is a
// build defect.
func MustDefault() *Checker {
	c, err := Default()
	if err != nil {
		panic("conformance: " + err.Error())
	}
	return c
}

// New builds a Checker from the embedded spec.
func New() (*Checker, error) {
	doc, err := gen.GetSpec() // a fresh copy: it is closed below, in place
	if err != nil {
		return nil, fmt.Errorf("embedded OpenAPI document: %w", err)
	}
	return NewFromDoc(doc)
}

// NewFromDoc builds a Checker from doc, which it closes in place (see the
// package doc): pass a copy no one else uses.
func NewFromDoc(doc *openapi3.T) (*Checker, error) {
	if err := closeObjects(doc); err != nil {
		return nil, err
	}
	router, err := validation.New(doc)
	if err != nil {
		return nil, err
	}
	c := &Checker{router: router, ops: map[string]Operation{}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			o := nameOf(op)
			c.ops[o.ID] = o
			c.list = append(c.list, o)
		}
	}
	slices.SortFunc(c.list, func(a, b Operation) int {
		if a.Method != b.Method {
			return strings.Compare(a.Method, b.Method)
		}
		return strings.Compare(a.ID, b.ID)
	})
	schemaOpts := validation.FormatOptions()
	c.reqOpts = &openapi3filter.Options{
		MultiError:              true,
		SkipSettingDefaults:     true,
		AuthenticationFunc:      requireHeaders,
		SchemaValidationOptions: schemaOpts,
	}
	c.respOpts = &openapi3filter.Options{
		MultiError:              true,
		SkipSettingDefaults:     true,
		IncludeResponseStatus:   true,
		SchemaValidationOptions: schemaOpts,
	}
	return c, nil
}

// closeObjects sets additionalProperties: false on every object schema of
// doc that declares properties and says nothing of additional ones. Schemas
// that compose others (allOf, anyOf, oneOf) and their members stay as they
// are: closing a member would refuse its siblings' properties.
func closeObjects(doc *openapi3.T) error {
	composed := map[*openapi3.Schema]bool{}
	_ = doc.WalkSchemas(func(_ string, ref *openapi3.SchemaRef) error {
		s := ref.Value
		for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			if len(list) > 0 {
				composed[s] = true
			}
			for _, m := range list {
				if m.Value != nil {
					composed[m.Value] = true
				}
			}
		}
		return nil
	})
	closed := false
	return doc.WalkSchemas(func(_ string, ref *openapi3.SchemaRef) error {
		s := ref.Value
		if len(s.Properties) == 0 || composed[s] {
			return nil
		}
		if s.AdditionalProperties.Has != nil || s.AdditionalProperties.Schema != nil {
			return nil
		}
		s.AdditionalProperties.Has = &closed
		return nil
	})
}

// nameOf reads an operation's names from its x-sdk extension, the source
// of package api's services.
func nameOf(op *openapi3.Operation) Operation {
	o := Operation{ID: op.OperationID}
	if ext, ok := op.Extensions["x-sdk"].(map[string]any); ok {
		service, _ := ext["service"].(string)
		method, _ := ext["method"].(string)
		if service != "" && method != "" {
			o.Method = service + "." + method
		}
		o.Docs, _ = ext["docs"].(string)
	}
	return o
}

// Under returns a Checker for exchanges sent below basePath: the path of
// a base URL such as https://host/proxy ("/proxy"), as escaped in the
// URL. Routing is exact, so without it such requests are outside the
// spec. c is unchanged.
func (c *Checker) Under(basePath string) *Checker {
	cp := *c
	cp.router = c.router.Under(basePath)
	return &cp
}

// Operations lists the operations of the spec, sorted by api method.
func (c *Checker) Operations() []Operation { return slices.Clone(c.list) }

// Lookup finds an operation by its api method ("Configurations.List"),
// docs' name ("get_configurations") or operationId ("GetConfigurations").
func (c *Checker) Lookup(name string) (Operation, bool) {
	for _, o := range c.list {
		if name != "" && (name == o.Method || name == o.Docs || name == o.ID) {
			return o, true
		}
	}
	return Operation{}, false
}

// ByID returns the operation with operationId id (only the id, for one
// the spec does not have).
func (c *Checker) ByID(id string) Operation {
	if o, ok := c.ops[id]; ok {
		return o
	}
	return Operation{ID: id}
}

// Route returns the operation for a method and escaped path
// (URL.EscapedPath), and whether the spec has one.
func (c *Checker) Route(method, escapedPath string) (Operation, bool) {
	r, _, err := c.router.FindRoute(method, escapedPath)
	if err != nil {
		return Operation{}, false
	}
	return c.ByID(r.Operation.OperationID), true
}

// CheckRequest checks req, whose body was read into body (req.Body is not
// read), and returns its operation and findings (nil for a request that
// keeps to the spec). A request outside the spec has one finding, of kind
// KindUnknownOperation.
func (c *Checker) CheckRequest(ctx context.Context, req *http.Request, body []byte) (Operation, []Finding) {
	path := req.URL.EscapedPath()
	route, params, err := c.router.FindRoute(req.Method, path)
	if err != nil {
		return Operation{}, []Finding{{Direction: Request, Kind: KindUnknownOperation,
			Rule: "no operation of the spec for this method and path"}}
	}
	op := c.ByID(route.Operation.OperationID)
	f := &collector{op: op, dir: Request}
	checkHeaders(f, req.Header)
	if route.Operation.RequestBody != nil {
		checkUTF8(f, body)
	}
	in := *req
	in.Body = io.NopCloser(bytes.NewReader(body))
	input := &openapi3filter.RequestValidationInput{Request: &in, PathParams: params, Route: &route.Route, Options: c.reqOpts}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		f.walk(err, "body", "")
	}
	return op, f.list
}

// CheckResponse checks the answer to req: status, header and body (read
// whole). It returns the operation and the findings, each with the status.
func (c *Checker) CheckResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) (Operation, []Finding) {
	path := req.URL.EscapedPath()
	route, params, err := c.router.FindRoute(req.Method, path)
	if err != nil {
		return Operation{}, []Finding{{Direction: Response, Status: status, Kind: KindUnknownOperation,
			Rule: "no operation of the spec for this method and path"}}
	}
	op := c.ByID(route.Operation.OperationID)
	f := &collector{op: op, dir: Response, status: status}
	if len(body) > 0 && isJSON(header.Get("Content-Type")) {
		checkUTF8(f, body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: &route.Route, Options: c.respOpts},
		Status:                 status,
		Header:                 header,
		Options:                c.respOpts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		f.walk(err, "body", "")
	}
	return op, f.list
}

func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

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
func checkHeaders(f *collector, h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		field := name
		if !httpguts.ValidHeaderFieldName(name) {
			field = fmt.Sprintf("%q", name)
			f.add(KindInvalidHeader, "header", field, "not a valid header name: net/http refuses to send it")
			continue
		}
		for _, v := range h[name] {
			switch {
			case !httpguts.ValidHeaderFieldValue(v):
				f.add(KindInvalidHeader, "header", field, "value holds a newline, CR, NUL or other control character: net/http refuses to send it")
			case v != textproto.TrimString(v):
				f.add(KindInvalidHeader, "header", field, "value has leading or trailing whitespace: net/http trims it on a socket, so the server would receive another value")
			default:
				continue
			}
			break
		}
	}
}

// collector gathers the findings of one message.
type collector struct {
	op     Operation
	dir    Direction
	status int
	list   []Finding
}

func (c *collector) add(kind Kind, in, field, rule string) {
	if strings.ContainsFunc(field, func(r rune) bool { return r < ' ' || r == 0x7f || r == utf8.RuneError }) {
		// A name from the message itself: quoted, so that it cannot
		// break the line it is printed on.
		field = strconv.Quote(field)
	}
	fd := Finding{Operation: c.op, Direction: c.dir, Status: c.status, Kind: kind, In: in, Field: field, Rule: rule}
	if slices.Contains(c.list, fd) {
		return
	}
	c.list = append(c.list, fd)
}

// walk turns an openapi3filter error into findings: every error of a
// MultiError, each schema error at its JSON pointer. in and field are
// where the error applies (a parameter's location and name).
func (c *collector) walk(err error, in, field string) {
	switch e := err.(type) {
	case openapi3.MultiError:
		if len(e) == 0 {
			c.add(KindSchema, in, field, "invalid")
		}
		for _, inner := range e {
			c.walk(inner, in, field)
		}
	case *openapi3filter.SecurityRequirementsError:
		seen := false
		for _, inner := range e.Errors {
			var mh *missingHeader
			if errors.As(inner, &mh) {
				c.add(KindCredentials, "header", mh.name, "required by the operation's security")
				seen = true
			}
		}
		if !seen {
			c.add(KindCredentials, "header", "", "authentication headers missing")
		}
	case *openapi3filter.RequestError:
		c.request(e, in, field)
	case *openapi3filter.ResponseError:
		switch {
		case e.Reason == "status is not supported":
			c.add(KindUndocumentedStatus, "", "", "the operation does not document this status")
		case strings.Contains(e.Reason, "Content-Type"):
			c.add(KindContentType, "header", "Content-Type", "not a media type the operation documents for this status")
		case e.Err != nil && isSchemaError(e.Err):
			c.walk(e.Err, in, field)
		case e.Reason == "failed to decode response body":
			c.add(KindInvalidJSON, "body", "", "does not parse as JSON")
		default:
			c.add(KindSchema, in, field, cmp.Or(e.Reason, "invalid"))
		}
	case *openapi3.SchemaError:
		c.schema(e, in, field)
	default:
		var se *openapi3.SchemaError
		if errors.As(err, &se) {
			c.schema(se, in, field)
			return
		}
		c.add(KindSchema, in, field, "could not be validated")
	}
}

// request records a RequestError: a parameter's or the body's.
func (c *collector) request(e *openapi3filter.RequestError, in, field string) {
	if p := e.Parameter; p != nil {
		in, field = p.In, p.Name
	}
	switch {
	case e.Err == nil && e.Parameter != nil:
		c.add(kindOfReason(e.Reason), in, field, e.Reason)
	case e.Err == nil && strings.Contains(e.Reason, "Content-Type"):
		c.add(KindContentType, "header", "Content-Type", "not a media type the operation documents for its body")
	case e.Err == nil:
		c.add(KindSchema, in, field, cmp.Or(e.Reason, "invalid"))
	case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
		c.add(KindMissingRequired, in, field, "required by the spec")
	case errors.Is(e.Err, openapi3filter.ErrInvalidEmptyValue):
		c.add(KindMissingRequired, in, field, "must not be empty")
	case isSchemaError(e.Err):
		c.walk(e.Err, in, field)
	case e.Parameter == nil:
		c.add(KindInvalidJSON, in, field, "does not parse as JSON")
	default:
		c.add(KindType, in, field, "could not be decoded as the spec's type")
	}
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
	join := func(extra ...string) string { return strings.Join(append(slices.Clone(path), extra...), ".") }
	switch e.SchemaField {
	case "properties":
		var name string
		if _, err := fmt.Sscanf(e.Reason, "property %q is unsupported", &name); err == nil {
			c.add(KindUnknownField, in, join(name), "unknown field: not defined by the spec (names are exact and case-sensitive)")
			return
		}
	case "required":
		c.add(KindMissingRequired, in, join(), "missing: required by the spec")
		return
	case "type", "nullable":
		c.add(KindType, in, join(), cmp.Or(e.Reason, "wrong type"))
		return
	case "format":
		c.add(KindFormat, in, join(), formatRule(e))
		return
	case "pattern":
		c.add(KindFormat, in, join(), cmp.Or(e.Reason, "does not match the pattern"))
		return
	case "enum":
		c.add(KindEnum, in, join(), cmp.Or(e.Reason, "not one of the allowed values"))
		return
	case "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
		"minItems", "maxItems", "minProperties", "maxProperties", "multipleOf", "uniqueItems":
		c.add(KindBounds, in, join(), cmp.Or(e.Reason, "out of bounds"))
		return
	}
	c.add(KindSchema, in, join(), cmp.Or(e.Reason, "does not match the schema"))
}

// formatRule words a format error as the sandbox's answers do.
func formatRule(e *openapi3.SchemaError) string {
	if e.Schema == nil {
		return "does not match its format"
	}
	return validation.FormatRule(e.Schema.Format)
}

// kindOfReason classifies a parameter error that carries only a reason.
func kindOfReason(reason string) Kind {
	if strings.Contains(reason, "required") || strings.Contains(reason, "missing") {
		return KindMissingRequired
	}
	return KindSchema
}
