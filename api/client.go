package api

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/httpx"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/retry"
)

// core is the client's hand-written part: its settings and request
// pipeline. Client (api/services.gen.go, generated from the spec) embeds
// it beside a field per service.
//
// # Layers
//
// Each request is built by the generated client's request builder
// (package gen), with the User-Agent header. The editors of
// WithRequestEditor then run, then the call's WithCallHeader headers are
// added, then the Finicity-App-Key and Finicity-App-Token headers are
// set. The request then goes through these layers, from the outside in,
// and every layer hands the one above the same value: the request
// answered, the status, the headers and the body's bytes, read once:
//
//  0. the way out: every failure is built into its error once, with the
//     "finicity: " prefix and no credential in its text, whichever layer
//     (or middleware, TokenSource or editor of yours) it came from;
//  1. validation (WithRequestValidation, WithResponseValidation): the
//     request before anything is sent, the final answer before decoding;
//  2. token replay: on a 401 with reason code 10023, a new token and one
//     replay (WithPartnerCredentials, WithTokenSource);
//  3. retries (WithRetries): each attempt goes through the layers below,
//     within its time limit (WithAttemptTimeout, 30 s by default);
//  4. your middleware (WithMiddleware), the first given outermost: each
//     sees an *http.Response over the answer's bytes, and may wrap or
//     replace it;
//  5. logging (WithLogger): one record per attempt;
//  6. the body reader: each answer's body is read once, incrementally, up
//     to 10 MiB, within the attempt's time; a 1xx final answer is an
//     error;
//  7. your *http.Client (WithHTTPClient), used through a copy that
//     follows no redirect (its Transport directly when it has no cookie
//     jar and no Timeout).
//
// # Redirects
//
// The client follows no redirect: a 3xx answer is an *Error whose
// Location says where it pointed. Following one could send the app key,
// the token or the partner secret to another origin, or in clear.
type core struct {
	baseURL string
	// server is the base URL as the typed methods give it to gen's
	// request builders (see builderServer).
	server    string
	generated *gen.ClientWithResponses
	mask      *masker

	// What holds a credential is reached through functions only, so that
	// printing a Client, even by reflection, shows none.
	editors []func(context.Context, *http.Request) error // WithRequestEditor's
	auth    func(context.Context, *http.Request) error   // the credentials
	layers  func(*http.Request) (*httpx.Response, error) // layers 1 to 7
	reset   func(partnerID, partnerSecret string)        // WithPartnerCredentials only
}

type partnerCredentials struct{ id, secret string }

