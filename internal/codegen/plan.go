package codegen

import (
	"fmt"
	"go/types"
	"sort"
	"strings"

	"github.com/finicity-go/connect-components/internal/spec"
)

// plan is everything the templates write, decided from the spec model
// and the types oapi-codegen generated in gen.
type plan struct {
	m   *spec.Model
	gen *types.Package

	// handWritten are the exported names package api declares in its
	// hand-written files: a model alias must not take one.
	handWritten map[string]bool

	Models   []*modelAlias
	Consts   []*constAlias
	Services []*svcPlan
	Ops      []*opPlan
	Checks   []*checkFunc
	// Wrappers are gen's ClientWithResponses result types.
	Wrappers []string
	// Masked are the methods of gen.ClientInterface, for api's masking
	// wrapper of Generated().
	Masked  []*maskedMethod
	Reasons []spec.Reason

	aliases map[string]string // gen type name -> api name
	checks  map[string]*checkFunc
	// apiNames writes types in package api (services.gen.go), callNames
	// in package apicall; each records the imports its file needs.
	apiNames, callNames *namer
	problems            []error
	notes               []string
}

type modelAlias struct {
	Name, Gen string
	Doc       []string // comment lines
	// params is the operation whose parameters the type holds.
	params *spec.Operation
}

type constAlias struct{ Name, Gen, Type string }

type svcPlan struct {
	Name, Doc string
	Ops       []*opPlan
}

type opPlan struct {
	Op     *spec.Operation
	GenID  string
	Svc    string
	Method string
	Doc    []string

	Args       []*argPlan
	ParamsType string // api's name of gen's params struct; "" when none
	Checks     []*checkPlan
	BodyType   string
	// CallBodyType is BodyType as package apicall writes it.
	CallBodyType string
	BodyCheck    string // check function of the body; "" when none
	BodyRaw      bool   // not JSON: an io.Reader sent as ContentType
	ContentType  string
	Returns      string // the method's result types
	Zero         string // what returns beside an error: "nil, " or ""
	Decode       string // the statements after the request is built
	Result       *resultPlan
	Secret       bool // the answer holds a secret field
}

type argPlan struct {
	// Type is the argument's type in package api; CallType in apicall.
	Name, Type, CallType, Wire string
}

type checkPlan struct {
	Test, In, Wire, Reason string
}

type resultPlan struct {
	Name   string
	Doc    []string
	Fields []*resultField
	// Default is the field an undocumented 2xx decodes into.
	Default *resultField
}

type resultField struct {
	Name, Type, Status, Doc string
	Code                    int
	Kind                    string // "object", "list", "value", "bytes"
	Elem                    string // for a list: its items' type
}

type maskedMethod struct {
	Name, Params, Args, Results string
}

func (p *plan) problem(pointer, fix, format string, args ...any) {
	p.problems = append(p.problems, &spec.Problem{File: p.m.File, Pointer: pointer, Message: fmt.Sprintf(format, args...), Fix: fix})
}

// client machinery of gen that package api does not re-export.
var genMachinery = map[string]bool{
	"Client": true, "ClientInterface": true, "ClientOption": true, "ClientWithResponses": true,
	"ClientWithResponsesInterface": true, "HttpRequestDoer": true, "RequestEditorFn": true,
}

