// Package journey plans a walk through every operation of the spec, and
// runs it: the CLI's demo (against the in-process sandbox) and its
// conformance run (against the API or the sandbox) are both one.
//
// Everything comes from the spec model (internal/spec). The order comes
// from the operations' resource relations (x-sandbox): the operation that
// issues the token first, then each create before the operations that use
// what it made (its get and list, the operations whose path names its id,
// those whose body refers to it), then the others, and the deletes last.
// The values come from the examples: the body's example (else one made
// from its schema), each parameter's; an id a create answered replaces
// the example in the path parameters and the body properties that refer
// to its collection. Values the caller gives (by the CLI's flag names)
// replace the examples, and credentials come only from them: a secret of
// an example is never sent.
//
// A step the journey cannot run safely is kept in the plan with the
// reason (Step.Skip), never dropped and never a failure: no example and
// no way to make one, an id nothing created, a credential not given, or,
// against a live API, effects it cannot undo that the caller did not opt
// into.
package journey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/bodypath"
	"github.com/finicity-go/connect-components/internal/spec"
)

// Kind is a step's place in the journey.
type Kind int

// The kinds of steps, in the order the journey runs them.
const (
	// Token issues the token: the operation that does not require the
	// credential header the others require, with a secret in its body.
	Token Kind = iota
	// Create makes a resource of a collection (x-sandbox action create).
	Create
	// Use reads or uses what a create made: its get and list, an
	// operation whose path names its id, one whose body refers to it.
	Use
	// Other has no relation to the journey's resources.
	Other
	// Delete removes a resource the journey created.
	Delete
	// Recheck gets a deleted resource again: a 404 is the answer
	// expected (Options.Recheck).
	Recheck
)

func (k Kind) String() string {
	return [...]string{"token", "create", "use", "other", "delete", "recheck"}[k]
}

// Options tune a plan.
type Options struct {
	// Values replace the examples, by the CLI's flag name of what they
	// fill: spec.Kebab of a parameter's name ("institution-id"), of a
	// body property's dotted path ("redirect-uri",
	// "service-agreement-language"). A string is read as the schema's
	// type wants (a number, true or false); other values are taken as
	// JSON values. Credentials (secret body fields) come only from here.
	Values map[string]any
	// Live says the journey runs against the API itself, not a sandbox:
	// an operation with effects the journey cannot undo runs only when
	// Values give each of its path parameters (a reconnection of one's
	// own customer), and never when it deletes or overwrites (DELETE,
	// PUT, PATCH) data the journey did not create; a create whose
	// collection no operation deletes does not run.
	Live bool
	// Recheck adds, after each delete, the get of the deleted resource,
	// which expects a 404.
	Recheck bool
	// Now gives the time of a date-time whose x-cli default is "now";
	// time.Now when nil.
	Now func() time.Time
	// CleanupTimeout bounds each delete the journey runs after it was
	// interrupted; 30 s when zero.
	CleanupTimeout time.Duration
}

// Plan is the journey: every operation of the model, each a step, in the
// order they run.
type Plan struct {
	Steps []*Step

	cleanup time.Duration
	// byCollection knows each collection's create, list and
	// path-parameter type, to bind and to word what is missing.
	colls map[string]*collection
}

// collection is what the plan knows of a collection of resources.
type collection struct {
	name   string
	noun   string // "configuration"
	create *Step
	list   *spec.Operation
	param  *spec.Param // a path parameter that holds its ids
}

// Step is one operation of the journey.
type Step struct {
	Op   *spec.Operation
	Kind Kind
	// Title says what the step does: the operation's summary.
	Title string
	// Skip is why the step does not run; empty when it runs.
	Skip string
	// Expect is the status the step expects other than a 2xx: 404 for a
	// Recheck; 0 for none.
	Expect int

	path     []any          // each path parameter's value, in path order
	pathRefs map[int]string // path parameter index -> collection
	params   map[string]any // query and header parameters by wire name
	body     any
	hasBody  bool
	bodyRefs map[string]string // top-level body property -> collection
	required map[string]bool   // the body's required top-level properties
	creates  *collection
}

// Request is a step's request, its ids bound.
type Request struct {
	// Path is each path parameter's value as JSON, in path order.
	Path []json.RawMessage
	// Params is a JSON object of the query and header parameters, by
	// wire name; nil when there are none.
	Params json.RawMessage
	// Body is the JSON body; nil for an operation that takes none.
	Body json.RawMessage
	// Route is the method and the path with its values:
	// "GET /connect-components/configurations/605543e1-...".
	Route string
}

