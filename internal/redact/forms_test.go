package redact

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// jsonEscapeAll writes every character of s as a \uXXXX escape, hex in
// the case given (a server may escape characters JSON does not require).
func jsonEscapeAll(s string, upper bool) string {
	var b strings.Builder
	for _, u := range utf16Units(s) {
		if upper {
			fmt.Fprintf(&b, `\u%04X`, u)
		} else {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
	}
	return b.String()
}

func utf16Units(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}

// jsonEscapeMixed escapes every other character, alternating the case of
// the hex digits.
func jsonEscapeMixed(s string) string {
	var b strings.Builder
	for i, r := range []rune(s) {
		switch {
		case i%2 == 1:
			b.WriteRune(r)
		case r < 0x10000:
			h := fmt.Sprintf("%04x", r)
			if i%4 == 0 {
				h = strings.ToUpper(h[:2]) + h[2:]
			}
			b.WriteString(`\u` + h)
		default:
			b.WriteString(jsonEscapeAll(string(r), i%4 == 0))
		}
	}
	return b.String()
}

// percentAll percent-encodes every byte of s, hex in the case given.
func percentAll(s string, upper bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if upper {
			fmt.Fprintf(&b, "%%%02X", s[i])
		} else {
			fmt.Fprintf(&b, "%%%02x", s[i])
		}
	}
	return b.String()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// TestTextEveryForm: each secret (short and long, with characters that
// JSON, Go's %q and URLs escape) is masked in every form it can take on
// its way out: exact, \uXXXX-escaped (every character or some, either
// hex case), JSON- and strconv.Quote-escaped, quoted twice, URL-encoded
// (query and path escaping, every byte, either hex case, + for a space),
// and base64 of the exact value (standard, URL, padded or not). The text
// around it is kept.
func TestTextEveryForm(t *testing.T) {
	secrets := []string{
		"k1",                            // short: whole words only
		"Zq9Xw7Vk5Jp3",                  // plain
		"s3cr3t/with+plus=and\"quote\\", // every escaping character
		"tok en",                        // a space: + in a query
		"é-ключ-🔑-secret",               // non-ASCII and a surrogate pair
	}
	for _, secret := range secrets {
		forms := map[string]string{
			"exact":               secret,
			"json all lower":      jsonEscapeAll(secret, false),
			"json all upper":      jsonEscapeAll(secret, true),
			"json mixed":          jsonEscapeMixed(secret),
			"json.Marshal":        jsonString(secret),
			"json.Marshal twice":  jsonString(jsonString(secret)),
			"strconv.Quote":       strconv.Quote(secret)[1 : len(strconv.Quote(secret))-1],
			"%+q":                 strings.Trim(fmt.Sprintf("%+q", secret), `"`),
			"%q of json escapes":  strings.Trim(strconv.Quote(jsonEscapeAll(secret, false)), `"`),
			"query escape":        url.QueryEscape(secret),
			"path escape":         url.PathEscape(secret),
			"percent upper":       percentAll(secret, true),
			"percent lower":       percentAll(secret, false),
			"base64 std":          base64.StdEncoding.EncodeToString([]byte(secret)),
			"base64 url":          base64.URLEncoding.EncodeToString([]byte(secret)),
			"base64 raw std":      base64.RawStdEncoding.EncodeToString([]byte(secret)),
			"base64 raw url":      base64.RawURLEncoding.EncodeToString([]byte(secret)),
			"base64 in json":      jsonString(base64.StdEncoding.EncodeToString([]byte(secret))),
			"base64 query escape": url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(secret))),
		}
		for name, form := range forms {
			in := "before " + form + " after"
			want := "before " + Mask + " after"
			if got := Text(in, secret); got != want {
				t.Errorf("%q, %s: Text(%q) = %q, want %q", secret, name, in, got, want)
			}
		}
	}
}

// TestTextTrimmed: a secret given with surrounding white space (" tok ")
// is masked where it is echoed trimmed.
func TestTextTrimmed(t *testing.T) {
	for _, tc := range []struct{ secret, in, want string }{
		{" tok-1234567 ", "invalid token tok-1234567.", "invalid token " + Mask + "."},
		{"\tab\n", `token "ab" refused`, `token "` + Mask + `" refused`},
		{" tok-1234567 ", `{"t":"tok\u002d1234567"}`, `{"t":"` + Mask + `"}`},
	} {
		if got := Text(tc.in, tc.secret); got != tc.want {
			t.Errorf("Text(%q, %q) = %q, want %q", tc.in, tc.secret, got, tc.want)
		}
	}
}

// TestTextEscapedShortSecretsWholeWordOnly: the whole-word rule of short
// secrets holds for their escaped forms too: an escape inside a longer
// word is left alone.
func TestTextEscapedShortSecretsWholeWordOnly(t *testing.T) {
	for _, tc := range []struct{ secret, in, want string }{
		{"i", `"Descr\u0069ption"`, `"Descr\u0069ption"`},
		{"ab", `x%61b`, `x%61b`},
		{"ab", `"\u0061b"`, `"` + Mask + `"`},
		{"ab", `?t=%61%62&x`, `?t=` + Mask + `&x`},
	} {
		if got := Text(tc.in, tc.secret); got != tc.want {
			t.Errorf("Text(%q, %q) = %q, want %q", tc.in, tc.secret, got, tc.want)
		}
	}
}

// TestJSONEscapedAndFoldedNames: a secret field named with escapes or
// with letters that fold to its name (as encoding/json matches names) is
// masked; a body that does not parse and names one that way is masked
// whole.
func TestJSONEscapedAndFoldedNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"partner\u0053ecret":"s3cr3t"}`, `{"partner\u0053ecret":"[REDACTED]"}`},
		{`{"partnerſecret":"s3cr3t"}`, `{"partnerſecret":"[REDACTED]"}`},
		{`{"to\u006Ben":"t"}`, `{"to\u006Ben":"[REDACTED]"}`},
		{`{"partner\u0053ecret":"s3cr3t"`, Mask + " (unparsed body)"},
		{`{"partner\u0073ecret":"s3cr3t",}`, Mask + " (unparsed body)"},
		{`partner%53ecret=s3cr3t`, Mask + " (unparsed body)"},
		{`{"partnerſecret":"s3cr3t"`, Mask + " (unparsed body)"},
	} {
		if got := string(JSON([]byte(tc.in))); got != tc.want {
			t.Errorf("JSON(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}
