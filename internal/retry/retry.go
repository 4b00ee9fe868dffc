// Package retry re-sends HTTP requests that failed for a reason a second
// try can fix, and no others.
//
// Retried, an allow-list (RetryableStatus, Transient):
//
//   - the statuses 429 (rate limited), 502, 503 and 504 (a gateway or the
//     service is briefly unavailable);
//   - connection refused (ECONNREFUSED): nothing listens yet, or any more;
//   - connection reset (ECONNRESET), and a connection closed before the
//     answer arrived, which net/http reports as io.EOF or
//     io.ErrUnexpectedEOF (typically a kept-alive connection the server
//     had just dropped);
//   - broken pipe (EPIPE): the peer went away while the request was
//     written;
//   - timeouts: an error that reports Timeout() (dialling, reading, the
//     TLS handshake, http.Client.Timeout), including the per-attempt
//     timeout of Policy.AttemptTimeout.
//
// Never retried, because another attempt cannot heal them or was not
// wanted:
//
//   - the caller's context cancelled or past its deadline: the caller has
//     given up, so the loop stops, whatever the error says;
//   - certificate errors (*tls.CertificateVerificationError and the x509
//     errors: unknown authority, hostname mismatch, expired or otherwise
//     invalid certificate) and other TLS failures (a record that is not
//     TLS, an alert from either side);
//   - DNS errors (*net.DNSError), every one, even those the resolver marks
//     temporary or timed out: a name that does not resolve now will not
//     resolve a second later, and a resolver that timed out has already
//     spent its own retries;
//   - every other error: what is not on the allow-list is not retried.
//
// Waits follow a jittered exponential backoff, or the server's
// Retry-After, waited in full. A Retry-After longer than MaxDelay is not
// retried early: the answer is returned at once, as is the last answer
// (or error) when the caller's deadline would end during the wait.
//
// Only requests whose repetition is harmless are repeated. GET, HEAD,
// OPTIONS, PUT, DELETE and TRACE are idempotent and retried on all of the
// above. A POST (which creates a configuration, a login form or a token)
// is sent again only when the failure is transient and proves the request
// never left: the TCP connection could not be established (refused, or
// the dial timed out), so not a byte of it was written. A DNS failure is
// a dial failure too, but not a transient one, so it is never retried, for
// a POST or anything else. Any other failure of a POST is returned as is,
// because a duplicate configuration, or a failed authentication that
// counts towards locking the partner account, is worse than an error.
package retry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/finicity-go/connect-components/internal/httpx"
)

// Defaults, in line with widely used SDKs: three attempts in all, waits of
// about 0.5 s then 1 s, never more than 8 s, and 30 s for one attempt.
const (
	DefaultMaxRetries     = 2
	DefaultBaseDelay      = 500 * time.Millisecond
	DefaultMaxDelay       = 8 * time.Second
	DefaultAttemptTimeout = 30 * time.Second
)

// Policy says when and how long to wait before trying again.
type Policy struct {
	// MaxRetries is the number of attempts after the first; 0 disables
	// retries (the attempt timeout still applies).
	MaxRetries int
	// BaseDelay is the wait before the first retry; it doubles for each
	// further retry, up to MaxDelay.
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds each attempt, including reading its response
	// body; 0 means no bound beyond the caller's context.
	AttemptTimeout time.Duration
	// AttemptFloor, if set, is the shortest AttemptTimeout req may be
	// given, whatever the policy or an Override says (0: no floor). Partner
	// authentication has one: an attempt cut short may have been rejected
	// unseen.
	AttemptFloor func(req *http.Request) time.Duration
	// Sleep waits d or until ctx is done. Nil means a timer; tests inject
	// a recorder so they never wait for real.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a random duration in [0, d]. Nil means uniform.
	Jitter func(d time.Duration) time.Duration
	// OnRetry, if set, is told about each retry before the wait, e.g. to
	// log it. reason is a status ("503") or a transport error.
	OnRetry func(req *http.Request, attempt int, wait time.Duration, reason string)
}

// Default returns the default policy.
func Default() Policy {
	return Policy{MaxRetries: DefaultMaxRetries, BaseDelay: DefaultBaseDelay, MaxDelay: DefaultMaxDelay, AttemptTimeout: DefaultAttemptTimeout}
}

