package api

import (
	"fmt"
	"net/http"

	"github.com/finicity-go/connect-components/internal/httpx"
)

// Doer sends one HTTP request and returns its response; *http.Client is
// one. Middleware wraps Doers.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// DoerFunc adapts a function to a Doer.
type DoerFunc func(req *http.Request) (*http.Response, error)

// Do calls f(req).
func (f DoerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// Middleware wraps the Doer that sends each attempt of a call, to observe
// or change requests and responses: tracing, metrics, extra headers. It
// must be safe for concurrent use. Add it with WithMiddleware:
//
//	func count(next api.Doer) api.Doer {
//		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
//			attempts.Add(1)
//			return next.Do(req)
//		})
//	}
//
// The response a middleware receives has its body read already: reading
// it (or io.ReadAll-ing it) does not take it from the layers above.
type Middleware func(next Doer) Doer

// maxResponseBytes bounds the body of one answer. The API's answers are a
// few hundred bytes; a body this large is a misbehaving server or proxy,
// not an answer to decode.
const maxResponseBytes = 10 << 20

// readBody is the innermost layer: it reads each answer's body once, in
// full, so every layer above (and the caller) gets the same bytes without
// reading again, and the connection is released at once.
func readBody(next httpx.Doer) httpx.Doer {
	return httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.Request == nil {
			resp.Request = req
		}
		if err := httpx.Read(resp, maxResponseBytes); err != nil {
			return nil, fmt.Errorf("read the %d answer to %s %s: %w", resp.StatusCode, req.Method, req.URL.EscapedPath(), err)
		}
		return resp, nil
	})
}

// rewound puts each answer's body back at its start on the way up.
func rewound(next httpx.Doer) httpx.Doer {
	return httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.Do(req)
		httpx.Rewind(resp)
		return resp, err
	})
}
