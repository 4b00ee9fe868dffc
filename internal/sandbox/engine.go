package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The behaviour of every operation is declared in the spec, by the
// operation's x-sandbox extension:
//
//	x-sandbox: {action: create, collection: configurations}
//	x-sandbox: {action: list,   collection: configurations}
//	x-sandbox: {action: get,    collection: configurations}   # id: the path parameter
//	x-sandbox: {action: delete, collection: configurations}
//	x-sandbox: {handler: loginForm, refs: {configurationId: configurations}}
//
// An action works on a named collection of resources, scoped per app key.
// A create stores the request body's properties that the create answer's
// schema declares, plus a generated id: no field is named in Go, so a
// field added to the spec is stored and returned with no code change. A
// handler is one of the few behaviours that need code (handlers below).
// refs names body properties that must hold the id of a resource of the
// caller in a collection (404 otherwise). An operation without x-sandbox
// answers its documented success example.
//
// Every success answer is built from its response schema (the stored or
// computed properties, then defaults, then, for required properties still
// missing, examples) and validated against the spec before it is sent.
const extensionName = "x-sandbox"

// behaviour is an x-sandbox extension, decoded strictly.
type behaviour struct {
	// Action is create, list, get or delete, on Collection.
	Action     string `json:"action"`
	Collection string `json:"collection"`
	// Param is the path parameter holding the id for get and delete; by
	// default the operation's only (or last) path parameter.
	Param string `json:"param"`
	// Handler names the code of an operation that is not an action.
	Handler string `json:"handler"`
	// Refs maps body properties to the collection whose id they hold.
	Refs map[string]string `json:"refs"`
}

// handlers are the behaviours that need code, by the name x-sandbox uses.
var handlers = map[string]func(*Sandbox, *call) response{
	"token":        (*Sandbox).createToken,
	"loginForm":    (*Sandbox).createLoginForm,
	"oauthURL":     (*Sandbox).createOAuthURL,
	"reconnection": (*Sandbox).reconnect,
}

// operation is what the sandbox does for one operation of the spec,
// compiled once by New.
type operation struct {
	id      string
	path    string
	b       behaviour
	run     func(*Sandbox, *call) response // nil: answer the documented example
	coll    *collection                    // for actions
	param   string                         // for get and delete
	refs    map[string]*collection
	success int                 // the first documented 2xx status
	schema  *openapi3.SchemaRef // its JSON schema; nil when it has no body
	example any                 // its documented example; nil when none
	broken  error               // a malformed x-sandbox: answered 500, naming it
}

// collectionName is what a collection may be called: a JSON key of the
// state file, beside version, tokens and oauth.
var collectionName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// compile reads the x-sandbox extension of every operation of doc. A
// problem is not fatal: the operation concerned answers 500 naming it, and
// problems lists them all (a test keeps the embedded spec free of them).
func compile(doc *openapi3.T) (ops map[*openapi3.Operation]*operation, colls map[string]*collection, problems []error) {
	ops = map[*openapi3.Operation]*operation{}
	colls = map[string]*collection{}
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	var all []*operation
	for _, path := range paths {
		item := doc.Paths.Value(path)
		methods := item.Operations()
		names := make([]string, 0, len(methods))
		for m := range methods {
			names = append(names, m)
		}
		sort.Strings(names)
		for _, m := range names {
			op := methods[m]
			o := &operation{id: op.OperationID, path: path}
			if o.id == "" {
				o.id = m + " " + path
			}
			o.success, o.schema, o.example = successOf(op)
			ops[op] = o
			all = append(all, o)
			raw, ok := op.Extensions[extensionName]
			if !ok {
				continue
			}
			if err := decodeBehaviour(raw, &o.b); err != nil {
				o.broken = err
				continue
			}
			if o.b.Action != "" {
				if !collectionName.MatchString(o.b.Collection) || o.b.Collection == "version" || o.b.Collection == "tokens" || o.b.Collection == "oauth" {
					o.broken = fmt.Errorf("collection %q: want a name of letters, digits, - and _ other than version, tokens and oauth", o.b.Collection)
					continue
				}
				if colls[o.b.Collection] == nil {
					colls[o.b.Collection] = newCollection(o.b.Collection)
				}
				o.coll = colls[o.b.Collection]
			}
		}
	}
	// Creates define their collection's resource schema; then every other
	// operation can be checked against it.
	for _, o := range all {
		if o.broken == nil && o.b.Action == "create" {
			o.broken = o.coll.define(o)
		}
	}
	for _, o := range all {
		if o.broken == nil {
			o.broken = o.bind(colls)
		}
		if o.broken != nil {
			o.broken = fmt.Errorf("openapi.yaml: %s of %s: %w", extensionName, o.id, o.broken)
			problems = append(problems, o.broken)
		}
	}
	return ops, colls, problems
}

