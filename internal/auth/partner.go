package auth

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/sync/singleflight"
)

// DefaultMaxAge is how long a partner token is reused before a new one is
// fetched. Tokens are valid for two hours; renewing after 90 minutes leaves
// a margin for clock skew and long-running calls.
const DefaultMaxAge = 90 * time.Minute

// fetchTimeout bounds one token fetch that no caller waits for any more
// (see PartnerToken.Token): it must not run forever in the background.
// SetFetchTimeout raises it.
const fetchTimeout = 2 * time.Minute

// MinAttemptTimeout is the shortest time one partner authentication
// attempt is given, whatever the client's attempt limits say. An attempt
// cut short has an unknown outcome: the API may have rejected the secret
// (a failure towards the account's lock) without the client learning it,
// and trying again would send the rejected secret once more.
const MinAttemptTimeout = 30 * time.Second

// The backoff of partner authentication after failures other than a
// rejection (a 5xx, a gateway's page, an attempt with no answer): the
// wait doubles from BackoffBase with each failure in a row, up to
// BackoffMax, and is jittered (see Backoff).
const (
	BackoffBase = 500 * time.Millisecond
	BackoffMax  = 30 * time.Second
)

// Backoff is the wait before the next partner authentication after
// failures in a row (failures >= 1): BackoffBase doubled failures-1 times,
// at most BackoffMax, its upper half jittered so that clients failing
// together do not retry together. jitter returns a duration in [0, d];
// nil means uniform.
func Backoff(failures int, jitter func(d time.Duration) time.Duration) time.Duration {
	wait := BackoffBase
	for i := 1; i < failures && wait < BackoffMax; i++ {
		wait *= 2
	}
	wait = min(wait, BackoffMax)
	half := wait / 2
	if jitter == nil {
		jitter = func(d time.Duration) time.Duration { return rand.N(d + 1) }
	}
	return half + jitter(wait-half)
}

// ValidToken reports whether tok can be sent as a Finicity-App-Token: not
// empty, a valid header field value (no line break or other control
// byte), without surrounding blanks (which a header value loses on the
// way). An answer with any other token is not a token: kept, it would
// fail every call until its max age.
func ValidToken(tok string) bool {
	if tok == "" || !httpguts.ValidHeaderFieldValue(tok) {
		return false
	}
	first, last := tok[0], tok[len(tok)-1]
	return first != ' ' && first != '\t' && last != ' ' && last != '\t'
}

// ErrInvalidToken is the error of a fetch whose token ValidToken refuses.
// It never quotes the token.
var ErrInvalidToken = errors.New("partner authentication answered with a token that is not a valid header value")

// FetchFunc obtains a new token from partner authentication. It returns a
// *RejectedError when the server refused the credentials, and any other
// error for a failure a later attempt may not see (network, 5xx).
type FetchFunc func(ctx context.Context) (string, error)

// RejectedError means partner authentication refused the credentials (an
// invalid partner id or secret, or a missing app key). Trying again with
// the same credentials cannot succeed and each failure counts towards
// locking the partner account, so PartnerToken remembers it and never
// calls the server again.
type RejectedError struct {
	// Err is the API's answer (an *api.Error in practice).
	Err error
}

// Error is the text of Err: the caller words the rejection.
func (e *RejectedError) Error() string { return e.Err.Error() }

func (e *RejectedError) Unwrap() error { return e.Err }

// PartnerToken is a TokenSource backed by partner authentication. It
// fetches a token on first use, shares it between goroutines, and fetches
// a new one when it is older than the max age or after Invalidate.
// Concurrent callers that need a new token share one fetch.
//
// Rejected credentials are remembered: every later Token call returns the
// same *RejectedError without contacting the server.
type PartnerToken struct {
	fetch  FetchFunc
	maxAge time.Duration
	now    func() time.Time
	group  singleflight.Group

	// Backoff spaces fetches after ordinary failures (see SetBackoff).
	backoff func(failures int) time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
	// limit bounds one fetch, which no caller's context cuts short.
	limit time.Duration

	mu       sync.Mutex
	token    string
	issued   time.Time
	rejected error
	failures int       // ordinary failures in a row
	retryAt  time.Time // when the next fetch may start, after them (wall clock)
}

