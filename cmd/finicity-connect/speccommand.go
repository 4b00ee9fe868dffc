package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/validation"
)

// fieldState is what the command line said for one spec field: the
// value and the name it was given under (a flag or one of its aliases).
type fieldState struct {
	f        *specField
	raw, via string
	set      bool
}

// fieldValue is the flag.Value of one name of a field.
type fieldValue struct {
	st   *fieldState
	name string
}

func (v *fieldValue) String() string {
	if v == nil || v.st == nil {
		return ""
	}
	return v.st.raw
}

func (v *fieldValue) Set(s string) error {
	switch kind(v.st.f.schema) {
	case openapi3.TypeInteger:
		if _, err := strconv.ParseInt(s, 10, 64); err != nil {
			return errors.New("parse error")
		}
	case openapi3.TypeNumber:
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return errors.New("parse error")
		}
	case openapi3.TypeBoolean:
		if _, err := strconv.ParseBool(s); err != nil {
			return errors.New("parse error")
		}
	}
	v.st.raw, v.st.via, v.st.set = s, v.name, true
	return nil
}

func (v *fieldValue) IsBoolFlag() bool { return kind(v.st.f.schema) == openapi3.TypeBoolean }

// typeName is how the help shows the flag's value.
func (v *fieldValue) typeName() string {
	s := v.st.f.schema
	switch k := kind(s); k {
	case openapi3.TypeBoolean:
		return ""
	case openapi3.TypeInteger:
		return "int"
	case openapi3.TypeArray:
		return "list"
	case openapi3.TypeString:
		if s.Format == "date-time" || s.Format == "uuid" {
			return s.Format
		}
		return "string"
	default:
		return k
	}
}

func kind(s *openapi3.Schema) string {
	for _, t := range []string{openapi3.TypeString, openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeBoolean, openapi3.TypeArray, openapi3.TypeObject} {
		if s.Type.Is(t) {
			return t
		}
	}
	return openapi3.TypeString
}

// usage is the help line of a field: its description from the spec, and
// how to write the value.
func (f *specField) usage() string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(f.doc, "."))
	var notes []string
	switch s := f.schema; {
	case kind(s) == openapi3.TypeArray:
		notes = append(notes, "comma-separated")
	case s.Format == "date-time":
		notes = append(notes, "RFC 3339, e.g. 2024-11-28T18:25:32Z")
	}
	switch {
	case f.def == "now":
		notes = append(notes, "default: now")
	case f.defFlag != "" && f.def != "":
		notes = append(notes, fmt.Sprintf("default: --%s, else %s", f.defFlag, f.def))
	case f.def != "":
		// The flag's default, shown by the help.
	case f.required:
		notes = append(notes, "required")
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(notes, "; "))
	}
	return b.String()
}

// specCommand is the command of one operation.
func specCommand(o *opSpec) command {
	var args []string
	for _, p := range o.pathParams {
		args = append(args, "<"+p.flag+">")
	}
	synopsis := strings.Join(args, " ")
	if len(args) > 0 {
		synopsis = "[" + synopsis + "]"
	}
	summary := o.summary
	if o.service != "" {
		summary += fmt.Sprintf(" (%s.%s, %s)", o.service, o.goMethod, o.id)
	} else {
		summary += fmt.Sprintf(" (%s)", o.id)
	}
	return command{name: o.name, args: synopsis, summary: summary, doc: o.doc, example: o.example(), api: true, op: o.id,
		readOnly: o.method == http.MethodGet, setup: func(fs *flag.FlagSet) func(context.Context, *invocation) error { return o.setup(fs) }}
}

