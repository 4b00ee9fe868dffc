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

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/httpx"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/retry"
)

// Client calls the Data Connect Components API. Build one with NewClient;
// it is safe for concurrent use, and one client per app key is enough for
// a whole program.
//
// Each operation is a method of one of the services below, named after
// what it does; its comment names the docs' operation and route.
//
// # Layers
//
// Each request is built by the generated client (package gen), which runs
// the request editors in this order: the User-Agent, those of
// WithRequestEditor, then the Finicity-App-Key and Finicity-App-Token
// headers. It then goes through these layers, from the outside in:
//
//  0. error masking: a failure with no answer gets the "finicity: "
//     prefix, and no credential in its text;
//  1. validation (WithRequestValidation, WithResponseValidation): the
//     request before anything is sent, the final answer before decoding;
//  2. token replay: on a 401 with reason code 10023, a new token and one
//     replay (WithPartnerCredentials, WithTokenSource);
//  3. retries (WithRetries): each attempt goes through the layers below;
//  4. your middleware (WithMiddleware), the first given outermost;
//  5. logging (WithLogger): one record per attempt;
//  6. the body reader: each answer's body is read once, in full, and
//     handed up as bytes;
//  7. your *http.Client (WithHTTPClient).
type Client struct {
	// Configurations creates, lists, gets and deletes configurations.
	Configurations *ConfigurationsService
	// LoginForms creates login forms.
	LoginForms *LoginFormsService
	// OAuthURLs creates OAuth URLs.
	OAuthURLs *OAuthURLsService
	// Reconnections starts reconnections.
	Reconnections *ReconnectionsService
	// Partners authenticates partners: it exchanges partner credentials
	// for a Finicity-App-Token.
	Partners *PartnersService

	baseURL   string
	raw       *gen.Client
	generated *gen.ClientWithResponses
	mask      *masker
}

// NewClient returns a client that authenticates every call with appKey
// (the Finicity-App-Key from the developer dashboard) and a
// Finicity-App-Token from exactly one of WithAppToken,
// WithPartnerCredentials or WithTokenSource:
//
//	c, err := api.NewClient(appKey, api.WithPartnerCredentials(partnerID, partnerSecret))
//
// It fails, naming the problem, on an empty app key, a missing or doubled
// token source, an invalid option, or a base URL that is not https (plain
// http is accepted for loopback hosts only).
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

	c := &Client{baseURL: s.baseURL, mask: newMasker(appKey, s.appToken, s.partnerSecret)}
	c.initServices()

	var tokens auth.TokenSource
	switch {
	case s.appToken != "":
		tokens = auth.StaticToken(s.appToken)
	case s.tokenSource != nil:
		tokens = remembered{s.tokenSource, c.mask}
	default:
		tokens = remembered{auth.NewPartnerToken(partnerFetch(c, s.partnerID, s.partnerSecret), s.tokenMaxAge, s.now), c.mask}
	}

	doer, err := s.stack(tokens, c.mask)
	if err != nil {
		return nil, err
	}
	editors := []gen.ClientOption{gen.WithHTTPClient(doer), gen.WithRequestEditorFn(setUserAgent)}
	for _, ed := range s.editors {
		editors = append(editors, gen.WithRequestEditorFn(ed))
	}
	editors = append(editors, gen.WithRequestEditorFn(auth.Editor(appKey, tokens)))
	if c.raw, err = gen.NewClient(s.baseURL, editors...); err != nil {
		return nil, fmt.Errorf("%s%w", errPrefix, err)
	}
	c.generated = &gen.ClientWithResponses{ClientInterface: c.raw}
	return c, nil
}

