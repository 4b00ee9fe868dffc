package connecttest

import (
	"time"

	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// Credentials the kit's clients use, and the server accepts, unless
// options say otherwise. They are fake on purpose: they open nothing but
// the test server.
const (
	// AppKey is the Finicity-App-Key of the clients made by Client and
	// ServedClient.
	AppKey = "connecttest-app-key"
	// Token is the Finicity-App-Token of those clients when token checking
	// is off (the default): the server then accepts any token.
	Token = "connecttest-app-token"
	// PartnerID and PartnerSecret are the partner credentials the server
	// accepts unless WithPartnerCredentials replaces them.
	PartnerID     = "sandbox-partner"
	PartnerSecret = "sandbox-secret"
)

// Defaults of the options below.
const (
	// DefaultTokenLifetime is how long an issued token stays valid: two
	// hours, as with the real API.
	DefaultTokenLifetime = 2 * time.Hour
	// DefaultMaxBodyBytes bounds request bodies.
	DefaultMaxBodyBytes int64 = 64 << 10
)

// InProcessURL is the base URL of a client using HTTPClient: nothing
// listens there, the client's transport hands each request to the server
// in process. It is loopback http, which package api accepts without TLS.
const InProcessURL = "http://127.0.0.1"

// Option configures a Server.
type Option func(*config)

type config struct {
	sandbox       []sandbox.Option
	tokenCheck    bool
	partnerID     string
	partnerSecret string
	allowInvalid  bool
	allowUnknown  bool
	recording     string // WithRecording's file
}

// WithTokenCheck makes the server check tokens as the API does: only
// tokens it issued through partner authentication (Partners.Authenticate),
// for the same app key and not expired, are accepted; an expired one is
// answered 401 with reason code 10023. By default any non-empty token is
// accepted.
//
// With token checking on, Client and ServedClient authenticate with the
// server's partner credentials instead of using Token, so they work
// unchanged.
func WithTokenCheck() Option {
	return func(c *config) {
		c.tokenCheck = true
		c.sandbox = append(c.sandbox, sandbox.WithTokenCheck(true))
	}
}

// WithPartnerCredentials makes the server accept partnerID and
// partnerSecret for partner authentication instead of PartnerID and
// PartnerSecret. Give it more than once to accept several partners;
// Client and ServedClient use the first.
func WithPartnerCredentials(partnerID, partnerSecret string) Option {
	return func(c *config) {
		if c.partnerID == "" {
			c.partnerID, c.partnerSecret = partnerID, partnerSecret
		}
		c.sandbox = append(c.sandbox, sandbox.WithPartnerCredentials(partnerID, partnerSecret))
	}
}

// WithTokenLifetime sets how long an issued token stays valid (default
// DefaultTokenLifetime). Values of zero or less keep the default.
func WithTokenLifetime(d time.Duration) Option {
	return func(c *config) { c.sandbox = append(c.sandbox, sandbox.WithTokenLifetime(d)) }
}

// WithClock makes the server read the time from now instead of time.Now:
// token expiry follows it, so a test moves past a token's lifetime by
// moving its clock (see Clock). It does not drive scripted delays, which
// wait on timers (see Delay).
//
// Inside a testing/synctest bubble time.Now is the bubble's fake clock
// already: time.Sleep(DefaultTokenLifetime) there expires tokens without
// WithClock.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.sandbox = append(c.sandbox, sandbox.WithClock(now)) }
}

// WithMaxBodyBytes caps request bodies at n bytes (default
// DefaultMaxBodyBytes); a larger body is answered 400 with reason code
// 10010, and counts as an invalid request. Values of zero or less keep the
// default.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) { c.sandbox = append(c.sandbox, sandbox.WithMaxBodyBytes(n)) }
}

// AllowInvalidRequests stops the server from failing the test on requests
// that do not match the spec, for tests that send them on purpose. The
// server still answers them with the API's documented error, and Requests
// still records them, each with its Violation.
func AllowInvalidRequests() Option {
	return func(c *config) { c.allowInvalid = true }
}

// AllowUnknownFields drops one rule of the request checks: a body field
// or a query parameter the spec does not define (redirectUrl beside
// redirectURI, or configurationID, since names are exact and
// case-sensitive; a query parameter the operation does not take). The
// API ignores such a field or parameter, so the server always answered
// it as the API would; by default the kit still fails the test, since
// for the caller it is almost always a misspelling. Use it for tests that
// send extra fields on purpose. Every other rule still holds.
func AllowUnknownFields() Option {
	return func(c *config) { c.allowUnknown = true }
}

// Clock is a clock a test moves by hand, for WithClock: Now returns its
// time (pass the method value clock.Now), Advance(d) moves it forward by
// d. It is safe for concurrent use. It is the clock this module's own
// tests use.
type Clock = testutil.Clock

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock { return testutil.NewClock(start) }
