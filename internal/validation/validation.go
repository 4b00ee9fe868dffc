// Package validation is the SDK's one checker of HTTP exchanges against
// an OpenAPI document: every check uses it, the client's
// WithRequestValidation and WithResponseValidation, the sandbox, the test
// kit (api/connecttest), and the proxy, validate and conformance commands
// of finicity-connect. So they agree on what a valid message is, and word
// each rule the same way (finding.go).
//
// kin-openapi's openapi3filter is the authority on every message: nothing
// is taken for valid without it. The checker validates against its own
// copy of the document in which every object schema that declares
// properties is closed (additionalProperties: false), so that a field the
// spec does not define is reported by openapi3filter itself, under its
// exact, case-sensitive name. The API's objects are open, and it ignores
// such a field in a request; for the caller it is almost always a
// misspelling (configurationID for configurationId), and in a response it
// means the API grew (an informational finding). A schema without
// properties (the body of PostReconnections: any object) stays open.
//
// Beside openapi3filter the checker applies only what the document cannot
// say and a server or a socket does: header names and values as
// net/http's transport accepts them; a header the spec defines given
// once; query parameters the operation defines; no body for an operation
// that takes none; JSON bodies as RFC 8259 has them (valid UTF-8, one
// value, each member named once).
//
// Routing is the spec model's (spec.Model.Find): the escaped path is
// matched exactly, segment for segment, literals before parameters, so
// an encoded "/" stays inside its parameter and the answer never depends
// on map order. A caller whose base URL has a path (https://host/proxy)
// says so once (Under); any other prefix, and a trailing slash, is not a
// route.
//
// A Finding names the operation, the direction, the field and the rule,
// never a value: values may be credentials.
package validation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/finicity-go/connect-components/internal/spec"
)

// Route is one operation of the document, as openapi3filter takes it (on
// the checker's closed copy) and as the spec model describes it.
type Route struct {
	routers.Route
	// Op is the operation in the spec model.
	Op *spec.Operation
}

// Validator checks requests and responses against one document. It is
// safe for concurrent use.
type Validator struct {
	model    *spec.Model
	routes   map[*spec.Operation]*Route
	basePath string // escaped, without a trailing slash; "" for none
	reqOpts  *openapi3filter.Options
	outOpts  *openapi3filter.Options // reqOpts, with authentication deferred
	respOpts *openapi3filter.Options
}

// NewFromModel builds a Validator for the document of m: a closed copy of
// it (see the package doc), every route resolved once. m's own document
// is not changed.
func NewFromModel(m *spec.Model) (*Validator, error) {
	if m == nil || m.Doc == nil {
		return nil, errors.New("validation: no spec model")
	}
	closed, err := closedCopy(m.Doc)
	if err != nil {
		return nil, fmt.Errorf("validation: %w", err)
	}
	v := &Validator{model: m, routes: make(map[*spec.Operation]*Route, len(m.Operations))}
	var server *openapi3.Server
	if len(closed.Servers) > 0 {
		server = closed.Servers[0]
	}
	for _, o := range m.Operations {
		item := closed.Paths.Value(o.Path)
		if item == nil || item.GetOperation(o.Method) == nil {
			return nil, fmt.Errorf("validation: %s %s is not in the copy of the document", o.Method, o.Path)
		}
		v.routes[o] = &Route{Op: o, Route: routers.Route{Spec: closed, Server: server, Path: o.Path, PathItem: item,
			Method: o.Method, Operation: item.GetOperation(o.Method)}}
	}
	schemaOpts := spec.FormatOptions()
	v.reqOpts = &openapi3filter.Options{
		MultiError:         true,
		AuthenticationFunc: requireHeaders,
		// Never rewrite the caller's body with defaults: a check
		// checks, it does not change what is sent.
		SkipSettingDefaults:     true,
		SchemaValidationOptions: schemaOpts,
	}
	out := *v.reqOpts
	out.AuthenticationFunc = func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }
	v.outOpts = &out
	v.respOpts = &openapi3filter.Options{
		MultiError:              true,
		IncludeResponseStatus:   true,
		SkipSettingDefaults:     true,
		SchemaValidationOptions: schemaOpts,
	}
	return v, nil
}

// closedCopy is a copy of doc, through its JSON form, with every object
// schema that declares properties closed.
func closedCopy(doc *openapi3.T) (*openapi3.T, error) {
	data, err := doc.MarshalJSON()
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	cp, err := loader.LoadFromData(data)
	if err != nil {
		return nil, err
	}
	closeObjects(cp)
	return cp, nil
}

