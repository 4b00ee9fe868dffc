package api

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

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
// The response a middleware receives has its body read already, into
// memory: reading it does not take it from the layers above. A
// middleware may wrap the body, or return another response altogether:
// the layers above it (token replay, retries, validation, decoding) use
// what it returns, read in turn within the attempt's time limit and the
// body size limit.
type Middleware func(next Doer) Doer

// maxResponseBytes bounds the body of one answer. The API's answers are a
// few hundred bytes; a body this large is a misbehaving server or proxy,
// not an answer to decode.
const maxResponseBytes = 10 << 20

// receive reads resp, the answer to req, into the pipeline's value
// (httpx.Receive: incremental, bounded by size and by req's context;
// honoursContext as there).
func receive(req *http.Request, resp *http.Response, honoursContext bool) (*httpx.Response, error) {
	r, err := httpx.Receive(req, resp, maxResponseBytes, honoursContext)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		return nil, fmt.Errorf("read the %d answer to %s %s: %w", status, req.Method, req.URL.EscapedPath(), err)
	}
	return r, nil
}

// readBody is the innermost layer: it sends each attempt through hc and
// reads the answer's body once, in full, so every layer above gets the
// same bytes and the connection is released at once.
//
// The bodies of net/http's own Transport end their reads with the
// request's context; those of any other RoundTripper (a test double, a
// broken proxy library) are closed when it ends, so none can hang.
func readBody(hc *http.Client) httpx.Sender {
	// Without a cookie jar or a Timeout, what http.Client.Do adds to its
	// transport's RoundTrip is the following of redirects, which this
	// client never does: the request goes to the transport directly
	// (sendDirect), sparing the copies Do makes of every request for the
	// redirects it might follow. With either, Do it is.
	direct := hc.Jar == nil && hc.Timeout <= 0
	return httpx.SenderFunc(func(req *http.Request) (*httpx.Response, error) {
		rt := hc.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		var resp *http.Response
		var err error
		if direct && plainRequest(req) {
			resp, err = sendDirect(rt, req)
		} else {
			resp, err = hc.Do(req)
		}
		if err != nil {
			return nil, err
		}
		t, std := rt.(*http.Transport)
		return receive(req, resp, std && t != nil)
	})
}

// plainRequest reports whether req needs none of what http.Client.Do
// would do to it before its transport sees it: a URL to check, a nil
// header to fill in, user info to turn into basic authentication.
func plainRequest(req *http.Request) bool {
	return req.URL != nil && req.URL.User == nil && req.Header != nil && req.RequestURI == ""
}

// sendDirect is http.Client.Do for a client with no jar, no Timeout and
// a redirect policy of following none (http.ErrUseLastResponse), for a
// plainRequest: the transport's answer, a 3xx included, or its error the
// way Do reports it (a *url.Error naming the method and URL).
func sendDirect(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	resp, err := rt.RoundTrip(req)
	if err != nil {
		// As Do: the transport has closed the request body, and a
		// response given with an error is not used.
		if tlsErr, ok := err.(tls.RecordHeaderError); ok && string(tlsErr.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, doError(req, err)
	}
	if resp == nil {
		return nil, doError(req, fmt.Errorf("http: RoundTripper implementation (%T) returned a nil *Response with a nil error", rt))
	}
	if resp.Body == nil {
		if resp.ContentLength > 0 && req.Method != http.MethodHead {
			return nil, doError(req, fmt.Errorf("http: RoundTripper implementation (%T) returned a *Response with content length %d but a nil Body", rt, resp.ContentLength))
		}
		resp.Body = http.NoBody
	}
	return resp, nil
}

// doError wraps err as http.Client.Do does: "Post \"https://...\": ...".
func doError(req *http.Request, err error) error {
	op := req.Method
	switch {
	case op == "":
		op = "Get"
	case isPrintASCII(op):
		op = op[:1] + strings.ToLower(op[1:])
	}
	return &url.Error{Op: op, URL: req.URL.String(), Err: err}
}

func isPrintASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// userMiddleware puts mw (the first outermost) over next. Each sees an
// *http.Response built from the answer's bytes, and whatever it returns
// is read again into the pipeline's value for the next one up: a wrapped
// or replaced body is what the layers above see.
func userMiddleware(next httpx.Sender, mw []Middleware) (httpx.Sender, error) {
	if len(mw) == 0 {
		return next, nil
	}
	var d Doer = DoerFunc(func(req *http.Request) (*http.Response, error) {
		r, err := next.Send(req)
		if err != nil {
			return nil, err
		}
		return handUp(req, r), nil
	})
	for i := len(mw) - 1; i >= 0; i-- {
		if d = mw[i](d); d == nil {
			return nil, fmt.Errorf("%sWithMiddleware: middleware %d returned a nil Doer", errPrefix, i)
		}
		if i > 0 {
			d = reread(d)
		}
	}
	return httpx.SenderFunc(func(req *http.Request) (*httpx.Response, error) {
		return fromMiddleware(req, d)
	}), nil
}

// handoff is where the Doer under a middleware notes the answer it handed
// up, so that the layer over it recognises its own body coming back: the
// link between the two sides of a middleware is this explicit value, in
// the request's context, never a guess at the body's type.
type handoff struct {
	r    *httpx.Response
	body io.ReadCloser // the body of the *http.Response made from r
}

type handoffKey struct{}

// handUp returns r as an *http.Response for the middleware above, noting
// it in req's handoff.
func handUp(req *http.Request, r *httpx.Response) *http.Response {
	resp := r.HTTP()
	if h, ok := req.Context().Value(handoffKey{}).(*handoff); ok {
		h.r, h.body = r, resp.Body
	}
	return resp
}

// fromMiddleware runs d and reads what it returned. A response whose body
// is the one handed up gives its bytes whole, whatever the middleware
// read of it; any other body (wrapped, replaced) is read like an answer
// from the network.
func fromMiddleware(req *http.Request, d Doer) (*httpx.Response, error) {
	h := &handoff{}
	resp, err := d.Do(req.WithContext(context.WithValue(req.Context(), handoffKey{}, h)))
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("a middleware returned neither a response nor an error")
	}
	if h.r != nil && resp.Body == h.body {
		out := *h.r
		out.StatusCode, out.Header = resp.StatusCode, resp.Header
		return &out, nil
	}
	return receive(req, resp, false)
}

// reread hands the next middleware up an answer whose body starts at its
// beginning, whatever the one below read of it.
func reread(d Doer) Doer {
	return DoerFunc(func(req *http.Request) (*http.Response, error) {
		r, err := fromMiddleware(req, d)
		if err != nil {
			return nil, err
		}
		return handUp(req, r), nil
	})
}
