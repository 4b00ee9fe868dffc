package validation

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// frame is one open JSON container while scanJSON reads a body.
type frame struct {
	object  bool
	wantKey bool           // an object awaiting its next key
	key     string         // the object's current key
	index   int            // the array's current index (-1 before the first)
	keys    map[string]int // the object's keys so far, with their counts
	order   []string       // the keys, in order of first appearance
}

// scanJSON holds a JSON body to RFC 8259 where decoders are lenient:
// every string (key or value) valid UTF-8, which encoding/json, and so
// openapi3filter, would replace with U+FFFD without a word (the server
// would receive another value); each member of an object named once,
// where decoders keep the last silently; one value, with nothing after
// it, where a streaming decoder stops at the first. A body that does not
// parse is reported as such (openapi3filter says so too).
func scanJSON(c *collector, body []byte) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []frame
	path := func() []string {
		parts := make([]string, len(stack))
		for i, fr := range stack {
			if fr.object {
				parts[i] = fr.key
			} else {
				parts[i] = strconv.Itoa(fr.index)
			}
		}
		return parts
	}
	checkUTF8 := !utf8.Valid(body)
	badUTF8 := false // one UTF-8 finding is enough: the rest of the body is suspect
	prev := int64(0)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				c.addAt(KindInvalidJSON, "body", nil, RuleInvalidJSON)
			}
			return
		}
		if err != nil {
			c.addAt(KindInvalidJSON, "body", nil, RuleInvalidJSON)
			return
		}
		end := dec.InputOffset()
		raw := body[prev:end] // the token, with the separators before it
		prev = end
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			if top := stack[len(stack)-1]; top.object {
				at := path()
				for _, k := range top.order {
					if n := top.keys[k]; n > 1 {
						c.addAt(KindDuplicateKey, "body", append(trimLast(at), k), RuleDuplicateKey(n))
					}
				}
			}
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
			if len(stack) == 0 {
				trailing(c, dec)
				return
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			top := &stack[n-1]
			if checkUTF8 && !badUTF8 && !utf8.Valid(raw) {
				top.key = ""
				badUTF8 = true
				c.addAt(KindInvalidUTF8, "body", trimLast(path()), "a field name is not valid UTF-8")
			}
			key, _ := tok.(string)
			top.key, top.wantKey = key, false
			if top.keys == nil {
				top.keys = map[string]int{}
			}
			if top.keys[key]++; top.keys[key] == 1 {
				top.order = append(top.order, key)
			}
			continue
		}
		if n := len(stack); n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{', index: -1})
			continue
		}
		if _, ok := tok.(string); ok && checkUTF8 && !badUTF8 && !utf8.Valid(raw) {
			badUTF8 = true
			c.addAt(KindInvalidUTF8, "body", path(), "not valid UTF-8: JSON decoders replace the bytes, so the server would receive another value")
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
		if len(stack) == 0 {
			trailing(c, dec)
			return
		}
	}
}

// trailing reports text after the body's one value.
func trailing(c *collector, dec *json.Decoder) {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		c.addAt(KindInvalidJSON, "body", nil, RuleTrailingData)
	}
}

func trimLast(p []string) []string {
	if len(p) == 0 {
		return p
	}
	return p[:len(p)-1]
}
