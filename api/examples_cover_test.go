package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// TestEveryMethodHasExample: every operation of the spec has a runnable
// example of its typed method, Example<Service>Service_<Method>, which
// pkg.go.dev shows beside the method. A new operation fails here until its
// example is written, naming the function and the file.
func TestEveryMethodHasExample(t *testing.T) {
	m := specModel(t)
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
	for _, op := range m.Operations {
		want := "Example" + op.Service.Name + "Service_" + op.GoMethod
		if !examples[want] {
			t.Errorf("%s (%s, %s): no %s: add it to api/example_test.go, runnable against the sandbox like the others", op.Qualified(), op.ID, at(op.Pointer), want)
		}
	}
}
