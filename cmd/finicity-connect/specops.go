package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/specdoc"
)

// The API commands come from the spec embedded in the binary (gen's
// copy of openapi.yaml): one command per operation, named after its
// x-sdk service and method, with a flag per path parameter, query
// parameter and body property. A spec change and `make generate` are
// enough for a new field to be a new flag and a new operation a new
// command. The x-cli extension holds the few things the spec cannot say
// by itself:
//
//	on an operation:  command: the command's name, where it is not <service> <method>
//	on a parameter
//	or a property:    aliases: more flag names (today's names kept working)
//	                  default: the value when the flag is not given ("now" for a date-time)
//	                  default-flag: take the value of this other flag when not given
//	on a response:    key: the JSON key the answer is printed under, when an
//	                  operation has several successes
//	                  title: what the answer means, in table output

// opSpec is one operation of the spec, as the CLI uses it.
type opSpec struct {
	id, method, path  string
	service, goMethod string // x-sdk: the typed method Client.<service>.<goMethod>
	result            string // x-sdk: the typed method's result, where it is not the answer's model
	docs              string // x-sdk: the docs' name of the operation
	name              string // "configurations create"
	summary, doc      string
	pathParams        []*specField // in path order
	queryParams       []*specField
	headerParams      []*specField
	body              *openapi3.Schema // nil: no request body
	bodyRequired      bool
	bodyFields        []*specField
	bodyExample       any
	successes         []success
}

// success is one documented 2xx answer.
type success struct {
	status       int
	schema       *openapi3.Schema // nil: no body
	key, title   string
	goName       string // the schema's Go name, for table titles
	itemsGoName  string // for a list, its items' Go name
	responseDesc string
}

// specField is one flag made from a parameter or a body property.
type specField struct {
	wire     []string // the property's path in the body, or the parameter's name
	flag     string
	aliases  []string
	schema   *openapi3.Schema
	required bool
	doc      string
	example  any

	def     string // x-cli default
	defFlag string // x-cli default-flag
}

// words splits a wire or Go name into lower-case words: "redirectURI"
// is [redirect uri], "configuration_id" [configuration id], "MFAType"
// [mfa type].
func words(name string) []string {
	var out []string
	var cur []rune
	rs := []rune(name)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == ' ' || r == '.':
			flush()
			continue
		case unicode.IsUpper(r) && i > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

func kebab(name string) string { return strings.Join(words(name), "-") }

// heading is a table column or row title: "eventStreamId" is
// "EVENT STREAM ID".
func heading(name string) string { return strings.ToUpper(strings.Join(words(name), " ")) }

// xcli returns the x-cli extension of an element, as a map.
func xcli(ext map[string]any) map[string]any {
	m, _ := ext["x-cli"].(map[string]any)
	return m
}

func xString(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func xStrings(m map[string]any, key string) []string {
	var out []string
	list, _ := m[key].([]any)
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// specOps is every operation of the embedded spec, in the order of the
// command list (by name).
var specOps = sync.OnceValues(func() ([]*opSpec, error) {
	doc, err := specdoc.Doc()
	if err != nil {
		return nil, err
	}
	var ops []*opSpec
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			ops = append(ops, newOpSpec(method, path, item, op))
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].name < ops[j].name })
	return ops, nil
})

// firstLine is the first line of a description.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		// Descriptions wrap: take the first sentence instead, if it
		// spans lines.
		flat := strings.Join(strings.Fields(s), " ")
		if j := strings.Index(flat, ". "); j >= 0 {
			return flat[:j+1]
		}
		return flat
	}
	return s
}