// example is a command line built from the spec's examples.
func (o *opSpec) example() string {
	parts := []string{"finicity-connect", o.name}
	for _, p := range o.pathParams {
		if p.example != nil {
			parts = append(parts, shellQuote(exampleText(p.example)))
		}
	}
	for _, f := range o.bodyFields {
		v, ok := lookupPath(o.bodyExample, f.wire)
		if !ok || f.def != "" {
			continue
		}
		switch v := v.(type) {
		case bool:
			if v {
				parts = append(parts, "--"+f.flag)
			}
		case []any:
			s := make([]string, len(v))
			for i, e := range v {
				s[i] = exampleText(e)
			}
			parts = append(parts, "--"+f.flag, shellQuote(strings.Join(s, ",")))
		default:
			parts = append(parts, "--"+f.flag, shellQuote(exampleText(v)))
		}
	}
	return strings.Join(parts, " ")
}

// exampleText is an example value as typed on a command line: numbers
// as JSON writes them (7008461438, not 7.008461438e+09).
func exampleText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func shellQuote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t'\"$&;|<>*?()") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

func lookupPath(v any, path []string) (any, bool) {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// setup registers the operation's flags and returns its action.
func (o *opSpec) setup(fs *flag.FlagSet) func(context.Context, *invocation) error {
	states := map[*specField]*fieldState{}
	byFlag := map[string]*fieldState{}
	register := func(f *specField) {
		st := &fieldState{f: f}
		if f.def != "" && f.def != "now" && f.defFlag == "" {
			st.raw = f.def
		}
		states[f] = st
		for i, name := range append([]string{f.flag}, f.aliases...) {
			if fs.Lookup(name) != nil {
				continue // a connection flag has the name: --body still sets it
			}
			usage := f.usage()
			if i > 0 {
				usage = "same as --" + f.flag
			}
			fs.Var(&fieldValue{st: st, name: name}, name, usage)
			byFlag[name] = st
		}
	}
	for _, f := range o.pathParams {
		register(f)
	}
	for _, f := range o.queryParams {
		register(f)
	}
	for _, f := range o.headerParams {
		register(f)
	}
	for _, f := range o.bodyFields {
		register(f)
	}
	bodyFlag := new(string)
	if o.body != nil && fs.Lookup("body") == nil { // a property named body keeps its flag
		fs.StringVar(bodyFlag, "body", "", "the whole request body, instead of the body flags: JSON, or @file to read it from a file (@- for stdin)")
	}
	return func(ctx context.Context, in *invocation) error {
		pathValues, err := o.pathValues(in, states)
		if err != nil {
			return err
		}
		// Query and header parameters, checked as their schema says,
		// keyed by wire name.
		params := map[string]string{}
		for _, f := range append(slices.Clone(o.queryParams), o.headerParams...) {
			st := states[f]
			if st.set || st.raw != "" {
				name := st.via
				if name == "" {
					name = f.flag
				}
				if _, err := fieldJSON(f, "--"+name, st.raw); err != nil {
					return err
				}
				params[f.wire[0]] = st.raw
			} else if f.required {
				return usagef("missing required flag --%s", f.flag)
			}
		}
		var body []byte
		if o.body != nil {
			if body, err = o.requestBody(in, states, byFlag, *bodyFlag); err != nil {
				return err
			}
		}
		resp, err := o.call(ctx, in, pathValues, params, body)
		if err != nil {
			return err
		}
		return o.print(in, resp, pathValues)
	}
}

// pathValue is a path parameter's value, as typed and as JSON.
type pathValue struct {
	f    *specField
	text string
	json []byte
}

// what names a parameter in messages: "configuration id".
func (f *specField) what() string { return strings.Join(words(f.wire[len(f.wire)-1]), " ") }

// pathValues takes each path parameter from its flag or, in order, from
// the arguments.
func (o *opSpec) pathValues(in *invocation, states map[*specField]*fieldState) ([]pathValue, error) {
	args := in.args
	texts := make([]string, len(o.pathParams))
	var byFlag *specField
	for i, p := range o.pathParams {
		st := states[p]
		switch {
		case st.set:
			texts[i], byFlag = st.raw, p
		case len(args) > 0:
			texts[i], args = args[0], args[1:]
		default:
			return nil, usagef("missing required %s: pass it as an argument or with --%s", p.what(), p.flag)
		}
	}
	switch {
	case len(args) == 0:
	case byFlag != nil:
		return nil, usagef("give the %s once: as an argument or with --%s, not both", byFlag.what(), states[byFlag].via)
	case len(o.pathParams) == 0:
		return nil, usagef("unexpected argument %q", args[0])
	default:
		return nil, usagef("too many arguments: want %d, got %d", len(o.pathParams), len(in.args))
	}
	out := make([]pathValue, 0, len(o.pathParams))
	for i, p := range o.pathParams {
		text := texts[i]
		var js []byte
		switch {
		case kind(p.schema) == openapi3.TypeInteger:
			if _, err := strconv.ParseInt(text, 10, 64); err != nil {
				return nil, usagef("invalid %s %q: must be an integer", p.what(), text)
			}
			js = []byte(text)
		case p.schema.Format == "uuid":
			if _, err := parseUUID(p.what(), text); err != nil {
				return nil, err
			}
			js, _ = json.Marshal(text)
		default:
			if strings.TrimSpace(text) == "" {
				return nil, usagef("missing required %s: pass it as an argument or with --%s", p.what(), p.flag)
			}
			js, _ = json.Marshal(text)
		}
		out = append(out, pathValue{f: p, text: text, json: js})
	}
	return out, nil
}

// maxBodyFileBytes bounds --body @file.
const maxBodyFileBytes = 16 << 20

// requestBody is the JSON body: --body as given, or the object the body
// flags make (with their defaults), or null for a nullable body with no
// flag given.
func (o *opSpec) requestBody(in *invocation, states map[*specField]*fieldState, byFlag map[string]*fieldState, bodyFlag string) ([]byte, error) {
	var given []string
	for _, f := range o.bodyFields {
		if st := states[f]; st.set {
			given = append(given, "--"+st.via)
		}
	}
	if bodyFlag != "" {
		if len(given) > 0 {
			return nil, usagef("give the body once: with --body or with the body flags (%s), not both", strings.Join(given, ", "))
		}
		return o.bodyFromFlag(in, bodyFlag)
	}
	if len(given) == 0 && o.body.Nullable && len(o.bodyFields) == 0 {
		return []byte("null"), nil
	}
	obj := map[string]any{}
	for _, f := range o.bodyFields {
		st := states[f]
		raw, set := st.raw, st.set || st.raw != ""
		name := "--" + f.flag
		if st.set {
			name = "--" + st.via
		}
		if !set && f.defFlag != "" {
			if other := byFlag[f.defFlag]; other != nil && (other.set || other.raw != "") {
				raw, set = other.raw, true
			}
		}
		if !set && f.def == "now" && f.schema.Format == "date-time" {
			raw, set = time.Now().UTC().Truncate(time.Second).Format(time.RFC3339), true
		} else if !set && f.def != "" {
			raw, set = f.def, true
		}
		if !set {
			if f.required {
				return nil, usagef("missing required flag --%s", f.flag)
			}
			continue
		}
		v, err := fieldJSON(f, name, raw)
		if err != nil {
			return nil, err
		}
		setPath(obj, f.wire, v)
	}
	return json.Marshal(obj)
}

// fieldJSON converts a flag's text to the JSON value its schema wants.
func fieldJSON(f *specField, name, raw string) (any, error) {
	s := f.schema
	switch kind(s) {
	case openapi3.TypeInteger:
		return strconv.ParseInt(raw, 10, 64)
	case openapi3.TypeNumber:
		return strconv.ParseFloat(raw, 64)
	case openapi3.TypeBoolean:
		return strconv.ParseBool(raw)
	case openapi3.TypeArray:
		list := splitList(raw)
		out := make([]any, 0, len(list))
		for _, item := range list {
			if s.Items != nil && s.Items.Value != nil && kind(s.Items.Value) == openapi3.TypeInteger {
				n, err := strconv.ParseInt(item, 10, 64)
				if err != nil {
					return nil, usagef("invalid %s %q: %q is not an integer", name, raw, item)
				}
				out = append(out, n)
				continue
			}
			out = append(out, item)
		}
		return out, nil
	}
	switch s.Format {
	case "uuid":
		if _, err := parseUUID(name, raw); err != nil {
			return nil, err
		}
	case "date-time":
		if _, err := time.Parse(time.RFC3339, raw); err != nil {
			return nil, usagef("invalid %s %q: must be an RFC 3339 date-time such as 2024-11-28T18:25:32Z", name, raw)
		}
	}
	return raw, nil
}

func setPath(obj map[string]any, path []string, v any) {
	for _, k := range path[:len(path)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
}

// bodyFromFlag reads --body: JSON, @file or @- (stdin). Field names the
// spec does not define are refused, names being exact: a body goes
// through the typed model, which would drop them silently.
func (o *opSpec) bodyFromFlag(in *invocation, arg string) ([]byte, error) {
	data := []byte(arg)
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		var r io.Reader = in.stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, usagef("cannot read --body %s: %v", arg, unwrapPath(err))
			}
			defer f.Close()
			r = f
		}
		var err error
		if data, err = io.ReadAll(io.LimitReader(r, maxBodyFileBytes+1)); err != nil {
			return nil, usagef("cannot read --body %s: %v", arg, err)
		}
		if len(data) > maxBodyFileBytes {
			return nil, usagef("--body %s is larger than %d bytes", arg, maxBodyFileBytes)
		}
	}
	want := "a JSON object"
	if o.body.Nullable {
		want += " or null"
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, usagef("invalid --body: must be %s", want)
	}
	if _, isObj := v.(map[string]any); !(isObj || v == nil && o.body.Nullable) {
		return nil, usagef("invalid --body: must be %s", want)
	}
	if field := unknownField(o.body, v, ""); field != "" {
		return nil, usagef("invalid --body: unknown field %s: not in the spec (names are case-sensitive)", field)
	}
	return bytes.TrimSpace(data), nil
}

