package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/spec"
)

// TestSecretsNeverPrinted: every typed value that holds a secret field
// (x-secret in openapi.yaml, or a credential's name: the model's
// Secrets), found by calling every operation with its examples (the
// typed body, the typed result of each success), with the secret fields
// set to a known secret, never shows it through fmt, whatever the verb,
// alone, by pointer or inside another value; JSON still carries it, since
// that is the request. An empty secret stays visibly empty.
func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-Value-9f2"
	values := secretHolders(t, secret)
	if len(values) == 0 {
		t.Skip("no operation of the spec sends or answers a secret field")
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	t.Logf("typed values holding a secret: %q", names)
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %v", "%10v", "%-30s", "%p", "%d"}
	for _, name := range names {
		v := values[name]
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
			t.Errorf("%s: JSON %s, %v: the value must carry the secret", name, b, err)
		}
	}
	// The other fields still print, and an unset secret prints as empty:
	// the partner credentials WithPartnerCredentials sends.
	if got := fmt.Sprintf("%+v", api.PartnerCredentials{PartnerID: "1234583871234"}); got != "{PartnerID:1234583871234 PartnerSecret:}" {
		t.Errorf("%%+v of credentials without a secret: %s", got)
	}
	if got := fmt.Sprintf("%#v", api.PartnerCredentials{PartnerID: "p", PartnerSecret: api.NewSecret(secret)}); got != `gen.PartnerCredentials{PartnerID:"p", PartnerSecret:secret.String("[REDACTED]")}` {
		t.Errorf("%%#v: %s", got)
	}
}

// secretHolders are the typed values of every operation's body and
// successes whose examples have a secret field, with each secret field
// set to secret: the body decoded into the type the typed method takes,
// the answer decoded by the typed method.
func secretHolders(t *testing.T, secret string) map[string]any {
	m := specModel(t)
	out := map[string]any{}
	for _, op := range m.Operations {
		sc, err := newSpecCall(op, true)
		if err != nil {
			t.Errorf("%v (%s)", err, testFile())
			continue
		}
		if op.Body != nil && op.Body.JSON {
			if body, ok := withSecret(m, sc.body, secret); ok {
				v, err := sc.withBody(body).typedBodyValue(newClient(t, "http://127.0.0.1"))
				if err != nil {
					t.Fatal(err)
				}
				out[op.Qualified()+" body"] = v
			}
		}
		for _, r := range op.Successes() {
			value, _, err := answerOf(op, r, false)
			if err != nil || value == nil {
				continue
			}
			answer, ok := withSecret(m, value, secret)
			if !ok {
				continue
			}
			srv := newScripted(t, reply{status: r.Code, body: string(mustJSON(answer))})
			v, err := sc.result(context.Background(), newClient(t, srv.URL))
			if err != nil {
				t.Fatalf("%s answered its %s example: %v", sc.name(), r.Status, err)
			}
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
				v = rv.Elem().Interface()
			}
			out[op.Qualified()+" "+r.Status] = v
		}
	}
	return out
}

// withSecret is a copy of the JSON value v with every string member of a
// secret field set to secret; false when it has none.
func withSecret(m *spec.Model, v any, secret string) (any, bool) {
	found := false
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				if _, isString := e.(string); isString && m.Secrets.IsField(k) {
					out[k], found = secret, true
					continue
				}
				out[k] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		}
		return v
	}
	out := walk(v)
	return out, found
}

// ptr is a pointer to a copy of v.
func ptr(v any) any {
	p := reflect.New(reflect.TypeOf(v))
	p.Elem().Set(reflect.ValueOf(v))
	return p.Interface()
}

// schemaGoName is the Go name of the component schema name: its x-go-name
// as the model reads it, else the name.
func schemaGoName(name string, s *openapi3.Schema) string {
	if n := spec.SchemaName(&openapi3.SchemaRef{Value: s}); n != "" {
		return n
	}
	return name
}

