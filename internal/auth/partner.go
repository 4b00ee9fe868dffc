package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/sync/singleflight"

	"github.com/finicity-go/connect-components/internal/retry"
)

const (
	// DefaultMaxAge is how long a partner token is reused (valid for two
	// hours: a margin for clock skew and long calls).
	DefaultMaxAge = 90 * time.Minute
	// MinAttemptTimeout is the shortest attempt of partner authentication:
	// one cut short may have been rejected unseen (a failure towards the
	// account's lock), and would send the rejected secret again.
	MinAttemptTimeout = 30 * time.Second
	// BackoffBase doubling to BackoffMax, jittered, is the wait before
	// partner authentication after failures that are not a rejection.
	BackoffBase  = 500 * time.Millisecond
	BackoffMax   = 30 * time.Second
	fetchTimeout = 2 * time.Minute // bounds a fetch no caller waits for
)

// ValidToken reports whether tok can be sent as a Finicity-App-Token: a
// header value (no control byte), not empty, without the surrounding
// blanks a header loses. Kept, any other would fail every call.
func ValidToken(tok string) bool {
	return tok != "" && httpguts.ValidHeaderFieldValue(tok) && strings.Trim(tok, " \t") == tok
}

// ErrInvalidToken is the error of a fetch whose token ValidToken refuses;
// it never quotes the token.
var ErrInvalidToken = errors.New("partner authentication answered with a token that is not a valid header value")

// RejectedError is a fetch's error when the API refused the credentials,
// which cannot succeed again and whose every failure counts towards the
// account's lock: PartnerToken remembers it.
type RejectedError struct {
	Err error // the API's answer, worded by the caller
}

func (e *RejectedError) Error() string { return e.Err.Error() }
func (e *RejectedError) Unwrap() error { return e.Err }

// PartnerToken is a token source (an api.TokenSource) backed by partner
// authentication: a token fetched on first use and shared (one fetch for
// concurrent callers), renewed after its max age or Invalidate. A
// rejection is remembered; other failures space the next fetch.
type PartnerToken struct {
	fetch         func(context.Context) (string, error)
	maxAge, limit time.Duration // limit bounds one fetch
	group         singleflight.Group

	mu       sync.Mutex
	token    string
	issued   time.Time
	rejected error
	failures int       // not rejections, in a row
	retryAt  time.Time // the next fetch waits until then
}

// NewPartnerToken returns a PartnerToken of fetch (a *RejectedError for a
// rejection), each token reused for maxAge (0: DefaultMaxAge), a fetch
// given two minutes, or attemptLimit (one attempt's) when longer.
func NewPartnerToken(fetch func(context.Context) (string, error), maxAge, attemptLimit time.Duration) *PartnerToken {
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

// Token returns the token, fetching one if need be. If ctx ends first,
// Token returns, but the fetch carries on (within its own limit) for the
// others: cut short, it could leave a rejection unseen.
func (p *PartnerToken) Token(ctx context.Context) (string, error) {
	if tok, err, ok := p.cached(); ok {
		return tok, err
	} else if err := ctx.Err(); err != nil {
		return "", err // a caller gone already starts no fetch
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

// Invalidate drops failed if it is still the token.
func (p *PartnerToken) Invalidate(failed string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if failed != "" && p.token == failed {
		p.token = ""
	}
}
