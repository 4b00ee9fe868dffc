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
// Masking replaces whole values only: a whole header value (Header), the
// whole JSON value of a secret field (JSON), or a known secret where it
// stands as a whole word in free text (Text). It never cuts into other
// text, so a one-character app key cannot turn "Description" into
// "Descr[REDACTED]ption".
package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
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

// Text replaces each of the given secret values where it appears in s as a
// whole word: not next to a letter, a digit, or one of "-_.~" that
// continues the word. It is the last line of defence for free text (a
// server's error description, a wrapped transport error) that may quote a
// credential. Matching whole words only means a short secret cannot
// corrupt the words around it. Empty secrets are ignored.
func Text(s string, secrets ...string) string {
	for _, v := range secrets {
		if v != "" {
			s = replaceWord(s, v)
		}
	}
	return s
}

func replaceWord(s, v string) string {
	var b strings.Builder
	written, from := 0, 0
	for {
		i := strings.Index(s[from:], v)
		if i < 0 {
			break
		}
		i += from
		end := i + len(v)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end]) || endsSentence(s[end:])) {
			b.WriteString(s[written:i])
			b.WriteString(Mask)
			written, from = end, end
		} else {
			from = i + 1
		}
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// isWordByte reports whether c continues a word that could be a
// credential: letters, digits, "-_.~", and the bytes of non-ASCII letters.
func isWordByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c == '-' || c == '_' || c == '.' || c == '~':
		return true
	}
	return c >= 0x80
}

// endsSentence reports whether s starts with dots that end a sentence
// rather than continue a word: "token abc." ends at the dot.
func endsSentence(s string) bool {
	i := 0
	for i < len(s) && s[i] == '.' {
		i++
	}
	return i > 0 && (i == len(s) || !isWordByte(s[i]))
}
