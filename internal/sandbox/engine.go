package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/validation"
)

// What the sandbox does for each operation is read from the spec model
// (internal/spec): the behaviour an operation's x-sandbox declares
// (spec.Sandbox), else its documented answer.
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
// caller in a collection (404 otherwise).
//
// An operation without x-sandbox answers its first documented success:
// its example or first named example that keeps to its schema, else a
// value built from the schema (spec.Synthesize); a binary answer (a PDF,
// a CSV) a small body of its media type. Every success answer is
// validated against the spec before it is sent, and every error answer is
// written in the shape the operation documents for it.

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
	spec    *spec.Operation
	route   *validation.Route
	run     func(*Sandbox, *call) response // nil: answer the documented success
	coll    *collection                    // for actions
	param   string                         // for get and delete
	refs    map[string]*collection
	status  int            // the first documented 2xx status
	success *spec.Response // its documentation; nil when there is none
	broken  error          // an x-sandbox the sandbox cannot act on: answered 500, naming it
	// listProp is, for a list whose answer is an object wrapping the
	// list ({found, customers: [...]}), the property holding it; "" for
	// an answer that is the list itself.
	listProp string
	// errorShape is the shape of its errors when it documents none: that
	// of the operations nearest it (Sandbox.nearestErrorShape).
	errorShape *openapi3.SchemaRef
}

// compile reads the behaviour of every operation of m. A problem is not
// fatal: the operation concerned answers 500 naming it, and problems
// lists them all (a test keeps the embedded spec free of them). What the
// model checks already (the keys of x-sandbox, the action, the
// collection's name) never gets here.
func compile(m *spec.Model, v *validation.Validator) (ops map[*spec.Operation]*operation, colls map[string]*collection, problems []error) {
	ops = make(map[*spec.Operation]*operation, len(m.Operations))
	colls = map[string]*collection{}
	all := make([]*operation, 0, len(m.Operations))
	for _, so := range m.Operations {
		o := &operation{spec: so, route: v.RouteOf(so)}
		o.status, o.success = successOf(so)
		ops[so] = o
		all = append(all, o)
		if b := so.Sandbox; b != nil && b.Action != "" {
			if colls[b.Collection] == nil {
				colls[b.Collection] = newCollection(b.Collection)
			}
			o.coll = colls[b.Collection]
		}
	}
	// Creates define their collection's resource schema; then every other
	// operation can be checked against it.
	for _, o := range all {
		if b := o.spec.Sandbox; b != nil && b.Action == "create" {
			o.broken = o.coll.define(o)
		}
	}
	for _, o := range all {
		if o.broken == nil {
			o.broken = o.bind(colls)
		}
		if o.broken != nil {
			o.broken = &spec.Problem{File: m.File, Pointer: o.spec.Sandbox.Pointer, Message: o.broken.Error(),
				Fix: "declare a behaviour the sandbox has, or remove x-sandbox to answer the documented example"}
			problems = append(problems, o.broken)
		}
	}
	return ops, colls, problems
}

// bind checks the behaviour of o against what the sandbox has code for,
// and resolves what it refers to.
func (o *operation) bind(colls map[string]*collection) error {
	b := o.spec.Sandbox
	if b == nil {
		return nil // no behaviour: the documented answer
	}
	if b.Handler != "" {
		run, ok := handlers[b.Handler]
		if !ok {
			return fmt.Errorf("no handler %q (the sandbox has %s)", b.Handler, strings.Join(handlerNames(), ", "))
		}
		o.run = run
	} else {
		if o.coll.item == nil {
			return fmt.Errorf("collection %q has no create operation to define its resources", b.Collection)
		}
		switch b.Action {
		case "create":
			o.run = (*Sandbox).createResource
		case "list":
			o.run = (*Sandbox).listResources
			prop, err := listProperty(o)
			if err != nil {
				return err
			}
			o.listProp = prop
		case "get", "delete":
			names := make([]string, len(o.spec.PathParams))
			for i, p := range o.spec.PathParams {
				names[i] = p.Name
			}
			o.param = b.Param
			if o.param == "" {
				if len(names) == 0 {
					return fmt.Errorf("%s needs a path parameter for the id", b.Action)
				}
				o.param = names[len(names)-1]
			} else if !slices.Contains(names, o.param) {
				return fmt.Errorf("param %q is not a path parameter of %s", o.param, o.spec.Path)
			}
			o.run = (*Sandbox).getResource
			if b.Action == "delete" {
				o.run = (*Sandbox).deleteResource
			}
		}
	}
	for _, prop := range b.RefNames() {
		c := colls[b.Refs[prop]]
		if c == nil || c.item == nil {
			return fmt.Errorf("refs %s: no collection %q with a create operation", prop, b.Refs[prop])
		}
		if o.refs == nil {
			o.refs = map[string]*collection{}
		}
		o.refs[prop] = c
	}
	return nil
}

