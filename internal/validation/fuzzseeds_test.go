package validation_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The seed corpus of FuzzFastPathAgrees is derived from the spec, so that
// an operation or a schema added to openapi.yaml gets seeds without anyone
// writing them: for every request and response body, its example (or one
// built from the schema) and variants of it that break the schema in one
// place each; for every path parameter, its example and broken variants.

// fuzzOp is one operation of the spec. path holds %s where the fuzzed
// path parameter (the last one) goes; the others hold their example.
type fuzzOp struct {
	method, path string
	param        *openapi3.Parameter // the fuzzed one; nil when the path has none
	statuses     []int               // documented numeric statuses, ascending
	op           *openapi3.Operation
}

// specFuzzOps lists the operations of doc in a stable order.
func specFuzzOps(doc *openapi3.T) []fuzzOp {
	var ops []fuzzOp
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Value(path)
		byMethod := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(byMethod)) {
			op := byMethod[method]
			params := map[string]*openapi3.Parameter{}
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
					params[p.Value.Name] = p.Value
				}
			}
			fo := fuzzOp{method: method, op: op}
			segs := strings.Split(path, "/")
			last := -1
			for i, seg := range segs {
				if strings.HasPrefix(seg, "{") {
					last = i
				}
			}
			for i, seg := range segs {
				if !strings.HasPrefix(seg, "{") {
					continue
				}
				p := params[strings.Trim(seg, "{}")]
				if i == last {
					fo.param, segs[i] = p, "%s"
				} else {
					segs[i] = url.PathEscape(paramString(exampleOfParam(p)))
				}
			}
			fo.path = strings.Join(segs, "/")
			for code := range op.Responses.Map() {
				if n, err := strconv.Atoi(code); err == nil {
					fo.statuses = append(fo.statuses, n)
				}
			}
			slices.Sort(fo.statuses)
			ops = append(ops, fo)
		}
	}
	return ops
}

type fuzzSeed struct {
	op, status  uint8
	body, param string
	// What the seed was derived from: a request body, a response body
	// (under status), or a path parameter, and its schema. The fuzz target
	// tries every body both ways; these only let the tests check coverage.
	from   seedSource
	schema *openapi3.Schema
}

type seedSource uint8

const (
	fromRequest seedSource = iota
	fromResponse
	fromParam
)

// specSeeds returns the derived seeds for ops. A schema used by several
// operations or statuses (the error body, say) is seeded once, under the
// first: the fuzzer gathers baseline coverage for every seed before it
// starts, and copies would only eat into its time.
func specSeeds(ops []fuzzOp) []fuzzSeed {
	var seeds []fuzzSeed
	seen := map[fuzzSeed]bool{}
	add := func(s fuzzSeed) {
		if !seen[s] {
			seen[s] = true
			seeds = append(seeds, s)
		}
	}
	seeded := map[*openapi3.Schema]bool{}
	firstTime := func(s *openapi3.Schema) bool {
		if seeded[s] {
			return false
		}
		seeded[s] = true
		return true
	}
	for i, fo := range ops {
		param := ""
		var params []string
		if fo.param != nil {
			ex := exampleOfParam(fo.param)
			param = paramString(ex)
			for _, m := range mutations(fo.param.Schema.Value, ex, 0) {
				if _, isObj := m.(map[string]any); !isObj {
					params = append(params, paramString(m))
				}
			}
		}
		// Request bodies, with the valid parameter.
		var reqExample string
		if rb := fo.op.RequestBody; rb != nil && rb.Value != nil {
			if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				ex := exampleOf(mt.Example, mt.Schema.Value, 0)
				reqExample = mustJSON(ex)
				add(fuzzSeed{op: uint8(i), body: reqExample, param: param, from: fromRequest, schema: mt.Schema.Value})
				if firstTime(mt.Schema.Value) {
					for _, b := range mutations(mt.Schema.Value, ex, 0) {
						add(fuzzSeed{op: uint8(i), body: mustJSON(b), param: param, from: fromRequest, schema: mt.Schema.Value})
					}
				}
			}
		}
		// Broken parameters, with the valid body.
		if fo.param != nil && firstTime(fo.param.Schema.Value) {
			for _, p := range params {
				add(fuzzSeed{op: uint8(i), body: reqExample, param: p, from: fromParam, schema: fo.param.Schema.Value})
			}
		}
		// Response bodies, each under its own status.
		for j, status := range fo.statuses {
			resp := fo.op.Responses.Status(status)
			if resp == nil || resp.Value == nil {
				continue
			}
			mt := resp.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil {
				add(fuzzSeed{op: uint8(i), status: uint8(j), body: "", param: param, from: fromResponse})
				continue
			}
			ex := exampleOf(mt.Example, mt.Schema.Value, 0)
			add(fuzzSeed{op: uint8(i), status: uint8(j), body: mustJSON(ex), param: param, from: fromResponse, schema: mt.Schema.Value})
			if firstTime(mt.Schema.Value) {
				for _, b := range mutations(mt.Schema.Value, ex, 0) {
					add(fuzzSeed{op: uint8(i), status: uint8(j), body: mustJSON(b), param: param, from: fromResponse, schema: mt.Schema.Value})
				}
			}
		}
	}
	return seeds
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("seed does not encode: %v", err))
	}
	return string(b)
}

func exampleOfParam(p *openapi3.Parameter) any {
	if p == nil {
		return "x"
	}
	var s *openapi3.Schema
	if p.Schema != nil {
		s = p.Schema.Value
	}
	return exampleOf(p.Example, s, 0)
}

// paramString writes a value as it goes in a path segment.
func paramString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "null"
	default:
		return strings.Trim(mustJSON(v), `"`)
	}
}

