package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/bodypath"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
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

// Set checks a number or a boolean as it is given; package flag words
// the error as `invalid value "x" for --name: <error>`.
func (v *fieldValue) Set(s string) error {
	switch sc := v.st.f.schema; kind(sc) {
	case openapi3.TypeInteger:
		if msg := integerProblem(sc, s); msg != "" {
			return errors.New(msg)
		}
	case openapi3.TypeNumber:
		if msg := numberProblem(sc, s); msg != "" {
			return errors.New(msg)
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

// kind is a schema's JSON type; string for a schema that names none.
func kind(s *openapi3.Schema) string {
	for _, t := range []string{openapi3.TypeString, openapi3.TypeInteger, openapi3.TypeNumber, openapi3.TypeBoolean, openapi3.TypeArray, openapi3.TypeObject} {
		if s.Type.Is(t) {
			return t
		}
	}
	if props, _ := spec.Properties(s); len(props) > 0 {
		return openapi3.TypeObject
	}
	return openapi3.TypeString
}

// intBits is the size of the Go integer a schema is generated as.
func intBits(s *openapi3.Schema) int {
	if s.Format == "int32" {
		return 32
	}
	return 64
}

// integerProblem says why text is not an integer of schema s; "" when it
// is one.
func integerProblem(s *openapi3.Schema, text string) string {
	bits := intBits(s)
	if _, err := strconv.ParseInt(text, 10, bits); err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Sprintf("out of range for int%d", bits)
		}
		return "must be an integer"
	}
	return ""
}

// numberProblem says why text is not a number of schema s; "" when it is
// one.
func numberProblem(s *openapi3.Schema, text string) string {
	bits := 64
	if s.Format == "float" {
		bits = 32
	}
	if _, err := strconv.ParseFloat(text, bits); err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Sprintf("out of range for float%d", bits)
		}
		return "must be a number"
	}
	return ""
}

// usage is the help line of a field: its description from the spec, and
// how to write the value.
func (f *specField) usage() string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(f.doc, "."))
	var notes []string
	if f.renamed != "" {
		notes = append(notes, f.renamed)
	}
	switch s := f.schema; {
	case kind(s) == openapi3.TypeArray:
		notes = append(notes, "comma-separated, or a JSON list")
	case kind(s) == openapi3.TypeObject:
		notes = append(notes, "JSON")
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
	return strings.TrimSpace(b.String())
}

// what names a field in messages: "configuration id".
func (f *specField) what() string { return strings.Join(spec.Words(f.wire[len(f.wire)-1]), " ") }

// specCommand is the command of one operation.
func specCommand(o *opSpec) Command {
	var args []string
	for _, p := range o.pathParams {
		args = append(args, "<"+p.flag+">")
	}
	synopsis := strings.Join(args, " ")
	if len(args) > 0 {
		synopsis = "[" + synopsis + "]"
	}
	summary := fmt.Sprintf("%s (%s, %s)", o.op.Summary, o.op.Qualified(), o.op.ID)
	return Command{Name: o.name(), Args: synopsis, Summary: summary, Doc: o.op.Description, Example: o.example(), API: true, Op: o.op.ID,
		ReadOnly: o.op.Method == http.MethodGet, Setup: o.setup, fromSpec: true}
}

// example is a command line of the operation, from the spec: the values
// of its examples (the body's example or first named example, each
// parameter's), else a value made from the schema, so that every required
// flag is there. Flags with a default may stay out.
func (o *opSpec) example() string {
	return strings.Join(append([]string{"finicity-connect", o.name()}, o.exampleArgs()...), " ")
}