// SetBackoff makes a fetch that follows ordinary failures (not a
// rejection: an answer that is not a token, or no answer at all, whose
// outcome is unknown) wait first: backoff(n) after n failures in a row,
// counted from the last one, through sleep (which must wait d or until
// ctx is done). Without it, a fetch follows a failure at once. Call it
// before the first Token.
func (p *PartnerToken) SetBackoff(backoff func(failures int) time.Duration, sleep func(ctx context.Context, d time.Duration) error) {
	p.backoff, p.sleep = backoff, sleep
}

// SetFetchTimeout bounds each fetch to d instead of two minutes, if d is
// longer: for a fetch whose attempts are given more than that. Call it
// before the first Token.
func (p *PartnerToken) SetFetchTimeout(d time.Duration) {
	p.limit = max(p.limit, d)
}

// Reset forgets a remembered rejection and the current token, and makes
// fetch the source of the next token: for a process that reloaded its
// partner secret. A nil fetch keeps the current one.
func (p *PartnerToken) Reset(fetch FetchFunc) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fetch != nil {
		p.fetch = fetch
	}
	p.rejected, p.token, p.failures = nil, "", 0
}

// NewPartnerToken returns a PartnerToken that gets tokens from fetch and
// reuses each for maxAge (DefaultMaxAge if maxAge <= 0). now is the clock,
// time.Now if nil.
func NewPartnerToken(fetch FetchFunc, maxAge time.Duration, now func() time.Time) *PartnerToken {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if now == nil {
		now = time.Now
	}
	return &PartnerToken{fetch: fetch, maxAge: maxAge, now: now, limit: fetchTimeout}
}

// Token returns the current token, fetching one if there is none or it is
// too old. If ctx ends first, Token returns at once with ctx's error; the
// fetch itself carries on (bounded by its own limit, never by ctx) so
// that the other waiters, and the next caller, still get its result: an
// authentication cut short when the API may have refused the secret would
// leave the rejection unseen.
func (p *PartnerToken) Token(ctx context.Context) (string, error) {
	if tok, err, ok := p.cached(); ok {
		return tok, err
	}
	// Detached from ctx's cancellation: one impatient caller must not fail
	// the fetch for everyone waiting on it.
	ch := p.group.DoChan("token", func() (any, error) {
		if tok, err, ok := p.cached(); ok {
			// Another fetch finished between our look and this one.
			return tok, err
		}
		return p.refresh(context.WithoutCancel(ctx))
	})
	select {
	case res := <-ch:
		tok, _ := res.Val.(string)
		return tok, res.Err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// cached returns the remembered rejection or a token young enough to use.
func (p *PartnerToken) cached() (string, error, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rejected != nil {
		return "", p.rejected, true
	}
	if p.token != "" && p.now().Sub(p.issued) < p.maxAge {
		return p.token, nil, true
	}
	return "", nil, false
}

// refresh fetches a token, after the backoff of the failures before it.
// ctx carries no cancellation: the wait is bounded by BackoffMax, the
// fetch by p.limit.
func (p *PartnerToken) refresh(ctx context.Context) (string, error) {
	p.mu.Lock()
	fetch, failures, retryAt := p.fetch, p.failures, p.retryAt
	p.mu.Unlock()
	if failures > 0 {
		// The last fetch failed for a reason a later one may not meet
		// (a gateway, a 5xx, no answer): try again, but not at once.
		if wait := time.Until(retryAt); wait > 0 {
			if err := p.sleep(ctx, wait); err != nil {
				return "", err
			}
		}
	}
	fctx, cancel := context.WithTimeout(ctx, p.limit)
	defer cancel()
	tok, err := fetch(fctx)
	switch {
	case err != nil:
	case tok == "":
		err = errors.New("partner authentication returned an empty token")
	case !ValidToken(tok):
		err = ErrInvalidToken
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if _, ok := errors.AsType[*RejectedError](err); ok {
			p.rejected = err
		} else {
			// Not an answer the secret was refused with, but perhaps no
			// answer at all: the next fetch waits, and so do the ones
			// after it, longer each time.
			p.failures++
			if p.backoff != nil {
				p.retryAt = time.Now().Add(p.backoff(p.failures))
			}
		}
		return "", err
	}
	p.token, p.issued, p.failures = tok, p.now(), 0
	return tok, nil
}

// Invalidate drops failed if it is still the current token, so the next
// Token call fetches a new one.
func (p *PartnerToken) Invalidate(failed string) {
	p.mu.Lock()
	if failed != "" && p.token == failed {
		p.token = ""
	}
	p.mu.Unlock()
}