func decodeBehaviour(raw any, b *behaviour) error {
	data, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(b); err != nil {
		return fmt.Errorf("want {action, collection[, param]} or {handler[, refs]}: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// bind checks the behaviour of o and resolves what it refers to.
func (o *operation) bind(colls map[string]*collection) error {
	b := o.b
	switch {
	case b.Action != "" && b.Handler != "":
		return errors.New("an action and a handler: declare one")
	case b.Handler != "":
		run, ok := handlers[b.Handler]
		if !ok {
			return fmt.Errorf("no handler %q (the sandbox has %s)", b.Handler, strings.Join(handlerNames(), ", "))
		}
		o.run = run
	case b.Action == "":
		if b.Refs != nil || b.Collection != "" || b.Param != "" {
			return errors.New("no action or handler")
		}
		return nil // no behaviour: the documented example
	default:
		if !slices.Contains([]string{"create", "list", "get", "delete"}, b.Action) {
			return fmt.Errorf("action %q: want create, list, get or delete", b.Action)
		}
		if o.coll.item == nil {
			return fmt.Errorf("collection %q has no create operation to define its resources", b.Collection)
		}
		switch b.Action {
		case "create":
			o.run = (*Sandbox).createResource
		case "list":
			o.run = (*Sandbox).listResources
		case "get", "delete":
			o.param = b.Param
			if o.param == "" {
				params := pathParams(o.path)
				if len(params) == 0 {
					return fmt.Errorf("%s needs a path parameter for the id", b.Action)
				}
				o.param = params[len(params)-1]
			} else if !slices.Contains(pathParams(o.path), o.param) {
				return fmt.Errorf("param %q is not a path parameter of %s", o.param, o.path)
			}
			o.run = (*Sandbox).getResource
			if b.Action == "delete" {
				o.run = (*Sandbox).deleteResource
			}
		default:
			return fmt.Errorf("action %q: want create, list, get or delete", b.Action)
		}
	}
	for prop, name := range b.Refs {
		c := colls[name]
		if c == nil || c.item == nil {
			return fmt.Errorf("refs %s: no collection %q with a create operation", prop, name)
		}
		if o.refs == nil {
			o.refs = map[string]*collection{}
		}
		o.refs[prop] = c
	}
	return nil
}

func handlerNames() []string {
	names := make([]string, 0, len(handlers))
	for n := range handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// pathParams lists the parameters of a path template, in order.
func pathParams(path string) []string {
	var out []string
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// successOf returns the first documented 2xx status of op, its JSON
// schema and its example (the media type's, else its first named
// example's, else the schema's).
func successOf(op *openapi3.Operation) (int, *openapi3.SchemaRef, any) {
	if op.Responses == nil {
		return http.StatusOK, nil, nil
	}
	best := 0
	for code := range op.Responses.Map() {
		n, err := strconv.Atoi(code)
		if err == nil && n >= 200 && n < 300 && (best == 0 || n < best) {
			best = n
		}
	}
	if best == 0 {
		return http.StatusOK, nil, nil
	}
	sch, ex := mediaOf(op, best)
	return best, sch, ex
}

// mediaOf returns the JSON schema and example of op's answer with status.
func mediaOf(op *openapi3.Operation, status int) (*openapi3.SchemaRef, any) {
	ref := op.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return nil, nil
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil {
		return nil, nil
	}
	ex := mt.Example
	if ex == nil && len(mt.Examples) > 0 {
		names := make([]string, 0, len(mt.Examples))
		for n := range mt.Examples {
			names = append(names, n)
		}
		sort.Strings(names)
		if e := mt.Examples[names[0]]; e != nil && e.Value != nil {
			ex = e.Value.Value
		}
	}
	if ex == nil && mt.Schema != nil && mt.Schema.Value != nil {
		ex = mt.Schema.Value.Example
	}
	return mt.Schema, ex
}

// maxDepth bounds how deep build and fill follow a schema: a schema that
// requires itself (directly or not) has no finite value.
const maxDepth = 32

// build returns v as the schema ref describes it: for an object, its
// declared properties from v, then defaults for those v lacks, then, for
// required properties still missing, a value from the spec (fill); lists
// item by item; anything else as it is.
func build(ref *openapi3.SchemaRef, v any) any { return buildAt(ref, v, 0) }

func buildAt(ref *openapi3.SchemaRef, v any, depth int) any {
	if ref == nil || ref.Value == nil || depth > maxDepth {
		return v
	}
	sch := ref.Value
	switch x := v.(type) {
	case map[string]any:
		if len(sch.Properties) == 0 {
			return x
		}
		out := make(map[string]any, len(sch.Properties))
		for name, p := range sch.Properties {
			if pv, ok := x[name]; ok {
				out[name] = buildAt(p, pv, depth+1)
			} else if p.Value != nil && p.Value.Default != nil {
				out[name] = p.Value.Default
			} else if slices.Contains(sch.Required, name) {
				out[name] = fillAt(p, exampleField(sch.Example, name), depth+1)
			}
		}
		return out
	case []any:
		if sch.Items == nil {
			return x
		}
		out := make([]any, len(x))
		for i := range x {
			out[i] = buildAt(sch.Items, x[i], depth+1)
		}
		return out
	}
	return v
}

// fill makes a value for a required property that is missing: its
// default, a fresh id for a uuid, its example, the example of its parent
// object for it, or else the smallest value of its type.
func fill(ref *openapi3.SchemaRef, parentExample any) any { return fillAt(ref, parentExample, 0) }

func fillAt(ref *openapi3.SchemaRef, parentExample any, depth int) any {
	if ref == nil || ref.Value == nil {
		return parentExample
	}
	sch := ref.Value
	switch {
	case sch.Default != nil:
		return sch.Default
	case sch.Format == "uuid":
		return newID().String()
	case sch.Example != nil:
		return sch.Example
	case parentExample != nil:
		return parentExample
	case sch.Type.Is("object"):
		if depth > maxDepth {
			return map[string]any{}
		}
		return buildAt(ref, map[string]any{}, depth)
	case sch.Type.Is("array"):
		return []any{}
	case sch.Type.Is("string"):
		return strings.Repeat("x", int(sch.MinLength))
	case sch.Type.Is("integer"), sch.Type.Is("number"):
		if sch.Min != nil {
			return *sch.Min
		}
		return 0
	case sch.Type.Is("boolean"):
		return false
	}
	return nil
}

func exampleField(example any, name string) any {
	if m, ok := example.(map[string]any); ok {
		return m[name]
	}
	return nil
}

// answerExample is the answer of an operation without behaviour: its
// documented success example, or, lacking one, a value built from its
// schema.
func (s *Sandbox) answerExample(c *call) response {
	o := c.op
	if o.schema == nil && o.example == nil {
		return response{status: o.success}
	}
	body := o.example
	if body == nil {
		body = fill(o.schema, nil)
	}
	return response{status: o.success, body: body, built: true}
}

// finish builds a success answer from its response schema and validates
// it. An answer that breaks the spec is a defect of the sandbox or of the
// spec: it is reported (WithResponseValidation) and answered 500, naming
// the operation and what is wrong, rather than sent as if valid.
func (s *Sandbox) finish(c *call, resp response) response {
	if resp.status < 200 || resp.status > 299 {
		return resp
	}
	if resp.body != nil {
		sch, _ := mediaOf(c.route.Operation, resp.status)
		v := resp.body
		if !resp.built {
			var err error
			if v, err = jsonValue(resp.body); err != nil {
				return sandboxDefect(c.op, "its answer does not marshal")
			}
			v = build(sch, v)
		}
		out, err := json.Marshal(v)
		if err != nil {
			return sandboxDefect(c.op, "its answer does not marshal")
		}
		resp.raw = out
	}
	header := http.Header{}
	if resp.raw != nil {
		header.Set("Content-Type", "application/json")
	}
	if err := s.validator.ValidateRouteResponse(c.Context(), c.route, c.Request, resp.status, header, resp.raw); err != nil {
		err = fmt.Errorf("sandbox: %d answer to %s violates the spec: %w", resp.status, c.op.id, err)
		if s.reportViolation != nil {
			s.reportViolation(err)
		}
		return sandboxDefect(c.op, err.Error()+" (fix the example or schema in openapi.yaml)")
	}
	resp.checked = true
	return resp
}

// jsonValue turns a Go value into its generic JSON form, numbers kept
// exact.
func jsonValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(data)
}

// decodeJSON decodes data with numbers as json.Number, so that an int64
// id survives.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// sandboxDefect is the 500 answer for a defect of the sandbox or of its
// spec. It is not a documented status: it is checked already.
func sandboxDefect(o *operation, details string) response {
	r := apiError{status: http.StatusInternalServerError, reason: "500",
		description: "Sandbox defect.", details: o.id + ": " + details}.response()
	r.checked = true
	return r
}

// exampleOnly lists, sorted, the operations of the sandbox that have no
// declared behaviour and answer their documented example.
func (s *Sandbox) exampleOnly() []string {
	var ids []string
	for _, o := range s.ops {
		if o.run == nil && o.broken == nil {
			ids = append(ids, o.id)
		}
	}
	sort.Strings(ids)
	return ids
}