// exampleArgs are the arguments of the example, shell-quoted.
func (o *opSpec) exampleArgs() []string {
	var parts []string
	for _, p := range o.pathParams {
		parts = append(parts, shellQuote(spec.ValueText(paramExample(p))))
	}
	for _, f := range slices.Concat(o.queryParams, o.headerParams) {
		if f.def != "" {
			continue
		}
		v, ok := f.param.Example()
		if !ok {
			if !f.required {
				continue
			}
			v = paramExample(f)
		}
		parts = appendExampleFlag(parts, f, v)
	}
	body, given := o.bodyExample()
	for _, f := range o.bodyFields {
		if f.def != "" {
			continue
		}
		v, ok := bodypath.Get(body, f.wire)
		if !given && !f.required {
			// A body made from the schema has every property, most with
			// made-up values ('{}', "string"): an optional flag is shown
			// only with a value the spec gives (its schema's example).
			v, ok = ownExample(f.schema)
		}
		if !ok {
			if !f.required {
				continue
			}
			v = synthesize(f.field.Schema)
		}
		parts = appendExampleFlag(parts, f, v)
	}
	if b := o.op.Body; b != nil && b.Required && len(o.bodyFields) == 0 && kind(orAny(o.body())) != openapi3.TypeObject {
		// A body the flags cannot make: --body carries it whole.
		data, _ := json.Marshal(body)
		parts = append(parts, "--body", shellQuote(string(data)))
	}
	return parts
}

// bodyExample is the body the help example shows: the operation's
// first example that keeps to its schema (given), else one made from the
// schema. A broken example never feeds the help.
func (o *opSpec) bodyExample() (v any, given bool) {
	b := o.op.Body
	if b == nil {
		return nil, false
	}
	if v, ok := b.Example(); ok {
		return v, true
	}
	v, _ = spec.Synthesize(b.Schema, false)
	return v, false
}

// ownExample is the example of schema s itself, when it keeps to s.
func ownExample(s *openapi3.Schema) (any, bool) {
	if s == nil || s.Example == nil {
		return nil, false
	}
	v := spec.Normalize(s.Example)
	if spec.Check(s, v, false) != nil {
		return nil, false
	}
	return v, true
}

// paramExample is a parameter's example, else a value of its schema.
func paramExample(f *specField) any {
	if v, ok := f.param.Example(); ok {
		return v
	}
	return synthesize(f.param.Schema)
}

// synthesize is a value of the schema for an example: the one
// spec.Synthesize makes, or, when none validates, a placeholder that
// still shows the flag is needed.
func synthesize(ref *openapi3.SchemaRef) any {
	if v, ok := spec.Synthesize(ref, false); ok && v != nil {
		return v
	}
	return "VALUE"
}

func orAny(s *openapi3.Schema) *openapi3.Schema {
	if s == nil {
		return anySchema
	}
	return s
}

// appendExampleFlag adds the flag of f with value v to an example.
func appendExampleFlag(parts []string, f *specField, v any) []string {
	switch v := v.(type) {
	case bool:
		switch {
		case v:
			return append(parts, "--"+f.flag)
		case f.required:
			return append(parts, "--"+f.flag+"=false")
		}
		return parts
	case []any:
		if kind(f.schema) == openapi3.TypeArray && !slices.ContainsFunc(v, isComposite) {
			s := make([]string, len(v))
			for i, e := range v {
				s[i] = spec.ValueText(e)
			}
			return append(parts, "--"+f.flag, shellQuote(strings.Join(s, ",")))
		}
	}
	return append(parts, "--"+f.flag, shellQuote(spec.ValueText(v)))
}

func isComposite(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

func shellQuote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\n'\"$&;|<>*?()[]{}\\`!#~") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// setup registers the operation's flags and returns its action.
func (o *opSpec) setup(fs *flag.FlagSet) Action {
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
				continue // taken all the same (uniqueFlags): --body still sets it
			}
			usage := f.usage()
			if i > 0 {
				usage = "same as --" + f.flag
			}
			fs.Var(&fieldValue{st: st, name: name}, name, usage)
			byFlag[name] = st
		}
	}
	for _, f := range o.fields() {
		register(f)
	}
	bodyFlag := new(string)
	if o.op.Body != nil && fs.Lookup("body") == nil { // a property named body keeps its flag
		fs.StringVar(bodyFlag, "body", "", "the whole request body, instead of the body flags: JSON, or @file to read it from a file (@- for stdin)")
	}
	return func(ctx context.Context, in *Invocation) error {
		path, err := o.pathValues(in, states)
		if err != nil {
			return err
		}
		params, err := o.paramValues(states)
		if err != nil {
			return err
		}
		var body []byte
		if o.op.Body != nil {
			if body, err = o.requestBody(in, states, byFlag, *bodyFlag); err != nil {
				return err
			}
		}
		resp, err := o.call(ctx, in, path, params, body)
		if err != nil {
			return err
		}
		return o.print(in, resp, path)
	}
}