func newPlan(m *spec.Model, gen *types.Package, handWritten map[string]bool) (*plan, error) {
	p := &plan{m: m, gen: gen, handWritten: handWritten, aliases: map[string]string{}, checks: map[string]*checkFunc{}, Reasons: m.Reasons}
	p.apiNames = &namer{inAPI: true, aliases: p.aliases, im: imports{}}
	p.callNames = &namer{aliases: p.aliases, im: imports{}}
	scope := gen.Scope()

	// What gen declares for each operation: its request builder, params
	// struct, body type and ClientWithResponses result.
	wrappers := map[string]bool{}
	bodies := map[string]bool{}
	// The result types are read from ClientWithResponses' methods, not
	// from names: oapi-codegen calls one <Op>Response2 when a component
	// schema is named <Op>Response already.
	if obj := scope.Lookup("ClientWithResponses"); obj != nil {
		ms := types.NewMethodSet(types.NewPointer(obj.Type()))
		for i := 0; i < ms.Len(); i++ {
			res := ms.At(i).Type().(*types.Signature).Results()
			if res.Len() != 2 {
				continue
			}
			if ptr, ok := res.At(0).Type().(*types.Pointer); ok {
				if n, ok := ptr.Elem().(*types.Named); ok && n.Obj().Pkg() == gen && !wrappers[n.Obj().Name()] {
					wrappers[n.Obj().Name()] = true
					p.Wrappers = append(p.Wrappers, n.Obj().Name())
				}
			}
		}
	}
	for _, name := range scope.Names() {
		if strings.HasSuffix(name, "RequestBody") || strings.HasSuffix(name, "JSONBody") {
			bodies[name] = true
		}
	}
	sort.Strings(p.Wrappers)

	ops := p.matchOperations()

	// Models: every gen type a user may build or read, by its gen name
	// unless a hand-written api name has it.
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || !tn.Exported() || genMachinery[name] || wrappers[name] || bodies[name] || ops.params[name] {
			continue
		}
		if tn.IsAlias() {
			// A parameter or response component naming another type
			// (CustomerID = string, NotFound = ErrorResponse): users
			// use the type itself. A schema that is a list or a map
			// (MFAChallengeSets = []MFAChallengeSet) keeps its name.
			_, isList := types.Unalias(tn.Type()).(*types.Slice)
			_, isMap := types.Unalias(tn.Type()).(*types.Map)
			if cname, _ := p.schemaOf(name); cname == "" || !(isList || isMap) {
				continue
			}
		}
		alias := name
		if handWritten[alias] {
			alias = name + "Model"
			p.notes = append(p.notes, fmt.Sprintf("gen.%s is api.%s: package api has a %s of its own", name, alias, name))
		}
		p.aliases[name] = alias
		p.Models = append(p.Models, &modelAlias{Name: alias, Gen: name})
	}
	for _, name := range scope.Names() {
		c, ok := scope.Lookup(name).(*types.Const)
		if !ok || !c.Exported() {
			continue
		}
		n, ok := c.Type().(*types.Named)
		if !ok || n.Obj().Pkg() != gen {
			continue
		}
		if a, ok := p.aliases[n.Obj().Name()]; ok {
			cname := name
			if handWritten[cname] {
				cname += "Model"
			}
			p.Consts = append(p.Consts, &constAlias{Name: cname, Gen: name, Type: a})
		}
	}

	for _, o := range m.Operations {
		op := p.operation(o, ops)
		if op != nil {
			p.Ops = append(p.Ops, op)
		}
	}
	// Names the plan adds must not collide with each other or with api's.
	taken := map[string]string{}
	for n := range handWritten {
		taken[n] = "a hand-written name of package api"
	}
	for _, a := range p.Models {
		if a.params == nil {
			taken[a.Name] = "the model gen." + a.Gen
		}
	}
	claim := func(name, what, pointer, fix string) {
		if other, ok := taken[name]; ok {
			p.problem(pointer, fix, "the Go name %s of %s is also %s", name, what, other)
		}
		taken[name] = what
	}
	for _, s := range m.Services {
		sp := &svcPlan{Name: s.Name, Doc: s.Description}
		claim(s.Name+"Service", "the service "+s.Name, s.Operations[0].Pointer, "set x-sdk: {service: <another name>} on its operations")
		for _, o := range s.Operations {
			for _, op := range p.Ops {
				if op.Op == o {
					sp.Ops = append(sp.Ops, op)
				}
			}
		}
		p.Services = append(p.Services, sp)
	}
	for _, op := range p.Ops {
		if op.ParamsType != "" {
			claim(op.ParamsType, "the parameters of "+op.Op.ID, op.Op.Pointer, "set x-sdk: {method: <another name>}")
		}
		if op.Result != nil {
			claim(op.Result.Name, "the result of "+op.Op.ID, op.Op.Pointer, "set x-sdk: {result: <another name>}")
		}
	}
	for _, r := range m.Reasons {
		claim(r.Const(), "the reason code "+r.Code, r.Pointer, "rename it in x-reason-codes")
	}
	p.masked()
	for _, a := range p.Models {
		a.Doc = p.modelDoc(a)
	}
	if len(p.problems) > 0 {
		return nil, joinProblems(p.problems)
	}
	return p, nil
}

// genOps indexes gen's per-operation declarations.
type genOps struct {
	builders map[string]*types.Func // normalized operation id -> New<Op>Request
	params   map[string]bool        // names of <Op>Params types
}

