package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/config"
	"github.com/finicity-go/connect-components/internal/retry"
)

const (
	DefaultBaseURL        = "https://api.finicity.com" // the production API
	DefaultTokenMaxAge    = auth.DefaultMaxAge         // reuse of a partner token (valid for two hours)
	DefaultRetries        = retry.DefaultMaxRetries    // retries of a failed GET or DELETE
	DefaultRetryBaseDelay = retry.DefaultBaseDelay     // the wait before the first retry, doubling after
	DefaultRetryMaxDelay  = retry.DefaultMaxDelay      // the longest wait, and the longest Retry-After waited
	DefaultAttemptTimeout = 30 * time.Second           // the limit of one attempt, reading its body included
)

// Option configures a Client. Options are applied in order; an invalid one
// makes NewClient fail with an error naming it.
type Option func(*settings) error

// settings is what the options set (internal/config: the test kit's too).
type settings = config.Settings[TokenSource, Middleware]

// option applies set, or fails with msg unless valid.
func option(valid bool, msg string, set func(*settings)) Option {
	return func(s *settings) error {
		if !valid {
			return errors.New(errPrefix + msg)
		}
		set(s)
		return nil
	}
}

// WithAppToken authenticates every call with token, a Finicity-App-Token
// you hold. The client cannot renew it: once it expires, calls fail with
// a 401 *Error, reason 10023.
func WithAppToken(token string) Option {
	return option(strings.TrimSpace(token) != "", "WithAppToken: token is empty: pass a Finicity-App-Token from partner authentication, or use WithPartnerCredentials",
		func(s *settings) { s.AppToken, s.Sources = token, append(s.Sources, "WithAppToken") })
}

// WithPartnerCredentials makes the client fetch its Finicity-App-Token
// from partner authentication: on first use, once for concurrent calls,
// again once older than WithTokenMaxAge or after a 401 with reason 10023
// (expired), when the request is sent once more.
//
// If the API rejects the credentials (a 401 or 403 with its error body),
// the call fails with an error matching ErrCredentialsRejected, wrapping
// the *Error, and so does every later call at once: repeated failures
// lock the account (ResetPartnerCredentials clears it). Other failures (a
// gateway, a 5xx, a timeout) are tried again by later calls, after 0.5 s
// doubling to 30 s, jittered. An attempt is given 30 s at least, and a
// caller giving up does not cut it short: a slow rejection is seen. For a
// fleet sharing an account, see WithTokenSource.
func WithPartnerCredentials(partnerID, partnerSecret string) Option {
	return option(strings.TrimSpace(partnerID) != "" && strings.TrimSpace(partnerSecret) != "", "WithPartnerCredentials: partner id and partner secret must both be set",
		func(s *settings) {
			s.PartnerID, s.PartnerSecret, s.Sources = partnerID, partnerSecret, append(s.Sources, "WithPartnerCredentials")
		})
}

// WithTokenSource takes each call's Finicity-App-Token from ts, a token
// kept outside the client (a file, a secret store, a cache shared by a
// fleet). After a 401 with reason 10023 the client calls ts.Invalidate
// with the expired token, and replays the request once if ts.Token gives
// another. Why: five failed authentications lock the partner account; if
// each replica authenticates, a rotated secret some have not picked up
// locks it for all. See ExampleWithTokenSource.
func WithTokenSource(ts TokenSource) Option {
	return option(ts != nil, "WithTokenSource: token source is nil",
		func(s *settings) { s.TokenSource, s.Sources = ts, append(s.Sources, "WithTokenSource") })
}

// WithTokenMaxAge sets how long a token from partner credentials is reused
// (default 90 minutes; tokens are valid for two hours).
func WithTokenMaxAge(d time.Duration) Option {
	return option(d > 0, fmt.Sprintf("WithTokenMaxAge: %v is not positive", d), func(s *settings) { s.TokenMaxAge = d })
}

// WithBaseURL points the client at another endpoint (the sandbox). Plain
// http is refused but for loopback, and so are a query, a fragment and
// user info.
func WithBaseURL(baseURL string) Option {
	return option(true, "", func(s *settings) { s.BaseURL = baseURL })
}