// pathValue is a path parameter's value, as typed and as JSON.
type pathValue struct {
	f    *specField
	text string
	json []byte
}

// pathValues takes each path parameter from its flag or, in order, from
// the arguments, and checks it as its schema says.
func (o *opSpec) pathValues(in *Invocation, states map[*specField]*fieldState) ([]pathValue, error) {
	args := in.Args
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
			return nil, Usagef("missing required %s: pass it as an argument or with --%s", p.what(), p.flag)
		}
	}
	switch {
	case len(args) == 0:
	case byFlag != nil:
		return nil, Usagef("give the %s once: as an argument or with --%s, not both", byFlag.what(), states[byFlag].via)
	case len(o.pathParams) == 0:
		return nil, Usagef("unexpected argument %q", args[0])
	default:
		return nil, Usagef("too many arguments: want %d, got %d", len(o.pathParams), len(in.Args))
	}
	out := make([]pathValue, 0, len(o.pathParams))
	for i, p := range o.pathParams {
		text := texts[i]
		var js []byte
		switch s := p.schema; {
		case kind(s) == openapi3.TypeInteger:
			if msg := integerProblem(s, text); msg != "" {
				return nil, Usagef("invalid %s %q: %s", p.what(), text, msg)
			}
			js = []byte(text)
		case kind(s) == openapi3.TypeNumber:
			if msg := numberProblem(s, text); msg != "" {
				return nil, Usagef("invalid %s %q: %s", p.what(), text, msg)
			}
			js = []byte(text)
		case kind(s) == openapi3.TypeBoolean:
			b, err := strconv.ParseBool(text)
			if err != nil {
				return nil, Usagef("invalid %s %q: must be true or false", p.what(), text)
			}
			js, _ = json.Marshal(b)
		case s.Format == "uuid":
			if _, err := parseUUID(p.what(), text); err != nil {
				return nil, err
			}
			js, _ = json.Marshal(text)
		default:
			if strings.TrimSpace(text) == "" {
				return nil, Usagef("missing required %s: pass it as an argument or with --%s", p.what(), p.flag)
			}
			js, _ = json.Marshal(text)
		}
		out = append(out, pathValue{f: p, text: text, json: js})
	}
	return out, nil
}

// paramValues are the query and header parameters given (or defaulted),
// as their schemas type them, by wire name.
func (o *opSpec) paramValues(states map[*specField]*fieldState) (map[string]any, error) {
	params := map[string]any{}
	for _, f := range slices.Concat(o.queryParams, o.headerParams) {
		st := states[f]
		raw, set := st.raw, st.set || st.raw != ""
		if !set && f.def == "now" && f.schema.Format == "date-time" {
			raw, set = time.Now().UTC().Truncate(time.Second).Format(time.RFC3339), true
		}
		if !set {
			if f.required {
				return nil, Usagef("missing required flag --%s", f.flag)
			}
			continue
		}
		name := cmp.Or(st.via, f.flag)
		v, err := fieldJSON(f, "--"+name, raw)
		if err != nil {
			return nil, err
		}
		params[f.wire[0]] = v
	}
	return params, nil
}

// maxBodyFileBytes bounds --body @file.
const maxBodyFileBytes = 16 << 20

