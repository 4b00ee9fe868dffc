package connecttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/finicity-go/connect-components/internal/sandbox"
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
	// Violation says how the request breaks the spec, naming the field and
	// the rule (never the value); empty for a valid request.
	Violation string
}

// DecodeBody decodes the request's JSON body into v, such as an
// *api.LoginFormParams.
func (r Request) DecodeBody(v any) error {
	if r.Body == nil {
		return errors.New("connecttest: " + r.Method + " " + r.Path + " has no body")
	}
	return json.Unmarshal(r.Body, v)
}

// Requests returns every request the server received so far, in the order
// they arrived: scripted faults, retries, token fetches and invalid
// requests included. The result is a deep copy: changing it changes
// nothing recorded.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// observe is the sandbox's request hook: it records the request and, for
// one that breaks the spec, fails the test. It runs on the goroutine
// serving the request, so it uses Errorf, never Fatalf.
func (s *Server) observe(in sandbox.Inbound) {
	rec := Request{
		Method: in.Request.Method,
		Path:   in.Request.URL.EscapedPath(),
		Header: in.Request.Header.Clone(),
	}
	if in.Body != nil {
		rec.Body = bytes.Clone(in.Body)
	}
	var op operation
	if in.Route != nil {
		op = operationByID(in.Route.Operation.OperationID)
		rec.Operation = op.method
		if rec.Operation == "" {
			rec.Operation = op.id
		}
	}
	if in.Violation != nil {
		rec.Violation = in.Violation.Error()
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	report := !s.closed
	s.mu.Unlock()
	if s.observed != nil {
		s.observed()
	}
	if in.Violation == nil || s.cfg.allowInvalid || !report {
		return
	}
	if in.Route == nil {
		s.t.Errorf("connecttest: request outside the API spec: %v", in.Violation)
		return
	}
	s.t.Errorf("connecttest: %s: request breaks the API spec: %v\n"+
		"\t(%s %s; the server answered with the API's documented error; NewServer(t, connecttest.AllowInvalidRequests()) accepts invalid requests sent on purpose)",
		op, in.Violation, in.Route.Method, in.Route.Path)
}

// String describes the request without its headers or body, which may
// hold credentials.
func (r Request) String() string {
	s := r.Method + " " + r.Path
	if r.Operation != "" {
		s += " (" + r.Operation + ")"
	}
	if r.Violation != "" {
		s += fmt.Sprintf(" [invalid: %s]", r.Violation)
	}
	return s
}
