// Package validation checks HTTP requests and responses against the embedded
// OpenAPI document with kin-openapi's openapi3filter.
//
// It is shared by the test kit, the sandbox and the client's opt-in
// validation, so that all three agree on what a valid message is. It holds
// no schema logic of its own: every verdict on a message is openapi3filter's.
// What it adds is wiring: the string formats the spec uses, the apiKey
// authentication check, field-naming errors that never echo a value, and
// routing. The routing is this package's own because kin-openapi's routers
// match the unescaped path (a customer_id of a%2Fb would split in two) and
// know no base-URL prefix; it decides only which operation a request is,
// never whether it is valid. Routes are resolved once when the Validator
// is built: finding the operation for a request is a map lookup plus a
// comparison of path segments (on the escaped path, so an encoded "/"
// stays inside its parameter, and after any base-URL prefix), not a scan
// of the document.
package validation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"
)

// StringFormats gives the spec's "uuid" and "uri" formats meaning: a UUID
// in canonical 36-character form, any version, since the docs restrict
// none; an absolute URI.
func StringFormats() map[string]openapi3.StringFormatValidator {
	return map[string]openapi3.StringFormatValidator{
		"uuid": openapi3.NewCallbackValidator(func(s string) error {
			if len(s) != 36 || uuid.Validate(s) != nil {
				return errors.New("not a UUID in canonical 36-character form")
			}
			return nil
		}),
		"uri": openapi3.NewCallbackValidator(func(s string) error {
			if u, err := url.Parse(s); err != nil || u.Scheme == "" {
				return errors.New("not an absolute URI")
			}
			return nil
		}),
	}
}

// FormatOptions are the schema options validation runs with: the string
// formats, passed per call rather than registered globally so importing
// this package changes nothing for other users of kin-openapi in the same
// program, and no value in error messages.
func FormatOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidators(StringFormats()),
		// Error messages must never echo the value: it may be a secret.
		openapi3.DisableSchemaErrorDetails(),
	}
}

// Route is one operation of the document with its path split into segments.
type Route struct {
	routers.Route
	segments []string // literal segments, or "" where a parameter stands
	params   []string // parameter names, by segment index (empty for literals)
	suffix   string   // "/" + the last segment when it is a literal: a cheap first test
}

// Validator validates requests and responses against one document.
type Validator struct {
	doc      *openapi3.T
	byMethod map[string][]*Route
	reqOpts  *openapi3filter.Options
	outOpts  *openapi3filter.Options // reqOpts, with authentication deferred
	respOpts *openapi3filter.Options
}

// New builds a Validator for doc, resolving every route once.
func New(doc *openapi3.T) (*Validator, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errors.New("validation: document has no paths")
	}
	v := &Validator{doc: doc, byMethod: map[string][]*Route{}}
	var server *openapi3.Server
	if len(doc.Servers) > 0 {
		server = doc.Servers[0]
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			r := &Route{Route: routers.Route{Spec: doc, Server: server, Path: path, PathItem: item, Method: method, Operation: op}}
			for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					r.segments = append(r.segments, "")
					r.params = append(r.params, seg[1:len(seg)-1])
				} else {
					r.segments = append(r.segments, seg)
					r.params = append(r.params, "")
				}
			}
			if last := r.segments[len(r.segments)-1]; last != "" {
				r.suffix = "/" + last
			}
			v.byMethod[method] = append(v.byMethod[method], r)
		}
	}
	schemaOpts := FormatOptions()
	v.reqOpts = &openapi3filter.Options{
		AuthenticationFunc: requireAPIKeyHeaders,
		// Never rewrite the caller's body with defaults: validation checks,
		// it does not change what is sent.
		SkipSettingDefaults:     true,
		SchemaValidationOptions: schemaOpts,
	}
	out := *v.reqOpts
	out.AuthenticationFunc = func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }
	v.outOpts = &out
	v.respOpts = &openapi3filter.Options{
		IncludeResponseStatus:   true,
		SkipSettingDefaults:     true,
		SchemaValidationOptions: schemaOpts,
	}
	return v, nil
}

