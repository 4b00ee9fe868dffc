package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// ErrorFields are what an error answer says, whatever shape an operation
// documents its errors in.
type ErrorFields struct {
	// Code is the reason code ("4041"). A schema that wants an integer
	// gets it as one; a Code that is not a number gives Status instead.
	Code string
	// Status is the HTTP status of the answer.
	Status      int
	Description string
	Details     string
	Source      string
	Recoverable bool
}

// What a property of an error shape means, by its name's words.
const (
	meansNothing = iota
	meansCode
	meansDescription
	meansDetails
	meansSource
	meansRecoverable
	meansStatus
)

func errorMeaning(name string) int {
	words := Words(name)
	has := func(list ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return slices.Contains(list, w) })
	}
	switch {
	case has("recoverable", "retryable", "retriable", "transient"):
		return meansRecoverable
	case has("details", "detail"):
		return meansDetails
	case has("description", "message", "msg", "title"):
		return meansDescription
	case has("reason", "code"), len(words) == 1 && words[0] == "error":
		return meansCode
	case has("source"):
		return meansSource
	case has("status"):
		return meansStatus
	}
	return meansNothing
}

// ErrorBody builds an error answer in the shape schema documents: each
// property filled by what its name means (reason/code: the reason code;
// description/message/title: the description; details; source;
// recoverable; status), nested objects and lists of them (the API's
// {"Errors":{"Error":[…]}}, or {error: {code, message}}) filled alike,
// any other required property synthesized (Synthesize). Optional
// properties with nothing to say are left out; a shape with nowhere for
// the details gets them after the description. The value is checked
// against schema; the error says how it breaks it.
func ErrorBody(schema *openapi3.SchemaRef, f ErrorFields) (any, error) {
	if schema == nil || schema.Value == nil {
		return nil, errors.New("no error schema")
	}
	v, _ := f.fill(schema.Value, 0)
	if f.Details != "" && f.Description != "" && !saysDetails(v, f.Details) {
		// No property holds the details: the description carries them,
		// so that a client still learns which field was wrong.
		f.Description, f.Details = f.Description+" "+f.Details, ""
		v, _ = f.fill(schema.Value, 0)
	}
	if err := Check(schema.Value, v, true); err != nil {
		return v, err
	}
	return v, nil
}

// saysDetails reports whether v holds details as a value.
func saysDetails(v any, details string) bool {
	switch x := v.(type) {
	case string:
		return x == details
	case []any:
		return slices.ContainsFunc(x, func(e any) bool { return saysDetails(e, details) })
	case map[string]any:
		for _, e := range x {
			if saysDetails(e, details) {
				return true
			}
		}
	}
	return false
}

// fill returns a value for s and whether anything of f is in it.
func (f ErrorFields) fill(s *openapi3.Schema, depth int) (any, bool) {
	if depth > 8 {
		return synth(s, true, depth), false
	}
	if alts := slices.Concat(s.OneOf, s.AnyOf); len(alts) > 0 {
		for _, m := range alts {
			if m == nil || m.Value == nil {
				continue
			}
			if v, said := f.fill(m.Value, depth+1); Check(s, v, true) == nil {
				return v, said
			}
		}
		return synth(s, true, depth), false
	}
	if s.Type.Is(openapi3.TypeArray) {
		if s.Items == nil || s.Items.Value == nil {
			return synth(s, true, depth), false
		}
		item, said := f.fill(s.Items.Value, depth+1)
		out := []any{item}
		for len(out) < int(s.MinItems) {
			out = append(out, item)
		}
		return out, said
	}
	props, required := Properties(s)
	if len(props) == 0 {
		if s.Type.Is(openapi3.TypeString) && f.Description != "" {
			return f.Description, true
		}
		return synth(s, true, depth), false
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	obj := map[string]any{}
	said := false
	for _, n := range names {
		p := props[n]
		if p == nil || p.Value == nil || p.Value.WriteOnly {
			continue
		}
		req := slices.Contains(required, n)
		if v, ok := f.property(n, p.Value, depth); ok && Check(p.Value, v, true) == nil {
			obj[n] = v
			said = true
			continue
		}
		if req {
			obj[n] = synth(p.Value, true, depth+1)
		}
	}
	return obj, said
}

// property is the value of property name (schema s) and whether f has
// one for it.
func (f ErrorFields) property(name string, s *openapi3.Schema, depth int) (any, bool) {
	if sub, _ := Properties(s); len(sub) > 0 || s.Type.Is(openapi3.TypeArray) || len(s.OneOf)+len(s.AnyOf) > 0 {
		return f.fill(s, depth+1)
	}
	number := s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber)
	text := func(v string) (any, bool) { return v, v != "" && s.Type.Is(openapi3.TypeString) }
	switch errorMeaning(name) {
	case meansCode:
		if !number {
			return text(f.Code)
		}
		if n, err := strconv.ParseInt(f.Code, 10, 64); err == nil {
			return float64(n), true
		}
		return float64(f.Status), f.Status != 0
	case meansDescription:
		return text(f.Description)
	case meansDetails:
		return text(f.Details)
	case meansSource:
		return text(f.Source)
	case meansRecoverable:
		return f.Recoverable, s.Type.Is(openapi3.TypeBoolean)
	case meansStatus:
		if number {
			return float64(f.Status), f.Status != 0
		}
		return text(strconv.Itoa(f.Status))
	}
	return nil, false
}

// ParseError reads an error answer of any shape ErrorBody writes, the
// inverse of it: the first object, depth first, that has a code or a
// description property gives them, and its details. A numeric code is
// given in decimal. ok is false when no object of body has either.
func ParseError(body []byte) (code, description, details string, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return "", "", "", false
	}
	return parseError(v, 0)
}

func parseError(v any, depth int) (code, description, details string, ok bool) {
	if depth > 8 {
		return "", "", "", false
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if code, description, details, ok = parseError(e, depth+1); ok {
				return
			}
		}
	case map[string]any:
		names := make([]string, 0, len(x))
		for n := range x {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			var s string
			switch val := x[n].(type) {
			case string:
				s = val
			case json.Number:
				s = val.String()
			default:
				continue
			}
			switch errorMeaning(n) {
			case meansCode:
				code = firstText(code, s)
			case meansDescription:
				description = firstText(description, s)
			case meansDetails:
				details = firstText(details, s)
			}
		}
		if code != "" || description != "" {
			return code, description, details, true
		}
		for _, n := range names {
			if code, description, details, ok = parseError(x[n], depth+1); ok {
				return
			}
		}
	}
	return "", "", "", false
}

func firstText(have, next string) string {
	if have != "" {
		return have
	}
	return next
}
