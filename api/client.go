// Package api is the Data Connect Components client users import.
//
// NewClient wires the client generated from openapi.yaml (package gen) to
// authentication and transport options:
//
//	c, err := api.NewClient(appKey, appToken)
//	cfg, err := c.PostConfigurationsWithResponse(ctx, api.PostConfigurationsRequest{})
//
// Client embeds *gen.ClientWithResponses, so every operation of the docs is a
// method named as the docs name it, in Go case.
package api

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/auth"
)

// DefaultBaseURL is the production API endpoint.
const DefaultBaseURL = "https://api.finicity.com"

// Client is a ready-to-use Data Connect Components client.
type Client struct {
	*gen.ClientWithResponses

	baseURL string
}

// BaseURL returns the endpoint the client talks to.
func (c *Client) BaseURL() string { return c.baseURL }

// Option configures a Client.
type Option func(*settings) error

type settings struct {
	baseURL    string
	httpClient gen.HttpRequestDoer
	editors    []gen.RequestEditorFn
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
// *http.Client. Use it to set timeouts, proxies or a custom transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("api: WithHTTPClient: client is nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithRequestEditor adds fn to every request, after the auth headers are set.
func WithRequestEditor(fn gen.RequestEditorFn) Option {
	return func(s *settings) error {
		if fn == nil {
			return errors.New("api: WithRequestEditor: function is nil")
		}
		s.editors = append(s.editors, fn)
		return nil
	}
}

// NewClient builds a client that authenticates every request with appKey
// (Finicity-App-Key) and appToken (Finicity-App-Token).
func NewClient(appKey, appToken string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(appKey) == "" {
		return nil, errors.New("api: app key is empty: pass the Finicity-App-Key from the developer dashboard")
	}
	if strings.TrimSpace(appToken) == "" {
		return nil, errors.New("api: app token is empty: pass a Finicity-App-Token from partner authentication")
	}
	s := settings{baseURL: DefaultBaseURL, httpClient: &http.Client{}}
	for _, opt := range opts {
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	if err := checkBaseURL(s.baseURL); err != nil {
		return nil, err
	}
	genOpts := []gen.ClientOption{
		gen.WithHTTPClient(s.httpClient),
		gen.WithRequestEditorFn(auth.Headers(appKey, auth.StaticToken(appToken))),
	}
	for _, ed := range s.editors {
		genOpts = append(genOpts, gen.WithRequestEditorFn(ed))
	}
	cwr, err := gen.NewClientWithResponses(s.baseURL, genOpts...)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	return &Client{ClientWithResponses: cwr, baseURL: s.baseURL}, nil
}

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
