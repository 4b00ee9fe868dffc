package spec

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Secrets are the credentials a document declares: the values no output
// of the SDK may show.
type Secrets struct {
	// Headers are the canonical names of headers that carry credentials:
	// the apiKey security schemes' (Finicity-App-Key, Finicity-App-Token)
	// and header parameters that are secret.
	Headers []string
	// Fields are the JSON property names whose values are credentials
	// (partnerSecret, token), sorted, each once.
	Fields []string
	// Props is every secret property, where it is.
	Props []SecretProp
}

// SecretProp is one secret property of a schema.
type SecretProp struct {
	// Name is the property's wire name; Pointer where it is declared.
	Name, Pointer string
	// String reports a string property (the generated model holds it in
	// api.Secret).
	String bool
	// ByName: no x-secret said so; its name did.
	ByName bool
}

// IsField reports whether a JSON key names a secret field, compared
// without regard to case.
func (s *Secrets) IsField(name string) bool {
	return slices.ContainsFunc(s.Fields, func(f string) bool { return strings.EqualFold(f, name) })
}

// IsHeader reports whether a header carries a credential.
func (s *Secrets) IsHeader(name string) bool {
	return slices.Contains(s.Headers, http.CanonicalHeaderKey(name))
}

// credentialWords mark a credential when a property's name ends with one
// (Words): newPartnerSecret, accessToken, password, or one of the pairs,
// apiKey. A name that goes on past the credential word names something
// about it instead (secretId, tokenType, passwordPolicy), and is not one.
var (
	credentialWords = []string{"secret", "password", "passwd", "passphrase", "token", "credential", "credentials", "apikey", "pin"}
	credentialPairs = [][2]string{{"api", "key"}, {"private", "key"}, {"app", "key"}, {"access", "key"}, {"secret", "key"}}
)

// CredentialName reports whether a name marks a credential:
// newPartnerSecret, password, accessToken, apiKey, X-Api-Key.
func CredentialName(name string) bool {
	w := Words(name)
	if len(w) == 0 {
		return false
	}
	last := w[len(w)-1]
	if slices.Contains(credentialWords, last) {
		return true
	}
	for _, p := range credentialPairs {
		if len(w) >= 2 && w[len(w)-2] == p[0] && last == p[1] {
			return true
		}
	}
	return false
}

// isSecret decides one property or header parameter: x-secret when it
// says, else its name (noted, for `make generate` to list).
func (b *builder) isSecret(name string, ext map[string]any, ptr string) bool {
	switch v := ext["x-secret"].(type) {
	case bool:
		return v
	case nil:
		if _, present := ext["x-secret"]; present {
			b.problem(ptr+"/x-secret", "write x-secret: true or x-secret: false", "x-secret is null")
			return false
		}
	default:
		b.problem(ptr+"/x-secret", "write x-secret: true or x-secret: false", "x-secret is a %T, not a boolean", v)
		return false
	}
	if CredentialName(name) {
		b.note(ptr, "%s is treated as secret by its name (x-secret: false says it is not)", name)
		return true
	}
	return false
}

// secrets finds every secret property and header of the document.
func (b *builder) secrets() {
	m := b.m
	sec := &m.Secrets
	if m.Doc.Components != nil {
		for _, ref := range m.Doc.Components.SecuritySchemes {
			if ref != nil && ref.Value != nil && ref.Value.Type == "apiKey" && ref.Value.In == "header" {
				sec.Headers = append(sec.Headers, http.CanonicalHeaderKey(ref.Value.Name))
			}
		}
	}
	WalkProperties(m.Doc, func(ptr, name string, p *openapi3.SchemaRef) {
		ext := p.Value.Extensions
		if !b.isSecret(name, ext, ptr) {
			return
		}
		sec.Props = append(sec.Props, SecretProp{Name: name, Pointer: ptr, String: p.Value.Type.Is(openapi3.TypeString) && p.Value.Format != "binary",
			ByName: ext["x-secret"] == nil})
		if !slices.Contains(sec.Fields, name) {
			sec.Fields = append(sec.Fields, name)
		}
	})
	for _, path := range sortedPaths(m.Doc) {
		item := m.Doc.Paths.Value(path)
		check := func(params openapi3.Parameters, ptr string) {
			for i, p := range params {
				if p == nil || p.Value == nil || p.Value.In != openapi3.ParameterInHeader {
					continue
				}
				if b.isSecret(p.Value.Name, p.Value.Extensions, ptr+"/parameters/"+strconv.Itoa(i)) {
					if h := http.CanonicalHeaderKey(p.Value.Name); !slices.Contains(sec.Headers, h) {
						sec.Headers = append(sec.Headers, h)
					}
				}
			}
		}
		check(item.Parameters, Pointer("paths", path))
		for _, method := range httpMethods {
			if op := item.GetOperation(method); op != nil {
				check(op.Parameters, Pointer("paths", path, strings.ToLower(method)))
			}
		}
	}
	sort.Strings(sec.Headers)
	sort.Strings(sec.Fields)
	sort.Slice(b.m.Notes, func(i, j int) bool { return b.m.Notes[i].Pointer < b.m.Notes[j].Pointer })
	b.m.Notes = slices.CompactFunc(b.m.Notes, func(a, c Note) bool { return a == c })
}

