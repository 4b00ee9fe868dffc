package codegen

import (
	"fmt"
	"go/types"
	"reflect"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
)

// checkFunc is a generated check<T> function: it returns the wire path
// of the first required field of a T left at its zero value ("" when
// none), nested models included, and collects the values of its secret
// fields so that error text can mask them. Plain Go, written from the
// schema's required lists: nothing reads the spec at run time.
type checkFunc struct {
	Name, Type string
	Stmts      []string
}

func reflectStructTag(tag string) reflect.StructTag { return reflect.StructTag(tag) }

// checkFor returns the name of the check function for a body of Go type
// t and schema ref, writing it (and those of the models inside) on first
// use; "" when t is not a struct of gen's.
func (p *plan) checkFor(t types.Type, ref *openapi3.SchemaRef, ptr string) string {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() != p.gen || ref == nil || ref.Value == nil {
		return ""
	}
	st, ok := n.Underlying().(*types.Struct)
	if !ok {
		return ""
	}
	api := p.aliases[n.Obj().Name()]
	if api == "" {
		return ""
	}
	name := "check" + api
	if _, done := p.checks[name]; done {
		return name
	}
	cf := &checkFunc{Name: name, Type: api}
	p.checks[name] = cf // before the fields: a recursive model stops here
	props, required := spec.Properties(ref.Value)
	fieldOf := map[string]int{}
	for i := 0; i < st.NumFields(); i++ {
		if j := jsonName(st.Tag(i)); j != "" {
			fieldOf[j] = i
		}
	}
	secretType := func(t types.Type) bool {
		n, ok := types.Unalias(t).(*types.Named)
		return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == secretImport && n.Obj().Name() == "String"
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if secretType(f.Type()) {
			cf.Stmts = append(cf.Stmts, fmt.Sprintf("if !v.%s.IsZero() {\n\t\t*secrets = append(*secrets, v.%s.Reveal())\n\t}", f.Name(), f.Name()))
		}
	}
	seen := map[string]bool{}
	for _, wire := range required {
		if seen[wire] {
			continue
		}
		seen[wire] = true
		i, ok := fieldOf[wire]
		prop := props[wire]
		if !ok || prop == nil || prop.Value == nil || prop.Value.Nullable {
			continue
		}
		f := st.Field(i)
		x := "v." + f.Name()
		if test := zeroTest(x, f.Type()); test != "" {
			cf.Stmts = append(cf.Stmts, fmt.Sprintf("if %s {\n\t\treturn %q\n\t}", test, wire))
		}
		inner := f.Type()
		if ptr, ok := types.Unalias(inner).(*types.Pointer); ok {
			inner = ptr.Elem()
			x = "*" + x
		}
		if sub := p.checkFor(inner, prop, ptr+"/"+wire); sub != "" {
			cf.Stmts = append(cf.Stmts, fmt.Sprintf("if m := %s(&%s, secrets); m != \"\" {\n\t\treturn %q + m\n\t}", sub, parenDeref(x), wire+"."))
		}
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, wire := range names {
		if slices.Contains(required, wire) {
			continue
		}
		i, ok := fieldOf[wire]
		prop := props[wire]
		if !ok || prop == nil || prop.Value == nil {
			continue
		}
		f := st.Field(i)
		inner, x := f.Type(), "v."+f.Name()
		if ptr, ok := types.Unalias(inner).(*types.Pointer); ok {
			inner = ptr.Elem()
			if sub := p.checkFor(inner, prop, ptr2(wire)); sub != "" {
				cf.Stmts = append(cf.Stmts, fmt.Sprintf("if %s != nil {\n\t\tif m := %s(%s, secrets); m != \"\" {\n\t\t\treturn %q + m\n\t\t}\n\t}", x, sub, x, wire+"."))
			}
			continue
		}
		if sub := p.checkFor(inner, prop, ptr2(wire)); sub != "" {
			cf.Stmts = append(cf.Stmts, fmt.Sprintf("if !isZero(%s) {\n\t\tif m := %s(&%s, secrets); m != \"\" {\n\t\t\treturn %q + m\n\t\t}\n\t}", x, sub, x, wire+"."))
		}
	}
	p.Checks = append(p.Checks, cf)
	return name
}

func ptr2(wire string) string { return "/properties/" + wire }

// parenDeref writes &(*x) as x: the address of a dereferenced pointer is
// the pointer.
func parenDeref(x string) string {
	if len(x) > 0 && x[0] == '*' {
		return "(" + x + ")"
	}
	return x
}
