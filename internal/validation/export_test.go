package validation

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

// SlowOnly returns a copy of v that always validates with openapi3filter,
// for tests comparing the fast path with it.
func (v *Validator) SlowOnly() *Validator {
	cp := *v
	cp.slowOnly = true
	return &cp
}

// FastRequest reports the fast path's verdict alone.
func (v *Validator) FastRequest(req *http.Request, body []byte) (bool, error) {
	r, err := v.lookup(req.Method, routingPath(req))
	if err != nil {
		return false, err
	}
	return r.fast.requestValid(r, req, body, false), nil
}

// FastResponse reports the fast path's verdict alone.
func (v *Validator) FastResponse(method, path string, status int, header map[string][]string, body []byte) (bool, error) {
	r, _, err := v.FindRoute(method, path)
	if err != nil {
		return false, err
	}
	return r.fast.responseValid(status, header, body), nil
}

// FastBody runs the fast path on a request body of the operation alone.
func (v *Validator) FastBody(method, path string, body []byte) bool {
	r, err := v.lookup(method, path)
	if err != nil {
		return false
	}
	return fastValid(r.fast.body, body)
}

// ValidateRequest is ValidateRequestBody for tests that hold a request
// with its body: the body is read and put back.
func (v *Validator) ValidateRequest(ctx context.Context, req *http.Request) (*Route, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, &FieldError{Location: "body", Reason: "unreadable: " + err.Error()}
	}
	return v.validateRequest(ctx, req, body, v.reqOpts)
}

// readBody reads and restores req.Body, for callers that need the bytes too.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}
