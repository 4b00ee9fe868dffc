package sandbox

import (
	"time"
)

// Defaults of a Sandbox made by New without options.
const (
	// DefaultPartnerID and DefaultPartnerSecret are the partner credentials
	// the sandbox accepts for CreateToken unless WithPartnerCredentials
	// replaces them. They are published on purpose: they open nothing but
	// this in-memory stand-in.
	DefaultPartnerID     = "sandbox-partner"
	DefaultPartnerSecret = "sandbox-secret"
	// DefaultAppKey is the app key of the sandbox's own clients, which
	// have none of their own: finicity-connect's --sandbox commands and
	// demo. The sandbox accepts any key; this one reads well in logs.
	DefaultAppKey = "sandbox-app-key"
	// DefaultTokenLifetime matches the real API: a token lasts two hours.
	DefaultTokenLifetime = 2 * time.Hour
	// DefaultMaxBodyBytes bounds request bodies. The largest legitimate
	// body (an OAuth URL request with a 1024-character redirectURI) is far
	// below it; anything bigger is refused before it is parsed.
	DefaultMaxBodyBytes int64 = 64 << 10
)

// Option configures a Sandbox.
type Option func(*Sandbox)

// WithTokenCheck switches token checking on: only tokens this sandbox
// issued through CreateToken, for the same app key and not yet expired, are
// accepted. Off by default, so that any client with any non-empty token can
// talk to the sandbox.
func WithTokenCheck(on bool) Option {
	return func(s *Sandbox) { s.checkTokens = on }
}

// WithTokenLifetime sets how long an issued token stays valid. Values of
// zero or less keep the default.
func WithTokenLifetime(d time.Duration) Option {
	return func(s *Sandbox) {
		if d > 0 {
			s.tokenLifetime = d
		}
	}
}

// WithPartnerCredentials replaces the sandbox credentials accepted by
// CreateToken with partnerID and partnerSecret. Call it more than once to
// accept several partners.
func WithPartnerCredentials(partnerID, partnerSecret string) Option {
	return func(s *Sandbox) {
		if !s.customPartners {
			s.partners = map[string]string{}
			s.customPartners = true
		}
		s.partners[partnerID] = partnerSecret
	}
}

// WithMaxBodyBytes caps request bodies at n bytes; larger bodies answer
// 400 with reason code 10010. Values of zero or less keep the default.
func WithMaxBodyBytes(n int64) Option {
	return func(s *Sandbox) {
		if n > 0 {
			s.maxBody = n
		}
	}
}

// WithClock makes the sandbox read time from now instead of time.Now, so
// tests can move past a token's expiry without sleeping.
func WithClock(now func() time.Time) Option {
	return func(s *Sandbox) {
		if now != nil {
			s.now = now
		}
	}
}

// WithResponseValidation validates every response the sandbox writes for
// an operation of the spec, and calls report with the violation, if any,
// before the response is sent. Tests use it to fail on any answer that
// does not match openapi.yaml.
func WithResponseValidation(report func(error)) Option {
	return func(s *Sandbox) { s.reportViolation = report }
}

// WithPublicURL sets the scheme and host (for example
// http://127.0.0.1:4010) used in the OAuth URLs the sandbox hands out. By
// default they are built from the Host of the request, which is right for
// httptest servers and for the finicity-connect sandbox command.
func WithPublicURL(u string) Option {
	return func(s *Sandbox) { s.publicURL = u }
}
