// Package validation checks HTTP requests and responses against the embedded
// OpenAPI document with kin-openapi's openapi3filter.
//
// It is shared by the test servers, the sandbox and the client's opt-in
// validation, so that all three agree on what a valid message is. Routes are
// resolved once when the Validator is built: finding the operation for a
// request is a map lookup plus a comparison of path segments, not a scan of
// the document.
package validation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// uuidPattern is the canonical 36-character UUID form the docs require; any
// version is accepted because the docs do not restrict it.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// FormatOptions are the schema options that give the spec's "uuid" and
// "uri" formats meaning. They are passed per call rather than registered
// globally, so importing this package changes nothing for other users of
// kin-openapi in the same program.
func FormatOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{
		openapi3.WithStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(s string) error {
			if !uuidPattern.MatchString(s) {
				return errors.New("not a UUID in canonical 36-character form")
			}
			return nil
		})),
		openapi3.WithStringFormatValidator("uri", openapi3.NewCallbackValidator(func(s string) error {
			u, err := url.Parse(s)
			if err != nil || u.Scheme == "" {
				return errors.New("not an absolute URI")
			}
			return nil
		})),
		// Error messages must never echo the value: it may be a secret.
		openapi3.DisableSchemaErrorDetails(),
	}
}

// Route is one operation of the document with its path split into segments.
type Route struct {
	routers.Route
	segments []string // literal segments, or "" where a parameter stands
	params   []string // parameter names, by segment index (empty for literals)
	fast     *fastRoute
}

// Validator validates requests and responses against one document.
type Validator struct {
	doc      *openapi3.T
	byMethod map[string][]*Route
	reqOpts  *openapi3filter.Options
	respOpts *openapi3filter.Options
	slowOnly bool // tests: always ask openapi3filter
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
			r.fast = compileRoute(r)
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
// are matched on the trailing segments.
func (v *Validator) FindRoute(method, path string) (*Route, map[string]string, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	var methodMatched bool
	for m, routes := range v.byMethod {
		for _, r := range routes {
			params, ok := r.match(segs)
			if !ok {
				continue
			}
			if m == method {
				return r, params, nil
			}
			methodMatched = true
		}
	}
	if methodMatched {
		return nil, nil, routers.ErrMethodNotAllowed
	}
	return nil, nil, routers.ErrPathNotFound
}

func (r *Route) match(segs []string) (map[string]string, bool) {
	if len(segs) < len(r.segments) {
		return nil, false
	}
	segs = segs[len(segs)-len(r.segments):]
	for i, lit := range r.segments {
		if lit != "" && lit != segs[i] {
			return nil, false
		}
		if lit == "" && segs[i] == "" {
			return nil, false
		}
	}
	params := make(map[string]string, 2)
	for i, name := range r.params {
		if name != "" {
			p, err := url.PathUnescape(segs[i])
			if err != nil {
				return nil, false
			}
			params[name] = p
		}
	}
	return params, true
}

// ValidateRequest checks req against its operation. The body is read and put
// back, so the request can still be sent or handled afterwards. The error,
// if any, is a *FieldError naming what is wrong.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request) (*Route, error) {
	route, params, err := v.FindRoute(req.Method, req.URL.Path)
	if err != nil {
		return nil, &FieldError{Location: "path", Field: req.URL.Path, Reason: err.Error()}
	}
	if !v.slowOnly {
		body, err := ReadBody(req)
		if err != nil {
			return route, &FieldError{Location: "body", Reason: "unreadable: " + err.Error()}
		}
		if route.fast.requestValid(req, params, body) {
			return route, nil
		}
	}
	input := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: &route.Route, Options: v.reqOpts}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil {
		return route, describe(err)
	}
	return route, nil
}

// ValidateResponse checks a response to req: its status must be documented
// for the operation and its body must match. body is not modified.
func (v *Validator) ValidateResponse(ctx context.Context, req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := v.FindRoute(req.Method, req.URL.Path)
	if err != nil {
		return &FieldError{Location: "path", Field: req.URL.Path, Reason: err.Error()}
	}
	if !v.slowOnly && route.fast.responseValid(status, header, body) {
		return nil
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

// ReadBody reads and restores req.Body, for callers that need the bytes too.
func ReadBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
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

func schemaReason(e *openapi3.SchemaError) string {
	if e.SchemaField == "format" && e.Schema != nil {
		switch e.Schema.Format {
		case "date-time":
			return "must be an RFC 3339 date-time such as 2024-11-28T18:25:32Z"
		case "uuid":
			return "must be a UUID in canonical 36-character form"
		case "uri":
			return "must be an absolute URI"
		}
		return fmt.Sprintf("must match format %q", e.Schema.Format)
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