// Doc returns the document the Validator checks against.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// FindRoute returns the operation for method and path, and the path
// parameters. The path may carry a prefix (a base URL with a path): routes
// are matched on the trailing segments. Pass the escaped path
// (URL.EscapedPath): each segment is unescaped after splitting, so an
// encoded "/" stays inside its parameter.
func (v *Validator) FindRoute(method, path string) (*Route, map[string]string, error) {
	r, err := v.lookup(method, path)
	if err != nil {
		return nil, nil, err
	}
	params, ok := r.Params(path)
	if !ok {
		return nil, nil, routers.ErrPathNotFound
	}
	return r, params, nil
}

// lookup finds the route for method and path without allocating: it is on
// the path of every validated call.
func (v *Validator) lookup(method, path string) (*Route, error) {
	for _, r := range v.byMethod[method] {
		if r.matches(path) {
			return r, nil
		}
	}
	for m, routes := range v.byMethod {
		if m == method {
			continue
		}
		for _, r := range routes {
			if r.matches(path) {
				return nil, routers.ErrMethodNotAllowed
			}
		}
	}
	return nil, routers.ErrPathNotFound
}

// trailingSegments calls f with the last n "/"-separated segments of path
// (ignoring leading and trailing slashes), first to last, and reports
// whether path has at least n segments and f accepted them all.
func trailingSegments(path string, n int, f func(i int, seg string) bool) bool {
	path = strings.Trim(path, "/")
	start := len(path)
	for k := 0; k < n; k++ {
		i := strings.LastIndexByte(path[:start], '/')
		if k == n-1 {
			start = i + 1 // i is -1 when the path has exactly n segments
			break
		}
		if i < 0 {
			return false
		}
		start = i
	}
	rest := path[start:]
	for i := 0; i < n; i++ {
		seg, after, _ := strings.Cut(rest, "/")
		if !f(i, seg) {
			return false
		}
		rest = after
	}
	return true
}

func (r *Route) matches(path string) bool {
	if r.suffix != "" && !strings.HasSuffix(strings.TrimRight(path, "/"), r.suffix) {
		return false
	}
	return trailingSegments(path, len(r.segments), func(i int, seg string) bool {
		lit := r.segments[i]
		return (lit == "" && seg != "") || (lit != "" && lit == seg)
	})
}

// Params returns the path parameters of path, which must match r.
func (r *Route) Params(path string) (map[string]string, bool) {
	params := make(map[string]string, 2)
	ok := trailingSegments(path, len(r.segments), func(i int, seg string) bool {
		if name := r.params[i]; name != "" {
			p, err := url.PathUnescape(seg)
			if err != nil {
				return false
			}
			params[name] = p
		}
		return true
	})
	return params, ok
}

// routingPath is the path requests are routed on: the escaped form, so
// that a parameter holding an encoded "/" (customer_id a%2Fb) stays one
// segment; Params unescapes each segment after splitting.
func routingPath(req *http.Request) string { return req.URL.EscapedPath() }

// ValidateRequestBody checks req, whose body the server has read already
// (capped, say) into body, against its operation: req.Body is not read.
// The error, if any, is a *FieldError naming what is wrong.
func (v *Validator) ValidateRequestBody(ctx context.Context, req *http.Request, body []byte) (*Route, error) {
	return v.validateRequest(ctx, req, body, v.reqOpts)
}

// ValidateOutgoing is ValidateRequest for a client that holds the body
// bytes already and adds the authentication headers after validating:
// req.Body is not read, and the spec's security requirements are taken as
// met.
func (v *Validator) ValidateOutgoing(ctx context.Context, req *http.Request, body []byte) (*Route, error) {
	return v.validateRequest(ctx, req, body, v.outOpts)
}

func (v *Validator) validateRequest(ctx context.Context, req *http.Request, body []byte, opts *openapi3filter.Options) (*Route, error) {
	path := routingPath(req)
	route, err := v.lookup(req.Method, path)
	if err != nil {
		return nil, &FieldError{Location: "path", Field: req.URL.Path, Reason: err.Error()}
	}
	params, ok := route.Params(path)
	if !ok {
		return route, &FieldError{Location: "path", Field: req.URL.Path, Reason: "not a valid path"}
	}
	slow := *req
	slow.Body = io.NopCloser(bytes.NewReader(body))
	input := &openapi3filter.RequestValidationInput{Request: &slow, PathParams: params, Route: &route.Route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		return route, describe(err)
	}
	return route, nil
}

