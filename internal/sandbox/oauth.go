package sandbox

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
)

// oauthPrefix is where OAuth sessions live on the sandbox. It is outside
// the spec on purpose: it stands in for the institution's OAuth page.
const oauthPrefix = "/oauth/"

// maxURL is the spec's bound on the url field.
const maxURL = 1024

func (s *Sandbox) createOAuthURL(c *call) response {
	req, fail := decodeSession(c)
	if fail != nil {
		return *fail
	}
	id := newID()
	redirect := strings.Clone(req.RedirectURI)
	s.mu.Lock()
	// Past the count limit the oldest session is forgotten: a real one
	// would have timed out long before. The byte budget forgets nothing.
	q := s.st.oauthOrder
	for len(q) > 0 && len(s.oauth) >= s.st.oauthLimit() {
		if uri, ok := s.oauth[q[0]]; ok {
			s.st.bytes -= sessionCost(uri)
			delete(s.oauth, q[0])
		}
		q = q[1:]
	}
	s.st.oauthOrder = q
	if e := s.st.overBudget(sessionCost(redirect), "configurations"); e != nil {
		s.mu.Unlock()
		return e.response()
	}
	s.oauth[id] = redirect
	s.st.oauthOrder = append(q, id)
	s.st.bytes += sessionCost(redirect)
	s.mu.Unlock()
	s.changed()
	return response{status: http.StatusCreated, body: gen.OAuthURL{
		ID:            id,
		EventStreamID: newID(),
		URL:           s.oauthURL(c.Request, id, req.RedirectURI),
	}}
}

// oauthURL is the page the end user is sent to. It shows the redirectURI
// in its query when the result stays within the spec's 1024 characters;
// the redirect itself always uses the stored value, never the query, so
// the sandbox cannot be made into an open redirector.
func (s *Sandbox) oauthURL(r *http.Request, id uuid.UUID, redirectURI string) string {
	u := s.baseURL(r) + oauthPrefix + id.String()
	if withQuery := u + "?redirectURI=" + url.QueryEscape(redirectURI); len(withQuery) <= maxURL {
		return withQuery
	}
	return u
}

// hostPattern accepts a DNS name or IP with an optional port, or a
// bracketed IPv6 literal. Anything else in a Host header (fuzzers send
// plenty) falls back to loopback, so the url stays a valid absolute URI.
var hostPattern = regexp.MustCompile(`^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(:[0-9]{1,5})?$`)

func (s *Sandbox) baseURL(r *http.Request) string {
	if s.publicURL != "" {
		return strings.TrimRight(s.publicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if !hostPattern.MatchString(host) {
		host = "127.0.0.1"
	}
	return scheme + "://" + host
}

// oauthSessionID extracts the session id from /oauth/{id}.
func oauthSessionID(path string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(path, oauthPrefix)
	if !ok || len(rest) != 36 {
		return uuid.UUID{}, false
	}
	id, err := uuid.Parse(rest)
	return id, err == nil
}

// serveOAuthSession completes the OAuth round trip locally: the end user
// "authorises" at once and is sent back to the partner's redirectURI.
func (s *Sandbox) serveOAuthSession(w http.ResponseWriter, r *http.Request, id uuid.UUID) {
	s.mu.Lock()
	target, ok := s.oauth[id]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "unknown OAuth session", http.StatusNotFound)
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}