// NewClient returns a client that authenticates every call with appKey
// (the Finicity-App-Key from the developer dashboard) and a
// Finicity-App-Token from exactly one of WithAppToken,
// WithPartnerCredentials or WithTokenSource:
//
//	c, err := api.NewClient(appKey, api.WithPartnerCredentials(partnerID, partnerSecret))
//
// It fails, naming the problem, on an empty app key, a missing or doubled
// token source, an invalid option, or a base URL that is not https (plain
// http is accepted for loopback hosts only) or that carries a query, a
// fragment or user info.
func NewClient(appKey string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(appKey) == "" {
		return nil, errors.New(errPrefix + "app key is empty: pass the Finicity-App-Key from the developer dashboard")
	}
	s := defaultSettings()
	for i, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%soption %d is nil", errPrefix, i)
		}
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	switch len(s.sources) {
	case 0:
		return nil, errors.New(errPrefix + "no Finicity-App-Token: give one of WithAppToken, WithPartnerCredentials or WithTokenSource")
	case 1:
	default:
		return nil, fmt.Errorf("%sboth %s and %s give the Finicity-App-Token: keep one", errPrefix, s.sources[0], s.sources[1])
	}
	if err := checkBaseURL(s.baseURL); err != nil {
		return nil, err
	}

	c := &Client{core: core{baseURL: s.baseURL, server: builderServer(s.baseURL), mask: newMasker(appKey, s.appToken, s.partnerSecret), editors: s.editors}}
	c.initServices()

	var tokens auth.TokenSource
	switch {
	case s.appToken != "":
		tokens = auth.StaticToken(s.appToken)
	case s.tokenSource != nil:
		tokens = remembered{s.tokenSource, c.mask}
	default:
		creds := new(atomic.Pointer[partnerCredentials])
		creds.Store(&partnerCredentials{s.partnerID, s.partnerSecret})
		partner := auth.NewPartnerToken(partnerFetch(c, creds), s.tokenMaxAge, s.now)
		sleep := s.retry.Sleep
		if sleep == nil {
			sleep = retry.Sleep
		}
		partner.SetBackoff(authBackoff(s.retry.Jitter), sleep)
		partner.SetFetchTimeout(authAttemptFloor(nil, s.retry.AttemptTimeout))
		c.reset = func(id, secret string) {
			creds.Store(&partnerCredentials{id, secret})
			partner.Reset(nil)
		}
		tokens = remembered{partner, c.mask}
	}
	c.auth = auth.Editor(appKey, tokens)

	// Whoever sends it (the token source, Partners.Authenticate, the
	// generated client), partner authentication gets its own time limit.
	s.retry.AttemptFloor = func(req *http.Request) time.Duration { return authAttemptFloor(req, 0) }
	layers, err := s.stack(tokens, c.mask)
	if err != nil {
		return nil, err
	}
	c.layers = layers.Send
	// The typed methods build their requests with gen's builders and send
	// them with finish; Generated's requests are sent at once, with the
	// client's defaults.
	ua := gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		setUserAgent(req)
		return nil
	})
	generated, err := gen.NewClient(s.baseURL, gen.WithHTTPClient(httpx.DoerFunc(c.doGenerated)), ua)
	if err != nil {
		return nil, fmt.Errorf("%s%w", errPrefix, err)
	}
	c.generated = &gen.ClientWithResponses{ClientInterface: maskedGenerated{generated, c.mask}}
	return c, nil
}