// unknownField returns the first property of v (by path) that schema s
// does not define, where s defines any.
func unknownField(s *openapi3.Schema, v any, prefix string) string {
	m, ok := v.(map[string]any)
	if !ok || s == nil || len(s.Properties) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p, ok := s.Properties[k]
		if !ok {
			return prefix + k
		}
		if p.Value != nil {
			if f := unknownField(p.Value, m[k], prefix+k+"."); f != "" {
				return f
			}
		}
	}
	return ""
}

// call sends the operation: through its typed method (Client.<service>.
// <method>), found by the x-sdk names, so that what the SDK checks and
// decodes the CLI does too; through the generated client's layers (the
// same credentials, retries, validation, logging and masking) when the
// operation has no typed method the CLI can fill.
func (o *opSpec) call(ctx context.Context, in *invocation, path []pathValue, params map[string]string, body []byte) (*http.Response, error) {
	if m, ok := o.typedMethod(in.client); ok {
		return o.callTyped(ctx, in, m, path, params, body)
	}
	return o.callRaw(ctx, in, path, params, body)
}

var (
	ctxType  = reflect.TypeFor[context.Context]()
	errType  = reflect.TypeFor[error]()
	optsType = reflect.TypeFor[[]api.CallOption]()
)

// typedMethod finds the typed method and checks its shape: ctx, one
// argument per path parameter, the query and header parameters (when the
// operation has any) and the body as one value each, then ...CallOption;
// an error last.
func (o *opSpec) typedMethod(c *api.Client) (reflect.Value, bool) {
	if o.service == "" || o.goMethod == "" {
		return reflect.Value{}, false
	}
	svc := reflect.ValueOf(c).Elem().FieldByName(o.service)
	if !svc.IsValid() || svc.IsNil() {
		return reflect.Value{}, false
	}
	m := svc.MethodByName(o.goMethod)
	if !m.IsValid() {
		return reflect.Value{}, false
	}
	t := m.Type()
	fixed := 1 + len(o.pathParams)
	if o.body != nil {
		fixed++
	}
	if len(o.queryParams)+len(o.headerParams) > 0 {
		fixed++
	}
	if !t.IsVariadic() || t.NumIn() != fixed+1 || t.In(0) != ctxType || t.In(t.NumIn()-1) != optsType ||
		t.NumOut() == 0 || t.Out(t.NumOut()-1) != errType {
		return reflect.Value{}, false
	}
	return m, true
}