// ValueError is a value given in Options.Values that its schema refuses.
type ValueError struct {
	Name string // the flag name
	Err  error
}

func (e *ValueError) Error() string { return fmt.Sprintf("invalid --%s: %v", e.Name, e.Err) }
func (e *ValueError) Unwrap() error { return e.Err }

// OptInError is a value given for an operation the journey runs only
// with all of its path parameters given, some of which are not: the value
// alone would be ignored.
type OptInError struct {
	Given, Missing []string // flag names
	Command        string
}

func (e *OptInError) Error() string {
	return fmt.Sprintf("%s needs %s: %s takes %s", flags(e.Given), flags(e.Missing), e.Command, map[bool]string{true: "both", false: "them all"}[len(e.Given)+len(e.Missing) == 2])
}

func flags(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "--" + n
	}
	if len(out) <= 2 {
		return strings.Join(out, " and ")
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

// New plans the journey through every operation of m.
func New(m *spec.Model, opts Options) (*Plan, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &Plan{colls: map[string]*collection{}, cleanup: opts.CleanupTimeout}
	if p.cleanup <= 0 {
		p.cleanup = 30 * time.Second
	}
	values, err := coerceValues(m, opts.Values)
	if err != nil {
		return nil, err
	}

	// The collections, their creates and the parameters holding ids.
	byParam := map[string]*collection{}
	coll := func(name string) *collection {
		c := p.colls[name]
		if c == nil {
			c = &collection{name: name, noun: spec.Singular(name)}
			p.colls[name] = c
		}
		return c
	}
	maxSecurity := 0
	for _, o := range m.Operations {
		maxSecurity = max(maxSecurity, len(o.Security))
		sb := o.Sandbox
		if sb == nil || sb.Action == "" {
			continue
		}
		c := coll(sb.Collection)
		switch sb.Action {
		case "list":
			c.list = o
		case "get", "delete":
			if prm := idParam(o); prm != nil {
				c.param = prm
				byParam[prm.Name] = c
			}
		}
	}
	hasCreate := map[string]bool{}
	for _, o := range m.Operations {
		if sb := o.Sandbox; sb != nil && sb.Action == "create" {
			hasCreate[sb.Collection] = true
		}
	}
	created := func(name string) bool { return hasCreate[name] }
	deleted := map[string]bool{}
	for _, o := range m.Operations {
		if sb := o.Sandbox; sb != nil && sb.Action == "delete" {
			deleted[sb.Collection] = true
		}
	}

	used := map[string]bool{} // values a running step takes
	for _, o := range m.Operations {
		s := &Step{Op: o, Title: cmpOr(o.Summary, o.Name()), Kind: Other, pathRefs: map[int]string{}, bodyRefs: map[string]string{}, required: map[string]bool{}}
		sb := o.Sandbox
		secretBody := hasSecret(m, o)
		switch {
		case secretBody && len(o.Security) < maxSecurity:
			s.Kind = Token
		case sb != nil && sb.Action == "create" && coll(sb.Collection).create == nil:
			s.Kind, s.creates = Create, p.colls[sb.Collection]
			s.creates.create = s
		case sb != nil && sb.Action == "delete" && created(sb.Collection):
			s.Kind = Delete
		case sb != nil && sb.Action == "list" && created(sb.Collection):
			s.Kind = Use
		}
		for i, prm := range o.PathParams {
			if c := byParam[prm.Name]; c != nil && created(c.name) && values[spec.Kebab(prm.Name)] == nil {
				s.pathRefs[i] = c.name
				if s.Kind == Other {
					s.Kind = Use
				}
			}
		}
		if sb != nil {
			for _, prop := range sb.RefNames() {
				if created(sb.Refs[prop]) && values[spec.Kebab(prop)] == nil {
					s.bodyRefs[prop] = sb.Refs[prop]
					if s.Kind == Other {
						s.Kind = Use
					}
				}
			}
		}
		p.fill(m, s, values, opts)
		if s.Skip == "" && opts.Live {
			s.Skip = liveSkip(s, values, deleted)
		}
		if s.Skip == "" {
			for name := range stepValues(s) {
				if values[name] != nil {
					used[name] = true
				}
			}
		}
		p.Steps = append(p.Steps, s)
	}
	slices.SortStableFunc(p.Steps, func(a, b *Step) int { return int(a.Kind) - int(b.Kind) })
	if opts.Recheck {
		p.addRechecks(m)
	}
	if err := optIn(p, values, used); err != nil {
		return nil, err
	}
	return p, nil
}

// idParam is the path parameter of a get or delete that holds the id:
// the one x-sandbox names, else the last.
func idParam(o *spec.Operation) *spec.Param {
	for _, prm := range o.PathParams {
		if prm.Name == o.Sandbox.Param {
			return prm
		}
	}
	if n := len(o.PathParams); n > 0 && o.Sandbox.Param == "" {
		return o.PathParams[n-1]
	}
	return nil
}

func hasSecret(m *spec.Model, o *spec.Operation) bool {
	if o.Body == nil {
		return false
	}
	return slices.ContainsFunc(o.Body.Fields, func(f *spec.Field) bool { return m.Secrets.IsField(f.Path[len(f.Path)-1]) })
}

// stepValues are the flag names of everything a step fills.
func stepValues(s *Step) map[string]bool {
	out := map[string]bool{}
	for _, prm := range s.Op.Params() {
		out[spec.Kebab(prm.Name)] = true
	}
	if s.Op.Body != nil {
		for _, f := range s.Op.Body.Fields {
			out[spec.Kebab(strings.Join(f.Path, "."))] = true
		}
	}
	return out
}

// fill sets a step's values: examples, then the caller's values, then
// the ids it will be given; or says why it cannot run.
func (p *Plan) fill(m *spec.Model, s *Step, values map[string]any, opts Options) {
	o := s.Op
	for i, prm := range o.PathParams {
		if _, bound := s.pathRefs[i]; bound {
			s.path = append(s.path, nil)
			continue
		}
		v, ok := values[spec.Kebab(prm.Name)], true
		if v == nil {
			v, ok = paramValue(prm)
		}
		if !ok {
			s.Skip = fmt.Sprintf("no example of path parameter %s (%s#%s) and none can be made from its schema", prm.Name, m.File, prm.Pointer)
			return
		}
		s.path = append(s.path, v)
	}
	s.params = map[string]any{}
	for _, prm := range slices.Concat(o.QueryParams, o.HeaderParams) {
		if prm.Secret {
			continue // a credential header: the client sets it
		}
		v := values[spec.Kebab(prm.Name)]
		if v == nil {
			ex, ok := prm.Example()
			switch {
			case ok:
				v = ex
			case prm.CLI.Default == "now" && isDateTime(prm.Schema):
				v = opts.Now().UTC().Truncate(time.Second).Format(time.RFC3339)
			case prm.Required:
				if v, ok = paramValue(prm); !ok {
					s.Skip = fmt.Sprintf("no example of parameter %s (%s#%s) and none can be made from its schema", prm.Name, m.File, prm.Pointer)
					return
				}
			default:
				continue
			}
		}
		s.params[prm.Name] = v
	}
	b := o.Body
	if b == nil {
		return
	}
	s.hasBody = true
	body, ok := b.Example()
	if !ok {
		body, ok = spec.Synthesize(b.Schema, false)
	}
	if !ok {
		s.Skip = fmt.Sprintf("no example of the body (%s#%s) that its schema accepts, and none can be made from the schema", m.File, b.Pointer)
		return
	}
	body = clone(body)
	if b.Schema != nil && b.Schema.Value != nil {
		_, req := spec.Properties(b.Schema.Value)
		for _, r := range req {
			s.required[r] = true
		}
	}
	for _, f := range b.Fields {
		name := spec.Kebab(strings.Join(f.Path, "."))
		v, given := values[name]
		switch {
		case given && v != nil:
			body = setPath(body, f.Path, v)
		case m.Secrets.IsField(f.Path[len(f.Path)-1]):
			if _, inExample := bodypath.Get(body, f.Path); inExample || f.Required {
				s.Skip = fmt.Sprintf("needs the %s (--%s): the spec's example is not a credential", strings.Join(spec.Words(f.Path[len(f.Path)-1]), " "), name)
				return
			}
		case f.CLI.Default == "now" && isDateTime(f.Schema):
			body = setPath(body, f.Path, opts.Now().UTC().Truncate(time.Second).Format(time.RFC3339))
		}
	}
	s.body = body
}

func isDateTime(ref *openapi3.SchemaRef) bool {
	return ref != nil && ref.Value != nil && ref.Value.Format == "date-time"
}

// paramValue is a parameter's example, else a value made from its schema.
func paramValue(prm *spec.Param) (any, bool) {
	if v, ok := prm.Example(); ok {
		return v, true
	}
	return spec.Synthesize(prm.Schema, false)
}

// neverLive is why a step with effects the journey cannot undo does
// not run against a live API, whatever values are given.
const neverLive = "changes data the journey cannot restore: not run against a live API (it runs against the sandbox)"

// liveSkip is why a step does not run against a live API; "" when it
// may.
func liveSkip(s *Step, values map[string]any, deleted map[string]bool) string {
	o := s.Op
	switch {
	case s.Kind == Create && !deleted[s.creates.name]:
		return fmt.Sprintf("creates a %s that no operation of the spec deletes: not run against a live API", s.creates.noun)
	case s.Kind != Other || o.Method == "GET" || o.Method == "HEAD":
		return ""
	case len(o.PathParams) == 0:
		return neverLive
	case o.Method == "DELETE" || o.Method == "PUT" || o.Method == "PATCH":
		// The caller's ids opt into an action on their own data (a
		// reconnection), never into deleting or overwriting it: the
		// journey would have nothing to restore it from.
		return neverLive
	}
	var missing []string
	for _, prm := range o.PathParams {
		if values[spec.Kebab(prm.Name)] == nil {
			missing = append(missing, spec.Kebab(prm.Name))
		}
	}
	if len(missing) > 0 {
		all := make([]string, len(o.PathParams))
		for i, prm := range o.PathParams {
			all[i] = spec.Kebab(prm.Name)
		}
		return "needs " + flags(all)
	}
	return ""
}

// optIn refuses a value given only for a step that runs with all its path
// parameters given, when some are not.
func optIn(p *Plan, values map[string]any, used map[string]bool) error {
	for _, s := range p.Steps {
		if !strings.HasPrefix(s.Skip, "needs --") || s.Kind != Other {
			continue
		}
		var given, missing []string
		for _, prm := range s.Op.PathParams {
			name := spec.Kebab(prm.Name)
			if values[name] != nil {
				given = append(given, name)
			} else {
				missing = append(missing, name)
			}
		}
		var alone []string
		for _, g := range given {
			if !used[g] {
				alone = append(alone, g)
			}
		}
		if len(alone) > 0 && len(missing) > 0 {
			return &OptInError{Given: alone, Missing: missing, Command: s.Op.Command}
		}
	}
	return nil
}

// addRechecks puts, after the deletes, a get of each deleted resource.
func (p *Plan) addRechecks(m *spec.Model) {
	for _, s := range slices.Clone(p.Steps) {
		if s.Kind != Delete {
			continue
		}
		coll := s.Op.Sandbox.Collection
		for _, o := range m.Operations {
			if sb := o.Sandbox; sb == nil || sb.Action != "get" || sb.Collection != coll {
				continue
			}
			r := &Step{Op: o, Kind: Recheck, Title: cmpOr(o.Summary, o.Name()) + ", again after the delete", Expect: 404,
				pathRefs: map[int]string{}, bodyRefs: map[string]string{}, required: map[string]bool{}, params: map[string]any{}}
			for i, prm := range o.PathParams {
				if prm.Name == idParam(o).Name {
					r.pathRefs[i] = coll
					r.path = append(r.path, nil)
					continue
				}
				v, _ := paramValue(prm)
				r.path = append(r.path, v)
			}
			r.Skip = s.Skip
			p.Steps = append(p.Steps, r)
			break
		}
	}
}

// coerceValues reads the caller's values as the schemas of what they
// fill want them: "170716" for an integer is the number.
func coerceValues(m *spec.Model, in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for name, v := range in {
		if v == nil {
			continue
		}
		out[name] = spec.Normalize(v)
	}
	for _, o := range m.Operations {
		check := func(name string, ref *openapi3.SchemaRef) error {
			v, ok := out[name]
			if !ok || ref == nil || ref.Value == nil {
				return nil
			}
			c, err := coerce(ref.Value, v)
			if err == nil {
				err = spec.Check(ref.Value, c, false)
			}
			if err != nil {
				return &ValueError{Name: name, Err: errors.New(problem(err))}
			}
			out[name] = c
			return nil
		}
		for _, prm := range o.Params() {
			if err := check(spec.Kebab(prm.Name), prm.Schema); err != nil {
				return nil, err
			}
		}
		if o.Body != nil {
			for _, f := range o.Body.Fields {
				if err := check(spec.Kebab(strings.Join(f.Path, ".")), f.Schema); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// problem words a schema error without the value (it may be a secret).
func problem(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) && se.Reason != "" {
		if se.SchemaField == "format" && se.Schema != nil {
			return spec.FormatRule(se.Schema.Format)
		}
		return se.Reason
	}
	return err.Error()
}

// coerce reads a string as the type s wants; other values are kept.
func coerce(s *openapi3.Schema, v any) (any, error) {
	text, ok := v.(string)
	if !ok {
		return v, nil
	}
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		n, err := strconv.ParseInt(text, 10, 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, errors.New("out of range for int64")
		}
		if err != nil {
			return nil, errors.New("must be an integer")
		}
		return float64(n), nil
	case s.Type.Is(openapi3.TypeNumber):
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, errors.New("must be a number")
		}
		return f, nil
	case s.Type.Is(openapi3.TypeBoolean):
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, errors.New("must be true or false")
		}
		return b, nil
	}
	return text, nil
}

func clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = clone(e)
		}
		return out
	}
	return v
}

