package connectcomponents_test

import (
	"cmp"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/speccheck"
)

// TestSpecIsValidAndEmbedded loads openapi.yaml with full validation
// (examples included) and checks gen/ embeds the same document.
func TestSpecIsValidAndEmbedded(t *testing.T) {
	if err := speccheck.Check("openapi.yaml"); err != nil {
		t.Fatal(err)
	}
}

// docsDir finds ../shared/docs. Outside CI it may be absent (a user's clone);
// in CI (CI=true) its absence is a failure, not a skip.
func docsDir(t *testing.T) string {
	dir := filepath.Join("..", "shared", "docs")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("API docs not found at %s", dir)
		}
		t.Skipf("API docs not found at %s", dir)
	}
	return dir
}

// loadModel is the spec model of openapi.yaml (internal/spec, the one
// reader of its x- extensions).
func loadModel(t *testing.T) *spec.Model {
	t.Helper()
	m, err := spec.Load("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// typedMethod reports whether *api.Client has a service field named
// service with a method named method.
func typedMethod(service, method string) bool {
	f, ok := reflect.TypeFor[api.Client]().FieldByName(service)
	if !ok || !f.IsExported() || f.Type.Kind() != reflect.Pointer {
		return false
	}
	_, ok = f.Type.MethodByName(method)
	return ok
}

// TestMethodNamesMatchDocs holds the docs, the spec and the typed client
// to each other: every operation of openapi.yaml has its typed method (the
// model's service and method, from x-sdk or the defaults) on *api.Client;
// every operation of the docs is the spec operation whose docs name
// (x-sdk docs) is its name, on the same method and path, so it is
// reachable as a typed method.
func TestMethodNamesMatchDocs(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(docsDir(t), "DataConnectComponentsApi.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := loadModel(t)

	byDocs := map[string]*spec.Operation{}
	for _, o := range m.Operations {
		if !typedMethod(o.Service.Name, o.GoMethod) {
			t.Errorf("openapi.yaml#%s: %s's typed method is %s, but *api.Client has no such service method: run `make generate`", o.Pointer, o.ID, o.Qualified())
		}
		if o.Docs != "" {
			if prev, dup := byDocs[o.Docs]; dup {
				t.Errorf("openapi.yaml#%s: x-sdk docs %s is also %s's", o.Pointer, o.Docs, prev.ID)
			}
			byDocs[o.Docs] = o
		}
	}

	// The docs' summary table: [**name**](...) | **METHOD** /path | Summary
	rows := regexp.MustCompile(`(?m)^\[\*\*([a-z_]+)\*\*\]\([^)]*\) \| \*\*([A-Z]+)\*\* (\S+) \|`).FindAllStringSubmatch(string(md), -1)
	if len(rows) == 0 {
		t.Fatal("found no operation in the docs' summary table: has its format changed?")
	}
	var listed []string
	for _, row := range rows {
		name, method, path := row[1], row[2], row[3]
		listed = append(listed, name)
		o, ok := byDocs[name]
		if !ok {
			t.Errorf("docs operation %s: no operation of openapi.yaml has x-sdk docs %s: add the operation to openapi.yaml, or name it in its x-sdk docs", name, name)
			continue
		}
		if o.Method != method || o.Path != path {
			t.Errorf("docs operation %s is %s %s; its spec operation %s (openapi.yaml#%s) is %s %s", name, method, path, o.ID, o.Pointer, o.Method, o.Path)
		}
	}
	for name, o := range byDocs {
		if !slices.Contains(listed, name) {
			t.Errorf("openapi.yaml#%s: x-sdk docs %s is not an operation of the docs' summary table (%s): fix it, or leave it out for an operation the docs do not have", o.Pointer, name, filepath.Join(docsDir(t), "DataConnectComponentsApi.md"))
		}
	}
}

// TestTypedMethodCheckFails makes sure the reflection above can fail: a
// service or method the client lacks is reported.
func TestTypedMethodCheckFails(t *testing.T) {
	for _, tc := range []struct {
		service, method string
		want            bool
	}{
		{"Configurations", "Create", true},
		{"Reconnections", "Create", true},
		{"Configurations", "Patch", false},
		{"Customers", "Create", false},
		{"baseURL", "String", false},
	} {
		if got := typedMethod(tc.service, tc.method); got != tc.want {
			t.Errorf("typedMethod(%s, %s) = %v, want %v", tc.service, tc.method, got, tc.want)
		}
	}
}

// TestModelNamesMatchDocs checks every model of models.md (its headings,
// and the MFA and error types its text names) is a component schema of
// openapi.yaml whose Go type (x-go-name, or the schema's name) is a type
// in gen/ that package api re-exports under the same name; when the Go
// name differs from the docs' name, the schema's description names the
// docs' model, so either name can be searched for.
func TestModelNamesMatchDocs(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(docsDir(t), "models.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := loadModel(t)
	genTypes := typeDecls(t, "gen", func(*ast.TypeSpec) bool { return true })
	// api re-exports a model as an alias of the gen type of the same name:
	// type X = gen.X.
	reexported := typeDecls(t, "api", isGenAlias)

	names := regexp.MustCompile(`(?m)^## ([A-Z][A-Za-z0-9]+)\s*$`).FindAllStringSubmatch(string(md), -1)
	// The MFA and error sections name their types in the text.
	want := []string{"MfaChallenge", "MfaChallenges", "MfaChallengesResponse", "ErrorResponse", "ErrorItem"}
	for _, m := range names {
		want = append(want, m[1])
	}
	if len(names) == 0 {
		t.Fatal("found no model heading in models.md: has its format changed?")
	}
	for _, n := range want {
		ref := m.Doc.Components.Schemas[n]
		if ref == nil || ref.Value == nil {
			t.Errorf("model %s from the docs is not a component schema of openapi.yaml", n)
			continue
		}
		// Its Go name: its x-go-name as the model reads it, else its name.
		goName := cmp.Or(spec.SchemaName(&openapi3.SchemaRef{Value: ref.Value}), n)
		if !genTypes[goName] {
			t.Errorf("model %s: its Go type %s is not a type in gen/", n, goName)
		}
		if !reexported[goName] {
			t.Errorf("model %s: api does not re-export it as type %s = gen.%s: run `make generate` (api/models.gen.go, from internal/codegen/models.tmpl)", n, goName, goName)
		}
		if goName != n && !strings.Contains(ref.Value.Description, n) {
			t.Errorf("openapi.yaml#/components/schemas/%s: its Go name is %s, and its description does not name %s", n, goName, n)
		}
	}
}

// isGenAlias reports whether s is type X = gen.X.
func isGenAlias(s *ast.TypeSpec) bool {
	if !s.Assign.IsValid() {
		return false
	}
	sel, ok := s.Type.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "gen" && sel.Sel.Name == s.Name.Name
}

// typeDecls returns the names of the type declarations in the non-test
// Go files of dir that keep accepts.
func typeDecls(t *testing.T, dir string, keep func(*ast.TypeSpec) bool) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				if ts := s.(*ast.TypeSpec); keep(ts) {
					out[ts.Name.Name] = true
				}
			}
		}
	}
	return out
}

