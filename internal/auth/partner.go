package auth

import (
	"context"
	"errors"
	"sync"
	"time"
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

func (e *RejectedError) Error() string {
	return "auth: partner credentials rejected; not retrying, since repeated failures lock the partner account (create a new client with corrected credentials): " + e.Err.Error()
}

func (e *RejectedError) Unwrap() error { return e.Err }

// ErrRejected matches any *RejectedError with errors.Is.
var ErrRejected = errors.New("auth: partner credentials rejected")

// Is makes errors.Is(err, ErrRejected) true for a *RejectedError.
func (e *RejectedError) Is(target error) bool { return target == ErrRejected }

// Refresher is a TokenSource whose token can be reported as refused by the
// API, so that the next Token call fetches a new one.
type Refresher interface {
	TokenSource
	// Invalidate drops failed if it is still the current token. Comparing
	// with the failing value is what makes many concurrent failures of
	// the same token cause a single fetch.
	Invalidate(failed string)
}

// PartnerToken is a TokenSource backed by partner authentication. It
// fetches a token on first use, shares it between goroutines, and fetches
// a new one when it is older than MaxAge or after Invalidate. Concurrent
// callers that need a new token share one fetch.
//
// Rejected credentials are remembered: every later Token call returns the
// same *RejectedError without contacting the server.
type PartnerToken struct {
	fetch  FetchFunc
	maxAge time.Duration
	now    func() time.Time

	mu       sync.Mutex
	token    string
	issued   time.Time
	inflight *fetchCall
	rejected error
}

type fetchCall struct {
	done  chan struct{}
	token string
	err   error
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
// fetch itself carries on (bounded) so that the other waiters, and the
// next caller, still get its result.
func (p *PartnerToken) Token(ctx context.Context) (string, error) {
	p.mu.Lock()
	if p.rejected != nil {
		err := p.rejected
		p.mu.Unlock()
		return "", err
	}
	if p.token != "" && p.now().Sub(p.issued) < p.maxAge {
		tok := p.token
		p.mu.Unlock()
		return tok, nil
	}
	call := p.inflight
	if call == nil {
		call = &fetchCall{done: make(chan struct{})}
		p.inflight = call
		// Detached from ctx's cancellation: one impatient caller must not
		// fail the fetch for everyone waiting on it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		go p.run(fctx, cancel, call)
	}
	p.mu.Unlock()

	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (p *PartnerToken) run(ctx context.Context, cancel context.CancelFunc, call *fetchCall) {
	defer cancel()
	tok, err := p.fetch(ctx)
	if err == nil && tok == "" {
		err = errors.New("auth: partner authentication returned an empty token")
	}
	p.mu.Lock()
	if err == nil {
		p.token, p.issued = tok, p.now()
	} else {
		var rejected *RejectedError
		if errors.As(err, &rejected) {
			p.rejected = err
		}
	}
	p.inflight = nil
	p.mu.Unlock()
	call.token, call.err = tok, err
	close(call.done)
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