func sortedPaths(doc *openapi3.T) []string {
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	return paths
}

// WalkProperties calls fn once for every property of every schema of doc
// (components, and the inline schemas of request and response bodies),
// nested ones included, with the property's JSON pointer: where it is
// declared (a property that is a $ref is named by its target). Every
// reader of properties (the secrets here, gen's overlay) walks with it, so
// that they agree on pointers.
func WalkProperties(doc *openapi3.T, fn func(ptr, name string, prop *openapi3.SchemaRef)) {
	walkSchemas(doc, nil, fn)
}

// WalkSchemas calls fn once for every schema of doc that WalkProperties
// reaches (each the owner of properties it walks), with its pointer.
func WalkSchemas(doc *openapi3.T, fn func(ptr string, s *openapi3.Schema)) {
	walkSchemas(doc, fn, nil)
}

func walkSchemas(doc *openapi3.T, onSchema func(ptr string, s *openapi3.Schema), fn func(ptr, name string, prop *openapi3.SchemaRef)) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef, ptr string)
	walk = func(ref *openapi3.SchemaRef, ptr string) {
		if ref == nil || ref.Value == nil {
			return
		}
		if strings.HasPrefix(ref.Ref, "#/") {
			ptr = strings.TrimPrefix(ref.Ref, "#")
		}
		s := ref.Value
		if seen[s] {
			return
		}
		seen[s] = true
		if onSchema != nil {
			onSchema(ptr, s)
		}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := s.Properties[n]
			if p == nil || p.Value == nil {
				continue
			}
			pptr := ptr + "/properties/" + pointerEscape(n)
			if strings.HasPrefix(p.Ref, "#/") {
				pptr = strings.TrimPrefix(p.Ref, "#")
			}
			if fn != nil {
				fn(pptr, n, p)
			}
			walk(p, pptr)
		}
		for _, kw := range []string{"allOf", "oneOf", "anyOf"} {
			subs := map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "oneOf": s.OneOf, "anyOf": s.AnyOf}[kw]
			for i, sub := range subs {
				walk(sub, ptr+"/"+kw+"/"+strconv.Itoa(i))
			}
		}
		walk(s.Items, ptr+"/items")
		if s.AdditionalProperties.Schema != nil {
			walk(s.AdditionalProperties.Schema, ptr+"/additionalProperties")
		}
	}
	if doc.Components != nil {
		names := make([]string, 0, len(doc.Components.Schemas))
		for n := range doc.Components.Schemas {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			walk(doc.Components.Schemas[n], Pointer("components", "schemas", n))
		}
	}
	content := func(c openapi3.Content, ptr string) {
		types := make([]string, 0, len(c))
		for ct := range c {
			types = append(types, ct)
		}
		sort.Strings(types)
		for _, ct := range types {
			walk(c[ct].Schema, ptr+"/content/"+pointerEscape(ct)+"/schema")
		}
	}
	for _, path := range sortedPaths(doc) {
		item := doc.Paths.Value(path)
		for _, method := range httpMethods {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			ptr := Pointer("paths", path, strings.ToLower(method))
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				content(op.RequestBody.Value.Content, ptr+"/requestBody")
			}
			if op.Responses != nil {
				codes := make([]string, 0, op.Responses.Len())
				for code := range op.Responses.Map() {
					codes = append(codes, code)
				}
				sort.Strings(codes)
				for _, code := range codes {
					if r := op.Responses.Value(code); r != nil && r.Value != nil {
						content(r.Value.Content, ptr+"/responses/"+pointerEscape(code))
					}
				}
			}
		}
	}
}
