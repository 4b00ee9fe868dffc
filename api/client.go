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

// core is the client's hand-written part: what NewClient made of the
// options, used by the request path (send.go). Client (api/services.gen.go,
// generated from the spec) embeds it beside a field per service.
type core struct {
	baseURL string
	// server is the base URL as the typed methods give it to gen's
	// request builders (see builderServer).
	server    string
	generated *gen.ClientWithResponses
	mask      *masker

	hc         *http.Client // the caller's, copied: it follows no redirect
	middleware []Middleware
	logger     *slog.Logger
	retry      retry.Policy
	defaults   callSettings // of a call without options
	validator  *validator   // nil without WithRequestValidation or WithResponseValidation

	// What holds a credential is reached through functions only, so that
	// printing a Client, even by reflection, shows none.
	editors    []func(context.Context, *http.Request) error // WithRequestEditor's
	auth       func(context.Context, *http.Request) error   // puts the credentials on a request
	invalidate func(token string)                           // nil: the token cannot be renewed
	reset      func(partnerID, partnerSecret string)        // WithPartnerCredentials only
}

type partnerCredentials struct{ id, secret string }

// NewClient returns a client that authenticates every call with appKey
// (the Finicity-App-Key from the developer dashboard) and a
// Finicity-App-Token from exactly one of WithAppToken,
// WithPartnerCredentials or WithTokenSource:
//
//	c, err := api.NewClient(appKey, api.WithPartnerCredentials(partnerID, partnerSecret))
//
// Each call then goes out as the package documentation's "A call's way"
// tells: credentials set, your middleware around each attempt, retries,
// token renewal, no redirect followed.
//
// It fails, naming the problem, on an empty app key, a missing or doubled
// token source, an invalid option, or a base URL that is not https (plain
// http is accepted for loopback hosts only) or that carries a query, a
// fragment or user info.
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
	switch len(s.Sources) {
	case 0:
		return nil, errors.New(errPrefix + "no Finicity-App-Token: give one of WithAppToken, WithPartnerCredentials or WithTokenSource")
	case 1:
	default:
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
	c := &Client{core: core{baseURL: s.BaseURL, server: builderServer(s.BaseURL), mask: mask,
		hc: noRedirects(s.HTTPClient), middleware: s.Middleware, logger: s.Logger, retry: s.Retry,
		defaults: callSettings{retries: s.Retry.MaxRetries, attemptTimeout: s.AttemptTimeout}, editors: s.Editors}}
	c.initServices()

	var token func(context.Context) (string, error)
	if tok := s.AppToken; tok != "" {
		token = func(context.Context) (string, error) { return tok, nil }
	} else {
		ts := s.TokenSource
		if ts == nil {
			creds := new(atomic.Pointer[partnerCredentials])
			creds.Store(&partnerCredentials{s.PartnerID, s.PartnerSecret})
			partner := auth.NewPartnerToken(partnerFetch(c, creds), s.TokenMaxAge, s.AttemptTimeout)
			c.reset = func(id, secret string) {
				creds.Store(&partnerCredentials{id, secret})
				partner.Reset()
			}
			ts = partner
		}
		// Every token sent is masked in error text wherever it shows.
		token = func(ctx context.Context) (string, error) {
			tok, err := ts.Token(ctx)
			mask.Remember(tok)
			return tok, err
		}
		c.invalidate = ts.Invalidate
	}
	c.auth = auth.Editor(appKey, token)
	if s.ValidateRequests || s.ValidateResponses {
		v, err := newValidator(s.BaseURL, s.ValidateRequests, s.ValidateResponses, mask)
		if err != nil {
			return nil, err
		}
		c.validator = v
	}
	// The typed methods build their requests with gen's builders and send
	// them with finish; Generated's requests are sent at once, with the
	// client's defaults.
	ua := gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		setUserAgent(req)
		return nil
	})
	generated, err := gen.NewClient(s.BaseURL, gen.WithHTTPClient(DoerFunc(c.doGenerated)), ua)
	if err != nil {
		return nil, fmt.Errorf("%s%w", errPrefix, err)
	}
	c.generated = &gen.ClientWithResponses{ClientInterface: maskedGenerated{generated, mask}}
	return c, nil
}

// doGenerated is the Doer of Generated's client: the same editors and
// request path as the typed methods, its errors masked on the way out.
func (c *Client) doGenerated(req *http.Request) (*http.Response, error) {
	r, err := c.send(req, &c.defaults)
	if err != nil {
		return nil, c.mask.wrap(err, req)
	}
	return r.http(), nil
}

// userAgentValue is shared by every request: net/http only reads it, and
// an append to a full slice copies it.
var userAgentValue = []string{userAgent}

func setUserAgent(req *http.Request) {
	req.Header["User-Agent"] = userAgentValue[:1:1]
}