// norm is an identifier reduced to its lower-case letters and digits:
// how gen's names and the spec's operationIds are matched, whatever case
// and separators each uses.
func norm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (p *plan) matchOperations() genOps {
	g := genOps{builders: map[string]*types.Func{}, params: map[string]bool{}}
	scope := p.gen.Scope()
	for _, name := range scope.Names() {
		if f, ok := scope.Lookup(name).(*types.Func); ok && strings.HasPrefix(name, "New") && strings.HasSuffix(name, "Request") && !strings.HasSuffix(name, "WithBody") {
			g.builders[norm(strings.TrimSuffix(strings.TrimPrefix(name, "New"), "Request"))] = f
		}
	}
	for _, o := range p.m.Operations {
		f := g.builders[norm(o.ID)]
		if f == nil {
			continue
		}
		sig := f.Type().(*types.Signature)
		for i := 0; i < sig.Params().Len(); i++ {
			if n, ok := sig.Params().At(i).Type().(*types.Pointer); ok {
				if named, ok := n.Elem().(*types.Named); ok && strings.HasSuffix(named.Obj().Name(), "Params") {
					g.params[named.Obj().Name()] = true
				}
			}
		}
	}
	return g
}

// reserved are the names a method's code uses itself.
var reserved = map[string]bool{"ctx": true, "params": true, "body": true, "opts": true, "call": true, "req": true, "err": true, "s": true, "r": true, "out": true}

func (p *plan) operation(o *spec.Operation, g genOps) *opPlan {
	f := g.builders[norm(o.ID)]
	if f == nil {
		// oapi-codegen writes no request builder for a body it cannot
		// encode (a multipart form, say): the raw WithBody builder is
		// used instead.
		if wb, ok := p.gen.Scope().Lookup("New" + spec.GoName(o.ID) + "RequestWithBody").(*types.Func); ok {
			f = wb
		}
	}
	if f == nil {
		p.problem(o.Pointer, "check that oapi-codegen.yaml generates the client", "gen has no request builder for operation %s", o.ID)
		return nil
	}
	genID := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(f.Name(), "New"), "WithBody"), "Request")
	op := &opPlan{Op: o, GenID: genID, Svc: o.Service.Name, Method: o.GoMethod}
	nm := p.apiNames
	sig := f.Type().(*types.Signature)
	pathIndex := 0
	for i := 1; i < sig.Params().Len(); i++ { // 0 is the server
		v := sig.Params().At(i)
		switch {
		case v.Name() == "params":
			n := v.Type().(*types.Pointer).Elem().(*types.Named)
			op.ParamsType = o.Service.Name + o.GoMethod + "Params"
			p.aliases[n.Obj().Name()] = op.ParamsType
			p.Models = append(p.Models, &modelAlias{Name: op.ParamsType, Gen: n.Obj().Name(), params: o})
			p.paramChecks(op, n)
		case v.Name() == "body":
			op.BodyType, op.CallBodyType = nm.expr(v.Type()), p.callNames.expr(v.Type())
			if bt, ok := types.Unalias(v.Type()).(*types.Named); ok && bt.Obj().Pkg() == p.gen {
				if _, isAlias := p.aliases[bt.Obj().Name()]; !isAlias {
					// A body type with no model of its own (an inline
					// object): api names it after the method.
					name := o.Service.Name + o.GoMethod + "Body"
					p.aliases[bt.Obj().Name()] = name
					p.Models = append(p.Models, &modelAlias{Name: name, Gen: bt.Obj().Name()})
					op.BodyType, op.CallBodyType = name, "api."+name
				}
			}
			if o.Body != nil && o.Body.Schema != nil {
				op.BodyCheck = p.checkFor(v.Type(), o.Body.Schema, o.Body.Pointer+"/content")
			}
		case v.Name() == "contentType":
			op.BodyRaw, op.ContentType = true, o.Body.ContentType
			op.BodyType = "io.Reader"
		case v.Name() == "body" || types.Identical(v.Type(), types.Universe.Lookup("error").Type()):
		default:
			if pathIndex >= len(o.PathParams) {
				p.problem(o.Pointer, "", "gen's request builder for %s takes more path parameters than the spec lists", o.ID)
				return nil
			}
			pp := o.PathParams[pathIndex]
			pathIndex++
			name := v.Name()
			if reserved[name] {
				name += "Param"
			}
			t := types.Unalias(v.Type())
			op.Args = append(op.Args, &argPlan{Name: name, Type: nm.expr(t), CallType: p.callNames.expr(t), Wire: pp.Name})
			if test := zeroTest(name, t); test != "" {
				reason := "required, but empty"
				if kindOf(t) == kindInt {
					reason = "required, but zero"
				}
				op.Checks = append(op.Checks, &checkPlan{Test: test, In: "path", Wire: pp.Name, Reason: reason})
			}
		}
	}
	if op.BodyRaw {
		if _, ok := p.gen.Scope().Lookup("New" + genID + "Request").(*types.Func); ok {
			op.BodyRaw, op.BodyType, op.ContentType = false, "", ""
		}
	}
	p.returns(op, nm)
	op.Doc = p.methodDoc(op)
	return op
}