// closeObjects sets additionalProperties: false on every object schema of
// doc that declares properties and says nothing of additional ones (a
// name it requires without declaring it stays allowed).
// Schemas that compose others (allOf, anyOf, oneOf) and their members stay
// as they are: closing a member would refuse its siblings' properties.
func closeObjects(doc *openapi3.T) {
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
	_ = doc.WalkSchemas(func(_ string, ref *openapi3.SchemaRef) error {
		s := ref.Value
		if len(s.Properties) == 0 || composed[s] {
			return nil
		}
		if s.AdditionalProperties.Has != nil || s.AdditionalProperties.Schema != nil {
			return nil
		}
		s.AdditionalProperties.Has = &closed
		// A name the schema requires is one the spec defines, even
		// without a property schema of its own: it stays allowed, as
		// any value.
		for _, name := range s.Required {
			if _, declared := s.Properties[name]; !declared {
				s.Properties[name] = openapi3.NewSchemaRef("", openapi3.NewSchema())
			}
		}
		return nil
	})
}

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

// CheckRequest checks req, whose body was read into body (req.Body is not
// read), and returns its route and findings (none for a request that
// keeps to the spec). A request outside the spec has no route and one
// finding, of kind KindUnknownOperation.
func (v *Validator) CheckRequest(ctx context.Context, req *http.Request, body []byte) (*Route, []Finding) {
	return v.checkRequest(ctx, req, body, v.reqOpts)
}

// CheckOutgoing is CheckRequest for a client that adds the authentication
// headers after checking: the spec's security requirements are taken as
// met.
func (v *Validator) CheckOutgoing(ctx context.Context, req *http.Request, body []byte) (*Route, []Finding) {
	return v.checkRequest(ctx, req, body, v.outOpts)
}

func (v *Validator) checkRequest(ctx context.Context, req *http.Request, body []byte, opts *openapi3filter.Options) (*Route, []Finding) {
	route, params, err := v.FindRoute(req.Method, req.URL.EscapedPath())
	if err != nil {
		return nil, []Finding{v.Unrouted(req.Method, req.URL.EscapedPath(), err, Request, 0)}
	}
	return route, v.checkRouted(ctx, route, params, req, body, opts)
}

// CheckRoutedRequest is CheckRequest for a caller that routed req already
// (FindRoute): route and params are FindRoute's.
func (v *Validator) CheckRoutedRequest(ctx context.Context, route *Route, params map[string]string, req *http.Request, body []byte) []Finding {
	return v.checkRouted(ctx, route, params, req, body, v.reqOpts)
}

func (v *Validator) checkRouted(ctx context.Context, route *Route, params map[string]string, req *http.Request, body []byte, opts *openapi3filter.Options) []Finding {
	op := route.Op
	c := &collector{op: OperationOf(op), dir: Request}
	checkHeaders(c, req.Header)
	checkDuplicateHeaders(c, op, req.Header)
	checkQuery(c, op, req.URL.RawQuery)
	switch {
	case op.Body == nil && (len(body) > 0 || sentBody(req)):
		c.add(KindUnexpectedBody, "body", "", "", RuleUnexpectedBody)
		// Checked as the server sees it: without the body, which it
		// ignores.
		body = nil
	case op.Body != nil && len(body) > 0 && isJSON(req.Header.Get("Content-Type")):
		scanJSON(c, body)
	}
	in := *req
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	input := &openapi3filter.RequestValidationInput{Request: &in, PathParams: params, Route: &route.Route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		c.walk(err, "body", "")
	}
	return c.list
}

// sentBody reports whether req came with a body its reader has not read:
// a length, or an unknown one (chunked).
func sentBody(req *http.Request) bool {
	return req.Body != nil && req.Body != http.NoBody && req.ContentLength != 0
}

// CheckResponse checks the answer to req: status, header and body (read
// whole). It returns the route and the findings, each with the status.
func (v *Validator) CheckResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) (*Route, []Finding) {
	route, _, err := v.FindRoute(req.Method, req.URL.EscapedPath())
	if err != nil {
		return nil, []Finding{v.Unrouted(req.Method, req.URL.EscapedPath(), err, Response, status)}
	}
	return route, v.CheckRouteResponse(ctx, route, req, status, header, body)
}

// CheckRouteResponse is CheckResponse for a caller that has the route
// already (from checking the request).
func (v *Validator) CheckRouteResponse(ctx context.Context, route *Route, req *http.Request, status int, header http.Header, body []byte) []Finding {
	var params map[string]string
	if r, p, err := v.FindRoute(req.Method, req.URL.EscapedPath()); err == nil && r == route {
		params = p
	}
	c := &collector{op: OperationOf(route.Op), dir: Response, status: status}
	if len(body) > 0 && isJSON(header.Get("Content-Type")) {
		scanJSON(c, body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: &route.Route, Options: v.respOpts},
		Status:                 status,
		Header:                 header,
		Options:                v.respOpts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		c.walk(err, "body", "")
	}
	return c.list
}