// builderServer is the server URL the typed methods give gen's request
// builders for baseURL, which resolve each operation's path below it:
// baseURL with a trailing slash, as gen.NewClient makes it, so that a
// base path is kept ("https://host/proxy" -> "https://host/proxy/"). With
// no base path the slash changes nothing (the path resolves alike below
// "" and "/"), and without it the builder spares a string concatenation
// on every call.
func builderServer(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err == nil && (u.Path == "" || u.Path == "/") && u.RawPath == "" {
		return strings.TrimSuffix(baseURL, "/")
	}
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	return baseURL
}

// Generated returns the client generated from openapi.yaml, wired through
// the same editors and request path as c (credentials, retries,
// validation, logging, middleware). Its XxxWithResponse methods decode
// every documented status into JSON200, JSON404, ... fields without
// turning any into an error, and its ClientInterface methods return the
// raw *http.Response (its body already read into memory). Its errors are
// masked like the typed methods', those of the request editors passed to
// one of its methods (reqEditors) included: its ClientInterface is a
// wrapper of gen's *gen.Client that masks their errors, whose
// Unwrap() gen.ClientInterface method gives the *gen.Client. Its API
// follows oapi-codegen and the operation ids of openapi.yaml, not this
// package's promise of stability; prefer the services.
func (c *Client) Generated() *gen.ClientWithResponses { return c.generated }

// BaseURL returns the endpoint the client talks to.
func (c *Client) BaseURL() string { return c.baseURL }

// String and GoString describe the client without its credentials.
func (c *Client) String() string   { return "api.Client{BaseURL: " + c.baseURL + "}" }
func (c *Client) GoString() string { return c.String() }

// ResetPartnerCredentials makes the client authenticate with partnerID
// and partnerSecret from its next call on, forgetting a remembered
// rejection (ErrCredentialsRejected) and the current token: for a process
// that reloaded its partner secret. Passing the same credentials again
// clears the rejection alone, for when the account was unlocked. It fails
// for a client without WithPartnerCredentials, and on empty values.
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

// masker hides the client's credentials in the text that leaves it
// (error strings, log records): its own, the tokens it sent lately, and
// those of the request at hand. The secrets sit a pointer further away:
// fmt, printing a Client's fields by reflection with %s or %q, shows
// what a field points to, but not what that points to.
type masker struct{ *redact.Masker }

// forRequest returns the masking of text about req (nil: none yet); extra
// are the call's own secrets (a partner secret in its body).
func (m *masker) forRequest(req *http.Request, extra ...string) func(string) string {
	if req != nil {
		extra = append([]string{req.Header.Get(auth.HeaderAppKey), req.Header.Get(auth.HeaderAppToken)}, extra...)
	}
	return m.Func(extra...)
}

// wrap is the way out of every error: one this package built (an
// sdkError, told by its type) is returned as it is, its text already
// masked; any other (the transport's, a middleware's, a TokenSource's, a
// request editor's) becomes a *transportError whose text carries the
// package's prefix and is masked for req and extra.
func (m *masker) wrap(err error, req *http.Request, extra ...string) error {
	if e, ok := err.(sdkError); ok {
		if apiErr, ok := e.(*Error); ok && apiErr.mask == nil {
			// Built by a middleware of the user's: mask it like ours.
			apiErr.mask = m.forRequest(req, extra...)
		}
		return e
	}
	return &transportError{err: err, mask: m.forRequest(req, extra...)}
}

// checkBaseURL refuses URLs that are not absolute http(s) URLs, plain http
// for anything but a loopback host, and URLs with a query, a fragment or
// user info (every call would go to a wrong path, or carry a password).
// Its errors never show a password.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error quotes the whole URL: say what is wrong without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%sbase URL %q is not a URL: %w", errPrefix, withoutUserinfo(raw), err)
	}
	shown := u.Redacted()
	switch {
	case u.User != nil:
		return fmt.Errorf("%sbase URL %q carries user info: the API authenticates with the app key and token, not a password in the URL; remove it", errPrefix, withoutUserinfo(raw))
	case u.RawQuery != "" || u.ForceQuery:
		return fmt.Errorf("%sbase URL %q has a query: every call would be sent to a wrong path; give the endpoint alone", errPrefix, shown)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return fmt.Errorf("%sbase URL %q has a fragment: every call would be sent to a wrong path; give the endpoint alone", errPrefix, shown)
	case u.Host == "":
		return fmt.Errorf("%sbase URL %q has no host", errPrefix, shown)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%sbase URL %q uses plain http for a host that is not loopback: the app key and token would travel in clear; use https", errPrefix, shown)
	default:
		return fmt.Errorf("%sbase URL %q must use https (or http on loopback)", errPrefix, shown)
	}
}

// withoutUserinfo cuts what stands between "//" and the last "@" of the
// authority from raw, a URL that may not parse: the password goes with it.
func withoutUserinfo(raw string) string {
	i := strings.Index(raw, "//")
	if i < 0 {
		return raw
	}
	rest := raw[i+2:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return raw[:i+2] + "[REDACTED]@" + rest[at+1:]
	}
	return raw
}

// isLoopback reports whether host names this machine: localhost or a
// loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
