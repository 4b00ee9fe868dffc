package codegen

import (
	"go/types"
	"path"
	"reflect"
	"sort"
	"strings"
)

// The packages the generated code may name types of.
const (
	genPath      = "github.com/finicity-go/connect-components/gen"
	apiPath      = "github.com/finicity-go/connect-components/api"
	runtimeTypes = "github.com/oapi-codegen/runtime/types"
)

// imports records the packages a generated file names, by the name it
// uses for each.
type imports map[string]string // path -> name

func (im imports) add(path, name string) { im[path] = name }

// lines are the import lines, sorted.
func (im imports) Lines() []string {
	var out []string
	for p, n := range im {
		if n == path.Base(p) {
			out = append(out, `"`+p+`"`)
		} else {
			out = append(out, n+" "+`"`+p+`"`)
		}
	}
	sort.Strings(out)
	return out
}

// namer writes Go type expressions of gen's types as package api (or
// another package importing it) names them: a gen type with an api alias
// by that alias, other gen types as gen.T, openapi_types.UUID as UUID
// from api, other packages by their name.
type namer struct {
	inAPI   bool              // the code is in package api
	aliases map[string]string // gen type name -> api name
	im      imports
}

func (n *namer) qualifier(p *types.Package) string {
	switch p.Path() {
	case genPath:
		n.im.add(genPath, "gen")
		return "gen"
	case apiPath:
		if n.inAPI {
			return ""
		}
		n.im.add(apiPath, "api")
		return "api"
	case runtimeTypes:
		n.im.add(runtimeTypes, "openapi_types")
		return "openapi_types"
	}
	n.im.add(p.Path(), p.Name())
	return p.Name()
}

// expr is t as Go source in the generated file's package.
func (n *namer) expr(t types.Type) string {
	switch t := t.(type) {
	case *types.Alias:
		obj := t.Obj()
		if obj.Pkg() != nil && obj.Pkg().Path() == genPath {
			if a, ok := n.aliases[obj.Name()]; ok {
				return n.api(a)
			}
			return n.expr(types.Unalias(t))
		}
		return n.expr(types.Unalias(t))
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() != nil {
			switch {
			case obj.Pkg().Path() == genPath:
				if a, ok := n.aliases[obj.Name()]; ok {
					return n.api(a)
				}
			case obj.Pkg().Path() == runtimeTypes && obj.Name() == "UUID":
				return n.api("UUID")
			case obj.Pkg().Path() == "github.com/google/uuid" && obj.Name() == "UUID":
				return n.api("UUID")
			case obj.Pkg().Path() == "github.com/finicity-go/connect-components/internal/secret" && obj.Name() == "String":
				return n.api("Secret")
			}
		}
		return types.TypeString(t, n.qualifier)
	case *types.Pointer:
		return "*" + n.expr(t.Elem())
	case *types.Slice:
		return "[]" + n.expr(t.Elem())
	case *types.Map:
		return "map[" + n.expr(t.Key()) + "]" + n.expr(t.Elem())
	}
	return types.TypeString(t, n.qualifier)
}

func (n *namer) api(name string) string {
	if n.inAPI {
		return name
	}
	n.im.add(apiPath, "api")
	return "api." + name
}

// kind classifies a Go type for the checks the generated code makes.
type kind int

const (
	kindOther   kind = iota
	kindString       // compared with ""
	kindInt          // compared with 0
	kindFloat        // never refused
	kindBool         // never refused
	kindNilable      // slice, map, pointer, interface: nil is "not set"
	kindUUID         // compared with UUID{}
	kindIsZero       // has IsZero (time.Time, openapi_types.Date, api.Secret)
	kindStruct       // a struct: checked field by field
)

func kindOf(t types.Type) kind {
	t = types.Unalias(t)
	if n, ok := t.(*types.Named); ok {
		obj := n.Obj()
		if obj.Pkg() != nil && (obj.Pkg().Path() == runtimeTypes || obj.Pkg().Path() == "github.com/google/uuid") && obj.Name() == "UUID" {
			return kindUUID
		}
		if hasIsZero(n) {
			return kindIsZero
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsString != 0:
			return kindString
		case u.Info()&types.IsInteger != 0:
			return kindInt
		case u.Info()&types.IsFloat != 0:
			return kindFloat
		case u.Info()&types.IsBoolean != 0:
			return kindBool
		}
	case *types.Slice, *types.Map, *types.Pointer, *types.Interface:
		return kindNilable
	case *types.Struct:
		return kindStruct
	}
	return kindOther
}

func hasIsZero(n *types.Named) bool {
	ms := types.NewMethodSet(n)
	for i := 0; i < ms.Len(); i++ {
		f := ms.At(i).Obj()
		if f.Name() != "IsZero" {
			continue
		}
		sig, ok := f.Type().(*types.Signature)
		return ok && sig.Params().Len() == 0 && sig.Results().Len() == 1 && types.Identical(sig.Results().At(0).Type(), types.Typ[types.Bool])
	}
	return false
}

// zeroTest is a Go expression, true when x (of type t) is at its zero
// value, "" when t has no such test (numbers, booleans and structs are
// never "not set" this way).
func zeroTest(x string, t types.Type) string {
	switch kindOf(t) {
	case kindString:
		return x + ` == ""`
	case kindInt:
		return x + " == 0"
	case kindNilable:
		return x + " == nil"
	case kindUUID:
		return x + " == (UUID{})"
	case kindIsZero:
		return x + ".IsZero()"
	}
	return ""
}

// jsonName is the JSON name of a struct field from its tag; "" when the
// field is not encoded.
func jsonName(tag string) string {
	v := reflect.StructTag(tag).Get("json")
	name, _, _ := strings.Cut(v, ",")
	if name == "-" {
		return ""
	}
	return name
}
