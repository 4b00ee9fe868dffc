package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/spec"
)

// errPrefix starts every error text of this package, once.
const errPrefix = "finicity: "

// maskFunc hides the client's credentials in an error's text (nil: none).
type maskFunc func(string) string

func (m maskFunc) in(s string) string {
	if m == nil {
		return s
	}
	return m(s)
}

// Error is a non-2xx answer from the API. Its fields hold what the API
// sent, unchanged; only Error's text masks the credentials a server may
// quote back.
//
//	var apiErr *api.Error
//	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound { ... }
type Error struct {
	StatusCode  int
	ReasonCode  string      // a Reason constant, another the API added, or ""
	Description string      // the reason code's short description
	Details     string      // what in the request was at fault
	Source      string      // the application that produced the error
	Recoverable bool        // the API's hint: false, the same request always fails
	Items       []ErrorItem // every item of the body: the fields above are the first's
	Body        []byte      // the body, exactly as received
	Header      http.Header // the headers, exactly as received (Retry-After, a request id)
	Location    string      // where a 3xx pointed: no redirect is followed
	// Method and Path identify the request: the path as sent (%2F kept).
	Method, Path string

	mask     maskFunc
	rejected bool // the API itself refused partner credentials (see Is)
}

// Is makes errors.Is(err, ErrCredentialsRejected) true for the API's own
// refusal of partner credentials (see ErrCredentialsRejected).
func (e *Error) Is(target error) bool { return target == ErrCredentialsRejected && e.rejected }

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%s %s: %d", errPrefix, e.Method, e.Path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if e.ReasonCode != "" {
		b.WriteString(", reason " + e.ReasonCode)
	}
	if text := sentences(e.Description, e.Details); text != "" {
		b.WriteString(": " + text)
	}
	if redirect := e.StatusCode >= 300 && e.StatusCode < 400; redirect && e.Location != "" {
		b.WriteString(": redirect to " + e.Location + " not followed")
	} else if redirect {
		b.WriteString(": redirect not followed")
	}
	return e.mask.in(b.String())
}

// GoString keeps %#v from printing the raw body; values are masked before
// they are quoted (which escapes what the masker looks for), and after.
func (e *Error) GoString() string {
	header := redact.Header(e.Header)
	for _, vs := range header {
		for i, v := range vs {
			vs[i] = e.mask.in(v)
		}
	}
	return e.mask.in(fmt.Sprintf("&api.Error{StatusCode:%d, ReasonCode:%q, Method:%q, Path:%q, Header:%#v, Body:%q}",
		e.StatusCode, e.mask.in(e.ReasonCode), e.mask.in(e.Method), e.mask.in(e.Path), header, e.mask.in(string(redact.JSON(e.Body)))))
}

// sentences joins the description and the details as one text: "Not
// found. No configuration with that id.", not "Not found.: No...".
func sentences(description, details string) string {
	description, details = strings.TrimSpace(description), strings.TrimSpace(details)
	switch {
	case details == "" || details == description:
		return description
	case description == "":
		return details
	case strings.ContainsAny(description[len(description)-1:], ".!?:;"):
		return description + " " + details
	default:
		return description + ". " + details
	}
}

// newError builds the *Error of a non-2xx answer, whatever its body.
func newError(r *response, mask maskFunc) *Error {
	req := r.Request
	e := &Error{StatusCode: r.StatusCode, Header: r.Header, Body: r.data, Method: req.Method, Path: req.URL.EscapedPath(), mask: mask}
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		e.Location = r.Header.Get("Location")
	}
	var parsed ErrorResponse
	if json.Unmarshal(r.data, &parsed) == nil && len(parsed.Errors.Error) > 0 {
		e.Items = parsed.Errors.Error
		first := parsed.Errors.Error[0]
		e.ReasonCode, e.Description, e.Details = first.ReasonCode, first.Description, first.Details
		e.Source, e.Recoverable = first.Source, first.Recoverable
		e.rejected = auth.IsTokenRequest(req) && (e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden)
	} else if code, description, details, ok := spec.ParseError(r.data); ok {
		// Another documented shape ({code, message}...), read as the spec model reads it.
		e.ReasonCode, e.Description, e.Details = code, description, details
	}
	return e
}

// IsNotFound reports whether err is (or wraps) an API 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether err is (or wraps) an API 401.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

func hasStatus(err error, status int) bool {
	e, ok := errors.AsType[*Error](err)
	return ok && e.StatusCode == status
}

// ErrCredentialsRejected matches (errors.Is) the error of
// Partners.Authenticate when the API itself refused the credentials (a 401
// or 403 whose body is its error object, not a gateway's page, a 5xx or a
// timeout), and that of every later call of a client whose partner
// credentials were refused. The error also wraps the API's *Error.
var ErrCredentialsRejected = errors.New("finicity: partner credentials rejected")

// ValidationError is a request refused before sending, or a response
// refused on arrival, because it does not match the OpenAPI document. It
// names the field and the rule broken, never the value, which may be
// personal data or a secret. Its fields describe the first departure
// found; its text lists them all, worded as the test kit
// (api/connecttest), the sandbox and finicity-connect word them.
//
// Required fields and path parameters left at their Go zero value are
// always refused this way; WithRequestValidation and
// WithResponseValidation check everything else the spec says, and a
// request as strictly as the test kit does: a body field or query
// parameter the spec does not define is refused (the API would ignore
// it; for the caller it is almost always a misspelling, such as
// configurationID for configurationId).
type ValidationError struct {
	// Response is false for an outgoing request (nothing was sent) and
	// true for a response.
	Response bool
	// StatusCode is the response's status; 0 for a request.
	StatusCode int
	// Method and Path identify the request.
	Method, Path string
	// Location is "body", "path", "query", "header" or "message" (the
	// message as a whole: an undocumented status, a method and path no
	// operation takes), with a "response " prefix for a response.
	Location string
	// Field is the field at fault: a dotted path in the body
	// (serviceAgreement.language), or a parameter's or header's name
	// (customer_id); empty when the whole body or message is at fault.
	Field string
	// Pointer is the JSON pointer of Field in the body
	// (/serviceAgreement/language), "" for the body as a whole and
	// outside the body.
	Pointer string
	// Kind is the check that failed, for programs: "unknown field",
	// "missing required", "type", "format", "bounds", "enum",
	// "unknown parameter", "invalid json", "duplicate key", ... (empty
	// for a required field or parameter left at its Go zero value).
	Kind string
	// Reason is the rule broken.
	Reason string

	// more is the other departures found, worded as in Error() ("; "
	// between them): a string, so that a ValidationError stays
	// comparable.
	more string
	// apiErr is the answer as an API error, for a non-2xx response that
	// also failed validation: errors.As finds either.
	apiErr *Error
	// resp is the response refused, for WithResponseInto.
	resp *response
}

func (e *ValidationError) Error() string {
	where := e.Location
	if e.Field != "" {
		where += " " + e.Field
	}
	detail := where + ": " + e.Reason
	if e.more != "" {
		detail += "; " + e.more
	}
	if e.Response {
		return fmt.Sprintf("%sinvalid response %d to %s %s: %s", errPrefix, e.StatusCode, e.Method, e.Path, detail)
	}
	return fmt.Sprintf("%sinvalid request %s %s: %s", errPrefix, e.Method, e.Path, detail)
}

// Unwrap returns, for a non-2xx response that also failed validation, the
// *Error the answer amounts to: strict response validation never hides an
// API error from errors.As.
func (e *ValidationError) Unwrap() error {
	if e.apiErr != nil {
		return e.apiErr
	}
	return nil
}