// setPath sets the property at path in body (an object, made one if it
// is not), creating the objects on the way.
func setPath(body any, path []string, v any) any {
	root, ok := body.(map[string]any)
	if !ok {
		root = map[string]any{}
	}
	bodypath.Set(root, path, v)
	return root
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Outcome is what a step's call came to.
type Outcome struct {
	// Status is the answer's status; 0 when none came.
	Status int
	// Body is the answer's body.
	Body []byte
	// Err is the call's error, if any.
	Err error
	// Stop says why the journey cannot go on after this step (no answer,
	// credentials rejected); the deletes of what it created still run.
	Stop string
}

// Result is one step, run or skipped.
type Result struct {
	Step *Step
	// Request is what was sent; nil for a step that did not run.
	Request *Request
	Outcome
	// Skipped is why the step did not run.
	Skipped string
}

// OK reports whether the step got the answer it expects: a 2xx, or its
// Expect status.
func (r Result) OK() bool {
	if r.Skipped != "" || r.Status == 0 {
		return false
	}
	if r.Step.Expect != 0 {
		return r.Status == r.Step.Expect
	}
	return r.Status/100 == 2
}

// Send makes one step's call.
type Send func(ctx context.Context, s *Step, r *Request) Outcome

// Run walks the plan: each step's request, its ids bound from what the
// creates before it answered, is sent with send; done, if not nil, is
// told each step's result as it comes, run or skipped. After a step whose
// Outcome says Stop, or once ctx is done, the steps left are skipped but
// the deletes of what the journey created, which run with a context of
// their own (bounded by Options.CleanupTimeout).
func (p *Plan) Run(ctx context.Context, send Send, done func(Result)) []Result {
	st := &runState{ids: map[string]string{}, orphans: map[string]bool{}}
	var results []Result
	stopped := ""
	for _, s := range p.Steps {
		res := Result{Step: s}
		switch {
		case s.Skip != "":
			res.Skipped = s.Skip
		case stopped != "" && s.Kind != Delete:
			res.Skipped = "not run: " + stopped
		default:
			req, why := p.bind(s, st)
			if why != "" {
				res.Skipped = why
				break
			}
			res.Request = req
			if s.Kind == Delete && (stopped != "" || ctx.Err() != nil) {
				// Clean-up: what the journey created does not outlive
				// it, interrupted or not.
				cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cleanup)
				res.Outcome = send(cleanupCtx, s, req)
				cancel()
			} else {
				res.Outcome = send(ctx, s, req)
			}
			if s.Kind == Create && res.Status/100 == 2 {
				st.record(s.creates, res.Body)
			}
			switch {
			case res.Stop != "" && stopped == "":
				stopped = res.Stop
			case ctx.Err() != nil && stopped == "":
				stopped = "interrupted"
			}
		}
		results = append(results, res)
		if done != nil {
			done(res)
		}
	}
	return results
}

