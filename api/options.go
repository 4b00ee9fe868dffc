package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/config"
	"github.com/finicity-go/connect-components/internal/retry"
)

// Defaults of the options below.
const (
	// DefaultBaseURL is the production API endpoint.
	DefaultBaseURL = "https://api.finicity.com"
	// DefaultTokenMaxAge is how long a token from partner credentials is
	// reused (tokens are valid for two hours).
	DefaultTokenMaxAge = auth.DefaultMaxAge
	// DefaultRetries is how many times a failed GET or DELETE is retried.
	DefaultRetries = retry.DefaultMaxRetries
	// DefaultRetryBaseDelay is the wait before the first retry; it doubles
	// for each further retry.
	DefaultRetryBaseDelay = retry.DefaultBaseDelay
	// DefaultRetryMaxDelay is the longest wait between attempts. A
	// Retry-After asking for longer is not retried early: the answer is
	// returned at once.
	DefaultRetryMaxDelay = retry.DefaultMaxDelay
	// DefaultAttemptTimeout bounds each attempt, reading its body
	// included, when WithAttemptTimeout does not say otherwise.
	DefaultAttemptTimeout = 30 * time.Second
)

// Option configures a Client. Options are applied in order; an invalid one
// makes NewClient fail with an error naming it.
type Option func(*settings) error

// settings is what the options set: one value, of package
// internal/config so that the test kit can read and extend it.
type settings = config.Settings[TokenSource, Middleware]

// WithAppToken authenticates every call with token, a Finicity-App-Token
// you already hold (from partner authentication). The client cannot renew
// it: when it expires, calls fail with a 401 *Error, reason 10023. Use
// WithPartnerCredentials or WithTokenSource to have it renewed.
func WithAppToken(token string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(token) == "" {
			return errors.New(errPrefix + "WithAppToken: token is empty: pass a Finicity-App-Token from partner authentication, or use WithPartnerCredentials")
		}
		s.AppToken = token
		s.Sources = append(s.Sources, "WithAppToken")
		return nil
	}
}

// WithPartnerCredentials makes the client obtain its Finicity-App-Token
// itself, from partner authentication (Partners.Authenticate).
//
// The token is fetched on first use, shared by every goroutine using the
// client, and renewed once it is older than the token max age
// (WithTokenMaxAge, default 90 minutes); concurrent calls that need a new
// token share a single fetch. When the API answers 401 with reason code
// 10023 (expired token), the client fetches a new token once and sends the
// request once more.
//
// If the API itself rejects the credentials (a 401 or 403 to partner
// authentication whose body is the API's error object), the call fails
// with an error matching ErrCredentialsRejected and wrapping the *Error,
// and the client remembers it: every later call fails at once with the
// same error without contacting the server, because repeated failures
// lock the partner account. Any other failure (a gateway's HTML page, a
// 5xx, a timeout, a network error, a token that is not a valid header
// value) is not remembered: a later call tries again, after a wait that
// grows with each failure in a row (0.5 s doubling to 30 s, jittered;
// WithRetryBackoff does not change it). An attempt that ended without an
// answer may have been rejected, so it is such a failure too. Each
// authentication attempt is given at least 30 s whatever
// WithAttemptTimeout or WithCallAttemptTimeout say, and a caller giving up
// does not cut it short: a slow rejection is seen and remembered.
//
// Several processes sharing one partner account should not each hold the
// credentials: see WithTokenSource.
func WithPartnerCredentials(partnerID, partnerSecret string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(partnerID) == "" || strings.TrimSpace(partnerSecret) == "" {
			return errors.New(errPrefix + "WithPartnerCredentials: partner id and partner secret must both be set")
		}
		s.PartnerID, s.PartnerSecret = partnerID, partnerSecret
		s.Sources = append(s.Sources, "WithPartnerCredentials")
		return nil
	}
}

// WithTokenSource takes each call's Finicity-App-Token from ts, a token
// kept outside this client: in a file, a secret store, a cache shared by
// every replica of a service. On a 401 with reason code 10023 the client
// calls ts.Invalidate with the expired token, asks ts.Token once more, and
// replays the request once if the token changed hands.
//
// Why: five failed partner authentications lock the partner account. If
// every replica of a service authenticates on its own, a rotated secret
// that one of them has not picked up yet, or five replicas each trying a
// stale secret once, lock the account for all of them. With one process
// authenticating (Partners.Authenticate) and writing the token to a shared
// store, and every replica reading it through a TokenSource, one stale
// secret costs one failure. See ExampleWithTokenSource for a file-backed
// source.
func WithTokenSource(ts TokenSource) Option {
	return func(s *settings) error {
		if ts == nil {
			return errors.New(errPrefix + "WithTokenSource: token source is nil")
		}
		s.TokenSource = ts
		s.Sources = append(s.Sources, "WithTokenSource")
		return nil
	}
}

// WithTokenMaxAge sets how long a token from partner credentials is reused
// before a new one is fetched (default 90 minutes). Tokens are valid for
// two hours; a longer max age only means relying on the 10023 refresh.
func WithTokenMaxAge(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("%sWithTokenMaxAge: %v is not positive", errPrefix, d)
		}
		s.TokenMaxAge = d
		return nil
	}
}

// WithBaseURL points the client at another endpoint, such as the local
// sandbox. Plain http:// is refused for any host but loopback, because the
// app key and token would travel in clear; so are a query, a fragment
// and user info (user:password@), which have no place in an endpoint.
func WithBaseURL(baseURL string) Option {
	return func(s *settings) error {
		s.BaseURL = baseURL
		return nil
	}
}