// TestModelDocsListFields reads api/models.gen.go as go doc does: every
// model of the spec with properties is an alias whose doc comment names
// each field by Go name and wire name, says whether it is required, and
// quotes the first line of its description. So `go doc api.LoginFormParams`
// is enough to fill one in.
func TestModelDocsListFields(t *testing.T) {
	m := specModel(t)
	docs := modelDocs(t)
	bySchema := modelSchemas(docs)
	for name, ref := range m.Doc.Components.Schemas {
		props, required := spec.Properties(ref.Value)
		if len(props) == 0 {
			continue
		}
		// The model's doc names its schema: its Go name is oapi-codegen's
		// (ConnectUrl is ConnectURL, a clash gets a suffix), not the
		// schema's name.
		goName, ok := bySchema[name]
		if !ok {
			t.Errorf("%s: no model of api/models.gen.go says it is the spec's %s model: run `make generate`, or see why internal/codegen re-exports no model of the schema", at("/components/schemas/"+name), name)
			continue
		}
		text := docs[goName]
		for wire, p := range props {
			req := "optional"
			if slices.Contains(required, wire) {
				req = "required"
			}
			line := ""
			for _, l := range strings.Split(text, "\n") {
				if strings.Contains(l, " ("+wire+", ") {
					line = l
				}
			}
			if line == "" || !strings.Contains(line, req) {
				t.Errorf("api.%s's doc does not list field %s as %s (%s):\n%s", goName, wire, req, at("/components/schemas/"+name+"/properties/"+wire), text)
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

// modelSchemas maps each component schema a model's doc names ("X is the
// spec's Y model") to the model's name.
func modelSchemas(docs map[string]string) map[string]string {
	out := map[string]string{}
	for name, text := range docs {
		if m := specModelLine.FindStringSubmatch(text); m != nil {
			out[m[1]] = name
		}
	}
	return out
}

var specModelLine = regexp.MustCompile(`^\S+ is the spec's (\S+) model \(gen\.`)

// TestListModelDocsNameTheirItems: a model that is a list (an array
// schema of a model) says so in its doc, naming the items' type, whose
// own doc lists the fields.
func TestListModelDocsNameTheirItems(t *testing.T) {
	m := specModel(t)
	docs := modelDocs(t)
	lists := 0
	for name, ref := range m.Doc.Components.Schemas {
		s := ref.Value
		if !s.Type.Is("array") || s.Items == nil || s.Items.Ref == "" {
			continue
		}
		lists++
		goName, item := schemaGoName(name, s), spec.SchemaName(s.Items)
		if want := "It is a []" + item + ": see " + item + " for the fields of each item."; !strings.Contains(docs[goName], want) {
			t.Errorf("api.%s's doc lacks %q (internal/codegen/models.tmpl, then make generate):\n%s", goName, want, docs[goName])
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
	// Blanks are collapsed as in a doc line: the spec's line wrapping
	// and the spacing of its sentences are not what the doc quotes.
	return strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
}

// TestEveryModelReexported: every component schema of the spec has its
// alias in package api (api/models.gen.go) under its Go name, except
// those generated as an alias of one of Go's own types (a plain string,
// number or boolean schema), which the services use directly.
func TestEveryModelReexported(t *testing.T) {
	m := specModel(t)
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
	for name, ref := range m.Doc.Components.Schemas {
		s := ref.Value
		// A scalar schema (a string of any format, a number) is its Go
		// type: Uuid is api.UUID, no alias of its own. (x-go-type is
		// oapi-codegen's: a scalar with a Go type of its own.)
		plain := s.Type.Is("string") || s.Type.Is("integer") || s.Type.Is("number") || s.Type.Is("boolean")
		if plain && s.Extensions["x-go-type"] == nil {
			continue
		}
		goName := schemaGoName(name, s)
		if !aliases[strings.ToLower(goName)] {
			t.Errorf("%s: api has no alias %s = gen.%s; internal/codegen/models.tmpl left it out, or `make generate` was not run", at("/components/schemas/"+name), goName, goName)
		}
	}
}