// runState holds the ids the creates answered, by collection, and the
// collections whose create answered no usable id.
type runState struct {
	ids     map[string]string
	orphans map[string]bool
}

// record takes the id of a create's answer: its "id" property, if the
// parameters that name the collection's ids accept it.
func (st *runState) record(c *collection, body []byte) {
	var obj map[string]any
	_ = json.Unmarshal(body, &obj)
	id, _ := obj["id"].(string)
	if id != "" && c.param != nil && c.param.Schema != nil && c.param.Schema.Value != nil && spec.Check(c.param.Schema.Value, id, false) != nil {
		id = ""
	}
	if id == "" {
		st.orphans[c.name] = true
		return
	}
	st.ids[c.name] = id
}

// bind makes a step's request with the ids created so far; or says why it
// cannot.
func (p *Plan) bind(s *Step, st *runState) (*Request, string) {
	missing := func(coll string) string {
		c := p.colls[coll]
		if st.orphans[coll] {
			form := "usable"
			if c.param != nil && c.param.Schema != nil && c.param.Schema.Value != nil && c.param.Schema.Value.Format == "uuid" {
				form = "UUID"
			}
			by := "delete it by hand"
			if c.list != nil {
				by += " (" + c.list.Command + " shows it)"
			}
			if s.Kind == Delete {
				return fmt.Sprintf("the create answer holds no id in %s form to delete it by: %s", form, by)
			}
			return fmt.Sprintf("the %s created has no id in %s form", c.noun, form)
		}
		return fmt.Sprintf("no %s was created", c.noun)
	}
	req := &Request{}
	route := s.Op.Path
	for i, prm := range s.Op.PathParams {
		v := s.path[i]
		if coll, ok := s.pathRefs[i]; ok {
			id, ok := st.ids[coll]
			if !ok {
				return nil, missing(coll)
			}
			v = id
		}
		data, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Sprintf("path parameter %s: %v", prm.Name, err)
		}
		req.Path = append(req.Path, data)
		route = strings.Replace(route, "{"+prm.Name+"}", url.PathEscape(spec.ValueText(v)), 1)
	}
	req.Route = s.Op.Method + " " + route
	if len(s.params) > 0 {
		req.Params, _ = json.Marshal(s.params)
	}
	if s.hasBody {
		body := clone(s.body)
		for _, prop := range slices.Sorted(mapKeys(s.bodyRefs)) {
			coll := s.bodyRefs[prop]
			id, ok := st.ids[coll]
			switch {
			case ok:
				body = setPath(body, []string{prop}, id)
			case s.required[prop]:
				return nil, missing(coll)
			default:
				// Not required: left out rather than naming what does
				// not exist.
				if obj, isObj := body.(map[string]any); isObj {
					delete(obj, prop)
				}
			}
		}
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Sprintf("body: %v", err)
		}
		req.Body = data
	}
	return req, ""
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Input is a value the caller of a journey may give (Options.Values): a
// path parameter that no create of the journey fills (and the body
// fields of the same flag name).
type Input struct {
	// Name is its flag name: "institution-id".
	Name string
	// Param is the first parameter of that name, by the model's order.
	Param *spec.Param
	// Commands are the CLI commands of the steps it fills, in the
	// journey's order.
	Commands []string
	// OptIn are the commands of the steps that, against a live API, run
	// only when it is given (with the other path parameters they take).
	OptIn []string
}