func newOpSpec(method, path string, item *openapi3.PathItem, op *openapi3.Operation) *opSpec {
	o := &opSpec{id: op.OperationID, method: method, path: path, summary: op.Summary, doc: strings.TrimSpace(op.Description)}
	sdk, _ := op.Extensions["x-sdk"].(map[string]any)
	o.service, o.goMethod, o.docs, o.result = xString(sdk, "service"), xString(sdk, "method"), xString(sdk, "docs"), xString(sdk, "result")
	switch name := xString(xcli(op.Extensions), "command"); {
	case name != "":
		o.name = name
	case o.service != "" && o.goMethod != "":
		o.name = serviceCommand(o.service, path) + " " + kebab(o.goMethod)
	default:
		o.name = kebab(op.OperationID)
	}

	params := append(slices.Clone(item.Parameters), op.Parameters...)
	for _, pref := range params {
		p := pref.Value
		if p == nil || p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		x := xcli(p.Extensions)
		f := &specField{wire: []string{p.Name}, flag: kebab(p.Name), aliases: xStrings(x, "aliases"), schema: p.Schema.Value,
			required: p.Required, doc: firstLine(p.Description), example: p.Example, def: xString(x, "default"), defFlag: xString(x, "default-flag")}
		switch p.In {
		case openapi3.ParameterInPath:
			o.pathParams = append(o.pathParams, f)
		case openapi3.ParameterInQuery:
			o.queryParams = append(o.queryParams, f)
		case openapi3.ParameterInHeader:
			o.headerParams = append(o.headerParams, f)
		}
	}
	// Path parameters in the order they appear in the path.
	sort.SliceStable(o.pathParams, func(i, j int) bool {
		return strings.Index(path, "{"+o.pathParams[i].wire[0]+"}") < strings.Index(path, "{"+o.pathParams[j].wire[0]+"}")
	})

	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			o.body, o.bodyRequired, o.bodyExample = mt.Schema.Value, rb.Value.Required, mt.Example
			o.bodyFields = bodyFields(nil, o.body, true)
		}
	}
	// A default-flag names a flag of the same operation: a schema shared
	// by operations (ServiceAgreement) may name one that only some have
	// (--language is a login form's, not an OAuth URL's). Where it is
	// missing the field takes its plain default, and the help says so.
	names := map[string]bool{}
	for _, f := range o.fields() {
		for _, n := range append([]string{f.flag}, f.aliases...) {
			names[n] = true
		}
	}
	for _, f := range o.fields() {
		if f.defFlag != "" && !names[f.defFlag] {
			f.defFlag = ""
		}
	}

	if op.Responses != nil {
		for code, ref := range op.Responses.Map() {
			var status int
			if _, err := fmt.Sscanf(code, "%d", &status); err != nil || status < 200 || status > 299 || ref.Value == nil {
				continue
			}
			s := success{status: status, responseDesc: firstLine(derefString(ref.Value.Description))}
			x := xcli(ref.Value.Extensions)
			s.key, s.title = xString(x, "key"), xString(x, "title")
			if mt := ref.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
				s.schema = mt.Schema.Value
				s.goName = schemaName(mt.Schema)
				if it := s.schema.Items; it != nil && it.Value != nil {
					s.itemsGoName = schemaName(it)
				}
			}
			if s.key == "" && s.goName != "" {
				w := words(s.goName)
				for i := 1; i < len(w); i++ {
					w[i] = strings.ToUpper(w[i][:1]) + w[i][1:]
				}
				s.key = strings.Join(w, "")
			}
			if s.title == "" {
				s.title = strings.ToLower(strings.TrimSuffix(s.responseDesc, "."))
			}
			o.successes = append(o.successes, s)
		}
		sort.Slice(o.successes, func(i, j int) bool { return o.successes[i].status < o.successes[j].status })
	}
	return o
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// schemaName is the Go name of a referenced schema: its x-go-name, else
// the component's name.
func schemaName(ref *openapi3.SchemaRef) string {
	if n, ok := ref.Value.Extensions["x-go-name"].(string); ok {
		return n
	}
	if i := strings.LastIndex(ref.Ref, "/"); i >= 0 {
		return ref.Ref[i+1:]
	}
	return ""
}

// serviceCommand is the command word of an x-sdk service: the path
// segment that spells it ("OAuthURLs" is oauth-urls), else its kebab
// case.
func serviceCommand(service, path string) string {
	want := strings.ToLower(service)
	for _, seg := range strings.Split(path, "/") {
		if strings.ReplaceAll(seg, "-", "") == want {
			return seg
		}
	}
	return kebab(service)
}

// bodyFields flattens the properties of an object schema into flags:
// nested objects give prefixed names (serviceAgreement.language is
// --service-agreement-language). A property is required when it and
// every object above it are.
func bodyFields(prefix []string, s *openapi3.Schema, required bool) []*specField {
	if s == nil || !s.Type.Is(openapi3.TypeObject) {
		return nil
	}
	var out []*specField
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ref := s.Properties[n]
		if ref == nil || ref.Value == nil || ref.Value.ReadOnly {
			continue
		}
		p := ref.Value
		wire := append(slices.Clone(prefix), n)
		req := required && slices.Contains(s.Required, n)
		if p.Type.Is(openapi3.TypeObject) && len(p.Properties) > 0 {
			out = append(out, bodyFields(wire, p, req)...)
			continue
		}
		x := xcli(p.Extensions)
		var flagWords []string
		for _, w := range wire {
			flagWords = append(flagWords, words(w)...)
		}
		out = append(out, &specField{wire: wire, flag: strings.Join(flagWords, "-"), aliases: xStrings(x, "aliases"), schema: p,
			required: req, doc: firstLine(p.Description), example: p.Example, def: xString(x, "default"), defFlag: xString(x, "default-flag")})
	}
	return out
}

// fields is every flag-making field of the operation: path, query and
// header parameters, then body properties.
func (o *opSpec) fields() []*specField {
	out := slices.Concat(o.pathParams, o.queryParams, o.headerParams)
	return append(out, o.bodyFields...)
}
