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
	// Findings are how the request departs from the spec, every one
	// (validation.Validator's findings): those the API ignores (a field
	// it does not define, say) included, answered as the API answers
	// them. None for a valid request and for the OAuth page.
	Findings []validation.Finding
	// Violation is why the sandbox refuses the request, if it does: a
	// *validation.Error holding the finding it answers for (the first
	// the API refuses, or in strict mode the first of all), or a plain
	// error for a body it could not read; nil when it answers the
	// request as valid. It never quotes a value of the request.
	Violation error
}

// WithStrict makes the sandbox refuse every request that departs from
// the spec, with 400 and reason code 10010 naming the field in Details,
// including what the API itself ignores: a field or query parameter it
// does not define, a body for an operation that takes none, a JSON
// member or a header given twice. Off by default: the sandbox answers as
// the API would.
func WithStrict(on bool) Option {
	return func(s *Sandbox) { s.strict = on }
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

// Answer is an answer given in place of the sandbox's own (WithAnswers).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// WithAnswers makes fn choose the answer of every request to the spec's
// paths (routed to an operation or not), after the request hook has seen
// it and unless a fault is scripted for it: an *Answer is sent as it is,
// nil lets the sandbox answer. The test kit replays a recording of the
// live API through it. fn must be safe for concurrent use.
func WithAnswers(fn func(Inbound) *Answer) Option {
	return func(s *Sandbox) { s.answers = fn }
}

// answered sends fn's answer to in, if it has one.
func (s *Sandbox) answered(w http.ResponseWriter, in Inbound) bool {
	if s.answers == nil {
		return false
	}
	a := s.answers(in)
	if a == nil {
		return false
	}
	for k, v := range a.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(a.Status)
	if in.Request.Method != http.MethodHead {
		_, _ = w.Write(a.Body)
	}
	return true
}
