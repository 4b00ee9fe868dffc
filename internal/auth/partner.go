package auth

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/sync/singleflight"

	"github.com/finicity-go/connect-components/internal/retry"
)

const (
	// DefaultMaxAge is how long a partner token is reused: tokens are
	// valid for two hours, and the margin covers clock skew and long calls.
	DefaultMaxAge = 90 * time.Minute
	// MinAttemptTimeout is the shortest time an attempt of partner
	// authentication is given: one cut short may have been rejected (a
	// failure towards the account's lock) unseen, and would send the
	// rejected secret again.
	MinAttemptTimeout = 30 * time.Second
	// BackoffBase doubling to BackoffMax, jittered, is the wait before a
	// partner authentication after failures that are not a rejection (a
	// 5xx, a gateway's page, no answer).
	BackoffBase = 500 * time.Millisecond
	BackoffMax  = 30 * time.Second
	// fetchTimeout bounds a fetch no caller waits for any more.
	fetchTimeout = 2 * time.Minute
)

// ValidToken reports whether tok can be sent as a Finicity-App-Token: a
// valid header value (no line break or other control byte), not empty,
// without surrounding blanks (which a header loses). Kept, any other
// would fail every call until its max age.
func ValidToken(tok string) bool {
	return tok != "" && httpguts.ValidHeaderFieldValue(tok) && tok[0] != ' ' && tok[0] != '\t' &&
		tok[len(tok)-1] != ' ' && tok[len(tok)-1] != '\t'
}

// ErrInvalidToken is the error of a fetch whose token ValidToken refuses;
// it never quotes the token.
var ErrInvalidToken = errors.New("partner authentication answered with a token that is not a valid header value")

// FetchFunc obtains a token from partner authentication: a *RejectedError
// when the API refused the credentials, any other error for a failure a
// later attempt may not meet.
type FetchFunc func(ctx context.Context) (string, error)

// RejectedError means partner authentication refused the credentials,
// which cannot succeed again and whose every failure counts towards the
// account's lock: PartnerToken remembers it.
type RejectedError struct {
	Err error // the API's answer, worded by the caller
}

func (e *RejectedError) Error() string { return e.Err.Error() }
func (e *RejectedError) Unwrap() error { return e.Err }

// PartnerToken is a token source (an api.TokenSource) backed by partner
// authentication. It fetches a token on first use, shares it (concurrent
// callers share one fetch), and fetches a new one once it is older than
// its max age, or after Invalidate. A rejection is remembered, returned by
// every later Token without asking the API; other failures space the next
// fetch by a backoff of their own.
type PartnerToken struct {
	fetch         FetchFunc
	maxAge, limit time.Duration // limit bounds one fetch
	group         singleflight.Group

	mu       sync.Mutex
	token    string
	issued   time.Time
	rejected error
	failures int       // not rejections, in a row
	retryAt  time.Time // the next fetch waits until then
}

// NewPartnerToken returns a PartnerToken that gets tokens from fetch and
// reuses each for maxAge (DefaultMaxAge if 0). A fetch is given two
// minutes, or attemptLimit (one attempt's) when longer.
func NewPartnerToken(fetch FetchFunc, maxAge, attemptLimit time.Duration) *PartnerToken {
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	return &PartnerToken{fetch: fetch, maxAge: maxAge, limit: max(fetchTimeout, attemptLimit)}
}

// Reset forgets a rejection, the failures and the token: for a process
// that reloaded its partner secret, which fetch then reads.
func (p *PartnerToken) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rejected, p.token, p.failures, p.retryAt = nil, "", 0, time.Time{}
}

// Token returns the current token, fetching one if there is none or it is
// too old. If ctx ends first, Token returns ctx's error, but the fetch
// carries on (within its own limit) for the other callers: cut short, it
// could leave a rejection unseen.
func (p *PartnerToken) Token(ctx context.Context) (string, error) {
	if tok, err, ok := p.cached(); ok {
		return tok, err
	}
	ch := p.group.DoChan("token", func() (any, error) {
		if tok, err, ok := p.cached(); ok {
			return tok, err // another fetch ended meanwhile
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
	return p.token, nil, p.token != "" && time.Since(p.issued) < p.maxAge
}

// refresh fetches a token, after the backoff of the failures before it.
func (p *PartnerToken) refresh(ctx context.Context) (string, error) {
	p.mu.Lock()
	retryAt := p.retryAt
	p.mu.Unlock()
	time.Sleep(time.Until(retryAt))
	ctx, cancel := context.WithTimeout(ctx, p.limit)
	defer cancel()
	tok, err := p.fetch(ctx)
	if err == nil && tok == "" {
		err = errors.New("partner authentication answered without a token")
	} else if err == nil && !ValidToken(tok) {
		err = ErrInvalidToken
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch _, rejected := errors.AsType[*RejectedError](err); {
	case rejected:
		p.rejected = err
	case err != nil: // perhaps no answer, and a rejection unseen
		p.failures++
		p.retryAt = time.Now().Add(retry.Backoff(p.failures, BackoffBase, BackoffMax, nil))
	default:
		p.token, p.issued, p.failures = tok, time.Now(), 0
		return tok, nil
	}
	return "", err
}

// Invalidate drops failed if it is still the token, so that the next
// Token fetches a new one.
func (p *PartnerToken) Invalidate(failed string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if failed != "" && p.token == failed {
		p.token = ""
	}
}