// WithHTTPClient sends the requests through hc (timeouts, proxies, a
// transport of your own), the client's behaviour around it, by a copy
// that follows no redirect (a 3xx is an *Error carrying its Location):
// no credential leaves for another origin. hc is not changed.
func WithHTTPClient(hc *http.Client) Option {
	return option(hc != nil, "WithHTTPClient: client is nil", func(s *settings) { s.HTTPClient = hc })
}

// WithRequestEditor adds fn to the editors of every request, run in the
// order given after the User-Agent is set and before the credentials are,
// which they cannot replace.
func WithRequestEditor(fn func(ctx context.Context, req *http.Request) error) Option {
	return option(fn != nil, "WithRequestEditor: function is nil", func(s *settings) { s.Editors = append(s.Editors, fn) })
}

// WithMiddleware adds mw to the middleware around each attempt, the first
// given outermost (see Middleware).
func WithMiddleware(mw ...Middleware) Option {
	i := slices.IndexFunc(mw, func(m Middleware) bool { return m == nil })
	return option(i < 0, fmt.Sprintf("WithMiddleware: middleware %d is nil", i), func(s *settings) { s.Middleware = append(s.Middleware, mw...) })
}

// WithRetries sets how many times a request is retried after the first
// attempt (default 2; 0: none). GET and DELETE are, after a transient
// failure only: a connection refused, reset or closed before the answer,
// a timeout (WithAttemptTimeout's too), a 429, 502, 503 or 504. Never TLS
// or DNS errors, nor the caller's cancelled or expired context. A POST is
// never sent twice once it may have reached the server: only when its
// connection could not even be opened.
func WithRetries(n int) Option {
	return option(n >= 0, fmt.Sprintf("WithRetries: %d is negative", n), func(s *settings) { s.Retry.MaxRetries = n })
}

// WithRetryBackoff sets the wait before the first retry (base, default
// 0.5 s), doubling with each retry up to max (default 8 s), jittered
// between half and all of its value. A Retry-After replaces it, waited in
// full; one longer than max is not retried early: the answer comes back
// at once (an *Error whose Header holds it). Nor is a wait begun that the
// context's deadline would cut: the last answer is returned instead.
func WithRetryBackoff(base, max time.Duration) Option {
	return option(base > 0 && max >= base, fmt.Sprintf("WithRetryBackoff: need 0 < base <= max, got base %v, max %v", base, max),
		func(s *settings) { s.Retry.BaseDelay, s.Retry.MaxDelay = base, max })
}

// WithAttemptTimeout bounds each attempt, reading its body included
// (default 30 s; 0: none), so that a server sending headers, then a body
// that never ends, cannot hold a call. A GET or DELETE that times out is
// retried. Partner authentication is given 30 s at least: cut short, it
// could be rejected unseen.
func WithAttemptTimeout(d time.Duration) Option {
	return option(d >= 0, fmt.Sprintf("WithAttemptTimeout: %v is negative", d), func(s *settings) { s.AttemptTimeout = d })
}

// WithLogger logs each attempt at debug level (method, path, attempt,
// duration, status or error), the retries and the token renewals, never a
// credential. Nil (the default) logs nothing.
func WithLogger(l *slog.Logger) Option {
	return option(true, "", func(s *settings) { s.Logger = l })
}

// WithRequestValidation checks every outgoing request against the
// embedded OpenAPI document before it is sent, as strictly as the test kit
// (api/connecttest) does: a body field or query parameter the spec does
// not define (a misspelt configurationID) is refused too, although the
// API would ignore it. An invalid request fails with a *ValidationError
// naming the field and the rule, never the value, and reaches no server.
func WithRequestValidation() Option {
	return option(true, "", func(s *settings) { s.ValidateRequests = true })
}

// WithResponseValidation checks every response strictly against the
// embedded OpenAPI document: an undocumented status or a body off its
// schema fails the call with a *ValidationError (Response true), which
// also wraps the *Error of a non-2xx answer. For tests, and API drift.
func WithResponseValidation() Option {
	return option(true, "", func(s *settings) { s.ValidateResponses = true })
}