// Override is a change to the policy for one call (a per-call option),
// carried by the request's context: nil fields keep the policy's value.
type Override struct {
	MaxRetries     *int
	AttemptTimeout *time.Duration
}

type overrideKey struct{}

// WithOverride returns a context whose requests follow o rather than the
// policy where o sets a value.
func WithOverride(ctx context.Context, o Override) context.Context {
	return context.WithValue(ctx, overrideKey{}, o)
}

// Wrap returns a Sender that sends requests through next, retrying as p
// says.
func Wrap(next httpx.Sender, p Policy) httpx.Sender {
	if p.Sleep == nil {
		p.Sleep = Sleep
	}
	if p.Jitter == nil {
		p.Jitter = uniform
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	return &doer{next: next, p: p}
}

type doer struct {
	next httpx.Sender
	p    Policy
}

type attemptKey struct{}

// Attempt returns the 1-based attempt number of the request whose context
// is ctx, or 1 outside a retry loop. Logging uses it.
func Attempt(ctx context.Context) int {
	if n, ok := ctx.Value(attemptKey{}).(int); ok {
		return n
	}
	return 1
}

// Idempotent reports whether sending a request with this method twice has
// the same effect as sending it once (RFC 9110, section 9.2.2).
func Idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return false
}

// RetryableStatus reports whether a response with this status is worth
// another try: the server is rate limiting or a gateway failed.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

type failure uint8

const (
	permanent failure = iota // not worth another attempt
	transient                // worth another attempt, if repeating the request is harmless
	unsent                   // worth another attempt, and the request never left
)

// classify sorts a transport error. The never-retried kinds are looked for
// first, so that an error that is both (a DNS timeout reports Timeout(),
// say) is never retried.
func classify(err error) failure {
	if err == nil || isPermanent(err) {
		return permanent
	}
	var op *net.OpError
	dial := errors.As(err, &op) && op.Op == "dial"
	switch {
	case refused(err, op):
		return unsent // a refused connection is always refused at dial
	case timedOut(err):
		if dial {
			return unsent
		}
		return transient
	case isErrno(err, resetErrnos), isErrno(err, brokenPipeErrnos),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return transient
	}
	return permanent
}

// isPermanent reports the errors that are never retried even when they
// also look transient.
func isPermanent(err error) bool {
	var (
		dns       *net.DNSError
		verify    *tls.CertificateVerificationError
		authority x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		roots     x509.SystemRootsError
		record    tls.RecordHeaderError
		alert     tls.AlertError
		ech       *tls.ECHRejectionError
	)
	return errors.Is(err, context.Canceled) ||
		errors.As(err, &dns) ||
		errors.As(err, &verify) || errors.As(err, &authority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &roots) ||
		errors.As(err, &record) || errors.As(err, &alert) || errors.As(err, &ech)
}

// refused reports a refused connection. Package net reports it as a
// dial *net.OpError wrapping the errno; dialers outside package net (a
// proxy dialer, an in-process transport, a test double) may only have the
// text, so for a dial error the message counts too.
func refused(err error, op *net.OpError) bool {
	if isErrno(err, refusedErrnos) {
		return true
	}
	return op != nil && op.Op == "dial" && op.Err != nil &&
		strings.HasSuffix(op.Err.Error(), "connection refused")
}

func isErrno(err error, errnos []syscall.Errno) bool {
	for _, e := range errnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// timedOut reports whether any error in err's chain says it is a
// timeout. The whole chain is searched, because a wrapper that does not
// forward Timeout() (fmt.Errorf's, say) would otherwise hide it.
func timedOut(err error) bool {
	if t, ok := err.(interface{ Timeout() bool }); ok && t.Timeout() {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if next := u.Unwrap(); next != nil {
			return timedOut(next)
		}
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if e != nil && timedOut(e) {
				return true
			}
		}
	}
	return false
}

// policy is d's policy with the overrides req's context carries.
func (d *doer) policy(req *http.Request) Policy {
	p := d.p
	if o, ok := req.Context().Value(overrideKey{}).(Override); ok {
		if o.MaxRetries != nil {
			p.MaxRetries = *o.MaxRetries
		}
		if o.AttemptTimeout != nil {
			p.AttemptTimeout = *o.AttemptTimeout
		}
	}
	if p.AttemptTimeout > 0 && p.AttemptFloor != nil {
		p.AttemptTimeout = max(p.AttemptTimeout, p.AttemptFloor(req))
	}
	return p
}