// TestRequestBodiesAreModels: every JSON request body is a $ref to a
// component schema, so that the body has a named model in api and the
// generated required-field check (check<Model> in api/models.gen.go) that
// the service method runs. An inline body would have neither.
func TestRequestBodiesAreModels(t *testing.T) {
	for _, o := range loadModel(t).Operations {
		if b := o.Body; b != nil && b.JSON && (b.Schema == nil || !strings.HasPrefix(b.Schema.Ref, "#/components/schemas/")) {
			t.Errorf("openapi.yaml#%s: the %s request body of %s is not a $ref to a component schema: move its schema to components.schemas", b.Pointer, b.ContentType, o.Name())
		}
	}
}

// TestOptionalParametersArePointers: with prefer-skip-optional-pointer
// (oapi-codegen.yaml), an optional query or header parameter would be a
// plain value in its parameter struct, and oapi-codegen's client would
// send it even when unset (?limit=0, since=0001-01-01T00:00:00Z, an empty
// header). Generation makes every optional scalar parameter a pointer
// (internal/codegen's overlay, whether the parameter is inline, a $ref to
// components.parameters, or has a $ref'd schema), so no spec edit is
// needed: this reads the parameter structs of the typed methods.
func TestOptionalParametersArePointers(t *testing.T) {
	checked := 0
	for _, o := range loadModel(t).Operations {
		var optional []*spec.Param
		for _, p := range slices.Concat(o.QueryParams, o.HeaderParams) {
			if !p.Required {
				optional = append(optional, p)
			}
		}
		if len(optional) == 0 {
			continue
		}
		params := paramsStruct(o.Service.Name, o.GoMethod)
		if params == nil {
			t.Errorf("openapi.yaml#%s: %s has optional parameters, but its typed method takes no parameter struct: run `make generate`", o.Pointer, o.Name())
			continue
		}
		for _, p := range optional {
			f, ok := paramField(params, p.Name)
			if !ok {
				t.Errorf("openapi.yaml#%s: %s has no field for the %s parameter %s of %s: run `make generate`", p.Pointer, params, p.In, p.Name, o.Name())
				continue
			}
			checked++
			if k := f.Type.Kind(); k != reflect.Pointer && k != reflect.Slice && k != reflect.Map {
				t.Errorf("openapi.yaml#%s: optional %s parameter %s of %s is %s.%s %s, not a pointer: the client sends it unset (internal/codegen/oapi.go, overlayOptionalParams, then make generate)", p.Pointer, p.In, p.Name, o.Name(), params, f.Name, f.Type)
			}
		}
	}
	t.Logf("%d optional parameter(s) checked", checked)
}

// paramsStruct is the parameter struct the typed method service.method
// of *api.Client takes (by value or pointer), nil when it takes none.
func paramsStruct(service, method string) reflect.Type {
	f, ok := reflect.TypeFor[api.Client]().FieldByName(service)
	if !ok {
		return nil
	}
	m, ok := f.Type.MethodByName(method)
	if !ok {
		return nil
	}
	for i := 0; i < m.Type.NumIn(); i++ {
		in := m.Type.In(i)
		if in.Kind() == reflect.Pointer {
			in = in.Elem()
		}
		if in.Kind() == reflect.Struct && strings.HasSuffix(in.Name(), "Params") {
			return in
		}
	}
	return nil
}

// paramField is the field of params that carries the wire name.
func paramField(params reflect.Type, wire string) (reflect.StructField, bool) {
	for i := 0; i < params.NumField(); i++ {
		f := params.Field(i)
		for _, key := range []string{"form", "json"} {
			if name, _, _ := strings.Cut(f.Tag.Get(key), ","); name == wire {
				return f, true
			}
		}
	}
	return reflect.StructField{}, false
}