// requestBody is the body: --body as given, or the object the body
// flags make (with their defaults), or null for a nullable body with no
// flag given.
func (o *opSpec) requestBody(in *Invocation, states map[*specField]*fieldState, byFlag map[string]*fieldState, bodyFlag string) ([]byte, error) {
	var given []string
	for _, f := range o.bodyFields {
		if st := states[f]; st.set {
			given = append(given, "--"+st.via)
		}
	}
	if bodyFlag != "" {
		if len(given) > 0 {
			return nil, Usagef("give the body once: with --body or with the body flags (%s), not both", strings.Join(given, ", "))
		}
		return o.bodyFromFlag(in, bodyFlag)
	}
	s := o.body()
	switch {
	case !o.op.Body.JSON || s == nil:
		if o.op.Body.Required {
			return nil, Usagef("missing required --body")
		}
		return nil, nil
	case len(given) == 0 && s.Nullable && len(o.bodyFields) == 0:
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
				return nil, Usagef("missing required flag --%s", f.flag)
			}
			continue
		}
		v, err := fieldJSON(f, name, raw)
		if err != nil {
			return nil, err
		}
		bodypath.Set(obj, f.wire, v)
	}
	return json.Marshal(obj)
}

// fieldJSON converts a flag's text to the JSON value its schema wants.
func fieldJSON(f *specField, name, raw string) (any, error) {
	s := f.schema
	switch kind(s) {
	case openapi3.TypeInteger:
		if msg := integerProblem(s, raw); msg != "" {
			return nil, Usagef("invalid %s %q: %s", name, raw, msg)
		}
		return json.Number(raw), nil
	case openapi3.TypeNumber:
		if msg := numberProblem(s, raw); msg != "" {
			return nil, Usagef("invalid %s %q: %s", name, raw, msg)
		}
		return json.Number(raw), nil
	case openapi3.TypeBoolean:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, Usagef("invalid %s %q: must be true or false", name, raw)
		}
		return b, nil
	case openapi3.TypeObject:
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return nil, Usagef("invalid %s: %s", name, jsonProblem(err, []byte(raw)))
		}
		return v, nil
	case openapi3.TypeArray:
		if strings.HasPrefix(strings.TrimSpace(raw), "[") {
			// A JSON list: the only way to write one of objects, and a
			// way to write any.
			var v any
			if err := decodeOne([]byte(raw), &v); err != nil {
				return nil, Usagef("invalid %s: %s", name, jsonProblem(err, []byte(raw)))
			}
			if _, ok := v.([]any); !ok {
				return nil, Usagef("invalid %s: must be a JSON list or comma-separated values", name)
			}
			return v, nil
		}
		list := splitList(raw)
		out := make([]any, 0, len(list))
		items := anySchema
		if s.Items != nil && s.Items.Value != nil {
			items = s.Items.Value
		}
		for _, item := range list {
			switch kind(items) {
			case openapi3.TypeInteger:
				if msg := integerProblem(items, item); msg != "" {
					return nil, Usagef("invalid %s %q: %q %s", name, raw, item, msg)
				}
				out = append(out, json.Number(item))
			case openapi3.TypeNumber:
				if msg := numberProblem(items, item); msg != "" {
					return nil, Usagef("invalid %s %q: %q %s", name, raw, item, msg)
				}
				out = append(out, json.Number(item))
			default:
				out = append(out, item)
			}
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
			return nil, Usagef("invalid %s %q: %s", name, raw, spec.FormatRule("date-time"))
		}
	}
	return raw, nil
}

