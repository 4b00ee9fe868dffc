// Package validation checks HTTP requests and responses against an
// OpenAPI document with kin-openapi's openapi3filter.
//
// It is shared by the test kit, the sandbox and the client's opt-in
// validation, so that all three agree on what a valid message is. It holds
// no schema logic of its own: every verdict on a message is openapi3filter's.
// What it adds is wiring: the string formats the spec uses, the apiKey
// authentication check, field-naming errors that never echo a value, and
// routing. Routing is the spec model's (spec.Model.Find): the escaped
// path is matched exactly, segment for segment, literals before
// parameters, so an encoded "/" stays inside its parameter and the
// answer never depends on map order. A caller whose base URL has a path
// (https://host/proxy) says so once (Under); any other prefix, and a
// trailing slash, is not a route.
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

	"github.com/finicity-go/connect-components/internal/spec"
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

// Route is one operation of the document, as openapi3filter takes it and
// as the spec model describes it.
type Route struct {
	routers.Route
	// Op is the operation in the spec model.
	Op *spec.Operation
}

// Validator validates requests and responses against one document.
type Validator struct {
	model    *spec.Model
	routes   map[*spec.Operation]*Route
	basePath string // escaped, without a trailing slash; "" for none
	reqOpts  *openapi3filter.Options
	outOpts  *openapi3filter.Options // reqOpts, with authentication deferred
	respOpts *openapi3filter.Options
}

// New builds a Validator for doc, which must model (spec.New).
func New(doc *openapi3.T) (*Validator, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errors.New("validation: document has no paths")
	}
	m, err := spec.New("openapi.yaml", doc)
	if err != nil {
		return nil, fmt.Errorf("validation: %w", err)
	}
	return NewFromModel(m)
}

// NewFromModel builds a Validator for the document of m, resolving every
// route once.
func NewFromModel(m *spec.Model) (*Validator, error) {
	if m == nil || m.Doc == nil {
		return nil, errors.New("validation: no spec model")
	}
	doc := m.Doc
	v := &Validator{model: m, routes: make(map[*spec.Operation]*Route, len(m.Operations))}
	var server *openapi3.Server
	if len(doc.Servers) > 0 {
		server = doc.Servers[0]
	}
	for _, o := range m.Operations {
		v.routes[o] = &Route{Op: o, Route: routers.Route{Spec: doc, Server: server, Path: o.Path, PathItem: o.Item,
			Method: o.Method, Operation: o.Raw}}
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
func (v *Validator) Doc() *openapi3.T { return v.model.Doc }

// Model returns the spec model the Validator routes with.
func (v *Validator) Model() *spec.Model { return v.model }

// Under returns a Validator for requests sent below basePath: the path of
// a client's base URL (https://host/proxy gives "/proxy"), as escaped in
// the URL. It shares v's routes; v is unchanged. A request path that does
// not start with basePath is not a route.
func (v *Validator) Under(basePath string) *Validator {
	cp := *v
	cp.basePath = strings.TrimRight(basePath, "/")
	return &cp
}

// RouteOf returns the route of an operation of the Validator's model; nil
// for an operation of another model.
func (v *Validator) RouteOf(op *spec.Operation) *Route { return v.routes[op] }

// FindRoute returns the operation for method and path, and the path
// parameters. Pass the escaped path (URL.EscapedPath): it is matched
// exactly (spec.Model.Find) once the base path (Under) is taken off. The
// error is spec.ErrPathNotFound or spec.ErrMethodNotAllowed.
func (v *Validator) FindRoute(method, path string) (*Route, map[string]string, error) {
	rel, ok := v.relative(path)
	if !ok {
		return nil, nil, spec.ErrPathNotFound
	}
	op, params, err := v.model.Find(method, rel)
	if err != nil {
		return nil, nil, err
	}
	if params == nil {
		params = map[string]string{}
	}
	return v.routes[op], params, nil
}

// relative is path without the base path; ok is false when path is not
// below it.
func (v *Validator) relative(path string) (string, bool) {
	if v.basePath == "" {
		return path, true
	}
	rest, ok := strings.CutPrefix(path, v.basePath)
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", false
	}
	return rest, true
}

// routingPath is the path requests are routed on: the escaped form, so
// that a parameter holding an encoded "/" (customer_id a%2Fb) stays one
// segment; spec.Model.Find unescapes each segment after splitting.
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
	route, params, err := v.FindRoute(req.Method, routingPath(req))
	if err != nil {
		return nil, &FieldError{Location: "path", Field: req.URL.Path, Reason: err.Error()}
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
	route, _, err := v.FindRoute(req.Method, routingPath(req))
	if err != nil {
		return &FieldError{Location: "path", Field: req.URL.Path, Reason: err.Error()}
	}
	return v.ValidateRouteResponse(ctx, route, req, status, header, body)
}

// ValidateRouteResponse is ValidateResponse for a caller that has the
// route already (from validating the request), saving a second lookup.
func (v *Validator) ValidateRouteResponse(ctx context.Context, route *Route, req *http.Request, status int, header http.Header, body []byte) error {
	var params map[string]string
	if rel, ok := v.relative(routingPath(req)); ok {
		if op, p, err := v.model.Find(req.Method, rel); err == nil && op == route.Op {
			params = p
		}
	}
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

// ValidateRouteResponseHead is ValidateRouteResponse for an answer whose
// body openapi3filter has no decoder for (a PDF whose schema is not
// format: binary): its status and documented headers are checked, and
// that the status documents a body of the answer's Content-Type.
func (v *Validator) ValidateRouteResponseHead(ctx context.Context, route *Route, req *http.Request, status int, header http.Header) error {
	opts := *v.respOpts
	opts.ExcludeResponseBody = true
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: &route.Route, Options: &opts},
		Status:                 status,
		Header:                 header,
		Options:                &opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		fe := describe(err)
		fe.Location = "response " + fe.Location
		return fe
	}
	if ct := header.Get("Content-Type"); ct != "" {
		r := route.Operation.Responses.Status(status)
		if r == nil {
			r = route.Operation.Responses.Default()
		}
		if r == nil || r.Value == nil || r.Value.Content.Get(ct) == nil {
			return &FieldError{Location: "response header", Field: "Content-Type", Reason: "not a documented media type of this status"}
		}
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
// SDK about a value off its format says it: spec.FormatRule.
func FormatRule(format string) string { return spec.FormatRule(format) }

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

// SchemaRule words how a value breaks its schema, from kin-openapi's
// error, never quoting the value (it may be a secret): the property as a
// dotted path, then the rule ("serviceAgreement.acceptedDate: must be an
// RFC 3339 date-time such as 2024-11-28T18:25:32Z"), or the rule alone
// when the value as a whole breaks it.
func SchemaRule(err error) string {
	fe := describe(err)
	if fe.Field == "" {
		return fe.Reason
	}
	return fe.Field + ": " + fe.Reason
}
