package retry

import (
	"net/http"

	"github.com/finicity-go/connect-components/internal/httpx"
)

// The classification seen from outside the loop, for the tests that pin
// it error by error.

// Transient reports whether err, returned by one attempt, is a transport
// failure worth another attempt: one on the allow-list of the package
// documentation. The caller's context is not visible from the error: a
// context.DeadlineExceeded counts as a timeout (it is how a per-attempt
// timeout ends), so callers must first check that their own context is
// still live, as the retry loop does.
func Transient(err error) bool {
	return classify(err) != permanent
}

// NotSent reports whether err proves the request never reached the
// server: the connection could not be established for a transient reason
// (refused, or the dial timed out), so not a byte of it was written.
func NotSent(err error) bool {
	return classify(err) == unsent
}

// wrapDoer is Wrap over an *http.Response Doer, as the tests script one:
// each answer is read whole below the loop (httpx.Receive), as the
// client's body reader does, and handed back as an *http.Response.
func wrapDoer(next httpx.Doer, p Policy) httpx.Doer {
	s := Wrap(httpx.SenderFunc(func(req *http.Request) (*httpx.Response, error) {
		resp, err := next.Do(req)
		if err != nil {
			return nil, err
		}
		return httpx.Receive(req, resp, 1<<20, false)
	}), p)
	return httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
		r, err := s.Send(req)
		if err != nil {
			return nil, err
		}
		return r.HTTP(), nil
	})
}