// Send sends req, and again after a wait while the failure is worth
// another try. A wait that the caller's deadline would cut short, or a
// Retry-After asking for longer than MaxDelay, is not waited: the last
// answer (or error) is returned at once rather than retrying early.
func (d *doer) Send(req *http.Request) (*httpx.Response, error) {
	ctx := req.Context()
	p := d.policy(req)
	idempotent := Idempotent(req.Method)
	for attempt := 1; ; attempt++ {
		r, a, err := prepare(req, attempt, p.AttemptTimeout)
		if err != nil {
			return nil, err
		}
		// The body is read whole below this layer, within the attempt's
		// time: nothing of the attempt outlives stop.
		resp, err := d.next.Send(r)
		stop(a)
		canRetry := attempt <= p.MaxRetries && httpx.Replayable(req) && ctx.Err() == nil
		var wait time.Duration
		var reason string
		if err != nil {
			// canRetry has ruled out the caller's context: a context error
			// here can only be this attempt's own timeout.
			fail := classify(err)
			if !canRetry || fail == permanent || (fail == transient && !idempotent) {
				return nil, attempts(err, attempt)
			}
			wait, reason = d.backoff(attempt), err.Error()
		} else {
			if !canRetry || !idempotent || !RetryableStatus(resp.StatusCode) {
				return resp, nil
			}
			wait, reason = d.backoff(attempt), strconv.Itoa(resp.StatusCode)
			if after, ok := RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				if after > p.MaxDelay {
					// The server asked for longer than the client waits:
					// retrying sooner would only be refused again.
					return resp, nil
				}
				wait = after
			}
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			// The caller would give up during the wait: the answer in
			// hand is worth more than a context error.
			if err != nil {
				return nil, attempts(err, attempt)
			}
			return resp, nil
		}
		if p.OnRetry != nil {
			p.OnRetry(req, attempt, wait, reason)
		}
		if err := p.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func attempts(err error, n int) error {
	if n > 1 {
		return fmt.Errorf("%w (after %d attempts)", err, n)
	}
	return err
}

// prepare makes the request for one attempt: its own context (carrying the
// attempt number and the attempt timeout) and, from the second attempt on,
// a fresh body. The attempt's context is nil when there is no timeout;
// stop it once the attempt is over.
func prepare(req *http.Request, attempt int, timeout time.Duration) (*http.Request, *httpx.Attempt, error) {
	if attempt == 1 && timeout <= 0 {
		// Attempt reports 1 when the context carries no number, and there
		// is no timeout to release.
		return req, nil, nil
	}
	ctx := req.Context()
	if attempt > 1 {
		ctx = context.WithValue(ctx, attemptKey{}, attempt)
	}
	var a *httpx.Attempt
	if timeout > 0 {
		a = httpx.AttemptContext(ctx, timeout)
		ctx = a
	}
	r := req.WithContext(ctx)
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			stop(a)
			return nil, nil, fmt.Errorf("retry: rewind request body: %w", err)
		}
		r.Body = body
	}
	return r, a, nil
}

func stop(a *httpx.Attempt) {
	if a != nil {
		a.Stop()
	}
}

// backoff is the wait before retry number attempt (1-based): exponential
// from BaseDelay, capped at MaxDelay, with the upper half jittered so that
// many clients failing together do not retry together.
func (d *doer) backoff(attempt int) time.Duration {
	wait := d.p.BaseDelay
	for i := 1; i < attempt && wait < d.p.MaxDelay; i++ {
		wait *= 2
	}
	wait = min(wait, d.p.MaxDelay)
	half := wait / 2
	return half + d.p.Jitter(wait-half)
}

// maxRetryAfter caps what RetryAfter reports: any longer delay is as
// good as forever to a client that waits seconds.
const maxRetryAfter = 24 * time.Hour

// RetryAfter parses a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110, section 10.2.3). A date in the past means no wait. A delay
// of more than a day, including one with more digits than any integer
// type holds, is reported as a day: longer than any client waits.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if allDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(maxRetryAfter/time.Second) {
			// Only a range error is possible for digits: the number
			// is too large to hold, so larger than the cap.
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// allDigits reports whether v is delay-seconds: one or more ASCII
// digits, nothing else (no sign).
func allDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v != ""
}

// Sleep waits d, or until ctx is done (then with its error): the default
// Policy.Sleep.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func uniform(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}