// exampleOf returns ex if the spec gives one, else s's example, else a
// value built from s: every property (required or not), one item per
// array, and values that meet the bounds and formats.
func exampleOf(ex any, s *openapi3.Schema, depth int) any {
	if ex != nil {
		return ex
	}
	if s == nil || depth > 8 {
		return nil
	}
	if s.Example != nil {
		return s.Example
	}
	switch {
	case s.Type.Is(openapi3.TypeObject):
		m := map[string]any{}
		for name, p := range s.Properties {
			m[name] = exampleOf(nil, p.Value, depth+1)
		}
		return m
	case s.Type.Is(openapi3.TypeArray):
		if s.Items == nil {
			return []any{}
		}
		return []any{exampleOf(nil, s.Items.Value, depth+1)}
	case s.Type.Is(openapi3.TypeString):
		switch s.Format {
		case "uuid":
			return "605543e1-f507-48ad-8127-95c40566597b"
		case "date-time":
			return "2024-11-28T18:25:32Z"
		case "uri":
			return "https://x.example/cb"
		}
		return strings.Repeat("a", max(int(s.MinLength), 1))
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case s.Type.Is(openapi3.TypeBoolean):
		return true
	}
	return "x"
}

// mutations returns variants of v, an instance of s, each changed in one
// place: mostly to break s there (wrong type, null, a missing required
// property, a bound or a format missed by one, an extra level of nesting),
// sometimes to stay valid on an edge (a bound met exactly, every optional
// property filled in).
func mutations(s *openapi3.Schema, v any, depth int) []any {
	if s == nil || depth > 6 {
		return nil
	}
	out := []any{nil, []any{v}, map[string]any{"nested": v}}
	switch {
	case s.Type.Is(openapi3.TypeObject):
		m, _ := v.(map[string]any)
		out = append(out, "x", []any{}, map[string]any{})
		for _, r := range s.Required {
			if _, ok := m[r]; ok {
				out = append(out, without(m, r))
			}
		}
		out = append(out, with(m, "extra", map[string]any{"deep": []any{1, map[string]any{"x": nil}}}))
		if s.MaxProps != nil {
			over := copyMap(m)
			for i := 0; len(over) <= int(*s.MaxProps); i++ {
				over[fmt.Sprintf("p%d", i)] = i
			}
			out = append(out, over)
		}
		full := copyMap(m)
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			p := s.Properties[name].Value
			child, ok := m[name]
			if !ok {
				child = exampleOf(nil, p, depth+1)
				full[name] = child
			}
			for _, c := range mutations(p, child, depth+1) {
				out = append(out, with(m, name, c))
			}
		}
		out = append(out, full)
	case s.Type.Is(openapi3.TypeArray):
		a, _ := v.([]any)
		out = append(out, "x", map[string]any{}, []any{})
		if s.MaxItems != nil {
			over := make([]any, *s.MaxItems+1)
			for i := range over {
				over[i] = firstOr(a, nil)
			}
			out = append(out, over)
		}
		if s.Items != nil {
			item := firstOr(a, exampleOf(nil, s.Items.Value, depth+1))
			for _, c := range mutations(s.Items.Value, item, depth+1) {
				out = append(out, append([]any{c}, rest(a)...))
			}
			out = append(out, []any{item, item})
		}
	case s.Type.Is(openapi3.TypeString):
		str, _ := v.(string)
		out = append(out, 1, true, []any{str}, str+"\"", str+"\\u00e9", "é"+str, "<&>"+str)
		if s.MinLength > 0 {
			out = append(out, strings.Repeat("a", int(s.MinLength)-1))
		}
		if s.MaxLength != nil {
			n := int(*s.MaxLength)
			out = append(out, strings.Repeat("a", n), strings.Repeat("a", n+1), strings.Repeat("é", n), strings.Repeat("é", n+1))
		}
		switch s.Format {
		case "uuid":
			out = append(out, "605543e1-f507-48ad-8127-95c40566597", "605543e1f50748ad812795c40566597b0000",
				"605543e1-f507-48ad-8127-95c40566597g", "605543E1-F507-48AD-8127-95C40566597B", "not-a-uuid", "")
		case "date-time":
			out = append(out, "2024-02-30T18:25:32Z", "2024-11-28 18:25:32Z", "2024-11-28T24:00:00Z",
				"2024-11-28T18:25:32+24:00", "2024-11-28T18:25:32.123456789+01:00", "2024-11-28", "2024-11-28T18:25:32z", "")
		case "uri":
			out = append(out, "/relative", "x", "https://", "http://[::1", "mailto:a@x.example", "https://x.example/a b", "")
		}
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		out = append(out, "1", true, 1.5, 1e21, json.Number("1e2"), json.Number("-0"), json.Number("1.0"),
			int64(9007199254740993), json.Number("9223372036854775808"))
		if s.Min != nil {
			out = append(out, *s.Min, *s.Min-1, *s.Min-0.5)
		}
		if s.Max != nil {
			out = append(out, *s.Max, *s.Max+1, *s.Max+0.5)
		}
	case s.Type.Is(openapi3.TypeBoolean):
		out = append(out, "true", 0, false)
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	cp := make(map[string]any, len(m)+1)
	maps.Copy(cp, m)
	return cp
}

func with(m map[string]any, k string, v any) map[string]any {
	cp := copyMap(m)
	cp[k] = v
	return cp
}

func without(m map[string]any, k string) map[string]any {
	cp := copyMap(m)
	delete(cp, k)
	return cp
}

func firstOr(a []any, dflt any) any {
	if len(a) > 0 {
		return a[0]
	}
	return dflt
}

func rest(a []any) []any {
	if len(a) > 1 {
		return a[1:]
	}
	return nil
}