// ValidateResponse checks a response to req: its status must be documented
// for the operation and its body must match. body is not modified.
func (v *Validator) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	route, err := v.lookup(req.Method, routingPath(req))
	if err != nil {
		return &FieldError{Location: "path", Field: req.URL.Path, Reason: err.Error()}
	}
	return v.ValidateRouteResponse(ctx, route, req, status, header, body)
}

// ValidateRouteResponse is ValidateResponse for a caller that has the
// route already (from validating the request), saving a second lookup.
func (v *Validator) ValidateRouteResponse(ctx context.Context, route *Route, req *http.Request, status int, header http.Header, body []byte) error {
	params, _ := route.Params(routingPath(req))
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: &route.Route, Options: v.respOpts},
		Status:                 status,
		Header:                 header,
		Options:                v.respOpts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		fe := describe(err)
		fe.Location = "response " + fe.Location
		return fe
	}
	return nil
}

// requireAPIKeyHeaders accepts an apiKey security scheme when its header is
// present and non-empty. Checking the value is the server's business.
func requireAPIKeyHeaders(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "apiKey" || s.In != "header" {
		return fmt.Errorf("unsupported security scheme %q", in.SecuritySchemeName)
	}
	if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
		return &FieldError{Location: "header", Field: s.Name, Reason: "missing"}
	}
	return nil
}

// FieldError says which part of a message failed validation and why. It
// never carries the offending value, which may be a secret.
type FieldError struct {
	// Location is "body", "path", "query", "header" or "security", with a
	// "response " prefix for response validation.
	Location string
	// Field names the parameter, header, or body field as a dotted path
	// (elements.0.label); empty when the whole body is at fault.
	Field string
	// Reason says what rule failed.
	Reason string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Location, e.Reason)
	}
	return fmt.Sprintf("%s %s: %s", e.Location, e.Field, e.Reason)
}

// describe turns an openapi3filter error into a FieldError.
func describe(err error) *FieldError {
	var fe *FieldError
	if errors.As(err, &fe) {
		cp := *fe
		return &cp
	}
	var secErr *openapi3filter.SecurityRequirementsError
	if errors.As(err, &secErr) {
		for _, e := range secErr.Errors {
			if errors.As(e, &fe) {
				cp := *fe
				return &cp
			}
		}
		return &FieldError{Location: "security", Reason: "authentication headers missing"}
	}
	out := &FieldError{Location: "body"}
	var reqErr *openapi3filter.RequestError
	if errors.As(err, &reqErr) {
		if p := reqErr.Parameter; p != nil {
			out.Location, out.Field = p.In, p.Name
		}
		out.Reason = reqErr.Reason
	}
	var respErr *openapi3filter.ResponseError
	if errors.As(err, &respErr) {
		out.Reason = respErr.Reason
	}
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		if ptr := schemaErr.JSONPointer(); len(ptr) > 0 && out.Location == "body" {
			out.Field = strings.Join(ptr, ".")
		}
		out.Reason = schemaReason(schemaErr)
	} else if out.Reason == "" || errors.Is(err, openapi3filter.ErrInvalidRequired) {
		out.Reason = rootReason(err)
	}
	if out.Reason == "" {
		out.Reason = "invalid"
	}
	return out
}

// FormatRule words the rule of a string format, as every message of the
// SDK about a value off its format says it.
func FormatRule(format string) string {
	switch format {
	case "date-time":
		return "must be an RFC 3339 date-time such as 2024-11-28T18:25:32Z"
	case "uuid":
		return "must be a UUID in canonical 36-character form"
	case "uri":
		return "must be an absolute URI"
	}
	return fmt.Sprintf("must match format %q", format)
}

func schemaReason(e *openapi3.SchemaError) string {
	if e.SchemaField == "format" && e.Schema != nil {
		return FormatRule(e.Schema.Format)
	}
	if e.Origin != nil {
		var inner *openapi3.SchemaError
		if errors.As(e.Origin, &inner) && inner != e {
			return schemaReason(inner)
		}
		return e.Origin.Error()
	}
	if e.Reason != "" {
		return e.Reason
	}
	return fmt.Sprintf("does not match schema %q", e.SchemaField)
}

// rootReason is the innermost message of a wrapped error chain.
func rootReason(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
