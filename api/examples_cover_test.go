package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"

	"github.com/finicity-go/connect-components/internal/specdoc"
)

// TestEveryMethodHasExample: every operation of the spec has a runnable
// example of its typed method, Example<Service>Service_<Method>, which
// pkg.go.dev shows beside the method. A new operation fails here until its
// example is written, naming the function and the file.
func TestEveryMethodHasExample(t *testing.T) {
	doc, err := specdoc.Doc()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	examples := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil {
				examples[fn.Name.Name] = true
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			x, _ := op.Extensions["x-sdk"].(map[string]any)
			service, _ := x["service"].(string)
			name, _ := x["method"].(string)
			want := "Example" + service + "Service_" + name
			if !examples[want] {
				t.Errorf("%s (%s %s): no %s: add it to api/example_test.go, runnable against the sandbox like the others", op.OperationID, method, path, want)
			}
		}
	}
}
