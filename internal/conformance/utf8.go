package conformance

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// frame is one open JSON container while checkUTF8 reads a body.
type frame struct {
	object  bool
	wantKey bool   // an object awaiting its next key
	key     string // the object's current key
	index   int    // the array's current index (-1 before the first)
}

// checkUTF8 reports the first JSON string of body (a key or a value) that
// is not valid UTF-8, naming its field. encoding/json, and so
// openapi3filter, replace such bytes with U+FFFD without a word: the
// server would receive another value than the one meant. A body that does
// not parse is left to openapi3filter, which reports it.
func checkUTF8(f *collector, body []byte) {
	if utf8.Valid(body) {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []frame
	path := func() string {
		parts := make([]string, len(stack))
		for i, fr := range stack {
			if fr.object {
				parts[i] = fr.key
			} else {
				parts[i] = strconv.Itoa(fr.index)
			}
		}
		return strings.Join(parts, ".")
	}
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		end := dec.InputOffset()
		raw := body[prev:end] // the token, with the separators before it
		prev = end
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			if !utf8.Valid(raw) {
				stack[n-1].key = ""
				f.add(KindInvalidUTF8, "body", strings.TrimSuffix(path(), "."), "a field name is not valid UTF-8")
				return
			}
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			continue
		}
		if n := len(stack); n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{', index: -1})
			continue
		}
		if _, ok := tok.(string); ok && !utf8.Valid(raw) {
			f.add(KindInvalidUTF8, "body", path(), "not valid UTF-8: JSON decoders replace the bytes, so the server would receive another value")
			return
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
}