// bodyFromFlag reads --body: JSON, @file or @- (stdin). Field names the
// spec does not define are refused, names being exact: a body goes
// through the typed model, which would drop them silently.
func (o *opSpec) bodyFromFlag(in *Invocation, arg string) ([]byte, error) {
	data := []byte(arg)
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		var r io.Reader = in.Stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return nil, Usagef("cannot read --body %s: %v", arg, WithoutPath(err))
			}
			defer f.Close()
			r = f
		}
		var err error
		if data, err = io.ReadAll(io.LimitReader(r, maxBodyFileBytes+1)); err != nil {
			return nil, Usagef("cannot read --body %s: %v", arg, err)
		}
		if len(data) > maxBodyFileBytes {
			return nil, Usagef("--body %s is larger than %d bytes", arg, maxBodyFileBytes)
		}
	}
	s := o.body()
	if !o.op.Body.JSON {
		return data, nil // sent as it is, with the body's media type
	}
	var v any
	if err := decodeOne(data, &v); err != nil {
		return nil, Usagef("invalid --body: %s", jsonProblem(err, data))
	}
	if s == nil {
		return bytes.TrimSpace(data), nil
	}
	if !bodyKindFits(s, v) {
		msg := "must be " + bodyWords(s)
		if s.Nullable {
			msg += " or null"
		}
		return nil, Usagef("invalid --body: %s", msg)
	}
	if field := unknownField(s, v, ""); field != "" {
		return nil, Usagef("invalid --body: unknown field %s: not in the spec (names are case-sensitive)", field)
	}
	return bytes.TrimSpace(data), nil
}

// decodeOne decodes exactly one JSON value from data (numbers as
// json.Number): anything but white space after it is an error.
func decodeOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	off := dec.InputOffset()
	rest := data[off:]
	if trimmed := bytes.TrimLeft(rest, " \t\r\n"); len(trimmed) > 0 {
		return &trailingDataError{offset: off + int64(len(rest)-len(trimmed)) + 1}
	}
	return nil
}

// trailingDataError is data after the one JSON value of an argument, at
// a byte offset.
type trailingDataError struct{ offset int64 }

func (e *trailingDataError) Error() string {
	return fmt.Sprintf("unexpected data after the JSON value at offset %d", e.offset)
}

// bodyKindFits reports whether a --body value v is of the JSON type the
// body's schema s wants (any, for a schema that names no type).
func bodyKindFits(s *openapi3.Schema, v any) bool {
	if v == nil {
		return s.Nullable
	}
	want, got := kind(s), jsonKind(v)
	if (s.Type == nil || len(*s.Type) == 0) && want != openapi3.TypeObject {
		return true
	}
	return got == want || want == openapi3.TypeNumber && got == openapi3.TypeInteger
}

// bodyWords is what a body of schema s is written as.
func bodyWords(s *openapi3.Schema) string {
	switch kind(s) {
	case openapi3.TypeObject:
		return "a JSON object"
	case openapi3.TypeArray:
		return "a JSON array"
	}
	return kindWords(s)
}

// jsonProblem words a JSON decoding error with where it happened: a
// syntax error with its byte offset, an end too early as such.
func jsonProblem(err error, data []byte) string {
	var se *json.SyntaxError
	var te *trailingDataError
	switch {
	case errors.As(err, &te):
		return te.Error()
	case errors.As(err, &se):
		return fmt.Sprintf("%s at offset %d", se.Error(), se.Offset)
	case errors.Is(err, io.EOF) && len(bytes.TrimSpace(data)) == 0:
		return "empty: want a JSON value"
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Sprintf("unexpected end of JSON input at offset %d", len(data))
	}
	return err.Error()
}

// jsonKind is the JSON type of a decoded value, in the spec's words;
// integer for a whole number.
func jsonKind(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return openapi3.TypeBoolean
	case string:
		return openapi3.TypeString
	case json.Number:
		if _, err := v.Int64(); err == nil || !strings.ContainsAny(v.String(), ".eE") {
			return openapi3.TypeInteger
		}
		return openapi3.TypeNumber
	case float64:
		if v == float64(int64(v)) {
			return openapi3.TypeInteger
		}
		return openapi3.TypeNumber
	case []any:
		return openapi3.TypeArray
	case map[string]any:
		return openapi3.TypeObject
	}
	return "value"
}

