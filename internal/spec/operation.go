package spec

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one operation of the document.
type Operation struct {
	// ID is the operationId.
	ID string
	// Method is the HTTP method, upper case; Path the path template.
	Method, Path string
	// Pointer is the operation's JSON pointer (/paths/~1a/get).
	Pointer string
	// Summary and Description are the spec's.
	Summary, Description string
	// Tags are the operation's tags; the first names its service by
	// default.
	Tags []string
	// Deprecated is the spec's flag.
	Deprecated bool

	// Service holds the operation; GoMethod is its method there.
	Service  *Service
	GoMethod string
	// Docs is the docs' name of the operation (x-sdk docs), if any.
	Docs string
	// Result is the Go name of the type answering an operation with
	// several 2xx answers that carry bodies; empty otherwise.
	Result string
	// Command is the CLI command ("configurations create").
	Command string

	// PathParams are in the order the path names them; QueryParams and
	// HeaderParams in the spec's order.
	PathParams, QueryParams, HeaderParams []*Param
	// Body is the request body; nil when the operation takes none.
	Body *Body
	// Responses are the documented responses, by status ("default" last).
	Responses []*Response
	// Security lists the header names of the apiKey schemes the operation
	// requires (its own security, else the document's).
	Security []string
	// Sandbox is the x-sandbox behaviour; nil when there is none.
	Sandbox *Sandbox

	// Raw is the kin-openapi operation; Item its path item.
	Raw  *openapi3.Operation
	Item *openapi3.PathItem

	service string // while building
}

// Qualified is the operation's api method as users write it:
// "Configurations.List".
func (o *Operation) Qualified() string { return o.Service.Name + "." + o.GoMethod }

// Name is how messages name the operation: the api method and the docs'
// name (or the operationId).
func (o *Operation) Name() string {
	other := o.Docs
	if other == "" {
		other = o.ID
	}
	return o.Qualified() + " (" + other + ")"
}

// Params is every parameter: path, query, then header.
func (o *Operation) Params() []*Param {
	return slices.Concat(o.PathParams, o.QueryParams, o.HeaderParams)
}

// Successes are the documented 2xx responses, by status.
func (o *Operation) Successes() []*Response {
	var out []*Response
	for _, r := range o.Responses {
		if r.Code >= 200 && r.Code <= 299 || r.Status == "2XX" {
			out = append(out, r)
		}
	}
	return out
}

// Errors are the documented responses that are not 2xx, "default"
// included.
func (o *Operation) Errors() []*Response {
	var out []*Response
	for _, r := range o.Responses {
		if !(r.Code >= 200 && r.Code <= 299 || r.Status == "2XX") {
			out = append(out, r)
		}
	}
	return out
}

// Response is the documented response for status: the exact one, then
// its range (4XX), then "default"; nil when none applies.
func (o *Operation) Response(status int) *Response {
	code, class := strconv.Itoa(status), strconv.Itoa(status/100)+"XX"
	var ranged, def *Response
	for _, r := range o.Responses {
		switch r.Status {
		case code:
			return r
		case class:
			ranged = r
		case "default":
			def = r
		}
	}
	if ranged != nil {
		return ranged
	}
	return def
}

// ErrorSchema is the shape of the operation's error answers: the JSON
// schema of its first documented 4xx (else 5xx, else default) response
// that has one; nil when it documents none.
func (o *Operation) ErrorSchema() *openapi3.SchemaRef {
	for _, prefix := range []string{"4", "5", "d"} {
		for _, r := range o.Errors() {
			if strings.HasPrefix(r.Status, prefix) && r.Schema != nil && r.JSON {
				return r.Schema
			}
		}
	}
	return nil
}

// Requires reports whether the operation requires the header of an
// apiKey security scheme.
func (o *Operation) Requires(header string) bool {
	return slices.ContainsFunc(o.Security, func(h string) bool { return strings.EqualFold(h, header) })
}

// Param is one parameter of an operation.
type Param struct {
	Name, In    string
	Required    bool
	Description string
	Schema      *openapi3.SchemaRef
	// Examples are the parameter's example and named examples, else its
	// schema's example.
	Examples []Example
	// Style and Explode say how a query array is written.
	Style   string
	Explode bool
	Pointer string
	CLI     CLIField
	// Secret: a header parameter that carries a credential.
	Secret bool
	Raw    *openapi3.Parameter
}

// Example is the first example, if any.
func (p *Param) Example() (any, bool) { return first(p.Examples) }

// CLIField is what x-cli says of a parameter or a property.
type CLIField struct {
	Aliases     []string
	Default     string
	DefaultFlag string
}