// CheckRouteResponseHead is CheckRouteResponse for an answer whose body is
// not there to check (a recording without it) or that openapi3filter has
// no decoder for (a PDF whose schema is not format: binary): its status
// and documented headers are checked, and that the status documents a
// body of the answer's Content-Type.
func (v *Validator) CheckRouteResponseHead(ctx context.Context, route *Route, req *http.Request, status int, header http.Header) []Finding {
	opts := *v.respOpts
	opts.ExcludeResponseBody = true
	c := &collector{op: OperationOf(route.Op), dir: Response, status: status}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: &route.Route, Options: &opts},
		Status:                 status,
		Header:                 header,
		Options:                &opts,
	}
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		c.walk(err, "body", "")
	}
	if ct := header.Get("Content-Type"); ct != "" && len(c.list) == 0 {
		r := route.Operation.Responses.Status(status)
		if r == nil {
			r = route.Operation.Responses.Default()
		}
		if r == nil || r.Value == nil || r.Value.Content.Get(ct) == nil {
			c.add(KindContentType, "header", "Content-Type", "header Content-Type", ruleContentType)
		}
	}
	return c.list
}

// ValidateResponse is CheckResponse as a verdict: nil, or an *Error of
// the violations (informational findings are none).
func (v *Validator) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	_, findings := v.CheckResponse(ctx, req, status, header, body)
	return asError(findings)
}

// ValidateRouteResponse is CheckRouteResponse as a verdict.
func (v *Validator) ValidateRouteResponse(ctx context.Context, route *Route, req *http.Request, status int, header http.Header, body []byte) error {
	return asError(v.CheckRouteResponse(ctx, route, req, status, header, body))
}

// ValidateRouteResponseHead is CheckRouteResponseHead as a verdict.
func (v *Validator) ValidateRouteResponseHead(ctx context.Context, route *Route, req *http.Request, status int, header http.Header) error {
	return asError(v.CheckRouteResponseHead(ctx, route, req, status, header))
}

// Unrouted is the finding of a request no operation of the spec takes:
// naming the trailing slash that the spec's path has not, or the methods
// the path has. path is the escaped path as sent.
func (v *Validator) Unrouted(method, path string, err error, dir Direction, status int) Finding {
	rule := "no operation of the spec for " + method + " " + path
	rel, below := v.relative(path)
	switch {
	case !below:
	case len(rel) > 1 && strings.HasSuffix(rel, "/"):
		if op := v.anyOperation(strings.TrimRight(rel, "/"), method); op != nil {
			rule += ": trailing slash (the spec's path of " + op.Name() + " has none)"
		}
	case errors.Is(err, spec.ErrMethodNotAllowed):
		rule += ": method not allowed (the path has " + strings.Join(v.methods(rel), ", ") + ")"
	}
	return Finding{Direction: dir, Status: status, Kind: KindUnknownOperation, Severity: Violation, Rule: rule}
}

// anyOperation is the operation of method at rel, else the first of
// another method there; nil when no operation has the path.
func (v *Validator) anyOperation(rel, method string) *spec.Operation {
	if op, _, err := v.model.Find(method, rel); err == nil {
		return op
	}
	for _, m := range httpMethods {
		if op, _, err := v.model.Find(m, rel); err == nil {
			return op
		}
	}
	return nil
}

// methods lists the methods of the operations at rel.
func (v *Validator) methods(rel string) []string {
	var out []string
	for _, m := range httpMethods {
		if _, _, err := v.model.Find(m, rel); err == nil {
			out = append(out, m)
		}
	}
	return out
}

var httpMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace}

// KnownPath reports whether some operation of the spec has the escaped
// path rel (any method), a trailing slash aside: a request there is the
// API's, even when no operation takes it as sent.
func (v *Validator) KnownPath(rel string) bool {
	if trimmed := strings.TrimRight(rel, "/"); trimmed != "" {
		rel = trimmed
	}
	return v.anyOperation(rel, http.MethodGet) != nil
}

// SchemaRule words how a value breaks its schema, from kin-openapi's
// error (spec.Check's), as findings word it, never quoting the value (it
// may be a secret): the property as a dotted path, then the rule
// ("serviceAgreement.acceptedDate: must be an RFC 3339 date-time such as
// 2024-11-28T18:25:32Z"), or the rule alone when the value as a whole
// breaks it.
func SchemaRule(err error) string {
	c := &collector{}
	c.walk(err, "", "")
	if len(c.list) == 0 {
		return "invalid"
	}
	var parts []string
	for _, f := range c.list {
		parts = append(parts, f.Detail())
	}
	return strings.Join(parts, "; ")
}

func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
