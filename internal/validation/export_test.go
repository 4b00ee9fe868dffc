package validation

import (
	"bytes"
	"context"
	"io"
	"net/http"
)

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
