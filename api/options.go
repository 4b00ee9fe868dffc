package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/retry"
)

// Defaults of the options below.
const (
	// DefaultTokenMaxAge is how long a token from partner credentials is
	// reused (tokens are valid for two hours).
	DefaultTokenMaxAge = auth.DefaultMaxAge
	// DefaultRetries is how many times a failed GET or DELETE is retried.
	DefaultRetries = retry.DefaultMaxRetries
	// DefaultRetryBaseDelay is the wait before the first retry; it doubles
	// for each further retry.
	DefaultRetryBaseDelay = retry.DefaultBaseDelay
	// DefaultRetryMaxDelay caps every wait, Retry-After included.
	DefaultRetryMaxDelay = retry.DefaultMaxDelay
)

// Option configures a Client.
type Option func(*settings) error

type settings struct {
	baseURL    string
	httpClient gen.HttpRequestDoer
	editors    []gen.RequestEditorFn

	partnerID, partnerSecret string
	hasCredentials           bool
	tokenMaxAge              time.Duration

	retry  retry.Policy
	logger *slog.Logger

	validateRequests, validateResponses bool

	now func() time.Time // clock of token ages; tests move it
}

func defaultSettings() settings {
	return settings{
		baseURL:     DefaultBaseURL,
		httpClient:  &http.Client{},
		tokenMaxAge: DefaultTokenMaxAge,
		retry:       retry.Default(),
		now:         time.Now,
	}
}

// WithBaseURL points the client at another endpoint, such as the local
// sandbox. Plain http:// is refused for any host but loopback, because the
// app key and token would travel in clear.
func WithBaseURL(baseURL string) Option {
	return func(s *settings) error {
		s.baseURL = baseURL
		return nil
	}
}

// WithHTTPClient sends requests through hc instead of a default
// *http.Client. Use it to set timeouts, proxies or a custom transport. The
// client's own behaviour (authentication, retries, logging, validation)
// wraps hc, so it applies whatever hc is.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("api: WithHTTPClient: client is nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithRequestEditor adds fn to every request. Editors run when the request
// is built, before validation and before the authentication headers are
// set (those are set last, on each attempt, so a refreshed token is used
// when a request is replayed).
func WithRequestEditor(fn gen.RequestEditorFn) Option {
	return func(s *settings) error {
		if fn == nil {
			return errors.New("api: WithRequestEditor: function is nil")
		}
		s.editors = append(s.editors, fn)
		return nil
	}
}

// WithPartnerCredentials makes the client obtain its Finicity-App-Token
// itself, from partner authentication (POST
// /aggregation/v2/partners/authentication), instead of taking a fixed
// token: pass "" as NewClient's appToken.
//
// The token is fetched on first use, shared by every goroutine using the
// client, and renewed once it is older than the token max age
// (WithTokenMaxAge, default 90 minutes); concurrent calls that need a new
// token share a single fetch. When the API answers 401 with reason code
// 10023 (expired token), the client fetches a new token once and sends the
// request once more, if its body can be sent again (the typed methods'
// bodies always can).
//
// If partner authentication rejects the credentials (400 or 401), the call
// fails with an error wrapping the *Error, and the client remembers it:
// every later call fails at once with the same error without contacting
// the server, because repeated failures lock the partner account. Make a
// new client once the credentials are fixed. Network errors and 5xx
// answers are not remembered: the next call tries again.
func WithPartnerCredentials(partnerID, partnerSecret string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(partnerID) == "" || strings.TrimSpace(partnerSecret) == "" {
			return errors.New("api: WithPartnerCredentials: partner id and partner secret must both be set")
		}
		s.partnerID, s.partnerSecret, s.hasCredentials = partnerID, partnerSecret, true
		return nil
	}
}

// WithTokenMaxAge sets how long a token from partner credentials is reused
// before a new one is fetched (default 90 minutes). Tokens are valid for
// two hours; a longer max age only means relying on the 10023 refresh.
func WithTokenMaxAge(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("api: WithTokenMaxAge: %v is not positive", d)
		}
		s.tokenMaxAge = d
		return nil
	}
}

// WithRetries sets how many times a request is retried after the first
// attempt (default 2; 0 disables retries).
//
// Only idempotent requests (GET, DELETE) are retried, on a connection
// error or a 429, 502, 503 or 504 answer. A POST is never sent twice once
// it may have reached the server, since that could create a duplicate; it
// is retried only when the connection could not even be opened.
func WithRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return fmt.Errorf("api: WithRetries: %d is negative", n)
		}
		s.retry.MaxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the wait before the first retry (base, default
// 0.5 s) and the longest wait (max, default 8 s). The wait doubles with
// each retry and is jittered between half and all of its value. A
// Retry-After header from the server replaces the computed wait, capped
// at max.
func WithRetryBackoff(base, max time.Duration) Option {
	return func(s *settings) error {
		if base <= 0 || max < base {
			return fmt.Errorf("api: WithRetryBackoff: need 0 < base <= max, got base %v, max %v", base, max)
		}
		s.retry.BaseDelay, s.retry.MaxDelay = base, max
		return nil
	}
}

// WithAttemptTimeout bounds each attempt, reading its response included
// (default: no bound beyond the context and the http.Client). A GET or
// DELETE attempt that times out is retried like a connection error; the
// context passed to a call still bounds the call as a whole.
func WithAttemptTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("api: WithAttemptTimeout: %v is negative", d)
		}
		s.retry.AttemptTimeout = d
		return nil
	}
}

// WithLogger logs each HTTP attempt at debug level: method, path, status,
// attempt number and duration, plus retries, token refreshes and
// failures. The app key, the token and the partner secret are never
// logged. A nil logger disables logging (the default).
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		s.logger = l
		return nil
	}
}

// WithRequestValidation checks every outgoing request against the
// embedded OpenAPI document before anything is sent (no token fetch, no
// request). An invalid request fails with a *ValidationError naming the
// field and the rule, never the value. Its cost is measured by `make
// bench` (README, Benchmarks): a few microseconds per call, small next to
// a network round trip.
func WithRequestValidation() Option {
	return func(s *settings) error {
		s.validateRequests = true
		return nil
	}
}

// WithResponseValidation checks every response strictly against the
// embedded OpenAPI document: a status the operation does not document,
// or a body that does not match its schema, fails the call with a
// *ValidationError (Response true) instead of being decoded. Meant for
// tests and for catching API drift early.
func WithResponseValidation() Option {
	return func(s *settings) error {
		s.validateResponses = true
		return nil
	}
}

// Test hooks, exported to the package's tests by export_test.go.

func withRetrySleep(f func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) error { s.retry.Sleep = f; return nil }
}

func withRetryJitter(f func(d time.Duration) time.Duration) Option {
	return func(s *settings) error { s.retry.Jitter = f; return nil }
}

func withClock(now func() time.Time) Option {
	return func(s *settings) error { s.now = now; return nil }
}

// ErrCredentialsRejected matches (errors.Is) the error of any call made
// after partner authentication refused the credentials given to
// WithPartnerCredentials. The same error also wraps the API's *Error.
var ErrCredentialsRejected = auth.ErrRejected
