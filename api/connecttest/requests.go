package connecttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/validation"
)

// Request is one request the server received, as Requests reports it.
type Request struct {
	// Method and Path are the request's method and path, the path as sent
	// (escapes such as %2F kept), without host or query.
	Method, Path string
	// Operation is the api method the request is for, such as
	// "Configurations.List"; "Partners.Authenticate" for a token. It is
	// empty for a request outside the spec: the OAuth page that an OAuth
	// URL points to, or an unknown path.
	Operation string
	// Header holds the headers as received, credentials included (this is
	// your test's own data; failure messages of the kit never print them).
	Header http.Header
	// Body is the body as received, nil for an operation that takes none.
	// DecodeBody decodes it.
	Body json.RawMessage
	// Violation says how the request breaks the spec, naming each field
	// and its rule (never a value), "; " between them; empty for a valid
	// request. A field or query parameter the spec does not define counts
	// (see AllowUnknownFields), and so do a header net/http would refuse
	// or change on a socket, a header the spec defines given twice, a body
	// sent to an operation that takes none, and a JSON body that is not
	// one value, names a member twice or holds a string that is not valid
	// UTF-8.
	Violation string
	// Status is the status the server answered with: a scripted fault's
	// included, 0 when there was no answer (a scripted connection reset,
	// or a client that gave up first).
	Status int
}

// DecodeBody decodes the request's JSON body into v, such as an
// *api.LoginFormParams. Like encoding/json it matches field names without
// regard to case; the spec check does not (Violation).
func (r Request) DecodeBody(v any) error {
	if r.Body == nil {
		return errors.New("connecttest: " + r.Method + " " + r.Path + " has no body")
	}
	return json.Unmarshal(r.Body, v)
}

// Requests returns every request the server received so far, in the order
// they arrived: scripted faults, retries, token fetches and invalid
// requests included, each with the status it was answered with. The
// result is a deep copy: changing it changes nothing recorded.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		c := *r
		c.Header = c.Header.Clone()
		c.Body = bytes.Clone(c.Body)
		out[i] = c
	}
	return out
}

// slotKey is the context key of the *slot a round trip (in process) or a
// served request carries, for the hook to leave its record in.
type slotKey struct{}

// slot links a request's record, made by the hook, to the status its
// answer has once written.
type slot struct{ rec *Request }

func withSlot(ctx context.Context) (context.Context, *slot) {
	sl := &slot{}
	return context.WithValue(ctx, slotKey{}, sl), sl
}

// answered records the status of the request sl was made for.
func (s *Server) answered(sl *slot, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl.rec != nil {
		sl.rec.Status = status
	}
}

// observe is the sandbox's request hook: it records the request and, for
// one that breaks the spec, fails the test. It runs on the goroutine
// serving the request (in process, the caller's), so it never calls
// FailNow.
func (s *Server) observe(in sandbox.Inbound) {
	rec := &Request{
		Method: in.Request.Method,
		Path:   in.Request.URL.EscapedPath(),
		Header: in.Request.Header.Clone(),
	}
	if in.Body != nil {
		rec.Body = bytes.Clone(in.Body)
	}
	var op operation
	if in.Route != nil {
		op = validation.OperationOf(in.Route.Op)
		rec.Operation = op.Method
	}
	findings := s.held(in.Findings)
	switch {
	case len(findings) > 0:
		rec.Violation = validation.Join(findings)
	case len(in.Findings) == 0 && in.Violation != nil:
		// A body the sandbox could not read (too large): its own word.
		rec.Violation = in.Violation.Error()
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	if sl, ok := in.Request.Context().Value(slotKey{}).(*slot); ok {
		sl.rec = rec
	}
	report := !s.closed
	s.mu.Unlock()
	if s.observed != nil {
		s.observed()
	}
	if rec.Violation == "" || s.cfg.allowInvalid || !report {
		return
	}
	at := callerLocation()
	if in.Route == nil {
		s.fail(at, "connecttest: request outside the API spec: "+rec.Violation)
		return
	}
	answer := "the server answered with the API's documented error"
	switch {
	case s.replay != nil:
		answer = "the server answers from the recording"
	case in.Violation == nil:
		answer = "the server answered it as if it were valid, as the API would"
	}
	s.fail(at, fmt.Sprintf("connecttest: %s: request breaks the API spec: %s\n"+
		"\t(%s %s; %s; %s)", op, rec.Violation, in.Route.Method, in.Route.Path, answer, allowHint(findings)))
}

// held are the findings the test is held to: all of them, but for a field
// or query parameter the spec does not define under AllowUnknownFields.
func (s *Server) held(findings []validation.Finding) []validation.Finding {
	if !s.cfg.allowUnknown {
		return findings
	}
	var kept []validation.Finding
	for _, f := range findings {
		if !unknownName(f) {
			kept = append(kept, f)
		}
	}
	return kept
}

// unknownName reports a finding AllowUnknownFields allows.
func unknownName(f validation.Finding) bool {
	return f.Kind == validation.KindUnknownField || f.Kind == validation.KindUnknownParameter
}

// allowHint names the narrowest option that lets a test send such a
// request on purpose.
func allowHint(findings []validation.Finding) string {
	for _, f := range findings {
		if !unknownName(f) {
			return "NewServer(t, connecttest.AllowInvalidRequests()) accepts invalid requests sent on purpose"
		}
	}
	return "NewServer(t, connecttest.AllowUnknownFields()) accepts fields and query parameters the spec does not define, sent on purpose"
}

// fail fails the test with msg, at the user's line at ("" when there is
// none). go test starts a t.Errorf with the line that called it, which
// would be the kit's own: for a test's own *testing.T (B, F) the kit
// writes the message through t.Output with the user's line first, as go
// test shows a t.Errorf of the user's, then marks the test failed. Any
// other testing.TB (a wrapper that collects failures, say) gets the same
// text through Errorf.
func (s *Server) fail(at, msg string) {
	if at == "" {
		s.t.Errorf("%s", msg)
		return
	}
	line := at + ": " + msg
	switch t := s.t.(type) {
	case *testing.T, *testing.B, *testing.F:
		// As go test's own log: continuation lines indented once more.
		_, _ = io.WriteString(t.Output(), strings.ReplaceAll(line, "\n", "\n    ")+"\n")
		t.Fail()
	default:
		s.t.Errorf("%s", line)
	}
}

// String describes the request without its headers or body, which may
// hold credentials.
func (r Request) String() string {
	s := r.Method + " " + r.Path
	if r.Operation != "" {
		s += " (" + r.Operation + ")"
	}
	if r.Status != 0 {
		s += " -> " + strconv.Itoa(r.Status)
	}
	if r.Violation != "" {
		s += fmt.Sprintf(" [invalid: %s]", r.Violation)
	}
	return s
}