// WithHTTPClient sends requests through hc instead of a new *http.Client.
// Use it to set timeouts, proxies or a custom transport. The client's own
// behaviour (authentication, retries, logging, validation, middleware)
// wraps hc, so it applies whatever hc is. hc is used through a copy whose
// CheckRedirect follows no redirect (a 3xx is an *Error carrying its
// Location), so that no credential leaves for another origin; hc itself
// is not changed. With neither a cookie jar nor a Timeout, each attempt
// goes to hc's Transport directly: all Do would add is the following of
// redirects. Its errors read as Do's (a *url.Error).
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New(errPrefix + "WithHTTPClient: client is nil")
		}
		s.HTTPClient = hc
		return nil
	}
}

// WithRequestEditor adds fn to the functions that edit every request when
// it is built, before it enters the middleware. Editors run in the order
// given, after the User-Agent is set and before the Finicity-App-Key and
// Finicity-App-Token headers are, so they cannot replace the credentials.
func WithRequestEditor(fn func(ctx context.Context, req *http.Request) error) Option {
	return func(s *settings) error {
		if fn == nil {
			return errors.New(errPrefix + "WithRequestEditor: function is nil")
		}
		s.Editors = append(s.Editors, fn)
		return nil
	}
}

// WithMiddleware adds mw to the client's middleware, inside the retry
// loop: each wraps every attempt, sees the request with its credentials
// and the response with its body already read into memory, and may change
// either: wrap the body, or return another response. What it returns is
// read in turn (within the attempt's time limit) and is what the layers
// above use: token replay, retries, validation, decoding. The first
// middleware given is the outermost. See Client for where they sit among
// the built-in layers.
func WithMiddleware(mw ...Middleware) Option {
	return func(s *settings) error {
		for i, m := range mw {
			if m == nil {
				return fmt.Errorf("%sWithMiddleware: middleware %d is nil", errPrefix, i)
			}
		}
		s.Middleware = append(s.Middleware, mw...)
		return nil
	}
}

// WithRetries sets how many times a request is retried after the first
// attempt (default 2; 0 disables retries).
//
// Only idempotent requests (GET, DELETE) are retried, and only on a
// transient failure: a connection refused or reset, a connection closed
// before the answer, a timeout (WithAttemptTimeout's included), or a 429,
// 502, 503 or 504 answer. Certificate and other TLS errors, DNS failures
// and the caller's own cancelled or expired context are never retried:
// another try cannot heal them. A POST is never sent twice once it may
// have reached the server, since that could create a duplicate; it is
// retried only when its connection could not even be opened.
func WithRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return fmt.Errorf("%sWithRetries: %d is negative", errPrefix, n)
		}
		s.Retry.MaxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the wait before the first retry (base, default
// 0.5 s) and the longest wait (max, default 8 s). The wait doubles with
// each retry and is jittered between half and all of its value.
//
// A Retry-After header from the server (on a 429, 502, 503 or 504)
// replaces the computed wait, and is waited in full. When it asks for
// longer than max, the client does not retry early: it returns the answer
// at once, as an *Error whose Header holds the Retry-After, for the caller
// to decide. Likewise, a wait that would outlast the context's deadline
// is not begun: the last answer is returned instead of a context error.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(s *settings) error {
		if base <= 0 || max < base {
			return fmt.Errorf("%sWithRetryBackoff: need 0 < base <= max, got base %v, max %v", errPrefix, base, max)
		}
		s.Retry.BaseDelay, s.Retry.MaxDelay = base, max
		return nil
	}
}

// WithAttemptTimeout bounds each attempt, reading its response included
// (default 30 s, DefaultAttemptTimeout; 0 removes the limit, leaving the
// context and the http.Client's Timeout). A GET or DELETE attempt that
// times out is retried like a connection error; the context passed to a
// call still bounds the call as a whole. A server that sends headers and
// then a body that never ends, or answers 101 Switching Protocols, cannot
// hold a call past this limit. Partner authentication is given at least
// 30 s per attempt whatever this limit (or WithCallAttemptTimeout) is:
// cut short, it could be rejected without the client learning it.
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("%sWithAttemptTimeout: %v is negative", errPrefix, d)
		}
		s.AttemptTimeout = d
		return nil
	}
}

// WithLogger logs each HTTP attempt at debug level: method, path, status,
// attempt number and duration, plus retries, token refreshes and
// failures. The app key, the token and the partner secret are never
// logged. A nil logger disables logging (the default).
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		s.Logger = l
		return nil
	}
}

// WithRequestValidation checks every outgoing request against the
// embedded OpenAPI document before it is sent. An invalid request fails
// with a *ValidationError naming the field and the rule, never the value,
// and reaches no server. (With partner credentials, the very first call
// still fetches a token first: the credentials are set when the request
// is built.) Its cost is measured by `make bench` (README, Benchmarks): a
// few microseconds per call.
func WithRequestValidation() Option {
	return func(s *settings) error {
		s.ValidateRequests = true
		return nil
	}
}

// WithResponseValidation checks every response strictly against the
// embedded OpenAPI document: a status the operation does not document,
// or a body that does not match its schema, fails the call with a
// *ValidationError (Response true) instead of being decoded; for a
// non-2xx answer, that error also wraps the *Error. Meant for tests and
// for catching API drift early.
func WithResponseValidation() Option {
	return func(s *settings) error {
		s.ValidateResponses = true
		return nil
	}
}
