package auth

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultMaxAge is how long a partner token is reused before a new one is
// fetched. Tokens are valid for two hours; renewing after 90 minutes leaves
// a margin for clock skew and long-running calls.
const DefaultMaxAge = 90 * time.Minute

// fetchTimeout bounds one token fetch that no caller waits for any more
// (see PartnerToken.Token): it must not run forever in the background.
const fetchTimeout = 2 * time.Minute

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

	mu       sync.Mutex
	token    string
	issued   time.Time
	rejected error
	failures int       // ordinary failures in a row
	failed   time.Time // when the last one happened (wall clock)
}

// SetBackoff makes a fetch that follows ordinary failures (not a
// rejection) wait first: backoff(n) after n failures in a row, counted
// from the last one, through sleep (which must wait d or until ctx is
// done). Without it, a fetch follows a failure at once. Call it before the
// first Token.
func (p *PartnerToken) SetBackoff(backoff func(failures int) time.Duration, sleep func(ctx context.Context, d time.Duration) error) {
	p.backoff, p.sleep = backoff, sleep
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
	return &PartnerToken{fetch: fetch, maxAge: maxAge, now: now}
}

// Token returns the current token, fetching one if there is none or it is
// too old. If ctx ends first, Token returns at once with ctx's error; the
// fetch itself carries on (bounded by fetchTimeout) so that the other
// waiters, and the next caller, still get its result.
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
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		return p.refresh(fctx)
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

func (p *PartnerToken) refresh(ctx context.Context) (string, error) {
	p.mu.Lock()
	fetch, failures, failed := p.fetch, p.failures, p.failed
	p.mu.Unlock()
	if failures > 0 && p.backoff != nil {
		// The last fetch failed for a reason a later one may not meet
		// (a gateway, a 5xx, a timeout): try again, but not at once.
		if wait := p.backoff(failures) - time.Since(failed); wait > 0 {
			if err := p.sleep(ctx, wait); err != nil {
				return "", err
			}
		}
	}
	tok, err := fetch(ctx)
	if err == nil && tok == "" {
		err = errors.New("partner authentication returned an empty token")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		if _, ok := errors.AsType[*RejectedError](err); ok {
			p.rejected = err
		} else {
			p.failures++
			p.failed = time.Now()
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