// paramChecks refuses required query and header parameters left at
// their zero value.
func (p *plan) paramChecks(op *opPlan, params *types.Named) {
	st, ok := params.Underlying().(*types.Struct)
	if !ok {
		return
	}
	for _, prm := range append(append([]*spec.Param{}, op.Op.QueryParams...), op.Op.HeaderParams...) {
		if !prm.Required {
			continue
		}
		for i := 0; i < st.NumFields(); i++ {
			f := st.Field(i)
			tag := reflectStructTag(st.Tag(i))
			if tag.Get("json") == "" && tag.Get("form") == "" {
				continue
			}
			if wire := firstName(tag.Get("form"), tag.Get("json")); wire == prm.Name {
				if test := zeroTest("params."+f.Name(), f.Type()); test != "" {
					op.Checks = append(op.Checks, &checkPlan{Test: test, In: prm.In, Wire: prm.Name, Reason: "required, but empty"})
				}
			}
		}
	}
}

func firstName(tags ...string) string {
	for _, t := range tags {
		if n, _, _ := strings.Cut(t, ","); n != "" {
			return n
		}
	}
	return ""
}

// returns decides the method's result and how the answer is decoded:
// nothing for no 2xx body, the one body's type, or a result type with one
// field per 2xx answer.
func (p *plan) returns(op *opPlan, nm *namer) {
	o := op.Op
	var fields []*resultField
	for _, r := range o.Successes() {
		if r.Schema == nil && !r.Binary {
			continue
		}
		rf := &resultField{Name: r.Field, Status: r.Status, Code: r.Code, Doc: spec.FirstSentence(r.Description)}
		if r.Binary || !r.JSON {
			rf.Kind, rf.Type = "bytes", "[]byte"
		} else if t := p.wrapperField(op.GenID, r); t != nil {
			p.classify(rf, t, nm)
		} else {
			rf.Kind, rf.Type = "bytes", "[]byte"
		}
		fields = append(fields, rf)
	}
	switch len(fields) {
	case 0:
		op.Returns, op.Decode = "error", "return decodeNone(call, ctx, req, err)"
	case 1:
		f := fields[0]
		op.Zero = "nil, "
		switch f.Kind {
		case "object":
			op.Returns = "(*" + f.Type + ", error)"
			op.Decode = "return decodeObject[" + f.Type + "](call, ctx, req, err)"
		case "list":
			op.Returns = "([]" + f.Elem + ", error)"
			op.Decode = "return decodeList[" + f.Elem + "](call, ctx, req, err)"
		case "bytes":
			op.Returns = "([]byte, error)"
			op.Decode = "return decodeBytes(call, ctx, req, err)"
		default:
			op.Returns = "(" + f.Type + ", error)"
			op.Decode = "return decodeValue[" + f.Type + "](call, ctx, req, err)"
			op.Zero = "*new(" + f.Type + "), "
		}
	default:
		res := &resultPlan{Name: o.Result, Fields: fields, Default: fields[0]}
		res.Doc = wrap(fmt.Sprintf("%s is the answer of %s: the status, and one field per documented success, set for the status the API answered.", o.Result, o.Qualified()))
		op.Result, op.Zero = res, "nil, "
		op.Returns = "(*" + o.Result + ", error)"
		var b strings.Builder
		b.WriteString("r, err := call.finish(ctx, req, err)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n")
		fmt.Fprintf(&b, "\tout := &%s{StatusCode: r.StatusCode}\n\tswitch r.StatusCode {\n", o.Result)
		for i, f := range fields {
			if i == 0 {
				continue
			}
			fmt.Fprintf(&b, "\tcase %d:\n\t\t%s\n", f.Code, decodeInto(f))
		}
		fmt.Fprintf(&b, "\tdefault:\n\t\t%s\n\t}\n\tif err != nil {\n\t\treturn nil, call.undecodable(r, err)\n\t}\n\treturn out, nil", decodeInto(fields[0]))
		op.Decode = b.String()
	}
}

func decodeInto(f *resultField) string {
	switch f.Kind {
	case "object":
		return fmt.Sprintf("out.%s = new(%s)\n\t\terr = decodeBody(r, out.%s)", f.Name, f.Type, f.Name)
	case "list":
		return fmt.Sprintf("out.%s, err = decodeListBody[%s](r)", f.Name, f.Elem)
	case "bytes":
		return fmt.Sprintf("out.%s = r.Body", f.Name)
	}
	return fmt.Sprintf("err = decodeBody(r, &out.%s)", f.Name)
}