// listProperty is where a list action's answer holds the list: "" when
// the answer's schema is an array (or says nothing), else the array
// property of the object it is, the one whose items are the
// collection's resources when several are arrays.
func listProperty(o *operation) (string, error) {
	sch := jsonSchema(o.success)
	if sch == nil || sch.Value == nil || sch.Value.Type.Is(openapi3.TypeArray) {
		return "", nil
	}
	props, _ := spec.Properties(sch.Value)
	var arrays []string
	for name, p := range props {
		if p != nil && p.Value != nil && p.Value.Type.Is(openapi3.TypeArray) {
			if p.Value.Items != nil && o.coll.item != nil && p.Value.Items.Value == o.coll.item.Value {
				return name, nil
			}
			arrays = append(arrays, name)
		}
	}
	if len(arrays) != 1 {
		sort.Strings(arrays)
		return "", fmt.Errorf("list: the %d answer is neither an array nor an object with one array property (it has %q)", o.status, arrays)
	}
	return arrays[0], nil
}

func handlerNames() []string {
	names := make([]string, 0, len(handlers))
	for n := range handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// successOf returns the status an operation answers and its
// documentation: its first documented 2xx (200 for a 2XX range), else
// its default response, as 200.
func successOf(o *spec.Operation) (int, *spec.Response) {
	if ok := o.Successes(); len(ok) > 0 {
		if ok[0].Code == 0 {
			return http.StatusOK, ok[0]
		}
		return ok[0].Code, ok[0]
	}
	return http.StatusOK, o.Response(http.StatusOK)
}

// jsonSchema is the JSON schema of a documented answer; nil for none.
func jsonSchema(r *spec.Response) *openapi3.SchemaRef {
	if r == nil || !r.JSON {
		return nil
	}
	return r.Schema
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
		props, required := spec.Properties(sch)
		if len(props) == 0 {
			return x
		}
		out := make(map[string]any, len(props))
		for name, p := range props {
			if pv, ok := x[name]; ok {
				out[name] = buildAt(p, pv, depth+1)
			} else if p.Value != nil && p.Value.Default != nil {
				out[name] = p.Value.Default
			} else if slices.Contains(required, name) {
				out[name] = fillAt(p, exampleField(sch.Example, name), depth+1)
			}
		}
		// A property required but not declared is kept as given, else
		// made from what the object allows for it.
		for _, name := range required {
			if _, done := out[name]; done || props[name] != nil {
				continue
			}
			if pv, ok := x[name]; ok {
				out[name] = pv
			} else if pv, ok := spec.ExtraValue(sch, true, depth); ok {
				out[name] = pv
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

// fillAt makes a value for a required property that is missing: its
// default, a fresh id for a uuid, its example, the example of its parent
// object for it, or else the smallest value of its type.
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

// answerDocumented is the answer of an operation without behaviour: its
// first documented success with its example (the media type's, else its
// first named one, broken ones skipped), else a value built from its
// schema; a small body of its media type for a binary answer.
func (s *Sandbox) answerDocumented(c *call) response {
	o := c.op
	r := o.success
	switch {
	case r == nil || r.ContentType == "":
		return response{status: o.status}
	case r.Binary:
		ct := concreteType(r.ContentType, "application/octet-stream")
		return response{status: o.status, raw: binaryBody(ct, r), contentType: ct}
	}
	if v, ok := r.Example(); ok {
		return response{status: o.status, body: v, built: true, fallback: r.Schema != nil}
	}
	if r.Schema == nil {
		return response{status: o.status}
	}
	v, _ := spec.Synthesize(r.Schema, true) // finish refuses a value that does not validate
	return response{status: o.status, body: v, built: true}
}

// concreteType is a media type an answer can carry: mediaType, unless it
// is a range (image/*), then def.
func concreteType(mediaType, def string) string {
	if strings.Contains(mediaType, "*") {
		return def
	}
	return mediaType
}

// finish builds a success answer from its response schema and validates
// it. An answer that breaks the spec is a defect of the sandbox or of the
// spec: it is reported (WithResponseValidation) and answered 500, naming
// the operation and what is wrong, rather than sent as if valid. An
// example the validator refuses gives way to a value built from the
// schema first.
func (s *Sandbox) finish(c *call, resp response) response {
	if resp.err != nil || resp.status < 200 || resp.status > 299 {
		return resp
	}
	r := c.op.spec.Response(resp.status)
	if resp.raw == nil && resp.body != nil {
		v := resp.body
		if !resp.built {
			var err error
			if v, err = jsonValue(resp.body); err != nil {
				return sandboxDefect(c.op, "its answer does not marshal")
			}
			v = build(jsonSchema(r), v)
		}
		out, err := json.Marshal(v)
		if err != nil {
			return sandboxDefect(c.op, "its answer does not marshal")
		}
		resp.raw = out
	}
	if resp.raw != nil && resp.contentType == "" {
		resp.contentType = "application/json"
		if r != nil && r.JSON {
			resp.contentType = concreteType(r.ContentType, "application/json")
		}
	}
	resp.header = documentedHeaders(c.op.spec, r)
	err := s.check(c, r, resp)
	if err != nil && resp.fallback {
		if v, ok := spec.Synthesize(r.Schema, true); ok {
			if out, merr := json.Marshal(v); merr == nil {
				resp.raw = out
				err = s.check(c, r, resp)
			}
		}
	}
	if err != nil {
		err = fmt.Errorf("sandbox: %d answer to %s violates the spec: %w", resp.status, c.op.spec.ID, err)
		if s.reportViolation != nil {
			s.reportViolation(err)
		}
		return sandboxDefect(c.op, err.Error()+" (fix the example or schema in "+s.model.File+")")
	}
	resp.checked = true
	return resp
}

// check validates a success answer as it will be written. The body of a
// media type kin-openapi has no decoder for (a PDF whose schema is not
// format: binary) is the sandbox's own, of that type: its status and
// headers are checked.
func (s *Sandbox) check(c *call, r *spec.Response, resp response) error {
	header := resp.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if resp.raw != nil {
		header.Set("Content-Type", resp.contentType)
	}
	if resp.raw != nil && r != nil && r.Binary && !decodable(resp.contentType, r.Schema) {
		return s.validator.ValidateRouteResponseHead(c.Context(), c.op.route, c.Request, resp.status, header)
	}
	return s.validator.ValidateRouteResponse(c.Context(), c.op.route, c.Request, resp.status, header, resp.raw)
}

// decodable reports whether openapi3filter reads a body of mediaType with
// schema: a registered decoder, or a binary string.
func decodable(mediaType string, schema *openapi3.SchemaRef) bool {
	if schema == nil || schema.Value == nil {
		return true // nothing to check the body against
	}
	if schema.Value.Type.Is(openapi3.TypeString) && schema.Value.Format == "binary" {
		return true
	}
	mt, _, _ := strings.Cut(mediaType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return openapi3filter.RegisteredBodyDecoder(mt) != nil || openapi3filter.RegisteredBodyDecoder("*/*") != nil
}

// documentedHeaders are values for the headers a documented answer
// declares, each built from its schema: a client that requires one gets
// it.
func documentedHeaders(o *spec.Operation, r *spec.Response) http.Header {
	if r == nil || o.Raw.Responses == nil {
		return nil
	}
	var raw *openapi3.Response
	for status, ref := range o.Raw.Responses.Map() {
		if strings.EqualFold(status, r.Status) && ref != nil {
			raw = ref.Value
		}
	}
	if raw == nil || len(raw.Headers) == 0 {
		return nil
	}
	h := http.Header{}
	for name, ref := range raw.Headers {
		if ref == nil || ref.Value == nil || ref.Value.Schema == nil || strings.EqualFold(name, "Content-Type") {
			continue
		}
		v, ok := spec.Synthesize(ref.Value.Schema, true)
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			h.Set(name, x)
		case float64:
			h.Set(name, strconv.FormatFloat(x, 'f', -1, 64))
		case bool:
			h.Set(name, strconv.FormatBool(x))
		}
	}
	return h
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
		description: "Sandbox defect.", details: o.spec.ID + ": " + details}.response()
	r.checked = true
	return r
}

// exampleOnly lists, sorted, the operations of the sandbox that have no
// declared behaviour and answer their documented success.
func (s *Sandbox) exampleOnly() []string {
	var ids []string
	for _, o := range s.ops {
		if o.spec.Sandbox == nil {
			ids = append(ids, o.spec.ID)
		}
	}
	sort.Strings(ids)
	return ids
}