// kindWords says what a value of schema s is written as, in JSON's
// words: "true or false", "a list", "a UUID string".
func kindWords(s *openapi3.Schema) string {
	switch kind(s) {
	case openapi3.TypeBoolean:
		return "true or false"
	case openapi3.TypeArray:
		return "a list"
	case openapi3.TypeObject:
		return "an object"
	case openapi3.TypeInteger:
		return "an integer"
	case openapi3.TypeNumber:
		return "a number"
	}
	switch s.Format {
	case "uuid":
		return "a UUID string"
	case "date-time":
		return "an RFC 3339 date-time string"
	}
	return "a string"
}

// unknownField returns the first property of v (by path) that schema s
// does not define, where s defines any and allows no others.
func unknownField(s *openapi3.Schema, v any, prefix string) string {
	m, ok := v.(map[string]any)
	if !ok || s == nil {
		return ""
	}
	props, _ := spec.Properties(s)
	if len(props) == 0 || s.AdditionalProperties.Schema != nil || s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has {
		return ""
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p, ok := props[k]
		if !ok {
			return prefix + k
		}
		if p != nil && p.Value != nil {
			if f := unknownField(p.Value, m[k], prefix+k+"."); f != "" {
				return f
			}
		}
	}
	return ""
}

// call sends the operation through its typed method of package api
// (internal/apicall's table, generated from the spec), so that what the
// SDK checks and decodes the CLI does too, and its errors are package
// api's: *api.Error, *api.ValidationError, *api.DecodeError.
func (o *opSpec) call(ctx context.Context, in *Invocation, path []pathValue, params map[string]any, body []byte) (*http.Response, error) {
	input := &apicall.Input{}
	for _, p := range path {
		input.Path = append(input.Path, p.json)
	}
	if len(params) > 0 {
		input.Params, _ = json.Marshal(params)
	}
	if o.op.Body != nil && !o.op.Body.JSON {
		input.Raw = bytes.NewReader(body)
	} else {
		input.Body = body
	}
	err := apicall.Call(ctx, in.Client, o.op.ID, input, in.answer())
	var ae *apicall.ArgError
	switch {
	case errors.Is(err, apicall.ErrNoOperation):
		return nil, ExitWith(ExitUsage, "operation %s is in the spec but not in this build of finicity-connect: run make generate, then rebuild", o.op.ID)
	case errors.As(err, &ae):
		return nil, o.argError(ae, path, body)
	case err != nil:
		return nil, err
	}
	return in.resp, nil
}

// argError words an argument the typed method's types refuse, in the
// spec's words: the field, what JSON it is, what the schema wants.
func (o *opSpec) argError(ae *apicall.ArgError, path []pathValue, body []byte) error {
	for _, p := range path {
		if ae.Field == p.f.wire[0] {
			return Usagef("invalid %s %q: %v", p.f.what(), p.text, ae.Err)
		}
	}
	field, isBody := strings.CutPrefix(ae.Field, "body")
	if !isBody || o.body() == nil {
		if name, ok := strings.CutPrefix(ae.Field, "parameters "); ok {
			for _, f := range slices.Concat(o.queryParams, o.headerParams) {
				if f.wire[0] == name {
					return Usagef("invalid --%s: %v", f.flag, ae.Err)
				}
			}
		}
		return Usagef("%v", ae)
	}
	field = strings.TrimSpace(field)
	var exact, plain any
	if decodeOne(body, &exact) != nil || json.Unmarshal(body, &plain) != nil {
		return Usagef("invalid --body: %v", ae.Err)
	}
	if field == "" {
		// A value's own decoder (a date-time's) does not say where it
		// failed: the schema finds the field.
		if err := spec.Check(o.body(), plain, false); err != nil {
			return Usagef("invalid --body: %s", sandbox.SchemaProblem(err))
		}
		return Usagef("invalid --body: %v", ae.Err)
	}
	keys := strings.Split(field, ".")
	s, ok := propertyAt(o.body(), keys)
	v, _ := bodypath.Get(exact, keys)
	pv, _ := bodypath.Get(plain, keys)
	if !ok {
		return Usagef("invalid --body: %s: %v", field, ae.Err)
	}
	want, got := kind(s), jsonKind(v)
	switch {
	case want == openapi3.TypeInteger && (got == openapi3.TypeInteger || got == openapi3.TypeNumber):
		if msg := integerProblem(s, v.(json.Number).String()); msg != "" {
			return Usagef("invalid --body: %s: %s", field, msg)
		}
	case want == openapi3.TypeNumber && (got == openapi3.TypeInteger || got == openapi3.TypeNumber):
		if msg := numberProblem(s, v.(json.Number).String()); msg != "" {
			return Usagef("invalid --body: %s: %s", field, msg)
		}
	case got != want && got != "null" && (s.Type != nil && len(*s.Type) > 0):
		return Usagef("invalid --body: %s: a JSON %s where %s was expected", field, jsonTypeWord(got), kindWords(s))
	}
	if err := spec.Check(s, pv, false); err != nil {
		return Usagef("invalid --body: %s: %s", field, sandbox.SchemaProblem(err))
	}
	return Usagef("invalid --body: %s: %v", field, ae.Err)
}

