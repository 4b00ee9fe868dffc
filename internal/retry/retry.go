// Package retry re-sends HTTP requests that failed for reasons a second try
// can fix: a dropped connection, a rate limit (429), or a gateway or
// availability error (502, 503, 504).
//
// Only requests whose repetition is harmless are repeated. GET, HEAD,
// OPTIONS, PUT and DELETE are idempotent; a POST (which creates a
// configuration, a login form or a token) is sent again only when the
// first attempt provably never reached the server: the TCP connection
// could not even be dialled. Any other failure of a POST is returned as
// is, because a duplicate configuration, or a failed authentication that
// counts towards locking the partner account, is worse than an error.
package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Doer sends one HTTP request; *http.Client is one.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Defaults, in line with widely used SDKs: three attempts in all, waits of
// about 0.5 s then 1 s, never more than 8 s.
const (
	DefaultMaxRetries = 2
	DefaultBaseDelay  = 500 * time.Millisecond
	DefaultMaxDelay   = 8 * time.Second
)

// Policy says when and how long to wait before trying again.
type Policy struct {
	// MaxRetries is the number of attempts after the first; 0 disables
	// retries (the attempt timeout still applies).
	MaxRetries int
	// BaseDelay is the wait before the first retry; it doubles for each
	// further retry, up to MaxDelay. MaxDelay also caps Retry-After.
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds each attempt, including reading its response
	// body; 0 means no bound beyond the caller's context.
	AttemptTimeout time.Duration
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
	return Policy{MaxRetries: DefaultMaxRetries, BaseDelay: DefaultBaseDelay, MaxDelay: DefaultMaxDelay}
}

// Wrap returns a Doer that sends requests through next, retrying as p says.
func Wrap(next Doer, p Policy) Doer {
	if p.Sleep == nil {
		p.Sleep = sleep
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
	next Doer
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

// NotSent reports whether err proves the request never reached the server:
// the connection could not be dialled, so not a byte of it was written.
func NotSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Replayable reports whether req's body can be sent again.
func Replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	idempotent := Idempotent(req.Method)
	for attempt := 1; ; attempt++ {
		r, cancel, err := d.prepare(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := d.next.Do(r)
		canRetry := attempt <= d.p.MaxRetries && Replayable(req) && ctx.Err() == nil
		var wait time.Duration
		var reason string
		if err != nil {
			if resp != nil && resp.Body != nil {
				discard(resp.Body)
			}
			cancel()
			if !canRetry || !(idempotent || NotSent(err)) {
				if attempt > 1 {
					return nil, fmt.Errorf("%w (after %d attempts)", err, attempt)
				}
				return nil, err
			}
			wait, reason = d.backoff(attempt), err.Error()
		} else {
			if !canRetry || !idempotent || !RetryableStatus(resp.StatusCode) {
				if d.p.AttemptTimeout > 0 {
					resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
				}
				return resp, nil
			}
			wait, reason = d.backoff(attempt), strconv.Itoa(resp.StatusCode)
			if after, ok := RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				wait = min(after, d.p.MaxDelay)
			}
			discard(resp.Body)
			cancel()
		}
		if d.p.OnRetry != nil {
			d.p.OnRetry(req, attempt, wait, reason)
		}
		if err := d.p.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// prepare makes the request for one attempt: its own context (carrying the
// attempt number and the attempt timeout) and, from the second attempt on,
// a fresh body.
func (d *doer) prepare(req *http.Request, attempt int) (*http.Request, context.CancelFunc, error) {
	if attempt == 1 && d.p.AttemptTimeout <= 0 {
		// The common case needs neither: Attempt reports 1 when the
		// context carries no number, and there is no timeout to release.
		return req, nop, nil
	}
	ctx := context.WithValue(req.Context(), attemptKey{}, attempt)
	cancel := context.CancelFunc(func() {})
	if d.p.AttemptTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, d.p.AttemptTimeout)
	}
	r := req.WithContext(ctx)
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			cancel()
			return nil, nil, fmt.Errorf("retry: rewind request body: %w", err)
		}
		r.Body = body
	}
	return r, cancel, nil
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

// RetryAfter parses a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110, section 10.2.3). A date in the past means no wait.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// discard drains a little of a response nobody will read, so that its
// connection can be reused, and closes it.
func discard(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}

func nop() {}

// cancelOnClose releases an attempt's timeout once the caller has finished
// with the body: cancelling earlier would cut the body short.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
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