func (o *opSpec) callTyped(ctx context.Context, in *invocation, m reflect.Value, path []pathValue, params map[string]string, body []byte) (*http.Response, error) {
	t := m.Type()
	args := []reflect.Value{reflect.ValueOf(ctx)}
	arg := func(data []byte, what string) error {
		v := reflect.New(t.In(len(args)))
		if err := json.Unmarshal(data, v.Interface()); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" {
				// In the spec's words: the wire name, the JSON kinds.
				return usagef("invalid %s: %s: a JSON %s where %s was expected", what, te.Field, te.Value, sandbox.JSONKind(te.Type))
			}
			if what == "--body" && o.body != nil {
				// A value's own decoder (a date-time's) does not say
				// where it failed: the spec's validator finds the field.
				var v any
				if json.Unmarshal(data, &v) == nil {
					if err := o.body.VisitJSON(v, validation.FormatOptions()...); err != nil {
						return usagef("invalid %s: %s", what, sandbox.SchemaProblem(err))
					}
				}
			}
			return usagef("invalid %s: %v", what, err)
		}
		args = append(args, v.Elem())
		return nil
	}
	for _, p := range path {
		if err := arg(p.json, p.f.what()); err != nil {
			return nil, err
		}
	}
	if len(o.queryParams)+len(o.headerParams) > 0 {
		// The generated params struct names its fields' JSON by the
		// wire names.
		q := map[string]any{}
		for _, f := range append(slices.Clone(o.queryParams), o.headerParams...) {
			if v, ok := params[f.wire[0]]; ok {
				jv, err := fieldJSON(f, "--"+f.flag, v)
				if err != nil {
					return nil, err
				}
				q[f.wire[0]] = jv
			}
		}
		data, _ := json.Marshal(q)
		if err := arg(data, "parameters"); err != nil {
			return nil, err
		}
	}
	if o.body != nil {
		if err := arg(body, "--body"); err != nil {
			return nil, err
		}
	}
	args = append(args, reflect.ValueOf([]api.CallOption{in.answer()}))
	out := m.CallSlice(args)
	if err, _ := out[len(out)-1].Interface().(error); err != nil {
		return nil, err
	}
	return in.resp, nil
}