// jsonTypeWord is a JSON type as messages name what was given.
func jsonTypeWord(kind string) string {
	if kind == openapi3.TypeInteger {
		return openapi3.TypeNumber
	}
	if kind == openapi3.TypeArray {
		return "array"
	}
	return kind
}

// propertyAt is the schema of the property at path in s.
func propertyAt(s *openapi3.Schema, path []string) (*openapi3.Schema, bool) {
	for _, k := range path {
		if s == nil {
			return nil, false
		}
		props, _ := spec.Properties(s)
		p := props[k]
		if p == nil || p.Value == nil {
			return nil, false
		}
		s = p.Value
	}
	return s, s != nil
}

// successFor is the documented success of status; nil when it is not
// one.
func (o *opSpec) successFor(status int) *spec.Response {
	r := o.op.Response(status)
	if r == nil || !slices.Contains(o.op.Successes(), r) {
		return nil
	}
	return r
}

// print writes the answer: the API's JSON as it came (indented); under
// {"status": ..., "<key>": ...} when the operation has several successes;
// for an answer with no body, what happened. --output table renders the
// response schema's scalar properties.
func (o *opSpec) print(in *Invocation, resp *http.Response, path []pathValue) error {
	raw := in.answerBody()
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		var id string
		if len(path) > 0 {
			id = path[len(path)-1].text
		}
		if o.op.Method == http.MethodDelete {
			js, _ := json.Marshal(id)
			what := strings.TrimSuffix(o.op.Service.Command, "s") // "configuration"
			return in.Print(Result{Raw: json.RawMessage(`{"id":` + string(js) + `,"deleted":true}`),
				Table: func(w io.Writer) { fmt.Fprintf(w, "deleted %s %s\n", what, id) }})
		}
		return in.Print(Result{Value: map[string]int{"status": status},
			Table: func(w io.Writer) { fmt.Fprintf(w, "STATUS\t%d\n", status) }})
	}
	if s := o.successFor(status); s != nil && s.Binary {
		return in.Print(Result{Data: raw})
	}
	var value any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&value)
	var schema *openapi3.Schema
	var title, goName string
	s := o.successFor(status)
	if s != nil {
		title, goName = s.Title, spec.SchemaName(s.Schema)
		if s.Schema != nil {
			schema = s.Schema.Value
		}
	}
	table := func(w io.Writer) { renderTable(w, schema, goName, value) }
	out := raw
	if len(o.op.Successes()) > 1 && s != nil {
		key, _ := json.Marshal(s.Key)
		out = json.RawMessage(fmt.Sprintf(`{"status":%d,%s:%s}`, status, key, raw))
		table = func(w io.Writer) {
			fmt.Fprintf(w, "STATUS\t%d: %s\n\n", status, title)
			renderTable(w, schema, goName, value)
		}
	}
	return in.Print(Result{Raw: out, Table: table})
}
