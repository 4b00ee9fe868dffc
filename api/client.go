// Package api is the Data Connect Components client users import.
//
// NewClient wires the client generated from openapi.yaml (package gen) to
// authentication and transport behaviour. With a fixed token:
//
//	c, err := api.NewClient(appKey, appToken)
//
// or, letting the client fetch and renew tokens from partner credentials:
//
//	c, err := api.NewClient(appKey, "", api.WithPartnerCredentials(partnerID, partnerSecret))
//	cfg, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
//
// Every operation is a method returning the decoded success value or an
// error; a non-2xx answer is an *Error (errors.As), anything else is a
// transport failure. Client embeds *gen.ClientWithResponses, so the
// generated XxxWithResponse methods remain available.
//
// # Behaviour
//
//   - Tokens (WithPartnerCredentials): fetched on first use, shared across
//     goroutines, renewed after 90 minutes (WithTokenMaxAge), one shared
//     fetch for concurrent callers, one refresh and one replay on a 401
//     with reason code 10023, rejected credentials never retried.
//   - Retries (WithRetries, WithRetryBackoff, WithAttemptTimeout): GET and
//     DELETE are retried twice on connection errors, 429, 502, 503 and 504,
//     with jittered exponential backoff from 0.5 s to 8 s, honouring
//     Retry-After; a POST is never re-sent once it may have reached the
//     server. A cancelled context stops any wait at once.
//   - Logging (WithLogger): one log/slog debug record per attempt.
//   - Validation (WithRequestValidation, WithResponseValidation): requests
//     and responses checked against the embedded OpenAPI document.
//
// # Secrets
//
// The app key, the token and the partner secret never appear in log
// records or in error strings produced by this package.
package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/retry"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// DefaultBaseURL is the production API endpoint.
const DefaultBaseURL = "https://api.finicity.com"

// Client is a ready-to-use Data Connect Components client. It is safe for
// concurrent use.
type Client struct {
	*gen.ClientWithResponses

	baseURL string
	tokens  auth.TokenSource
}

// BaseURL returns the endpoint the client talks to.
func (c *Client) BaseURL() string { return c.baseURL }

// Token returns the Finicity-App-Token the client currently sends: the
// fixed token, or with WithPartnerCredentials the cached token, fetching a
// new one if there is none or it is too old. It is a credential: do not
// log it.
func (c *Client) Token(ctx context.Context) (string, error) {
	return c.tokens.Token(ctx)
}

// NewClient builds a client that authenticates every request with appKey
// (Finicity-App-Key) and a Finicity-App-Token: appToken, or, with
// WithPartnerCredentials (appToken then ""), tokens the client obtains
// itself. Exactly one of the two must be given.
func NewClient(appKey, appToken string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(appKey) == "" {
		return nil, errors.New("api: app key is empty: pass the Finicity-App-Key from the developer dashboard")
	}
	s := defaultSettings()
	for _, opt := range opts {
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	switch {
	case s.hasCredentials && appToken != "":
		return nil, errors.New("api: both an app token and partner credentials given: pass \"\" as the app token with WithPartnerCredentials, or drop the credentials")
	case !s.hasCredentials && strings.TrimSpace(appToken) == "":
		return nil, errors.New("api: app token is empty: pass a Finicity-App-Token from partner authentication, or use WithPartnerCredentials")
	}
	if err := checkBaseURL(s.baseURL); err != nil {
		return nil, err
	}

	secrets := []string{appKey, appToken, s.partnerSecret}
	var doer gen.HttpRequestDoer = s.httpClient
	if s.logger != nil {
		doer = &logDoer{next: doer, log: s.logger, secrets: secrets}
		s.retry.OnRetry = retryLogger(s.logger, secrets)
	}
	doer = retry.Wrap(doer, s.retry)

	// Held through a pointer, so that printing the Client (%+v) shows an
	// address, never the token.
	static := auth.StaticToken(appToken)
	var tokens auth.TokenSource = &static
	if s.hasCredentials {
		// Partner authentication shares retry (a no-op for POST but for
		// dial failures) and logging, and its request is validated like
		// any other, but it has its own auth layer (the app key alone) and
		// no response validation: whether the credentials were rejected is
		// decided by the status alone, so that an answer off the spec can
		// never turn a rejection into something retried on the next call.
		tokenDoer, err := s.validateWith(auth.Transport(doer, appKey, nil, nil), s.validateRequests, false)
		if err != nil {
			return nil, err
		}
		tc, err := gen.NewClient(s.baseURL, gen.WithHTTPClient(tokenDoer))
		if err != nil {
			return nil, fmt.Errorf("api: %w", err)
		}
		tokens = auth.NewPartnerToken(tokenFetcher(tc, s.partnerID, s.partnerSecret, secrets), s.tokenMaxAge, s.now)
	}
	doer, err := s.validateWith(auth.Transport(doer, appKey, tokens, replayLogger(s.logger)), s.validateRequests, s.validateResponses)
	if err != nil {
		return nil, err
	}

	genOpts := []gen.ClientOption{gen.WithHTTPClient(doer)}
	for _, ed := range s.editors {
		genOpts = append(genOpts, gen.WithRequestEditorFn(ed))
	}
	cwr, err := gen.NewClientWithResponses(s.baseURL, genOpts...)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	return &Client{ClientWithResponses: cwr, baseURL: s.baseURL, tokens: tokens}, nil
}

// validateWith wraps next in the validation layer when requests or
// responses are to be validated.
func (s *settings) validateWith(next gen.HttpRequestDoer, requests, responses bool) (gen.HttpRequestDoer, error) {
	if !requests && !responses {
		return next, nil
	}
	v, err := specdoc.Validator()
	if err != nil {
		return nil, fmt.Errorf("api: load embedded OpenAPI document: %w", err)
	}
	return &validatingDoer{next: next, v: v, requests: requests, response: responses}, nil
}

// String and GoString describe the client without its credentials.
func (c *Client) String() string   { return "api.Client{BaseURL: " + c.baseURL + "}" }
func (c *Client) GoString() string { return c.String() }

// checkBaseURL refuses URLs that are not absolute http(s) URLs, and plain
// http for anything but a loopback host.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("api: base URL %q is not a URL: %w", raw, err)
	}
	if u.Host == "" {
		return fmt.Errorf("api: base URL %q has no host", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("api: base URL %q uses plain http for a non-loopback host: the app key and token would travel in clear; use https", raw)
	default:
		return fmt.Errorf("api: base URL %q must use https (or http on loopback)", raw)
	}
}

// IsLoopback reports whether host names this machine: localhost or a
// loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
