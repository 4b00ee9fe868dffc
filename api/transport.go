package api

// The client's behaviour is a stack of small HTTP decorators around the
// caller's *http.Client, each with one job. From the outside in:
//
//	validator  request checked before anything is sent; response checked strictly
//	auth       Finicity-App-Key / Finicity-App-Token; one refresh and replay on 10023
//	retry      GET/DELETE again on connection errors, 429, 502, 503, 504
//	logger     one debug record per attempt
//	http.Client
//
// Authentication sits outside retry so that a replay after a refresh gets
// its own retries, and inside validation so that an invalid request costs
// neither a token fetch nor a round trip.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/validation"
)

// ValidationError is a request refused before sending, or a response
// refused on arrival, because it does not match the OpenAPI document
// (WithRequestValidation, WithResponseValidation). It names the field and
// the rule broken, never the value, which may be personal data or a
// secret.
type ValidationError struct {
	// Response is false for an outgoing request (nothing was sent) and
	// true for a response.
	Response bool
	// StatusCode is the response's status; 0 for a request.
	StatusCode int
	// Method and Path identify the request.
	Method, Path string
	// Location is "body", "path", "query", "header" or "security" (with a
	// "response " prefix for a response); Field is the dotted path of the
	// field at fault, empty when the whole message is; Reason is the rule.
	Location, Field, Reason string

	err error
	// apiErr is the answer as an API error, for a non-2xx response that
	// also failed validation: errors.As finds either.
	apiErr *Error
}

func (e *ValidationError) Error() string {
	if e.Response {
		return fmt.Sprintf("api: invalid response %d to %s %s: %v", e.StatusCode, e.Method, e.Path, e.err)
	}
	return fmt.Sprintf("api: invalid request: %v", e.err)
}

// Unwrap returns the validation failure and, for a non-2xx response, the
// *Error the answer amounts to: strict response validation never hides an
// API error from errors.As.
func (e *ValidationError) Unwrap() []error {
	if e.apiErr != nil {
		return []error{e.err, e.apiErr}
	}
	return []error{e.err}
}

func newValidationError(err error, req *http.Request, response bool, status int) *ValidationError {
	ve := &ValidationError{Response: response, StatusCode: status, Method: req.Method, Path: req.URL.Path, err: err}
	var fe *validation.FieldError
	if errors.As(err, &fe) {
		ve.Location, ve.Field, ve.Reason = fe.Location, fe.Field, fe.Reason
	} else {
		ve.Reason = err.Error()
	}
	return ve
}

// validatingDoer checks requests and/or responses against the spec.
type validatingDoer struct {
	next               gen.HttpRequestDoer
	v                  *validation.Validator
	requests, response bool
}

func (d *validatingDoer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var route *validation.Route
	if d.requests {
		checked, r, err := d.checkRequest(req)
		if err != nil {
			return nil, err
		}
		req, route = checked, r
	}
	resp, err := d.next.Do(req)
	if err != nil || !d.response {
		return resp, err
	}
	body, err := readAll(resp.Body, resp.ContentLength)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if route != nil {
		err = d.v.ValidateRouteResponse(ctx, route, req, resp.StatusCode, resp.Header, body)
	} else {
		err = d.v.ValidateResponse(ctx, req, resp.StatusCode, resp.Header, body)
	}
	if err != nil {
		ve := newValidationError(err, req, true, resp.StatusCode)
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			ve.apiErr = NewError(req, resp.StatusCode, body)
		}
		return nil, ve
	}
	return resp, nil
}

// checkRequest validates req and returns the request to send, which can
// always be replayed (GetBody set) whatever reader the caller passed. The
// auth layer runs after this one, so the spec's security requirements are
// left to it (ValidateOutgoing).
func (d *validatingDoer) checkRequest(req *http.Request) (*http.Request, *validation.Route, error) {
	if req.Body == nil || req.Body == http.NoBody {
		route, err := d.v.ValidateOutgoing(req.Context(), req, nil)
		if err != nil {
			return nil, nil, newValidationError(err, req, false, 0)
		}
		return req, route, nil
	}
	var body []byte
	var err error
	out := req
	if req.GetBody != nil {
		// The generated client's bodies are rewindable: validate a copy,
		// in a pooled buffer since it is not needed after validation, and
		// leave the request as it is.
		var rc io.ReadCloser
		if rc, err = req.GetBody(); err == nil {
			buf := copyBuffers.Get().(*bytes.Buffer)
			defer func() {
				if buf.Cap() <= 64<<10 { // do not let one large body pin memory
					copyBuffers.Put(buf)
				}
			}()
			buf.Reset()
			_, err = buf.ReadFrom(rc)
			_ = rc.Close()
			body = buf.Bytes()
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
		return nil, nil, fmt.Errorf("api: read request body: %w", err)
	}
	route, err := d.v.ValidateOutgoing(req.Context(), out, body)
	if err != nil {
		return nil, nil, newValidationError(err, req, false, 0)
	}
	return out, route, nil
}

var copyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readAll reads r to the end. When the length is announced it reads into
// a buffer of exactly that size, instead of io.ReadAll's growing one: this
// layer sits on every validated call.
func readAll(r io.Reader, n int64) ([]byte, error) {
	if n <= 0 || n > 1<<20 {
		return io.ReadAll(r)
	}
	buf := make([]byte, n, n+1) // the spare byte probes for a longer body
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	// A body longer than announced is still read whole.
	for {
		k, err := r.Read(buf[n : n+1])
		if k > 0 {
			rest, err := io.ReadAll(r)
			if err != nil {
				return nil, err
			}
			return append(buf[:n+1], rest...), nil
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// tokenFetcher performs partner authentication through the generated
// client, which shares the retry and logging layers but not the token
// layer (it would recurse).
func tokenFetcher(c *gen.Client, partnerID, partnerSecret string, secrets []string) auth.FetchFunc {
	return func(ctx context.Context) (string, error) {
		resp, err := c.CreateToken(ctx, gen.PartnerCredentials{PartnerId: partnerID, PartnerSecret: partnerSecret})
		if err != nil {
			return "", fmt.Errorf("api: partner authentication: %w", err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		if err != nil {
			return "", fmt.Errorf("api: partner authentication: read response: %w", err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			var tok gen.AccessToken
			if err := json.Unmarshal(body, &tok); err != nil || tok.Token == "" {
				return "", errors.New("api: partner authentication: answer 200 carries no token")
			}
			return tok.Token, nil
		case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return "", &auth.RejectedError{Err: scrubbedError(resp, body, secrets)}
		default:
			return "", fmt.Errorf("api: partner authentication: %w", scrubbedError(resp, body, secrets))
		}
	}
}

// scrubbedError builds the *Error of a failed authentication from the body
// with the credentials masked, in case the server quoted them back: every
// field of the Error derives from that one scrubbed body.
func scrubbedError(resp *http.Response, body []byte, secrets []string) *Error {
	return NewError(resp.Request, resp.StatusCode, []byte(redact.Values(string(redact.JSON(body)), secrets...)))
}
