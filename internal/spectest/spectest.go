// Package spectest provides an httptest server that holds both sides of
// every exchange to the spec: each incoming request is validated against the
// embedded OpenAPI document before the test's responder sees it, and each
// answer the responder gives is validated before it is sent. A violation on
// either side fails the test.
package spectest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/internal/specdoc"
)

// Request is what the server received.
type Request struct {
	Method string
	Path   string // escaped path, as sent
	Header http.Header
	Body   []byte
	// OperationID is the operation the request was routed to.
	OperationID string
}

// Response is what a Responder answers: a status, and a body that is
// marshalled to JSON unless it is nil (or already []byte).
type Response struct {
	Status int
	Body   any
	Header http.Header
}

// Responder decides the answer to a validated request.
type Responder func(r *Request) Response

// Server is a validating test server.
type Server struct {
	*httptest.Server
	t        testing.TB
	mu       sync.Mutex
	requests []Request
}

// New starts a validating server on 127.0.0.1 and closes it when the test ends.
func New(t testing.TB, respond Responder) *Server {
	t.Helper()
	v := specdoc.MustValidator()
	s := &Server{t: t}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		route, err := v.ValidateRequestBody(context.Background(), r, body)
		if err != nil {
			t.Errorf("spectest: request %s %s violates the spec: %v", r.Method, r.URL.Path, err)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		rec := Request{Method: r.Method, Path: r.URL.EscapedPath(), Header: r.Header.Clone(), Body: body, OperationID: route.Operation.OperationID}
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()

		resp := respond(&rec)
		var out []byte
		switch b := resp.Body.(type) {
		case nil:
		case []byte:
			out = b
		default:
			out, err = json.Marshal(b)
			if err != nil {
				t.Errorf("spectest: marshal response: %v", err)
			}
		}
		h := w.Header()
		for k, vs := range resp.Header {
			h[k] = vs
		}
		if out != nil && h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json")
		}
		if err := v.ValidateResponse(context.Background(), r, resp.Status, h, out); err != nil {
			t.Errorf("spectest: response %d to %s %s violates the spec: %v", resp.Status, r.Method, r.URL.Path, err)
		}
		w.WriteHeader(resp.Status)
		_, _ = w.Write(out)
	}))
	t.Cleanup(s.Close)
	return s
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Last returns the most recent request; it fails the test if there is none.
func (s *Server) Last() Request {
	s.t.Helper()
	reqs := s.Requests()
	if len(reqs) == 0 {
		s.t.Fatalf("spectest: no request received")
	}
	return reqs[len(reqs)-1]
}
