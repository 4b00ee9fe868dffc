package spec

import (
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Reason is one reason code the API sends in its error answers, as the
// document's x-reason-codes lists it:
//
//	x-reason-codes:
//	  - {code: "10023", name: ExpiredToken, status: 401, description: ...}
//
// The Go constant is "Reason" + Name (api.ReasonExpiredToken).
type Reason struct {
	Code, Name  string
	Status      int
	Description string
	Pointer     string
}

// Const is the Go constant's name.
func (r Reason) Const() string { return "Reason" + r.Name }

// Reason returns the reason named name (without the "Reason" prefix).
func (m *Model) Reason(name string) (Reason, bool) {
	for _, r := range m.Reasons {
		if r.Name == name {
			return r, true
		}
	}
	return Reason{}, false
}

func (b *builder) reasons() {
	m := b.m
	if m.Doc.Components == nil {
		return
	}
	byCode := map[string]Reason{}
	byName := map[string]Reason{}
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef, ptr string)
	walk = func(ref *openapi3.SchemaRef, ptr string) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if raw, ok := s.Extensions["x-reason-codes"]; ok {
			b.reasonList(raw, ptr+"/x-reason-codes", byCode, byName)
		}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			walk(s.Properties[n], ptr+"/properties/"+pointerEscape(n))
		}
		if s.Items != nil {
			walk(s.Items, ptr+"/items")
		}
	}
	names := make([]string, 0, len(m.Doc.Components.Schemas))
	for n := range m.Doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		walk(m.Doc.Components.Schemas[n], Pointer("components", "schemas", n))
	}
	for _, r := range byCode {
		m.Reasons = append(m.Reasons, r)
	}
	sort.Slice(m.Reasons, func(i, j int) bool { return m.Reasons[i].Name < m.Reasons[j].Name })
}

func (b *builder) reasonList(raw any, ptr string, byCode, byName map[string]Reason) {
	const fix = "write x-reason-codes as a list of {code: string, name: GoName, status: integer, description: string}"
	list, ok := raw.([]any)
	if !ok {
		b.problem(ptr, fix, "x-reason-codes is a %T, not a list", raw)
		return
	}
	for i, e := range list {
		p := ptr + "/" + strconv.Itoa(i)
		x, ok := e.(map[string]any)
		if !ok {
			b.problem(p, fix, "an entry is a %T, not an object", e)
			continue
		}
		b.checkKeys(x, "", p, "code", "name", "status", "description")
		r := Reason{Code: b.xString(x, "code", p), Name: b.xString(x, "name", p), Description: strings.TrimSpace(b.xString(x, "description", p)), Pointer: p}
		switch st := x["status"].(type) {
		case float64:
			r.Status = int(st)
		case int:
			r.Status = st
		case nil:
		default:
			b.problem(p+"/status", fix, "status is a %T, not an integer", st)
		}
		if r.Code == "" || !isIdent(r.Name) {
			b.problem(p, fix, "an entry needs a code and a name that is an exported Go identifier (got code %q, name %q)", r.Code, r.Name)
			continue
		}
		if other, dup := byCode[r.Code]; dup && other.Name != r.Name {
			b.problem(p, "give each code one name", "code %s is named %s here and %s at #%s", r.Code, r.Name, other.Name, other.Pointer)
			continue
		}
		if other, dup := byName[r.Name]; dup && other.Code != r.Code {
			b.problem(p, "give each name one code", "name %s is code %s here and %s at #%s", r.Name, r.Code, other.Code, other.Pointer)
			continue
		}
		byCode[r.Code], byName[r.Name] = r, r
	}
}
