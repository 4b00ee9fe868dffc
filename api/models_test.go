package api_test

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// TestSecretsNeverPrinted: the models with a secret field (x-secret in
// openapi.yaml) never show it through fmt, whatever the verb, alone, by
// pointer or inside another value; an empty secret stays visibly empty;
// JSON still carries it, since that is the request.
func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-Value-9f2"
	values := map[string]any{
		"PartnerCredentials": api.PartnerCredentials{PartnerID: "1234583871234", PartnerSecret: api.NewSecret(secret)},
		"AccessToken":        api.AccessToken{Token: api.NewSecret(secret)},
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %v", "%10v", "%-30s", "%p", "%d"}
	for name, v := range values {
		forms := map[string]any{"value": v, "pointer": ptr(v), "nested": struct{ Inner any }{v}, "slice": []any{v}}
		for form, x := range forms {
			for _, verb := range verbs {
				if got := fmt.Sprintf(verb, x); strings.Contains(got, secret) || strings.Contains(got, fmt.Sprintf("%x", secret)) || strings.Contains(got, fmt.Sprintf("%X", secret)) {
					t.Errorf("%s (%s) printed with %s shows the secret: %s", name, form, verb, got)
				}
			}
		}
		if s := fmt.Sprintf("%v", v); strings.Contains(s, secret) || !strings.Contains(s, "[REDACTED]") {
			t.Errorf("%s printed with %%v = %q, want the secret masked as [REDACTED]", name, s)
		}
		b, err := json.Marshal(v)
		if err != nil || !strings.Contains(string(b), secret) {
			t.Errorf("%s: JSON %s, %v: the request body must carry the secret", name, b, err)
		}
	}
	// The other fields still print, and an unset secret prints as empty.
	if got := fmt.Sprintf("%+v", api.PartnerCredentials{PartnerID: "1234583871234"}); got != "{PartnerID:1234583871234 PartnerSecret:}" {
		t.Errorf("%%+v of credentials without a secret: %s", got)
	}
	if got := fmt.Sprintf("%#v", api.PartnerCredentials{PartnerID: "p", PartnerSecret: api.NewSecret(secret)}); got != `gen.PartnerCredentials{PartnerID:"p", PartnerSecret:secret.String("[REDACTED]")}` {
		t.Errorf("%%#v: %s", got)
	}
}

func ptr(v any) any {
	switch x := v.(type) {
	case api.PartnerCredentials:
		return &x
	case api.AccessToken:
		return &x
	}
	panic(fmt.Sprintf("ptr: %T", v))
}

// TestModelDocsListFields reads api/models.gen.go as go doc does: every
// model of the spec with properties is an alias whose doc comment names
// each field by Go name and wire name, says whether it is required, and
// quotes the first line of its description. So `go doc api.LoginFormParams`
// is enough to fill one in.
func TestModelDocsListFields(t *testing.T) {
	doc, err := specdoc.Doc()
	if err != nil {
		t.Fatal(err)
	}
	docs := modelDocs(t)
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		if len(s.Properties) == 0 {
			continue
		}
		goName := name
		if x, ok := s.Extensions["x-go-name"].(string); ok {
			goName = x
		}
		text, ok := docs[goName]
		if !ok {
			t.Errorf("schema %s: no type %s in api/models.gen.go: run `make generate`", name, goName)
			continue
		}
		for wire, p := range s.Properties {
			req := "optional"
			for _, r := range s.Required {
				if r == wire {
					req = "required"
				}
			}
			line := ""
			for _, l := range strings.Split(text, "\n") {
				if strings.Contains(l, " ("+wire+", ") {
					line = l
				}
			}
			if line == "" || !strings.Contains(line, req) {
				t.Errorf("api.%s's doc does not list field %s as %s:\n%s", goName, wire, req, text)
				continue
			}
			if first := firstSentence(p.Value.Description); first != "" && !strings.Contains(line, first) {
				t.Errorf("api.%s's doc line for %s lacks its description's first line (to the end of its sentence) %q:\n%s", goName, wire, first, line)
			}
		}
	}
}

// modelDocs reads api/models.gen.go as go doc does: each type's doc
// comment, by type name.
func modelDocs(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "models.gen.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				docs[s.(*ast.TypeSpec).Name.Name] = g.Doc.Text()
			}
		}
	}
	return docs
}

// TestListModelDocsNameTheirItems: a model that is a list (an array
// schema of a model) says so in its doc, naming the items' type, whose
// own doc lists the fields.
func TestListModelDocsNameTheirItems(t *testing.T) {
	doc, err := specdoc.Doc()
	if err != nil {
		t.Fatal(err)
	}
	docs := modelDocs(t)
	goName := func(name string) string {
		if x, ok := doc.Components.Schemas[name].Value.Extensions["x-go-name"].(string); ok {
			return x
		}
		return name
	}
	lists := 0
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		if !s.Type.Is("array") || s.Items == nil || s.Items.Ref == "" {
			continue
		}
		lists++
		item := goName(strings.TrimPrefix(s.Items.Ref, "#/components/schemas/"))
		if want := "It is a []" + item + ": see " + item + " for the fields of each item."; !strings.Contains(docs[goName(name)], want) {
			t.Errorf("api.%s's doc lacks %q (internal/codegen/models.tmpl, then make generate):\n%s", goName(name), want, docs[goName(name)])
		}
	}
	if lists == 0 {
		t.Skip("the spec has no list model")
	}
}

// firstSentence is what a field's doc line quotes of its description:
// the first line, carried over the spec's line wrapping to a line ending
// in "." (so no item stops mid-sentence), within the first paragraph, the
// line breaks read as spaces.
func firstSentence(desc string) string {
	var lines []string
	for _, l := range strings.Split(desc, "\n") {
		if l == "" {
			break
		}
		lines = append(lines, l)
		if strings.HasSuffix(l, ".") {
			break
		}
	}
	return strings.Join(lines, " ")
}

// TestEveryModelReexported: every component schema of the spec has its
// alias in package api (api/models.gen.go) under its Go name, except
// those generated as an alias of one of Go's own types (a plain string,
// number or boolean schema), which the services use directly.
func TestEveryModelReexported(t *testing.T) {
	doc, err := specdoc.Doc()
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "models.gen.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	aliases := map[string]bool{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				if ts := s.(*ast.TypeSpec); ts.Assign.IsValid() {
					// By lower case: oapi-codegen's name normalizer makes
					// initialisms upper case (Uuid is UUID).
					aliases[strings.ToLower(ts.Name.Name)] = true
				}
			}
		}
	}
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		// A scalar schema (a string of any format, a number) is its Go
		// type: Uuid is api.UUID, no alias of its own.
		plain := s.Type.Is("string") || s.Type.Is("integer") || s.Type.Is("number") || s.Type.Is("boolean")
		if plain && s.Extensions["x-go-type"] == nil {
			continue
		}
		goName := name
		if x, ok := s.Extensions["x-go-name"].(string); ok {
			goName = x
		}
		if !aliases[strings.ToLower(goName)] {
			t.Errorf("schema %s: api has no alias %s = gen.%s; internal/codegen/models.tmpl left it out, or `make generate` was not run", name, goName, goName)
		}
	}
}
