package har

import (
	"errors"
	"net/url"
	"strings"

	"github.com/finicity-go/connect-components/internal/validation"
)

// Scope decides which exchanges of a recording are the API's, and the
// path each is routed on.
//
// With a base URL (validate --base-url), an exchange is the API's when its
// scheme and host are the base URL's and its path is below the base URL's
// path; the rest of the path is routed. Without one, an exchange is the
// API's when its host is one of the spec's servers' (its path below the
// server's path), or, on any host (the sandbox on 127.0.0.1, a proxy, a
// staging host), when its path is one the spec has, a trailing slash
// aside: /connect-components/configurations/ is a request to the API off
// the spec, /favicon.ico is not the API's. Within the API, a path no
// operation has is not checked either: there is nothing to check it
// against.
type Scope struct {
	v       *validation.Validator
	base    *url.URL   // nil: the default
	servers []*url.URL // the spec's servers with a host
}

// NewScope returns the scope of the spec v checks against, below baseURL
// ("" for the default).
func NewScope(v *validation.Validator, baseURL string) (*Scope, error) {
	s := &Scope{v: v}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" {
			return nil, errors.New("want an absolute http(s) URL such as https://api.finicity.com, with an optional path")
		}
		s.base = u
		return s, nil
	}
	for _, srv := range v.Model().Doc.Servers {
		if u, err := url.Parse(srv.URL); err == nil && u.Host != "" {
			s.servers = append(s.servers, u)
		}
	}
	return s, nil
}

// Locate returns the escaped path u is routed on, or why the exchange is
// not the API's (skip).
func (s *Scope) Locate(u *url.URL) (path, skip string) {
	if s.base != nil {
		rel, ok := below(u, s.base)
		if !ok {
			return "", "not below --base-url"
		}
		if !s.v.KnownPath(rel) {
			return "", "a path the spec does not have"
		}
		return rel, ""
	}
	for _, srv := range s.servers {
		if rel, ok := below(u, srv); ok {
			if !s.v.KnownPath(rel) {
				return "", "a path the spec does not have"
			}
			return rel, ""
		}
	}
	if rel := u.EscapedPath(); s.v.KnownPath(rel) {
		return rel, ""
	}
	return "", "not the API: neither a host of the spec's servers nor a path of the spec"
}

// below is u's escaped path under base's, when u is on base's scheme and
// host (default ports aside) and below its path.
func below(u, base *url.URL) (string, bool) {
	if !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(hostPort(u), hostPort(base)) {
		return "", false
	}
	prefix := strings.TrimRight(base.EscapedPath(), "/")
	rest, ok := strings.CutPrefix(u.EscapedPath(), prefix)
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", false
	}
	return rest, true
}

// hostPort is u's host with its port, the scheme's default made explicit.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u.Hostname() + ":443"
	case "http":
		return u.Hostname() + ":80"
	}
	return u.Host
}
