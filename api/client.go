package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/retry"
)

// core is what NewClient made of the options; Client (generated) embeds it.
type core struct {
	baseURL   string
	server    string // baseURL with a trailing slash, for gen's request builders
	generated *gen.ClientWithResponses
	mask      *masker

	hc         *http.Client // the caller's, copied: it follows no redirect
	honours    bool         // hc's bodies end their reads with the request's context
	middleware []Middleware
	logger     *slog.Logger
	retry      retry.Policy
	defaults   callSettings // of a call without options
	validator  *validator   // nil without validation

	// Functions hold the credentials: printing a Client shows none.
	editors    []func(context.Context, *http.Request) error // WithRequestEditor's
	auth       func(context.Context, *http.Request) error   // sets the credentials
	invalidate func(token string)                           // nil: a token that cannot be renewed
	reset      func(partnerID, partnerSecret string)        // WithPartnerCredentials only
}

// NewClient returns a client that authenticates every call with appKey
// (the Finicity-App-Key from the developer dashboard) and a
// Finicity-App-Token from exactly one of WithAppToken,
// WithPartnerCredentials or WithTokenSource:
//
//	c, err := api.NewClient(appKey, api.WithPartnerCredentials(partnerID, partnerSecret))
//
// It fails, naming the problem, on an empty app key, a missing or doubled
// token source, an invalid option, or a base URL that is not https (http
// for loopback only) or carries a query, a fragment or user info. The
// package documentation tells a call's way.
func NewClient(appKey string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(appKey) == "" {
		return nil, errors.New(errPrefix + "app key is empty: pass the Finicity-App-Key from the developer dashboard")
	}
	s := settings{BaseURL: DefaultBaseURL, HTTPClient: &http.Client{}, TokenMaxAge: DefaultTokenMaxAge,
		Retry: retry.Default(), AttemptTimeout: DefaultAttemptTimeout}
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%soption %d is nil", errPrefix, i)
		}
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	switch {
	case len(s.Sources) == 0:
		return nil, errors.New(errPrefix + "no Finicity-App-Token: give one of WithAppToken, WithPartnerCredentials or WithTokenSource")
	case len(s.Sources) > 1:
		return nil, fmt.Errorf("%sboth %s and %s give the Finicity-App-Token: keep one", errPrefix, s.Sources[0], s.Sources[1])
	}
	if err := checkBaseURL(s.BaseURL); err != nil {
		return nil, err
	}
	if _, err := chain(s.Middleware, DoerFunc(nil), nil); err != nil {
		return nil, fmt.Errorf("%sWithMiddleware: %w", errPrefix, err)
	}
	mask := &masker{new(redact.Masker)}
	for _, secret := range []string{appKey, s.AppToken, s.PartnerSecret} {
		mask.Learn(secret)
	}
	hc := *s.HTTPClient // a copy that follows no redirect: the 3xx is the answer
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{core: core{baseURL: s.BaseURL, server: strings.TrimSuffix(s.BaseURL, "/") + "/", mask: mask,
		hc: &hc, honours: stdTransport(hc.Transport), middleware: s.Middleware, logger: s.Logger, retry: s.Retry,
		defaults: callSettings{retries: s.Retry.MaxRetries, attemptTimeout: s.AttemptTimeout}, editors: s.Editors}}
	c.initServices()

	token := func(context.Context) (string, error) { return s.AppToken, nil }
	if s.AppToken == "" {
		ts := s.TokenSource
		if ts == nil {
			type partnerCredentials struct{ id, secret string }
			creds := new(atomic.Pointer[partnerCredentials])
			creds.Store(&partnerCredentials{s.PartnerID, s.PartnerSecret})
			// Partner authentication through c itself, with the credentials
			// of the moment.
			partner := auth.NewPartnerToken(func(ctx context.Context) (string, error) {
				cr := creds.Load()
				tok, err := c.Partners.Authenticate(ctx, PartnerCredentials{PartnerID: cr.id, PartnerSecret: NewSecret(cr.secret)})
				if apiErr, ok := errors.AsType[*Error](err); ok && errors.Is(err, ErrCredentialsRejected) {
					return "", &auth.RejectedError{Err: &rejectedError{apiErr}}
				} else if err != nil {
					return "", err
				}
				return tok.Token.Reveal(), nil
			}, s.TokenMaxAge, s.AttemptTimeout)
			c.reset = func(id, secret string) {
				creds.Store(&partnerCredentials{id, secret})
				partner.Reset()
			}
			ts = partner
		}
		token = func(ctx context.Context) (string, error) {
			tok, err := ts.Token(ctx)
			mask.Remember(tok) // masked in error text wherever it shows
			return tok, err
		}
		c.invalidate = ts.Invalidate
	}
	c.auth = auth.Editor(appKey, token)
	var err error
	if s.ValidateRequests || s.ValidateResponses {
		if c.validator, err = newValidator(s.BaseURL, s.ValidateRequests, s.ValidateResponses, mask); err != nil {
			return nil, err
		}
	}
	ua := gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error { setUserAgent(req); return nil })
	generated, err := gen.NewClient(s.BaseURL, gen.WithHTTPClient(DoerFunc(c.doGenerated)), ua)
	if err != nil {
		return nil, fmt.Errorf("%s%w", errPrefix, err)
	}
	c.generated = &gen.ClientWithResponses{ClientInterface: maskedGenerated{generated, mask}}
	return c, nil
}

// doGenerated is the Doer of Generated's client.
func (c *Client) doGenerated(req *http.Request) (*http.Response, error) {
	r, err := c.send(req, &c.defaults)
	if err != nil {
		return nil, c.mask.wrap(err, req)
	}
	return r.http(), nil
}