// callRaw sends the request through the generated client's transport and
// editors: every layer of the Client but the typed decoding, which it
// replaces by a JSON check of a 2xx body.
func (o *opSpec) callRaw(ctx context.Context, in *invocation, path []pathValue, params map[string]string, body []byte) (*http.Response, error) {
	ci := in.client.Generated().ClientInterface
	if w, ok := ci.(interface{ Unwrap() gen.ClientInterface }); ok {
		// api's masking wrapper (see api.Client.Generated).
		ci = w.Unwrap()
	}
	g, ok := ci.(*gen.Client)
	if !ok {
		return nil, fmt.Errorf("operation %s: no typed method, and the generated client is not a *gen.Client", o.id)
	}
	p := o.path
	for _, v := range path {
		p = strings.ReplaceAll(p, "{"+v.f.wire[0]+"}", url.PathEscape(v.text))
	}
	u := strings.TrimSuffix(g.Server, "/") + p
	query := url.Values{}
	for _, f := range o.queryParams {
		if v, ok := params[f.wire[0]]; ok {
			query.Set(f.wire[0], v)
		}
	}
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, o.method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, f := range o.headerParams {
		if v, ok := params[f.wire[0]]; ok {
			req.Header.Set(f.wire[0], v)
		}
	}
	for _, edit := range g.RequestEditors {
		if err := edit(ctx, req); err != nil {
			return nil, err
		}
	}
	resp, err := g.Client.Do(req)
	if err != nil {
		return nil, err
	}
	// The client's layers have read the body already: this reads it from
	// memory, and puts it back for the verbose dump.
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	in.resp = resp
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &api.Error{StatusCode: resp.StatusCode, Body: data, Method: req.Method, Path: req.URL.EscapedPath()}
		var parsed api.ErrorResponse
		if json.Unmarshal(data, &parsed) == nil && len(parsed.Errors.Error) > 0 {
			first := parsed.Errors.Error[0]
			e.Items, e.ReasonCode, e.Description, e.Details, e.Source, e.Recoverable =
				parsed.Errors.Error, first.ReasonCode, first.Description, first.Details, first.Source, first.Recoverable
		}
		return nil, e
	}
	if s := o.successFor(resp.StatusCode); s != nil && s.schema != nil {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, &undecodableError{status: resp.StatusCode, method: req.Method, path: req.URL.EscapedPath(), err: err}
		}
	}
	return resp, nil
}

