package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

// newValidator returns the step of WithRequestValidation (before sending)
// and WithResponseValidation (the final answer, before decoding). Routing
// is exact, under baseURL's path (https://host/proxy).
func newValidator(baseURL string, requests, responses bool, m *masker) (*validator, error) {
	v, err := specdoc.Validator()
	if err != nil {
		return nil, fmt.Errorf("%sload the embedded OpenAPI document: %w", errPrefix, err)
	}
	if u, err := url.Parse(baseURL); err == nil {
		v = v.Under(u.EscapedPath())
	}
	return &validator{v: v, requests: requests, responses: responses, m: m}, nil
}

type validator struct {
	v                   *validation.Validator
	requests, responses bool
	m                   *masker
}

// send checks req, sends it with next (the attempts), and checks the
// answer.
func (d *validator) send(req *http.Request, next func(*http.Request) (*response, error)) (*response, error) {
	var route *validation.Route
	if d.requests {
		checked, r, err := d.checkRequest(req)
		if err != nil {
			return nil, err
		}
		req, route = checked, r
	}
	resp, err := next(req)
	if err != nil || !d.responses {
		return resp, err
	}
	var findings []validation.Finding
	if route != nil {
		findings = d.v.CheckRouteResponse(req.Context(), route, req, resp.StatusCode, resp.Header, resp.data)
	} else {
		_, findings = d.v.CheckResponse(req.Context(), req, resp.StatusCode, resp.Header, resp.data)
	}
	// A field the API sends that the spec lacks is informational (the
	// API grew): the answer decodes all the same.
	if v := validation.Violations(findings); len(v) > 0 {
		ve := newValidationError(v, req, true, resp.StatusCode)
		ve.resp = resp
		if !success(resp.StatusCode) {
			ve.apiErr = newError(resp, d.m.forRequest(resp.Request))
		}
		return nil, ve
	}
	return resp, nil
}

// checkRequest validates req and returns the request to send, which can
// always be replayed (GetBody set) whatever reader the caller passed.
func (d *validator) checkRequest(req *http.Request) (*http.Request, *validation.Route, error) {
	if req.Body == nil || req.Body == http.NoBody {
		route, findings := d.v.CheckOutgoing(req.Context(), req, nil)
		if len(findings) > 0 {
			return nil, nil, newValidationError(findings, req, false, 0)
		}
		return req, route, nil
	}
	var body []byte
	var err error
	out := req
	if req.GetBody != nil {
		// The generated client's bodies are rewindable: validate a copy,
		// and leave the request as it is.
		var rc io.ReadCloser
		if rc, err = req.GetBody(); err == nil {
			body, err = io.ReadAll(rc)
			_ = rc.Close()
		}
	} else {
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		out = req.WithContext(req.Context())
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%sread the request body of %s %s: %w", errPrefix, req.Method, req.URL.EscapedPath(), err)
	}
	// Everything the test kit refuses is refused here: a field the spec
	// does not define included, although the API would ignore it, since
	// for the caller it is almost always a misspelling.
	route, findings := d.v.CheckOutgoing(req.Context(), out, body)
	if len(findings) > 0 {
		return nil, nil, newValidationError(findings, req, false, 0)
	}
	return out, route, nil
}

// newValidationError is the error of findings (at least one): the first
// in the fields, all of them in the text.
func newValidationError(findings []validation.Finding, req *http.Request, response bool, status int) *ValidationError {
	f := findings[0]
	ve := &ValidationError{Response: response, StatusCode: status, Method: req.Method, Path: req.URL.EscapedPath(),
		Location: f.In, Field: f.Field, Reason: f.Rule, Kind: string(f.Kind)}
	switch {
	case f.In == "body":
		ve.Pointer = f.Location
	case f.Kind == validation.KindUnknownOperation:
		ve.Location = "path"
	case f.In == "":
		ve.Location = "message"
	}
	if response {
		ve.Location = "response " + ve.Location
	}
	ve.more = validation.Join(findings[1:])
	return ve
}

func success(status int) bool { return status >= 200 && status < 300 }
