package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is a non-2xx answer from the API. Every operation method returns it
// (as error) for any status other than the documented successes; use
// errors.As to reach it:
//
//	var apiErr *api.Error
//	if errors.As(err, &apiErr) && apiErr.StatusCode == 404 { ... }
//
// Errors that are not *Error come from the transport (DNS, connection,
// timeout, cancelled context) or from an undecodable success body.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// ReasonCode is the API's constant for the case, e.g. "10010" (a field
	// failed validation), "10026" (missing app key), "10023" (expired
	// token), "4041" (not found). Empty when the body carried none.
	ReasonCode string
	// Description is the short description of the reason code.
	Description string
	// Details says what in the request was at fault.
	Details string
	// Source is the application that produced the error.
	Source string
	// Recoverable is the API's hint: false means the same request always
	// fails; true means a retry may succeed.
	Recoverable bool
	// Items holds every error item of the body; the fields above are the
	// first one's.
	Items []ErrorItem
	// Body is the raw response body.
	Body []byte
	// Method and Path identify the request (the path has no query and no
	// host).
	Method, Path string
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "finicity: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.ReasonCode != "" {
		fmt.Fprintf(&b, " (reason %s)", e.ReasonCode)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Details != "" && e.Details != e.Description {
		b.WriteString(": " + e.Details)
	}
	return b.String()
}

// IsNotFound reports whether err is an API 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether err is an API 401 (missing key, invalid or
// expired token).
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

func hasStatus(err error, status int) bool {
	e, ok := asError(err)
	return ok && e.StatusCode == status
}

// NewError builds the *Error for a non-2xx answer. It never fails: a body
// that is not the documented error object still yields an Error carrying
// the status and the raw body.
func NewError(req *http.Request, status int, body []byte) *Error {
	e := &Error{StatusCode: status, Body: body}
	if req != nil {
		e.Method = req.Method
		if req.URL != nil {
			e.Path = req.URL.Path
		}
	}
	var parsed ErrorResponse
	if json.Unmarshal(body, &parsed) == nil && len(parsed.Errors.Error) > 0 {
		e.Items = parsed.Errors.Error
		first := parsed.Errors.Error[0]
		e.ReasonCode = deref(first.ReasonCode)
		e.Description = deref(first.Description)
		e.Details = deref(first.Details)
		e.Source = deref(first.Source)
		if first.Recoverable != nil {
			e.Recoverable = *first.Recoverable
		}
	}
	return e
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