// Version is this SDK's version, sent in the User-Agent of every request.
const Version = "0.10.0"

func setUserAgent(req *http.Request) { req.Header.Set("User-Agent", "finicity-connect-go/"+Version) }

// Generated returns the client generated from openapi.yaml, whose calls
// go c's way. Its XxxWithResponse methods decode every documented status
// (JSON200, JSON404, ...), none an error; its ClientInterface (masking
// *gen.Client, which Unwrap gives) returns the *http.Response. It follows
// oapi-codegen, not this package's stability: prefer the services.
func (c *Client) Generated() *gen.ClientWithResponses { return c.generated }

// BaseURL returns the endpoint the client talks to.
func (c *Client) BaseURL() string { return c.baseURL }

// String and GoString describe the client without its credentials.
func (c *Client) String() string   { return "api.Client{BaseURL: " + c.baseURL + "}" }
func (c *Client) GoString() string { return c.String() }

// ResetPartnerCredentials makes the client authenticate with partnerID
// and partnerSecret from its next call on, forgetting a remembered
// rejection (ErrCredentialsRejected) and the token: for a reloaded secret,
// or (the same again) an unlocked account. It fails without
// WithPartnerCredentials, and on empty values.
func (c *Client) ResetPartnerCredentials(partnerID, partnerSecret string) error {
	if c.reset == nil {
		return errors.New(errPrefix + "ResetPartnerCredentials: the client was not made WithPartnerCredentials")
	}
	if strings.TrimSpace(partnerID) == "" || strings.TrimSpace(partnerSecret) == "" {
		return errors.New(errPrefix + "ResetPartnerCredentials: partner id and partner secret must both be set")
	}
	c.mask.Learn(partnerSecret)
	c.reset(partnerID, partnerSecret)
	return nil
}

// masker hides the client's credentials in its error and log texts. They
// sit a pointer away: fmt, printing a Client by reflection with %s, shows
// what a field points to, not what that points to.
type masker struct{ *redact.Masker }

// forRequest masks text about req (nil: none yet) and its secrets extra.
func (m *masker) forRequest(req *http.Request, extra ...string) maskFunc {
	if req != nil {
		extra = append([]string{req.Header.Get(auth.HeaderAppKey), req.Header.Get(auth.HeaderAppToken)}, extra...)
	}
	return m.Func(extra...)
}

// wrap is the way out of every error: one this package built (told by
// its type, not its text) is masked already; any other becomes a
// *transportError masked for req and extra.
func (m *masker) wrap(err error, req *http.Request, extra ...string) error {
	switch e := err.(type) {
	case *Error:
		if e.mask == nil {
			e.mask = m.forRequest(req, extra...) // a middleware's
		}
		return e
	case *DecodeError, *ValidationError, *transportError, *rejectedError:
		return e
	}
	return &transportError{err: err, mask: m.forRequest(req, extra...)}
}

// checkBaseURL refuses what is not an absolute http(s) URL, plain http for
// a host that is not loopback, a query, a fragment and user info. Its
// errors never show a password.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error quotes the URL, password included: not here.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return fmt.Errorf("%sbase URL is not a URL: %w", errPrefix, err)
	}
	shown := u.Redacted()
	switch {
	case u.User != nil:
		return fmt.Errorf("%sbase URL %q carries user info: the API authenticates with the app key and token, not a password in the URL; remove it", errPrefix, shown)
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("%sbase URL %q has a query: every call would be sent to a wrong path; give the endpoint alone", errPrefix, shown)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("%sbase URL %q has a fragment: every call would be sent to a wrong path; give the endpoint alone", errPrefix, shown)
	case u.Host == "":
		return fmt.Errorf("%sbase URL %q has no host", errPrefix, shown)
	case u.Scheme == "https":
		return nil
	case u.Scheme != "http":
		return fmt.Errorf("%sbase URL %q must use https (or http on loopback)", errPrefix, shown)
	}
	if ip := net.ParseIP(u.Hostname()); strings.EqualFold(u.Hostname(), "localhost") || ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%sbase URL %q uses plain http for a host that is not loopback: the app key and token would travel in clear; use https", errPrefix, shown)
}

// TokenSource supplies the Finicity-App-Token of each call, for
// WithTokenSource; it must be safe for concurrent use.
type TokenSource interface {
	// Token returns the token to send now (an error fails the call).
	Token(ctx context.Context) (string, error)
	// Invalidate reports that the API refused token as expired (401,
	// reason 10023), perhaps from many calls at once: Token should not
	// return it again (re-read the shared store, say).
	Invalidate(token string)
}

// rejectedError is every call's error once the partner credentials were
// refused; the *Error it wraps matches ErrCredentialsRejected.
type rejectedError struct{ apiErr *Error }

func (e *rejectedError) Error() string {
	return errPrefix + "partner credentials rejected, and not tried again since repeated failures lock the partner account (fix them, then call ResetPartnerCredentials): " +
		strings.TrimPrefix(e.apiErr.Error(), errPrefix)
}

func (e *rejectedError) Unwrap() error    { return e.apiErr }
func (e *rejectedError) GoString() string { return fmt.Sprintf("api.rejectedError(%q)", e.Error()) }

// stdTransport reports whether t is net/http's own Transport (nil is the
// default one), whose bodies end their reads when the request's context
// ends: the client then need not watch them.
func stdTransport(t http.RoundTripper) bool {
	_, std := t.(*http.Transport)
	return t == nil || std
}