// Body is an operation's request body.
type Body struct {
	Required    bool
	Description string
	// ContentType is the media type sent: application/json when the body
	// documents it, else its first.
	ContentType string
	// JSON reports a JSON media type.
	JSON   bool
	Schema *openapi3.SchemaRef
	// Examples are the media type's example and named examples (by name),
	// then the schema's example.
	Examples []Example
	// Fields are the body's properties, nested objects flattened (the
	// CLI's flags); none for a body that is not an object.
	Fields  []*Field
	Pointer string
}

// Example is the first example that matches the schema, if any.
func (b *Body) Example() (any, bool) { return first(b.Examples) }

// Response is one documented response.
type Response struct {
	// Status is as written: "200", "2XX" or "default"; Code the number
	// (0 for a range or default).
	Status      string
	Code        int
	Description string
	// ContentType is the media type answered (application/json when
	// documented, else the first); empty for no body.
	ContentType string
	// JSON reports a JSON media type; Binary any other (a PDF, text).
	JSON, Binary bool
	Schema       *openapi3.SchemaRef
	Examples     []Example
	// Field is the response's field in the operation's Result type; Key
	// and Title how the CLI prints it (x-sdk field, x-cli key and title).
	Field, Key, Title string
	Pointer           string
}

// Example is the first example that matches the schema, if any.
func (r *Response) Example() (any, bool) { return first(r.Examples) }

// Example is one example of a parameter, a body or a response.
type Example struct {
	// Name is "" for an `example`, the key for one of `examples`.
	Name    string
	Summary string
	Value   any
	Pointer string
	// Err is why the value breaks its schema; nil for a valid one.
	// Example() and the sandbox skip a broken example; spec-validate
	// reports it.
	Err error
}

func first(ex []Example) (any, bool) {
	for _, e := range ex {
		if e.Err == nil {
			return e.Value, true
		}
	}
	return nil, false
}

// Field is one leaf property of a body: nested objects are flattened
// (serviceAgreement.language is Path [serviceAgreement language]).
type Field struct {
	Path     []string
	Schema   *openapi3.SchemaRef
	Required bool
	// Description is the property's.
	Description string
	CLI         CLIField
	Pointer     string
}

func (b *builder) operation(path, method string, item *openapi3.PathItem, op *openapi3.Operation) *Operation {
	ptr := Pointer("paths", path, strings.ToLower(method))
	o := &Operation{ID: op.OperationID, Method: method, Path: path, Pointer: ptr, Summary: strings.TrimSpace(op.Summary),
		Description: strings.TrimSpace(op.Description), Tags: op.Tags, Deprecated: op.Deprecated, Raw: op, Item: item}
	if o.ID == "" {
		b.problem(ptr, "add an operationId: it names the Go method and the CLI command", "the operation has no operationId")
		return nil
	}

	sdk := b.extension(op.Extensions, "x-sdk", ptr)
	b.checkKeys(sdk, "x-sdk", ptr, "service", "method", "docs", "result")
	o.service = b.xString(sdk, "service", ptr+"/x-sdk")
	o.GoMethod = b.xString(sdk, "method", ptr+"/x-sdk")
	o.Docs = b.xString(sdk, "docs", ptr+"/x-sdk")
	o.Result = b.xString(sdk, "result", ptr+"/x-sdk")
	if o.service == "" {
		if len(op.Tags) > 0 {
			o.service = GoName(op.Tags[0])
		} else {
			o.service = "Default"
		}
	}
	if o.GoMethod == "" {
		o.GoMethod = GoName(o.ID)
	}
	for what, name := range map[string]string{"service": o.service, "method": o.GoMethod} {
		if !isIdent(name) {
			b.problem(ptr+"/x-sdk", "set x-sdk: {"+what+": <an exported Go name>}", "the %s %q is not an exported Go identifier", what, name)
		}
	}
	cli := b.extension(op.Extensions, "x-cli", ptr)
	b.checkKeys(cli, "x-cli", ptr, "command")
	o.Command = b.xString(cli, "command", ptr+"/x-cli")

	// Parameters: the path item's, overridden by the operation's own of
	// the same name and location.
	type key struct{ in, name string }
	seen := map[key]int{}
	var params []*Param
	add := func(refs openapi3.Parameters, base string) {
		for i, ref := range refs {
			if ref == nil || ref.Value == nil {
				continue
			}
			p := b.param(ref.Value, base+"/"+strconv.Itoa(i))
			k := key{p.In, p.Name}
			if j, ok := seen[k]; ok {
				params[j] = p
				continue
			}
			seen[k] = len(params)
			params = append(params, p)
		}
	}
	add(item.Parameters, Pointer("paths", path, "parameters"))
	add(op.Parameters, ptr+"/parameters")
	for _, p := range params {
		switch p.In {
		case openapi3.ParameterInPath:
			o.PathParams = append(o.PathParams, p)
		case openapi3.ParameterInQuery:
			o.QueryParams = append(o.QueryParams, p)
		case openapi3.ParameterInHeader:
			o.HeaderParams = append(o.HeaderParams, p)
		}
	}
	sort.SliceStable(o.PathParams, func(i, j int) bool {
		return strings.Index(path, "{"+o.PathParams[i].Name+"}") < strings.Index(path, "{"+o.PathParams[j].Name+"}")
	})

	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		o.Body = b.body(rb.Value, ptr+"/requestBody")
	}
	if op.Responses != nil {
		codes := make([]string, 0, op.Responses.Len())
		for code := range op.Responses.Map() {
			codes = append(codes, code)
		}
		sort.Slice(codes, func(i, j int) bool {
			if (codes[i] == "default") != (codes[j] == "default") {
				return codes[j] == "default"
			}
			return codes[i] < codes[j]
		})
		for _, code := range codes {
			ref := op.Responses.Value(code)
			if ref == nil || ref.Value == nil {
				continue
			}
			o.Responses = append(o.Responses, b.response(code, ref.Value, ptr+"/responses/"+pointerEscape(code)))
		}
	}
	o.Security = b.security(op)
	o.Sandbox = b.sandbox(op.Extensions, ptr)

	// Several 2xx answers with bodies: a result type holds one field per
	// answer.
	var bodies []*Response
	for _, r := range o.Successes() {
		if r.Schema != nil || r.Binary {
			bodies = append(bodies, r)
		}
	}
	if len(bodies) > 1 {
		if o.Result == "" {
			o.Result = o.GoMethod + o.service + "Result"
		}
		fields := map[string]*Response{}
		for _, r := range bodies {
			if r.Field == "" {
				r.Field = resultField(r)
			}
			if other := fields[r.Field]; other != nil {
				b.problem(r.Pointer, "set x-sdk: {field: <a Go name>} on one of the responses", "its field %s in %s is also the %s response's", r.Field, o.Result, other.Status)
			}
			fields[r.Field] = r
		}
	} else if o.Result != "" && len(bodies) < 2 {
		b.problem(ptr+"/x-sdk/result", "remove it: an operation with one answer returns its model", "x-sdk result %q on an operation with %d 2xx answers with a body", o.Result, len(bodies))
	}
	return o
}

