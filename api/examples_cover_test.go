package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
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

// TestExamplesSetRequiredFields: every model literal an Example writes
// (api.LoginFormParams{...}) sets each field the spec requires that the
// client refuses unset (a required string, list, object, UUID or time;
// not a number or a boolean, whose zero value is a value). Examples are
// written by hand for pkg.go.dev's readers, so a required field the spec
// gains must be added to them by hand: this names each literal, its file
// and line, the field, and the spec location with its example value; the
// Examples themselves only print the client's refusal.
func TestExamplesSetRequiredFields(t *testing.T) {
	models := bodyModels(t)
	if len(models) == 0 {
		t.Skip("no operation of the spec takes a JSON object body")
	}
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	literals := 0
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Example") {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				sel, ok := lit.Type.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "api" {
					return true
				}
				m, ok := models[sel.Sel.Name]
				if !ok {
					return true
				}
				literals++
				set := map[string]bool{}
				for _, e := range lit.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok {
							set[k.Name] = true
						}
					}
				}
				for _, r := range m.required {
					if !set[r.goName] {
						t.Errorf("%s (api/%s:%d) builds api.%s without %s (%s), which %s requires (the spec's example: %s): set it there",
							fn.Name.Name, name, fset.Position(lit.Pos()).Line, sel.Sel.Name, r.goName, r.wire, at(r.pointer), r.example)
					}
				}
				return true
			})
		}
	}
	t.Logf("%d model literals in the Examples checked", literals)
}

// bodyModel is a Go model of a request body (or of an object in one) and
// its required fields the client refuses unset.
type bodyModel struct {
	required []requiredGoField
}

type requiredGoField struct {
	goName, wire, pointer, example string
}

// bodyModels maps the Go name of every model a request body holds (the
// body's, and its objects', found through the typed body's struct fields)
// to its required fields.
func bodyModels(t *testing.T) map[string]bodyModel {
	out := map[string]bodyModel{}
	c := newClient(t, "http://127.0.0.1")
	var walk func(rt reflect.Type, ref *openapi3.SchemaRef, pointer string, example any)
	walk = func(rt reflect.Type, ref *openapi3.SchemaRef, pointer string, example any) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || ref == nil || ref.Value == nil {
			return
		}
		if ref.Ref != "" {
			pointer = strings.TrimPrefix(ref.Ref, "#")
		}
		if _, seen := out[rt.Name()]; seen {
			return
		}
		props, required := spec.Properties(ref.Value)
		fields := map[string]reflect.StructField{}
		for i := range rt.NumField() {
			f := rt.Field(i)
			if wire, _, _ := strings.Cut(f.Tag.Get("json"), ","); wire != "" && wire != "-" {
				fields[wire] = f
			}
		}
		m := bodyModel{}
		for _, wire := range required {
			p, f := props[wire], fields[wire]
			if p == nil || p.Value == nil || p.Value.Nullable || f.Name == "" {
				continue
			}
			if s := p.Value; s.Type.Is("boolean") || s.Type.Is("integer") || s.Type.Is("number") {
				continue
			}
			ex, _ := example.(map[string]any)
			m.required = append(m.required, requiredGoField{goName: f.Name, wire: wire, pointer: pointer + "/properties/" + wire, example: string(mustJSON(ex[wire]))})
		}
		out[rt.Name()] = m
		for wire, p := range props {
			if f, ok := fields[wire]; ok {
				ex, _ := example.(map[string]any)
				walk(f.Type, p, pointer+"/properties/"+wire, ex[wire])
			}
		}
	}
	for _, op := range specModel(t).Operations {
		if op.Body == nil || !op.Body.JSON {
			continue
		}
		sc, err := newSpecCall(op, false)
		if err != nil {
			t.Errorf("%v (%s)", err, testFile())
			continue
		}
		v, err := sc.typedBodyValue(c)
		if err != nil {
			t.Error(err)
			continue
		}
		walk(reflect.TypeOf(v), op.Body.Schema, op.Body.Pointer+"/content/"+strings.ReplaceAll(op.Body.ContentType, "/", "~1")+"/schema", sc.body)
	}
	return out
}
