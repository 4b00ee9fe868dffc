// Package retry decides whether an HTTP request that failed is sent
// again, and after what wait: only for a reason a second try can fix.
//
// Retried, an allow-list: 429, 502, 503 and 504; a connection refused,
// reset, broken or closed before the answer (io.EOF: a kept-alive
// connection the server had just dropped); a timeout (the client's
// per-attempt limit too). Never: the caller's context done, TLS errors,
// DNS errors (the resolver has spent its own retries), anything else.
// Only what is harmless to repeat is: GET, HEAD, OPTIONS, PUT, DELETE,
// TRACE. A POST (a configuration, a token) is sent again only when its
// connection could not be opened: a duplicate, or a failed authentication
// counting towards the partner account's lock, is worse than an error.
//
// Waits follow a jittered exponential backoff, or the Retry-After in
// full; one longer than the longest wait, or that the caller's deadline
// would cut, is not waited: the answer is returned.
package retry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults, in line with widely used SDKs: three attempts in all, waits of
// about 0.5 s then 1 s, never more than 8 s.
const (
	DefaultMaxRetries = 2
	DefaultBaseDelay  = 500 * time.Millisecond
	DefaultMaxDelay   = 8 * time.Second
)

// Policy says how many times, and after what waits, a request is sent
// again: BaseDelay before the first retry, doubling up to MaxDelay.
type Policy struct {
	MaxRetries          int
	BaseDelay, MaxDelay time.Duration
}

// Default returns the policy of the defaults.
func Default() Policy { return Policy{DefaultMaxRetries, DefaultBaseDelay, DefaultMaxDelay} }

// Next reports whether req is sent again, and after what wait, once its
// attempt n (from 1) ended with err, or an answer of status and header:
// never after MaxRetries retries, for a body with no GetBody, or once
// req's context (the caller's) is done.
func (p Policy) Next(req *http.Request, n, status int, header http.Header, err error) (time.Duration, bool) {
	ctx := req.Context()
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	if n > p.MaxRetries || !replayable || ctx.Err() != nil {
		return 0, false
	}
	repeatable := idempotent(req.Method)
	wait := Backoff(n, p.BaseDelay, p.MaxDelay, nil)
	if err != nil {
		// The caller's context is live: a context error can only be the
		// attempt's own time limit, a timeout like any other.
		if fail := classify(err); fail == permanent || (fail == transient && !repeatable) {
			return 0, false
		}
	} else if !repeatable || status != http.StatusTooManyRequests && status != http.StatusBadGateway &&
		status != http.StatusServiceUnavailable && status != http.StatusGatewayTimeout {
		return 0, false
	} else if after, ok := RetryAfter(header.Get("Retry-After"), time.Now()); ok {
		if after > p.MaxDelay {
			return 0, false // sooner than asked would only be refused again
		}
		wait = after
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return 0, false
	}
	return wait, true
}

// Backoff is the wait before retry n (from 1): base doubled n-1 times, at
// most max, its upper half jittered (jitter returns a duration in [0, d];
// nil: uniform) so that clients failing together do not retry together.
func Backoff(n int, base, max time.Duration, jitter func(d time.Duration) time.Duration) time.Duration {
	wait := base
	for i := 1; i < n && wait < max; i++ {
		wait *= 2
	}
	wait = min(wait, max)
	if jitter == nil {
		jitter = func(d time.Duration) time.Duration { return rand.N(d + 1) }
	}
	return wait/2 + jitter(wait-wait/2)
}

// Sleep waits d, or until ctx is done (then with its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type attemptKey struct{}

// WithAttempt returns ctx carrying the attempt number n, for Attempt.
func WithAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

// Attempt returns the attempt number ctx carries, or 1: for a middleware
// (the CLI's verbose output).
func Attempt(ctx context.Context) int {
	if n, ok := ctx.Value(attemptKey{}).(int); ok {
		return n
	}
	return 1
}

// idempotent reports whether sending a request with this method twice has
// the effect of sending it once (RFC 9110, section 9.2.2).
func idempotent(method string) bool {
	return slices.Contains([]string{"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}, method)
}

type failure uint8

const (
	permanent failure = iota // not worth another attempt
	transient                // worth one, if repeating the request is harmless
	unsent                   // worth one: the request never left
)

// classify sorts a transport error, the never-retried kinds first (a DNS
// timeout reports Timeout()).
func classify(err error) failure {
	if err == nil || isPermanent(err) {
		return permanent
	}
	op, _ := errors.AsType[*net.OpError](err)
	dial := op != nil && op.Op == "dial"
	// The error numbers are POSIX's and Winsock's (WSAECONNREFUSED,
	// WSAECONNRESET), which no POSIX system uses; a dialer outside package
	// net (a proxy's, a test double) may only say "connection refused".
	switch {
	case isErrno(err, syscall.ECONNREFUSED, 10061) || dial && op.Err != nil && strings.HasSuffix(op.Err.Error(), "connection refused"):
		return unsent
	case timedOut(err) && dial:
		return unsent
	case timedOut(err), isErrno(err, syscall.ECONNRESET, syscall.EPIPE, 10054), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return transient
	}
	return permanent
}

// isPermanent reports the errors never retried, even when they also look
// transient.
func isPermanent(err error) bool {
	return errors.Is(err, context.Canceled) || is[*net.DNSError](err) ||
		is[*tls.CertificateVerificationError](err) || is[x509.UnknownAuthorityError](err) ||
		is[x509.HostnameError](err) || is[x509.CertificateInvalidError](err) || is[x509.SystemRootsError](err) ||
		is[tls.RecordHeaderError](err) || is[tls.AlertError](err) || is[*tls.ECHRejectionError](err)
}

func is[T error](err error) bool {
	_, ok := errors.AsType[T](err)
	return ok
}

func isErrno(err error, errnos ...syscall.Errno) bool {
	return slices.ContainsFunc(errnos, func(e syscall.Errno) bool { return errors.Is(err, e) })
}

// timedOut reports whether any error in err's chain is a timeout, behind
// wrappers that do not forward Timeout() too.
func timedOut(err error) bool {
	if t, ok := err.(interface{ Timeout() bool }); ok && t.Timeout() {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return u.Unwrap() != nil && timedOut(u.Unwrap())
	case interface{ Unwrap() []error }:
		return slices.ContainsFunc(u.Unwrap(), func(e error) bool { return e != nil && timedOut(e) })
	}
	return false
}

// RetryAfter parses a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110, section 10.2.3); a date in the past means no wait. A delay
// of more than a day, however many digits it has, is a day: longer than
// any client waits.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	const day = 24 * time.Hour
	v = strings.TrimSpace(v)
	if v != "" && strings.Trim(v, "0123456789") == "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(day/time.Second) {
			return day, true // digits fail to parse only when too large
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return min(max(at.Sub(now), 0), day), true
	}
	return 0, false
}
