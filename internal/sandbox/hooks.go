package sandbox

import (
	"net/http"

	"github.com/finicity-go/connect-components/internal/validation"
)

// Inbound is one request as the sandbox received it, handed to the hook of
// WithRequestHook before it is answered.
type Inbound struct {
	// Request is the request as served. Its body has been consumed: the
	// bytes read are in Body.
	Request *http.Request
	// Route is the operation of the spec the request was routed to; nil
	// for the OAuth page and for paths and methods the spec does not have.
	Route *validation.Route
	// Body is the body as read, for operations that take one (nil
	// otherwise, and when it could not be read).
	Body []byte
	// Violation says how the request breaks the spec: a
	// *validation.FieldError for a routed operation, a plain error for an
	// unknown path or method; nil for a valid request and for the OAuth
	// page. It never quotes a value of the request.
	Violation error
}

// WithRequestHook calls fn with every request the sandbox receives, in
// the goroutine serving it, before the answer is chosen: a test kit
// records requests and fails a test on a spec violation through it. fn
// must be safe for concurrent use and must not keep Request.Body.
func WithRequestHook(fn func(Inbound)) Option {
	return func(s *Sandbox) { s.hook = fn }
}

func (s *Sandbox) inspect(in Inbound) {
	if s.hook != nil {
		s.hook(in)
	}
}
