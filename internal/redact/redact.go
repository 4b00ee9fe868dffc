// Package redact hides the Finicity credentials where text leaves the
// program: debug logs, error strings, a CLI's verbose output. It never
// touches the data a caller receives; it makes masked copies for printing.
//
// What is secret comes from the spec (secrets.gen.go, written by `make
// generate`): the headers of its apiKey security schemes
// (Finicity-App-Key, Finicity-App-Token) and every property it marks
// x-secret or whose name marks a credential (partnerSecret, token), beside
// the usual credential headers (Authorization, Cookie). Everything else
// (paths, ids, statuses, reason codes) stays readable, because that is
// what one needs to debug a call.
//
// Masking replaces whole values: a whole header value (Header), the whole
// JSON value of a secret field (JSON), or a known secret in free text
// (Text): everywhere once it is long enough to be unambiguous, as a whole
// word (Unicode-aware) when it is shorter, so that a one-character app key
// cannot turn "Description" into "Descr[REDACTED]ption". Text finds a
// secret in every form it takes on the way out: trimmed, JSON- or
// Go-escaped, URL-encoded, base64-encoded.
//
// It is the one masker: every text that leaves the client or the CLI
// (errors, logs, verbose dumps, the proxy's HAR, findings and report, the
// CLI's stdout and stderr) goes through it.
package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode"
)

// Mask replaces every secret value.
const Mask = "[REDACTED]"

// secretHeaders are headers whose values are never safe to print, beside
// those the spec names (specHeaders, generated): not used by this API,
// but a proxy or a caller's editor may add them.
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
}

// IsSecretHeader reports whether the value of header name must not be
// printed.
func IsSecretHeader(name string) bool {
	key := http.CanonicalHeaderKey(name)
	return secretHeaders[key] || specHeaders[key]
}

// IsSecretField reports whether the value of JSON key name must not be
// printed. Names are compared as encoding/json matches an object's keys
// to a struct's fields: case-insensitively with Unicode folding, so that
// "PARTNERSECRET" and "partnerſecret" (a long s) are secret fields too,
// as a Go server would read them.
func IsSecretField(name string) bool {
	if secretFields[strings.ToLower(name)] {
		return true
	}
	for f := range secretFields {
		if strings.EqualFold(name, f) {
			return true
		}
	}
	return false
}

// Header returns a copy of h in which the values of secret headers are
// Mask. h is not modified, so the copy can be printed while the original
// is sent.
func Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if IsSecretHeader(k) {
			masked := make([]string, len(vs))
			for i := range masked {
				masked[i] = Mask
			}
			out[k] = masked
			continue
		}
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// JSON returns a copy of body in which the value of every secret field, at
// any depth, is the JSON string "[REDACTED]". Everything else is kept byte
// for byte: key order, spacing, numbers. When nothing is secret, body
// itself is returned. A body that is not JSON is returned unchanged unless
// it mentions a secret field name, in which case the whole body is masked:
// a half-parsed secret is still a secret.
func JSON(body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return body
	}
	spans, err := secretSpans(body)
	if err != nil {
		if mentionsSecret(body) {
			return []byte(Mask + " (unparsed body)")
		}
		return body
	}
	if len(spans) == 0 {
		return body
	}
	var out bytes.Buffer
	out.Grow(len(body))
	last := 0
	for _, s := range spans {
		out.Write(body[last:s[0]])
		out.WriteString(`"` + Mask + `"`)
		last = s[1]
	}
	out.Write(body[last:])
	return out.Bytes()
}

// Values returns the values of body's secret fields (unquoted when they
// are strings), for masking where they are echoed as free text.
func Values(body []byte) []string {
	spans, err := secretSpans(body)
	if err != nil {
		return nil
	}
	var out []string
	for _, sp := range spans {
		raw := body[sp[0]:sp[1]]
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out = append(out, s)
			continue
		}
		out = append(out, string(raw))
	}
	return out
}

// secretSpans returns the byte ranges of the values of secret fields in a
// single JSON document, in order.
func secretSpans(body []byte) ([][2]int, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var spans [][2]int
	// objects[i] is true when container i is an object; expectKey tracks
	// whether the next string in the innermost object is a key.
	var objects []bool
	expectKey := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				objects = append(objects, true)
				expectKey = true
				continue
			case '[':
				objects = append(objects, false)
				expectKey = false
				continue
			default:
				objects = objects[:len(objects)-1]
			}
		case string:
			if expectKey {
				if IsSecretField(t) {
					start, end, err := valueSpan(dec, body)
					if err != nil {
						return nil, err
					}
					spans = append(spans, [2]int{start, end})
				} else {
					expectKey = false
					continue
				}
			}
		}
		// A value ended: in an object the next string is a key again.
		expectKey = len(objects) > 0 && objects[len(objects)-1]
	}
	if len(objects) != 0 {
		return nil, io.ErrUnexpectedEOF
	}
	return spans, nil
}

// valueSpan consumes the value that follows a key and returns where it
// starts and ends in body.
func valueSpan(dec *json.Decoder, body []byte) (int, int, error) {
	start := int(dec.InputOffset())
	for start < len(body) && (body[start] == ':' || isSpace(body[start])) {
		start++
	}
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, 0, err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			return start, int(dec.InputOffset()), nil
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// mentionsSecret reports whether body names a secret field, however it
// spells it: in any case or Unicode folding, with JSON escapes
// ("partner\u0053ecret") or percent escapes (partner%53ecret).
func mentionsSecret(body []byte) bool {
	folded := foldString(unescape(string(body)))
	for f := range secretFields {
		if strings.Contains(folded, foldString(f)) {
			return true
		}
	}
	return false
}

// foldString maps every rune of s to the smallest rune of its Unicode
// case-folding orbit, so that two strings equal under strings.EqualFold
// fold to the same string ("ſ", "s" and "S" all fold to "S").
func foldString(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// unescape decodes, loosely, the escapes a name may hide behind: JSON and
// Go escapes (\uXXXX, \UXXXXXXXX, \xXX, \n, \", ..., behind any number
// of backslashes) and percent escapes. What is not a valid escape is kept
// as it stands.
func unescape(s string) string {
	if !strings.ContainsAny(s, `\%+`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if r, n := decodeEscape(s, i); n > 0 {
			if r < 0 {
				b.WriteByte(byte(-r - 1))
			} else {
				b.WriteRune(r)
			}
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