// resultField is a response's default field in a result type: its
// schema's name, else "Status<code>".
func resultField(r *Response) string {
	if r.Schema != nil {
		if n := SchemaName(r.Schema); n != "" {
			return GoName(n)
		}
	}
	if r.Binary {
		return "Data" + r.Status
	}
	return "Status" + r.Status
}

// SchemaName is the name a schema reference gives: its x-go-name, else
// the component's name; "" for an inline schema.
func SchemaName(ref *openapi3.SchemaRef) string {
	if ref == nil {
		return ""
	}
	if ref.Value != nil {
		if n, ok := ref.Value.Extensions["x-go-name"].(string); ok {
			return n
		}
	}
	if i := strings.LastIndex(ref.Ref, "/"); i >= 0 {
		return ref.Ref[i+1:]
	}
	return ""
}

func isIdent(s string) bool {
	if s == "" || !(s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func (b *builder) param(p *openapi3.Parameter, ptr string) *Param {
	out := &Param{Name: p.Name, In: p.In, Required: p.Required, Description: strings.TrimSpace(p.Description), Schema: p.Schema,
		Style: p.Style, Pointer: ptr, Raw: p}
	if out.In == openapi3.ParameterInPath {
		out.Required = true
	}
	if out.Style == "" {
		out.Style = map[string]string{"query": "form", "cookie": "form", "path": "simple", "header": "simple"}[p.In]
	}
	out.Explode = out.Style == "form"
	if p.Explode != nil {
		out.Explode = *p.Explode
	}
	out.CLI = b.cliField(p.Extensions, ptr)
	out.Examples = b.examples(p.Example, p.Examples, p.Schema, ptr)
	out.Secret = p.In == openapi3.ParameterInHeader && b.m.Secrets.IsHeader(p.Name)
	return out
}

func (b *builder) cliField(ext map[string]any, ptr string) CLIField {
	x := b.extension(ext, "x-cli", ptr)
	b.checkKeys(x, "x-cli", ptr, "aliases", "default", "default-flag")
	return CLIField{
		Aliases:     b.xStrings(x, "aliases", ptr+"/x-cli"),
		Default:     b.xString(x, "default", ptr+"/x-cli"),
		DefaultFlag: b.xString(x, "default-flag", ptr+"/x-cli"),
	}
}

// media picks the media type of a content map: application/json (or
// another JSON type) first, else the first by name.
func media(content openapi3.Content) (string, *openapi3.MediaType) {
	if mt := content.Get("application/json"); mt != nil {
		return "application/json", mt
	}
	names := make([]string, 0, len(content))
	for n := range content {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if isJSON(n) {
			return n, content[n]
		}
	}
	if len(names) > 0 {
		return names[0], content[names[0]]
	}
	return "", nil
}

func isJSON(mediaType string) bool {
	mt, _, _ := strings.Cut(mediaType, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func (b *builder) body(rb *openapi3.RequestBody, ptr string) *Body {
	out := &Body{Required: rb.Required, Description: strings.TrimSpace(rb.Description), Pointer: ptr}
	ct, mt := media(rb.Content)
	out.ContentType, out.JSON = ct, isJSON(ct)
	if mt == nil {
		return out
	}
	mptr := ptr + "/content/" + pointerEscape(ct)
	out.Schema = mt.Schema
	out.Examples = b.examples(mt.Example, mt.Examples, mt.Schema, mptr)
	if out.JSON && mt.Schema != nil {
		out.Fields = b.fields(nil, mt.Schema, true, mptr+"/schema", 0)
	}
	return out
}

// fields flattens the properties of an object schema: nested objects give
// dotted paths. A property is required when it and every object above it
// are. readOnly properties are not sent, and are left out.
func (b *builder) fields(prefix []string, ref *openapi3.SchemaRef, required bool, ptr string, depth int) []*Field {
	s := ref.Value
	if s == nil || depth > 8 {
		return nil
	}
	props, req := Properties(s)
	if len(props) == 0 {
		return nil
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*Field
	for _, n := range names {
		p := props[n]
		if p == nil || p.Value == nil || p.Value.ReadOnly {
			continue
		}
		path := append(slices.Clone(prefix), n)
		isReq := required && slices.Contains(req, n)
		pptr := ptr + "/properties/" + pointerEscape(n)
		if sub, _ := Properties(p.Value); len(sub) > 0 && !p.Value.Type.Is(openapi3.TypeArray) {
			out = append(out, b.fields(path, p, isReq, pptr, depth+1)...)
			continue
		}
		out = append(out, &Field{Path: path, Schema: p, Required: isReq, Description: strings.TrimSpace(p.Value.Description),
			CLI: b.cliField(p.Value.Extensions, pptr), Pointer: pptr})
	}
	return out
}

// Properties are the properties of an object schema and its required
// list, allOf members merged in.
func Properties(s *openapi3.Schema) (openapi3.Schemas, []string) {
	if len(s.AllOf) == 0 {
		return s.Properties, s.Required
	}
	props := openapi3.Schemas{}
	req := slices.Clone(s.Required)
	for _, member := range s.AllOf {
		if member == nil || member.Value == nil {
			continue
		}
		p, r := Properties(member.Value)
		for k, v := range p {
			props[k] = v
		}
		req = append(req, r...)
	}
	for k, v := range s.Properties {
		props[k] = v
	}
	return props, req
}

func (b *builder) response(code string, r *openapi3.Response, ptr string) *Response {
	out := &Response{Status: strings.ToUpper(code), Pointer: ptr}
	if code == "default" {
		out.Status = "default"
	}
	out.Code, _ = strconv.Atoi(code)
	if r.Description != nil {
		out.Description = strings.TrimSpace(*r.Description)
	}
	sdk := b.extension(r.Extensions, "x-sdk", ptr)
	b.checkKeys(sdk, "x-sdk", ptr, "field")
	out.Field = b.xString(sdk, "field", ptr+"/x-sdk")
	cli := b.extension(r.Extensions, "x-cli", ptr)
	b.checkKeys(cli, "x-cli", ptr, "key", "title")
	out.Key, out.Title = b.xString(cli, "key", ptr+"/x-cli"), b.xString(cli, "title", ptr+"/x-cli")
	ct, mt := media(r.Content)
	out.ContentType, out.JSON = ct, isJSON(ct)
	out.Binary = ct != "" && !out.JSON
	if mt != nil {
		out.Schema = mt.Schema
		out.Examples = b.examples(mt.Example, mt.Examples, mt.Schema, ptr+"/content/"+pointerEscape(ct))
	}
	if out.Key == "" {
		if n := SchemaName(out.Schema); n != "" {
			out.Key = LowerCamel(n)
		} else {
			out.Key = "status" + out.Status
		}
	}
	if out.Title == "" {
		out.Title = strings.ToLower(strings.TrimSuffix(FirstSentence(out.Description), "."))
	}
	return out
}

// security lists the header names of the apiKey schemes an operation
// requires.
func (b *builder) security(op *openapi3.Operation) []string {
	reqs := b.m.Doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	var out []string
	for _, req := range reqs {
		for name := range req {
			ref := b.m.Doc.Components.SecuritySchemes[name]
			if ref == nil || ref.Value == nil || ref.Value.Type != "apiKey" || ref.Value.In != "header" {
				continue
			}
			h := http.CanonicalHeaderKey(ref.Value.Name)
			if !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	sort.Strings(out)
	return out
}
