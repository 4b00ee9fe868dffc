package codegen

import (
	"encoding/json"
	"fmt"
	"go/types"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/finicity-go/connect-components/internal/spec"
)

// schemaOf finds the component schema gen named name after, if any.
func (p *plan) schemaOf(name string) (string, *openapi3.SchemaRef) {
	if p.m.Doc.Components == nil {
		return "", nil
	}
	for cname, ref := range p.m.Doc.Components.Schemas {
		if ref == nil || ref.Value == nil {
			continue
		}
		goName := codegen.SchemaNameToTypeName(cname)
		if n, ok := ref.Value.Extensions["x-go-name"].(string); ok {
			goName = n
		}
		if goName == name {
			return cname, ref
		}
	}
	return "", nil
}

// comment turns text into comment lines: its paragraphs kept, each line
// trimmed.
func comment(text string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		out = append(out, strings.TrimRight(strings.ReplaceAll(l, "\t", "    "), " "))
	}
	return out
}

// oneLine is s on one line, for a list item of a comment.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// modelDoc is the doc comment of a model alias: the schema's
// description, an example, and one line per field (Go name, wire name,
// Go type, required or optional, the first sentence of its description),
// so that go doc is enough to fill one in.
func (p *plan) modelDoc(a *modelAlias) []string {
	cname, ref := p.schemaOf(a.Gen)
	doc := []string{}
	if o := a.params; o != nil {
		doc = append(doc, fmt.Sprintf("%s holds the query and header parameters of %s (%s %s); gen.%s.", a.Name, o.Qualified(), o.Method, o.Path, a.Gen),
			"A pointer field left nil is not sent.")
		ref, cname = nil, ""
	} else if cname != "" {
		doc = append(doc, fmt.Sprintf("%s is the spec's %s model (gen.%s).", a.Name, cname, a.Gen))
	} else {
		doc = append(doc, fmt.Sprintf("%s is gen.%s.", a.Name, a.Gen))
	}
	var s *openapi3.Schema
	if ref != nil {
		s = ref.Value
	}
	if s != nil && strings.TrimSpace(s.Description) != "" {
		doc = append(doc, "")
		doc = append(doc, comment(s.Description)...)
	}
	if s != nil && s.Example != nil {
		if data, err := json.Marshal(s.Example); err == nil && len(data) < 400 {
			doc = append(doc, "", "Example: "+string(data))
		}
	}
	t := p.gen.Scope().Lookup(a.Gen).Type()
	nm := &namer{inAPI: true, aliases: p.aliases, im: imports{}}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		doc = append(doc, "", fmt.Sprintf("It is a []%s: see %s for the fields of each item.", nm.expr(u.Elem()), nm.expr(u.Elem())))
	case *types.Struct:
		// What the spec says of each wire name: required, and a description.
		required, described := []string{}, map[string]string{}
		if s != nil {
			props, req := spec.Properties(s)
			required = req
			for n, prop := range props {
				if prop != nil && prop.Value != nil {
					described[n] = prop.Value.Description
				}
			}
		}
		if o := a.params; o != nil {
			for _, prm := range o.Params() {
				if prm.Required {
					required = append(required, prm.Name)
				}
				described[prm.Name] = prm.Description
			}
		}
		var fields []string
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			wire := jsonName(u.Tag(i))
			if a.params != nil {
				tag := reflectStructTag(u.Tag(i))
				wire = firstName(tag.Get("form"), tag.Get("json"))
			}
			typ := nm.expr(f.Type())
			if _, anon := types.Unalias(f.Type()).Underlying().(*types.Struct); anon && !isNamed(f.Type()) || strings.Contains(typ, "\n") || strings.Contains(typ, "struct{") {
				typ = "an inline object"
			}
			req, desc := "optional", ""
			if slices.Contains(required, wire) {
				req = "required"
			}
			desc = spec.FirstSentence(described[wire])
			if wire == "" {
				if f.Name() == "AdditionalProperties" {
					fields = append(fields, "  - AdditionalProperties (any other wire name, "+typ+", optional): sent and received as they are; Get and Set reach one")
				}
				continue
			}
			line := fmt.Sprintf("  - %s (%s, %s, %s)", f.Name(), wire, typ, req)
			if desc != "" {
				line += ": " + oneLine(desc)
			}
			fields = append(fields, line)
		}
		if len(fields) > 0 {
			doc = append(doc, "", "Fields (Go name, wire name, type, required or optional: description):")
			doc = append(doc, fields...)
		}
	}
	return doc
}

func isNamed(t types.Type) bool {
	_, ok := types.Unalias(t).(*types.Named)
	return ok
}

// methodDoc is the doc comment of a service method: what it sends, the
// spec's description, what success decodes into, and what is refused
// before sending.
func (p *plan) methodDoc(op *opPlan) []string {
	o := op.Op
	head := op.Method + " sends "
	if o.Docs != "" {
		head += o.Docs + " "
	}
	if o.Summary != "" {
		head += "(" + oneLine(o.Summary) + ")"
	} else {
		head += "(" + o.ID + ")"
	}
	doc := []string{head + ":", o.Method + " " + o.Path}
	if o.Description != "" {
		doc = append(doc, "")
		doc = append(doc, comment(o.Description)...)
	}
	var succ, errs []string
	for _, r := range o.Successes() {
		succ = append(succ, r.Status)
	}
	for _, r := range o.Errors() {
		errs = append(errs, r.Status)
	}
	doc = append(doc, "")
	switch {
	case op.Result != nil:
		doc = append(doc, fmt.Sprintf("Success is status %s, decoded into a *%s.", strings.Join(succ, " or "), op.Result.Name))
	case strings.HasPrefix(op.Returns, "("):
		doc = append(doc, fmt.Sprintf("Success is status %s, decoded into %s.", strings.Join(succ, " or "), strings.TrimSuffix(strings.TrimPrefix(op.Returns, "("), ", error)")))
	case len(succ) > 0:
		doc = append(doc, fmt.Sprintf("Success is status %s, with no body.", strings.Join(succ, " or ")))
	}
	if len(errs) > 0 {
		doc = append(doc, fmt.Sprintf("The documented errors (%s), and any other status, are an *Error.", strings.Join(errs, ", ")))
	} else {
		doc = append(doc, "Any other status is an *Error.")
	}
	what := ""
	switch {
	case len(op.Checks) > 0 && op.BodyCheck != "":
		what = "Required parameters and body fields"
	case len(op.Checks) > 0:
		what = "Required parameters"
	case op.BodyCheck != "":
		what = "Required body fields"
	}
	if what != "" {
		doc = append(doc, what+" left at their zero value are refused", "before anything is sent, with a *ValidationError naming the field.")
	}
	if o.Deprecated {
		doc = append(doc, "", "Deprecated: the spec marks this operation deprecated.")
	}
	return doc
}

// wrap folds text into comment lines of at most 72 characters.
func wrap(text string) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 72 {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
