package testutil

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// EscapeEvery writes every character of s as a JSON \uXXXX escape, as a
// server may (JSON allows it for any character), the hex digits upper
// case when upper.
func EscapeEvery(s string, upper bool) string {
	var b strings.Builder
	for _, r := range s {
		if upper {
			fmt.Fprintf(&b, `\u%04X`, r)
		} else {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// FormsOf returns the forms a credential takes when echoed: exact,
// JSON-escaped whole, URL-encoded, base64, and each of those escaped once
// more (as JSON or %q escape the text holding it).
func FormsOf(secret string) []string {
	forms := []string{secret, EscapeEvery(secret, false), EscapeEvery(secret, true), url.QueryEscape(secret),
		strings.ToLower(url.PathEscape(secret)), base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))}
	for _, f := range forms[1:] {
		q := strconv.Quote(f)
		forms = append(forms, q[1:len(q)-1])
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// NoFormOf fails t if text holds any of secrets in any of its forms
// (FormsOf); where names the text in the failure.
func NoFormOf(t testing.TB, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, f := range FormsOf(s) {
			if strings.Contains(text, f) {
				t.Errorf("%s contains %q, a form of the credential %q:\n%s", where, f, s, text)
			}
		}
	}
}
