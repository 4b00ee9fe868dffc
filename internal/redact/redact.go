// Package redact hides the Finicity credentials where text leaves the
// program: debug logs, error strings, a CLI's verbose output. It never
// touches the data a caller receives; it makes masked copies for printing.
//
// Three values are secret: the Finicity-App-Key and Finicity-App-Token
// headers, and the partnerSecret of partner authentication. The token a
// successful authentication returns is the next request's
// Finicity-App-Token, so the "token" field of a JSON body is masked too.
// Everything else (paths, ids, statuses, reason codes) stays readable,
// because that is what one needs to debug a call.
//
// Masking replaces whole values: a whole header value (Header), the whole
// JSON value of a secret field (JSON), or a known secret in free text
// (Text): everywhere once it is long enough to be unambiguous, as a whole
// word (Unicode-aware) when it is shorter, so that a one-character app key
// cannot turn "Description" into "Descr[REDACTED]ption".
package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask replaces every secret value.
const Mask = "[REDACTED]"

// secretHeaders are canonical header names whose values are credentials.
var secretHeaders = map[string]bool{
	"Finicity-App-Key":   true,
	"Finicity-App-Token": true,
	// Not used by this API, but a proxy or a caller's editor may add them
	// and they are never safe to print.
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
}

// secretFields are JSON object keys (compared case-insensitively) whose
// values are credentials.
var secretFields = map[string]bool{
	"partnersecret": true,
	"token":         true,
}

// IsSecretHeader reports whether the value of header name must not be
// printed.
func IsSecretHeader(name string) bool {
	return secretHeaders[http.CanonicalHeaderKey(name)]
}

// IsSecretField reports whether the value of JSON key name must not be
// printed.
func IsSecretField(name string) bool { return secretFields[strings.ToLower(name)] }

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

func mentionsSecret(body []byte) bool {
	lower := bytes.ToLower(body)
	for f := range secretFields {
		if bytes.Contains(lower, []byte(f)) {
			return true
		}
	}
	return false
}

// MinAnywhere is the length from which a secret is masked wherever it
// stands, even inside a longer word: eight characters of a key or token
// do not occur in other text by chance. A shorter secret is masked where
// it stands as a whole word only, so that a one-character app key cannot
// turn "Description" into "Descr[REDACTED]ption".
const MinAnywhere = 8

// Text replaces each of the given secret values where it appears in s:
// every occurrence of a secret of MinAnywhere characters or more, and
// every whole-word occurrence of a shorter one. Word boundaries are
// Unicode-aware: a secret ends where a letter or digit of its own script
// does not follow, so quotes of every style (“ ” « » ‘ ’), an ellipsis, a
// non-breaking space, the "-", "_" and "." that join words, and text in
// scripts written without spaces (Chinese, Japanese) all bound it. It is
// the last line of defence for free text (a server's error description, a
// wrapped transport error) that may quote a credential. Empty secrets are
// ignored; longer secrets are masked first, so that one secret holding
// another is masked whole.
func Text(s string, secrets ...string) string {
	if len(secrets) > 1 {
		secrets = slices.Clone(secrets)
		slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	}
	for _, v := range secrets {
		if v != "" && strings.Contains(s, v) {
			s = replace(s, v)
		}
	}
	return s
}

func replace(s, v string) string {
	if utf8.RuneCountInString(v) >= MinAnywhere {
		return strings.ReplaceAll(s, v, Mask)
	}
	first, _ := utf8.DecodeRuneInString(v)
	last, _ := utf8.DecodeLastRuneInString(v)
	var b strings.Builder
	written, from := 0, 0
	for {
		i := strings.Index(s[from:], v)
		if i < 0 {
			break
		}
		i += from
		end := i + len(v)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (i == 0 || !continues(first, before)) && (end == len(s) || !continues(last, after)) {
			b.WriteString(s[written:i])
			b.WriteString(Mask)
			written, from = end, end
		} else {
			_, size := utf8.DecodeRuneInString(s[i:])
			from = i + size
		}
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// continues reports whether neighbour, next to the secret's edge rune,
// makes one word with it: both letters or digits (or combining marks), and
// neither in a script written without spaces between words.
func continues(edge, neighbour rune) bool {
	return isWordRune(edge) && isWordRune(neighbour) && unspaced(edge) == unspaced(neighbour)
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))
}

// unspaced reports whether r belongs to a script written without spaces
// between words: a Latin secret beside it is a word of its own.
func unspaced(r rune) bool {
	return r >= 0x2E80 && (unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar))
}