// stack composes the layers of Client's documentation, in one place.
func (s *settings) stack(tokens auth.TokenSource, m *masker) (httpx.Sender, error) {
	d := readBody(noRedirects(s.httpClient))
	if s.logger != nil {
		d = logAttempts(d, s.logger, m)
		s.retry.OnRetry = retryLogger(s.logger, m)
	}
	d, err := userMiddleware(d, s.middleware)
	if err != nil {
		return nil, err
	}
	d = retry.Wrap(d, s.retry)
	d = auth.Replay(d, tokens, ReasonExpiredToken, replayLogger(s.logger))
	if s.validateRequests || s.validateResponses {
		if d, err = validate(d, s.baseURL, s.validateRequests, s.validateResponses, m); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// noRedirects returns a copy of hc that follows no redirect: the 3xx
// answer itself is returned. hc, the caller's, is left as it is.
func noRedirects(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// authBackoff is the wait before partner authentication is tried again
// after failures in a row that were not a rejection (a gateway, a 5xx, an
// attempt with no answer): 0.5 s doubling to 30 s, jittered
// (auth.Backoff). It is not the retry backoff (WithRetryBackoff): a
// failed authentication may count towards locking the account, so it is
// spaced whatever the retries of calls are set to.
func authBackoff(jitter func(time.Duration) time.Duration) func(failures int) time.Duration {
	return func(failures int) time.Duration { return auth.Backoff(failures, jitter) }
}

// authAttemptFloor is the shortest time limit of one attempt of req when
// it is partner authentication (nil req: for partner authentication),
// else 0: auth.MinAttemptTimeout, or configured when longer. An attempt cut
// short would leave a slow rejection unseen.
func authAttemptFloor(req *http.Request, configured time.Duration) time.Duration {
	if req != nil && !auth.IsTokenRequest(req) {
		return 0
	}
	return max(auth.MinAttemptTimeout, configured)
}

// send puts the editors' headers, then header (the call's WithCallHeader
// headers; canonical keys), then the credentials on req, and sends it
// through the layers, within req's context.
func (c *Client) send(req *http.Request, header http.Header) (*httpx.Response, error) {
	ctx := req.Context()
	for _, edit := range c.editors {
		if err := edit(ctx, req); err != nil {
			return nil, err
		}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if err := c.auth(ctx, req); err != nil {
		var rejected *auth.RejectedError
		if errors.As(err, &rejected) {
			// Remembered by the token source: the error is ours.
			err = rejected.Err
		}
		return nil, err
	}
	return c.layers(req)
}

// doGenerated is the Doer of Generated's client: the same editors and
// layers as the typed methods, its errors masked on the way out.
func (c *Client) doGenerated(req *http.Request) (*http.Response, error) {
	r, err := c.send(req, nil)
	if err != nil {
		return nil, c.mask.wrap(err, req)
	}
	return r.HTTP(), nil
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
// the same editors and layers as c (credentials, retries, validation,
// logging, middleware). Its XxxWithResponse methods decode every
// documented status into JSON200, JSON404, ... fields without turning any
// into an error, and its ClientInterface methods return the raw
// *http.Response (its body already read into memory). Its errors are
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
	c.mask.learn(partnerSecret)
	c.reset(partnerID, partnerSecret)
	return nil
}

// masker hides credentials in text that leaves the program: error
// strings and log records. It knows the client's own secrets, the tokens
// the client has sent lately (fetched ones included), and takes those of a
// request from its headers. They are held in closures, so that printing a
// Client, even by reflection, shows addresses rather than credentials.
type masker struct {
	secrets  func() []string
	remember func(token string)
	learn    func(secret string)
}

// recentTokens is how many fetched tokens the masker keeps: tokens are
// renewed every 90 minutes, so a handful covers every request in flight.
const recentTokens = 8

func newMasker(static ...string) *masker {
	var mu sync.Mutex
	var recent []string
	static = slices.Clone(static)
	return &masker{
		secrets: func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append(slices.Clone(static), recent...)
		},
		remember: func(tok string) {
			mu.Lock()
			defer mu.Unlock()
			if tok == "" || slices.Contains(recent, tok) {
				return
			}
			if recent = append(recent, tok); len(recent) > recentTokens {
				recent = slices.Delete(recent, 0, 1)
			}
		},
		learn: func(secret string) {
			mu.Lock()
			defer mu.Unlock()
			if secret != "" && !slices.Contains(static, secret) {
				static = append(static, secret)
			}
		},
	}
}

func (m *masker) text(req *http.Request, s string) string {
	return m.forRequest(req)(s)
}

// forRequest returns the masking function of an error about req; extra
// are the call's own secrets (a partner secret in its body).
func (m *masker) forRequest(req *http.Request, extra ...string) func(string) string {
	var key, tok string
	if req != nil {
		key, tok = req.Header.Get(auth.HeaderAppKey), req.Header.Get(auth.HeaderAppToken)
	}
	return func(s string) string {
		return redact.Text(s, append(append([]string{key, tok}, extra...), m.secrets()...)...)
	}
}

// wrap is the way out of every error: one this package built (an
// sdkError, told by its type) is returned as it is, its text already
// masked; any other (the transport's, a middleware's, a TokenSource's, a
// request editor's) becomes a *transportError whose text carries the
// package's prefix and is masked for req (nil when there is none yet) and
// extra.
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

// remembered is a TokenSource whose every token the masker learns, so
// that a fetched token is masked in error text wherever it shows.
type remembered struct {
	auth.TokenSource
	m *masker
}

func (r remembered) Token(ctx context.Context) (string, error) {
	tok, err := r.TokenSource.Token(ctx)
	r.m.remember(tok)
	return tok, err
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
