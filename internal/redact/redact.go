// Package redact hides the Finicity credentials wherever a request or a
// response is printed: in debug logs, in error strings, in a CLI's verbose
// output.
//
// Three values are secret: the Finicity-App-Key and Finicity-App-Token
// headers, and the partnerSecret of partner authentication. The token a
// successful authentication returns is the next request's Finicity-App-Token,
// so the "token" field of a JSON body is masked too. Everything else (paths,
// ids, statuses, reason codes) is left readable, because that is what one
// needs to debug a call.
package redact

import (
	"bytes"
	"encoding/json"
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

// JSON returns body with the values of secret fields replaced by Mask, at
// any depth. A body that is not JSON is returned unchanged unless it
// mentions a secret field name, in which case the whole body is masked:
// a half-parsed secret is still a secret.
func JSON(body []byte) []byte {
	if len(bytes.TrimSpace(body)) == 0 {
		return body
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		if mentionsSecret(body) {
			return []byte(Mask + " (unparsed body)")
		}
		return body
	}
	if !maskValue(v) {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(Mask + " (unparsed body)")
	}
	return out
}

// maskValue masks secret fields inside v in place and reports whether it
// changed anything.
func maskValue(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if IsSecretField(k) {
				t[k] = Mask
				changed = true
				continue
			}
			if maskValue(child) {
				changed = true
			}
		}
	case []any:
		for _, child := range t {
			if maskValue(child) {
				changed = true
			}
		}
	}
	return changed
}

func mentionsSecret(body []byte) bool {
	lower := bytes.ToLower(body)
	for f := range secretFields {
		if bytes.Contains(lower, []byte(f)) {
			return true
		}
	}
	return false
}

// Values replaces every occurrence of the given secret values in s by
// Mask. It is the last line of defence for free text (a wrapped error, a
// log line) that may quote a credential; empty values are ignored.
func Values(s string, secrets ...string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return s
}
