package sandbox

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
)

// InProcessURL is the base URL to give an API client that talks to the
// sandbox through HTTPClient or Transport. Nothing listens there: the
// transport hands requests straight to the handler. It is loopback http,
// which the api package accepts without TLS.
const InProcessURL = "http://127.0.0.1"

// Transport returns an http.RoundTripper that serves every request with
// the sandbox itself, in process: no socket, no port, no network.
func (s *Sandbox) Transport() http.RoundTripper { return inProcess{h: s} }

// HTTPClient returns an *http.Client using Transport, for
// api.WithHTTPClient. It does not follow redirects, so the OAuth page's
// redirect to a partner URL is returned rather than fetched.
func (s *Sandbox) HTTPClient() *http.Client {
	return &http.Client{
		Transport:     s.Transport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type inProcess struct{ h http.Handler }

// RoundTrip turns the client request into the server-side request a
// listener would have produced, and records the handler's answer.
func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = clientAddr.String()
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := &recorder{ResponseRecorder: httptest.NewRecorder()}
	t.h.ServeHTTP(rec, in)
	if req.Body != nil {
		_ = req.Body.Close() // a RoundTripper must close the body, even on success
	}
	// A client that gave up while the handler waited (a scripted delay)
	// gets its context's error, as from a network round trip.
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if rec.reset {
		return nil, &net.OpError{Op: "read", Net: "tcp", Source: clientAddr, Addr: serverAddr,
			Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// The addresses an in-process round trip claims, for RemoteAddr and for
// the error of a scripted connection reset.
var (
	clientAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	serverAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}
)

// recorder is the in-process ResponseWriter: a ResponseRecorder that a
// scripted fault can turn into a connection reset.
type recorder struct {
	*httptest.ResponseRecorder
	reset bool
}

func (r *recorder) resetConnection() { r.reset = true }
