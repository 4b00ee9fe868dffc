package connectcomponents_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/gen"
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

func goCase(snake string) string {
	var b strings.Builder
	for _, part := range strings.Split(snake, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// TestMethodNamesMatchDocs checks every operation listed in the docs is a
// method of the generated client, named as the docs name it in Go case.
func TestMethodNamesMatchDocs(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(docsDir(t), "DataConnectComponentsApi.md"))
	if err != nil {
		t.Fatal(err)
	}
	ops := regexp.MustCompile(`(?m)^\[\*\*([a-z_]+)\*\*\]`).FindAllStringSubmatch(string(md), -1)
	if len(ops) != 7 {
		t.Fatalf("found %d operations in the docs, want 7", len(ops))
	}
	typ := reflect.TypeOf(&gen.ClientWithResponses{})
	for _, m := range ops {
		name := goCase(m[1]) + "WithResponse"
		if _, ok := typ.MethodByName(name); !ok {
			t.Errorf("docs operation %s: generated client has no method %s", m[1], name)
		}
	}
}

// TestModelNamesMatchDocs checks every model heading in models.md that is a
// Go-style name is a type in gen/.
func TestModelNamesMatchDocs(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(docsDir(t), "models.md"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("gen", "finicity.gen.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			for _, s := range g.Specs {
				types[s.(*ast.TypeSpec).Name.Name] = true
			}
		}
	}
	names := regexp.MustCompile(`(?m)^## ([A-Z][A-Za-z0-9]+)\s*$`).FindAllStringSubmatch(string(md), -1)
	// The MFA and error sections name their types in the text.
	want := []string{"MfaChallenge", "MfaChallenges", "MfaChallengesResponse", "ErrorResponse", "ErrorItem"}
	for _, m := range names {
		want = append(want, m[1])
	}
	if len(want) < 13 {
		t.Fatalf("found only %d model names in models.md", len(want))
	}
	for _, n := range want {
		if !types[n] {
			t.Errorf("model %s from the docs is not a type in gen/", n)
		}
	}
}