// wrapper is gen's ClientWithResponses result type of an operation (the
// result of its <Op>WithResponse method: <Op>Response, or another name
// when a component took that one).
func (p *plan) wrapper(genID string) *types.Named {
	obj := p.gen.Scope().Lookup("ClientWithResponses")
	if obj == nil {
		return nil
	}
	ms := types.NewMethodSet(types.NewPointer(obj.Type()))
	for _, name := range []string{genID + "WithResponse", genID + "WithBodyWithResponse"} {
		sel := ms.Lookup(p.gen, name)
		if sel == nil {
			continue
		}
		res := sel.Type().(*types.Signature).Results()
		if res.Len() > 0 {
			if ptr, ok := res.At(0).Type().(*types.Pointer); ok {
				if n, ok := ptr.Elem().(*types.Named); ok {
					return n
				}
			}
		}
	}
	return nil
}

// wrapperField is the Go type of gen's ClientWithResponses result field
// for r (JSON201 *LoginForm gives LoginForm), nil when it has none.
func (p *plan) wrapperField(genID string, r *spec.Response) types.Type {
	w := p.wrapper(genID)
	if w == nil {
		return nil
	}
	st, ok := w.Underlying().(*types.Struct)
	if !ok {
		return nil
	}
	want := "JSON" + r.Status
	if r.Status == "default" {
		want = "JSONDefault"
	}
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if strings.EqualFold(f.Name(), want) || strings.Contains(f.Name(), "JSON") && strings.HasSuffix(f.Name(), r.Status) {
			if ptr, ok := f.Type().(*types.Pointer); ok {
				return ptr.Elem()
			}
			return f.Type()
		}
	}
	return nil
}

func (p *plan) classify(rf *resultField, t types.Type, nm *namer) {
	u := types.Unalias(t)
	switch u.Underlying().(type) {
	case *types.Slice:
		if _, named := u.(*types.Named); !named {
			rf.Kind, rf.Elem = "list", nm.expr(u.Underlying().(*types.Slice).Elem())
			rf.Type = "[]" + rf.Elem
			return
		}
	case *types.Struct:
		rf.Kind, rf.Type = "object", nm.expr(t)
		return
	}
	rf.Kind, rf.Type = "value", nm.expr(t)
}

// masked lists gen.ClientInterface's methods, for the wrapper that masks
// the errors of Generated().
func (p *plan) masked() {
	obj := p.gen.Scope().Lookup("ClientInterface")
	if obj == nil {
		return
	}
	iface, ok := obj.Type().Underlying().(*types.Interface)
	if !ok {
		return
	}
	nm := &namer{inAPI: true, aliases: map[string]string{}, im: imports{}}
	for i := 0; i < iface.NumMethods(); i++ {
		f := iface.Method(i)
		sig := f.Type().(*types.Signature)
		var params, args []string
		for j := 0; j < sig.Params().Len(); j++ {
			v := sig.Params().At(j)
			t := nm.expr(v.Type())
			if sig.Variadic() && j == sig.Params().Len()-1 {
				t = "..." + nm.expr(v.Type().(*types.Slice).Elem())
				args = append(args, v.Name()+"...")
			} else {
				args = append(args, v.Name())
			}
			params = append(params, v.Name()+" "+t)
		}
		p.Masked = append(p.Masked, &maskedMethod{Name: f.Name(), Params: strings.Join(params, ", "), Args: strings.Join(args, ", ")})
	}
	sort.Slice(p.Masked, func(i, j int) bool { return p.Masked[i].Name < p.Masked[j].Name })
}

func joinProblems(ps []error) error {
	var b strings.Builder
	for i, e := range ps {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Error())
	}
	return fmt.Errorf("%s", b.String())
}

// holdsSecret reports whether gen's type name holds a secret field
// (api.Secret), directly or in a field's type.
func (p *plan) holdsSecret(name string) bool {
	obj := p.gen.Scope().Lookup(name)
	if obj == nil {
		return false
	}
	seen := map[types.Type]bool{}
	var holds func(t types.Type) bool
	holds = func(t types.Type) bool {
		t = types.Unalias(t)
		if seen[t] {
			return false
		}
		seen[t] = true
		if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == secretImport {
			return true
		}
		switch u := t.Underlying().(type) {
		case *types.Struct:
			for i := 0; i < u.NumFields(); i++ {
				if holds(u.Field(i).Type()) {
					return true
				}
			}
		case *types.Pointer:
			return holds(u.Elem())
		case *types.Slice:
			return holds(u.Elem())
		case *types.Map:
			return holds(u.Elem())
		}
		return false
	}
	return holds(obj.Type())
}