// undecodableError is a 2xx answer that is not JSON, on the raw path
// (the typed methods return an *api.DecodeError).
type undecodableError struct {
	status       int
	method, path string
	err          error
}

func (e *undecodableError) Error() string {
	return fmt.Sprintf("finicity: %s %s: the %d answer does not decode: %v", e.method, e.path, e.status, e.err)
}

func (o *opSpec) successFor(status int) *success {
	for i := range o.successes {
		if o.successes[i].status == status {
			return &o.successes[i]
		}
	}
	return nil
}

// print writes the answer: the API's JSON as it came (indented); under
// {"status": ..., "<key>": ...} when the operation has several successes;
// for an answer with no body, what happened. --output table renders the
// response schema's scalar properties.
func (o *opSpec) print(in *invocation, resp *http.Response, path []pathValue) error {
	raw := in.answerBody()
	s := o.successFor(resp.StatusCode)
	if len(bytes.TrimSpace(raw)) == 0 {
		var id string
		if len(path) > 0 {
			id = path[len(path)-1].text
		}
		if o.method == http.MethodDelete {
			js, _ := json.Marshal(id)
			what := strings.TrimSuffix(strings.Fields(o.name)[0], "s")
			return in.print(result{raw: json.RawMessage(`{"id":` + string(js) + `,"deleted":true}`),
				table: func(w io.Writer) { fmt.Fprintf(w, "deleted %s %s\n", what, id) }})
		}
		return in.print(result{value: map[string]int{"status": resp.StatusCode},
			table: func(w io.Writer) { fmt.Fprintf(w, "STATUS\t%d\n", resp.StatusCode) }})
	}
	var value any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&value)
	var schema *openapi3.Schema
	var title, goName string
	if s != nil {
		schema, title, goName = s.schema, s.title, s.goName
	}
	table := func(w io.Writer) { renderTable(w, schema, goName, value) }
	out := raw
	if len(o.successes) > 1 && s != nil {
		key, _ := json.Marshal(s.key)
		out = json.RawMessage(fmt.Sprintf(`{"status":%d,%s:%s}`, resp.StatusCode, key, raw))
		table = func(w io.Writer) {
			fmt.Fprintf(w, "STATUS\t%d: %s\n\n", resp.StatusCode, title)
			renderTable(w, schema, goName, value)
		}
	}
	return in.print(result{raw: out, table: table})
}
