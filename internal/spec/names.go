package spec

import (
	"strings"
	"unicode"
)

// Words splits a wire, tag or Go name into lower-case words:
// "redirectURI" is [redirect uri], "configuration_id" [configuration id],
// "MFAType" [mfa type], "getCustomerById" [get customer by id], "Data
// Connect Components" [data connect components].
func Words(name string) []string {
	var out []string
	var cur []rune
	rs := []rune(name)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && i > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// Kebab is name in lower-case words joined by "-": a CLI command or flag.
func Kebab(name string) string { return strings.Join(Words(name), "-") }

// Singular is a list's name for one of its items, in words:
// "mfaChallenges" is "mfa challenge", "configurations" "configuration".
func Singular(name string) string {
	w := Words(name)
	if len(w) == 0 {
		return name
	}
	w[len(w)-1] = strings.TrimSuffix(w[len(w)-1], "s")
	return strings.Join(w, " ")
}

// initialisms are the words a Go name spells in capitals, as Go's own
// names do (ID, URL) and as oapi-codegen's ToCamelCaseWithInitialisms
// does for the generated models.
var initialisms = map[string]bool{
	"acl": true, "api": true, "ascii": true, "cpu": true, "css": true, "dns": true, "eof": true,
	"guid": true, "html": true, "http": true, "https": true, "id": true, "ip": true, "json": true,
	"lhs": true, "mfa": true, "qps": true, "ram": true, "rhs": true, "rpc": true, "sla": true,
	"smtp": true, "sql": true, "ssh": true, "tcp": true, "tls": true, "ttl": true, "udp": true,
	"ui": true, "uid": true, "uri": true, "url": true, "utf8": true, "uuid": true, "vm": true,
	"xml": true, "xmpp": true, "xsrf": true, "xss": true,
}

// GoName is name as an exported Go identifier: each word capitalised,
// initialisms in capitals ("getCustomerById" is GetCustomerByID,
// "oauth-urls" OauthURLs is not: it is OauthUrls, "redirect_uri"
// RedirectURI). A name that starts with a digit gets an "N" before it; a
// name with no letter or digit is "X".
func GoName(name string) string {
	var b strings.Builder
	for _, w := range Words(name) {
		if initialisms[w] {
			b.WriteString(strings.ToUpper(w))
			continue
		}
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	s := b.String()
	switch {
	case s == "":
		return "X"
	case unicode.IsDigit([]rune(s)[0]):
		return "N" + s
	}
	return s
}

// LowerCamel is name in lowerCamelCase, as a JSON key is usually written
// ("mfaChallenges").
func LowerCamel(name string) string {
	w := Words(name)
	for i := 1; i < len(w); i++ {
		w[i] = strings.ToUpper(w[i][:1]) + w[i][1:]
	}
	return strings.Join(w, "")
}

// pointerEscape escapes one JSON pointer token (RFC 6901).
func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Pointer joins tokens into a JSON pointer: Pointer("paths", "/a/b",
// "get") is "/paths/~1a~1b/get".
func Pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(pointerEscape(t))
	}
	return b.String()
}

// FirstSentence is a description's first line carried on to the end of
// its sentence (a line ending in "."), within its first paragraph, with
// line breaks as spaces: what a one-line summary (a flag's help, a
// field's doc line) shows. The spec's wrapping would otherwise cut
// "Known values: en, en-us," mid-list.
func FirstSentence(s string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(s), "\n\n")
	var out []string
	for _, l := range strings.Split(para, "\n") {
		l = strings.TrimSpace(l)
		out = append(out, l)
		if strings.HasSuffix(l, ".") {
			break
		}
	}
	return strings.Join(out, " ")
}
