package spec

import (
	"errors"
	"net/url"
	"strings"
)

// Routing errors of Find.
var (
	ErrPathNotFound     = errors.New("no operation of the spec has this path")
	ErrMethodNotAllowed = errors.New("the spec has this path, but not for this method")
)

// router matches a request path to an operation exactly: the same number
// of segments, every literal segment equal, every parameter non-empty. A
// path that more than one template matches goes to the one with a literal
// where the others have a parameter, at the first segment where they
// differ (/customers/me before /customers/{id}), so the answer never
// depends on map order.
type router struct {
	routes []*route // in Operations order
}

type route struct {
	op   *Operation
	segs []segment
}

// segment is one "/"-separated part of a template: a literal, or a
// parameter with optional literal text around it ({id}.pdf).
type segment struct {
	literal        string // when param == ""
	param          string
	prefix, suffix string
}

func newRouter(ops []*Operation) *router {
	r := &router{}
	for _, o := range ops {
		rt := &route{op: o}
		for _, s := range strings.Split(strings.TrimPrefix(o.Path, "/"), "/") {
			open, close := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
			if open < 0 || close < open {
				rt.segs = append(rt.segs, segment{literal: s})
				continue
			}
			rt.segs = append(rt.segs, segment{param: s[open+1 : close], prefix: s[:open], suffix: s[close+1:]})
		}
		r.routes = append(r.routes, rt)
	}
	return r
}

// Find returns the operation for method and an escaped path (a request's
// URL.EscapedPath(), after any base path the caller serves under), with
// its path parameters unescaped. Each segment is unescaped after
// splitting, so an encoded "/" stays inside its parameter.
func (m *Model) Find(method, escapedPath string) (*Operation, map[string]string, error) {
	parts := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	var best *route
	var bestParams map[string]string
	pathMatched := false
	for _, rt := range m.router.routes {
		params, ok := rt.match(parts)
		if !ok {
			continue
		}
		pathMatched = true
		if rt.op.Method != method {
			continue
		}
		if best == nil || rt.moreLiteral(best) {
			best, bestParams = rt, params
		}
	}
	switch {
	case best != nil:
		return best.op, bestParams, nil
	case pathMatched:
		return nil, nil, ErrMethodNotAllowed
	}
	return nil, nil, ErrPathNotFound
}

func (rt *route) match(parts []string) (map[string]string, bool) {
	if len(parts) != len(rt.segs) {
		return nil, false
	}
	var params map[string]string
	for i, s := range rt.segs {
		p := parts[i]
		if s.param == "" {
			if p != s.literal {
				return nil, false
			}
			continue
		}
		if !strings.HasPrefix(p, s.prefix) || !strings.HasSuffix(p, s.suffix) || len(p) <= len(s.prefix)+len(s.suffix) {
			return nil, false
		}
		v, err := url.PathUnescape(p[len(s.prefix) : len(p)-len(s.suffix)])
		if err != nil || v == "" {
			return nil, false
		}
		if params == nil {
			params = make(map[string]string, 2)
		}
		params[s.param] = v
	}
	return params, true
}

// moreLiteral reports whether rt has a literal at the first segment where
// it and other differ in kind.
func (rt *route) moreLiteral(other *route) bool {
	for i := range rt.segs {
		a, b := rt.segs[i].param == "", other.segs[i].param == ""
		if a != b {
			return a
		}
	}
	return false
}
