package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"github.com/finicity-go/connect-components/internal/secret"
	"net/http"

	"time"

	"github.com/finicity-go/connect-components/gen"
)

// expiredTokenMemory is how long an expired token is remembered.
const expiredTokenMemory = 24 * time.Hour

// tokenGrant is what the sandbox remembers about a token it issued.
type tokenGrant struct {
	owner   string // tokens only work with the app key that asked for them (its keyed hash)
	expires time.Time
}

// createToken is partner authentication (CreateToken).
func (s *Sandbox) createToken(c *call) response {
	var creds gen.PartnerCredentials
	if err := json.Unmarshal(c.body, &creds); err != nil {
		return invalidField("body: not a JSON object").response()
	}
	if !s.validPartner(creds.PartnerID, creds.PartnerSecret.Reveal()) {
		return invalidCredentials().response()
	}
	tok := newToken()
	// With token checking off no token is ever looked up, so none is
	// remembered: a flood of logins costs nothing.
	if s.checkTokens {
		if e := s.rememberToken(tok, c.owner); e != nil {
			return e.response()
		}
		s.changed()
	}
	return response{status: http.StatusOK, body: gen.AccessToken{Token: secret.New(tok)}}
}

// rememberToken stores a grant for tok, keeping the table bounded. Grants
// are forgotten a day after they expired, so a recently expired token
// still answers 10023 (expired) rather than 10022 (unknown), as the real
// API does; past maxTokens, or when the grant would not fit the byte
// budget, the oldest is forgotten. Every grant has the same lifetime, so
// issue order is expiry order: both are taken from the front of the
// queue, without scanning the table. It fails only when the budget is
// full with no token left to forget.
func (s *Sandbox) rememberToken(tok, owner string) *apiError {
	now := s.now()
	cost := tokenCost(tok, owner)
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.st.tokenLimit()
	q := s.st.tokenOrder
	for len(q) > 0 {
		g, ok := s.tokens[q[0]]
		if ok && !now.After(g.expires.Add(expiredTokenMemory)) && len(s.tokens) < limit && s.st.overBudget(cost, "") == nil {
			break
		}
		if ok {
			s.st.bytes -= tokenCost(q[0], g.owner)
			delete(s.tokens, q[0])
		}
		q = q[1:]
	}
	s.st.tokenOrder = q
	if e := s.st.overBudget(cost, "configurations"); e != nil {
		return e
	}
	s.tokens[tok] = tokenGrant{owner: owner, expires: now.Add(s.tokenLifetime)}
	s.st.tokenOrder = append(q, tok)
	s.st.bytes += cost
	return nil
}

// validPartner compares in constant time, so the sandbox does not teach
// a habit the real API would punish.
func (s *Sandbox) validPartner(id, secret string) bool {
	want, ok := s.partners[id]
	return ok && subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1
}

// checkToken decides whether token may be used with the app key whose
// keyed hash is owner. With token checking off any non-empty token
// passes.
func (s *Sandbox) checkToken(owner, token string) (apiError, bool) {
	if token == "" {
		return invalidToken("The Finicity-App-Token header is required."), false
	}
	if !s.checkTokens {
		return apiError{}, true
	}
	s.mu.Lock()
	g, ok := s.tokens[token]
	s.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(g.owner), []byte(owner)) != 1 {
		return invalidToken("The Finicity-App-Token was not issued by this sandbox for this Finicity-App-Key."), false
	}
	if !s.now().Before(g.expires) {
		return expiredToken(), false
	}
	return apiError{}, true
}

// newToken returns 256 random bits, URL-safe so it fits a header as is.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