// Inputs are the values a caller may give the journey of m, by name.
func Inputs(m *spec.Model) []Input {
	p, err := New(m, Options{Live: true})
	if err != nil {
		return nil // no values, no error
	}
	byName := map[string]*Input{}
	var names []string
	for _, s := range p.Steps {
		if s.Kind == Recheck || s.Skip == neverLive {
			continue // no value given makes it run
		}
		for i, prm := range s.Op.PathParams {
			if _, bound := s.pathRefs[i]; bound {
				continue
			}
			name := spec.Kebab(prm.Name)
			in := byName[name]
			if in == nil {
				in = &Input{Name: name, Param: prm}
				byName[name] = in
				names = append(names, name)
			}
			in.Commands = append(in.Commands, s.Op.Command)
			if strings.HasPrefix(s.Skip, "needs --") {
				in.OptIn = append(in.OptIn, s.Op.Command)
			}
		}
	}
	// A body field of the same name takes the value too (customerId is
	// --customer-id, as customer_id is).
	for _, s := range p.Steps {
		if s.Kind == Recheck || s.Skip == neverLive || s.Op.Body == nil {
			continue
		}
		for _, f := range s.Op.Body.Fields {
			if in := byName[spec.Kebab(strings.Join(f.Path, "."))]; in != nil && !slices.Contains(in.Commands, s.Op.Command) {
				in.Commands = append(in.Commands, s.Op.Command)
			}
		}
	}
	slices.Sort(names)
	out := make([]Input, 0, len(names))
	for _, n := range names {
		out = append(out, *byName[n])
	}
	return out
}
