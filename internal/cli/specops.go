package cli

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// The API commands come from the spec model (internal/spec) of the
// document embedded in the binary: one command per operation, named by
// the model (op.Command), with a flag per path parameter, query and
// header parameter and body property. A spec change and `make generate`
// are enough for a new field to be a new flag and a new operation a new
// command. What the x-cli extension says (aliases, defaults, a response's
// key and title) reaches the CLI through the model; nothing here reads
// the document itself.

// opSpec is one operation of the spec, as the CLI uses it: the model's
// operation and the flags made from it.
type opSpec struct {
	op           *spec.Operation
	pathParams   []*specField // in path order
	queryParams  []*specField
	headerParams []*specField
	bodyFields   []*specField
}

// specField is one flag made from a parameter or a body property.
type specField struct {
	wire     []string // the property's path in the body, or the parameter's name
	flag     string
	aliases  []string
	schema   *openapi3.Schema
	required bool
	doc      string
	pointer  string // where the spec defines it

	param *spec.Param // nil for a body property
	field *spec.Field // nil for a parameter

	def     string // x-cli default
	defFlag string // x-cli default-flag

	// renamed is where the field is in the spec ("partnerId of the
	// body") when its flag is not its own name: that name was taken by a
	// connection flag or a field before it.
	renamed string
}

// specOps is every operation of the embedded spec, in the order of the
// command list (by command).
var specOps = sync.OnceValues(func() ([]*opSpec, error) {
	m, err := specdoc.Model()
	if err != nil {
		return nil, err
	}
	return opsOf(m), nil
})

// opsOf is every operation of m, by command.
func opsOf(m *spec.Model) []*opSpec {
	ops := make([]*opSpec, 0, len(m.Operations))
	for _, o := range m.Operations {
		ops = append(ops, newOpSpec(o))
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].name() < ops[j].name() })
	return ops
}

// anySchema stands for a parameter the spec gives no schema (one with
// content instead): its flag takes any text.
var anySchema = &openapi3.Schema{}

func newOpSpec(op *spec.Operation) *opSpec {
	o := &opSpec{op: op}
	param := func(p *spec.Param) *specField {
		s := anySchema
		if p.Schema != nil && p.Schema.Value != nil {
			s = p.Schema.Value
		}
		return &specField{wire: []string{p.Name}, flag: spec.Kebab(p.Name), aliases: p.CLI.Aliases, schema: s, required: p.Required,
			doc: spec.FirstSentence(p.Description), pointer: p.Pointer, param: p, def: p.CLI.Default, defFlag: p.CLI.DefaultFlag}
	}
	for _, p := range op.PathParams {
		o.pathParams = append(o.pathParams, param(p))
	}
	for _, p := range op.QueryParams {
		o.queryParams = append(o.queryParams, param(p))
	}
	for _, p := range op.HeaderParams {
		if p.Secret {
			continue // a credential: the client sets it, from the connection flags
		}
		o.headerParams = append(o.headerParams, param(p))
	}
	if op.Body != nil {
		for _, f := range op.Body.Fields {
			if f.Schema == nil || f.Schema.Value == nil {
				continue
			}
			// serviceAgreement.language is --service-agreement-language.
			o.bodyFields = append(o.bodyFields, &specField{wire: f.Path, flag: spec.Kebab(strings.Join(f.Path, ".")), aliases: f.CLI.Aliases,
				schema: f.Schema.Value, required: f.Required, doc: spec.FirstSentence(f.Description), pointer: f.Pointer, field: f,
				def: f.CLI.Default, defFlag: f.CLI.DefaultFlag})
		}
	}
	o.uniqueFlags()
	// A default-flag names a flag of the same operation: a schema shared
	// by operations (ServiceAgreement) may name one that only some have
	// (--language is a login form's, not an OAuth URL's). Where it is
	// missing the field takes its plain default, and the help says so.
	names := map[string]bool{}
	for _, f := range o.fields() {
		for _, n := range append([]string{f.flag}, f.aliases...) {
			names[n] = true
		}
	}
	for _, f := range o.fields() {
		if f.defFlag != "" && !names[f.defFlag] {
			f.defFlag = ""
		}
	}
	return o
}

// reservedFlags are the names no field's flag may take: the connection
// flags every API command has, and package flag's help.
var reservedFlags = sync.OnceValue(func() map[string]bool {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	(&connection{}).register(fs)
	names := map[string]bool{"help": true, "h": true}
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
})

// uniqueFlags gives each field a flag of its own. A field whose name is
// taken (a body's partnerId by the connection's --partner-id, a body
// property by a query parameter of the same name) would otherwise have no
// flag, and a required one could not be given: its flag is its name
// after where it is (--body-partner-id, --query-..., --header-...).
// Parameters come first, so they keep their names. An alias that is taken
// is dropped.
func (o *opSpec) uniqueFlags() {
	taken := maps.Clone(reservedFlags())
	for _, f := range o.fields() {
		if taken[f.flag] {
			where := f.where()
			name := f.flag
			for taken[name] {
				name = where + "-" + name
			}
			f.renamed = fmt.Sprintf("%s of the %s", strings.Join(f.wire, "."), where)
			f.flag = name
		}
		taken[f.flag] = true
	}
	for _, f := range o.fields() {
		f.aliases = slices.DeleteFunc(slices.Clone(f.aliases), func(a string) bool {
			if taken[a] {
				return true
			}
			taken[a] = true
			return false
		})
	}
}

// where is where the field goes: path, query, header (the parameter's
// in) or body.
func (f *specField) where() string {
	if f.param != nil {
		return f.param.In
	}
	return "body"
}

// name is the command: "configurations create".
func (o *opSpec) name() string { return o.op.Command }

// body is the request body's schema; nil when the operation takes no
// body, or one with no schema.
func (o *opSpec) body() *openapi3.Schema {
	if o.op.Body == nil || o.op.Body.Schema == nil {
		return nil
	}
	return o.op.Body.Schema.Value
}

// fields is every flag-making field of the operation: path, query and
// header parameters, then body properties.
func (o *opSpec) fields() []*specField {
	out := make([]*specField, 0, len(o.pathParams)+len(o.queryParams)+len(o.headerParams)+len(o.bodyFields))
	out = append(out, o.pathParams...)
	out = append(out, o.queryParams...)
	out = append(out, o.headerParams...)
	return append(out, o.bodyFields...)
}

// heading is a table column or row title: "eventStreamId" is
// "EVENT STREAM ID".
func heading(name string) string { return strings.ToUpper(strings.Join(spec.Words(name), " ")) }