// stack composes the layers of Client's documentation, in one place.
func (s *settings) stack(tokens auth.TokenSource, m *masker) (httpx.Doer, error) {
	var d httpx.Doer = s.httpClient
	d = readBody(d)
	if s.logger != nil {
		d = logAttempts(d, s.logger, m)
		s.retry.OnRetry = retryLogger(s.logger, m)
	}
	for i := len(s.middleware) - 1; i >= 0; i-- {
		if d = s.middleware[i](d); d == nil {
			return nil, fmt.Errorf("%sWithMiddleware: middleware %d returned a nil Doer", errPrefix, i)
		}
		// Whatever a middleware read of the body, the next one up reads
		// it from the start.
		d = rewound(d)
	}
	d = retry.Wrap(d, s.retry)
	d = auth.Replay(d, tokens, replayLogger(s.logger))
	if s.validateRequests || s.validateResponses {
		var err error
		if d, err = validate(d, s.validateRequests, s.validateResponses, m); err != nil {
			return nil, err
		}
	}
	return maskErrors(d, m), nil
}

// userAgentValue is shared by every request: net/http only reads it, and
// an append to a full slice copies it.
var userAgentValue = []string{userAgent}

func setUserAgent(_ context.Context, req *http.Request) error {
	req.Header["User-Agent"] = userAgentValue[:1:1]
	return nil
}

// Generated returns the client generated from openapi.yaml, wired through
// the same editors and layers as c (credentials, retries, validation,
// logging, middleware). Its XxxWithResponse methods decode every
// documented status into JSON200, JSON404, ... fields without turning any
// into an error, and its ClientInterface methods return the raw
// *http.Response (its body already read, and re-readable). Its API
// follows oapi-codegen and the operation ids of openapi.yaml, not this
// package's promise of stability; prefer the services.
func (c *Client) Generated() *gen.ClientWithResponses { return c.generated }

// BaseURL returns the endpoint the client talks to.
func (c *Client) BaseURL() string { return c.baseURL }

// String and GoString describe the client without its credentials.
func (c *Client) String() string   { return "api.Client{BaseURL: " + c.baseURL + "}" }
func (c *Client) GoString() string { return c.String() }

// masker hides credentials in text that leaves the program: error
// strings and log records. It knows the client's own secrets, the tokens
// the client has sent lately (fetched ones included), and takes those of a
// request from its headers. They are held in closures, so that printing a
// Client, even by reflection, shows addresses rather than credentials.
type masker struct {
	secrets  func() []string
	remember func(token string)
}

// recentTokens is how many fetched tokens the masker keeps: tokens are
// renewed every 90 minutes, so a handful covers every request in flight.
const recentTokens = 8

func newMasker(static ...string) *masker {
	var mu sync.Mutex
	var recent []string
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
		s = redact.Text(s, key, tok)
		s = redact.Text(s, extra...)
		return redact.Text(s, m.secrets()...)
	}
}

// wrap gives err the package's prefix once, as a *transportError whose
// text is masked for req (nil when there is none yet) and extra. An error
// that already carries the prefix comes from this package and is returned
// as it is.
func (m *masker) wrap(err error, req *http.Request, extra ...string) error {
	if strings.HasPrefix(err.Error(), errPrefix) {
		return err
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

// maskErrors is the outermost layer: a failure with no answer (connection
// refused, reset, timeout) becomes a *transportError whose text carries
// the package's prefix and no credential, for the typed methods and
// Generated alike. Errors of the layers below that already carry the
// prefix are left as they are.
func maskErrors(next httpx.Doer, m *masker) httpx.Doer {
	return httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.Do(req)
		if err != nil {
			err = m.wrap(err, req)
		}
		return resp, err
	})
}

// checkBaseURL refuses URLs that are not absolute http(s) URLs, and plain
// http for anything but a loopback host.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%sbase URL %q is not a URL: %w", errPrefix, raw, err)
	}
	if u.Host == "" {
		return fmt.Errorf("%sbase URL %q has no host", errPrefix, raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%sbase URL %q uses plain http for a host that is not loopback: the app key and token would travel in clear; use https", errPrefix, raw)
	default:
		return fmt.Errorf("%sbase URL %q must use https (or http on loopback)", errPrefix, raw)
	}
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
