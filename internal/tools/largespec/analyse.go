package main

import (
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
)

// construct is one thing the fixture exercises, as the README's table and
// the test name it.
type construct struct {
	group, label string
	// min is how many operations must show it: "several", except where
	// the brief asks for one.
	min int
}

// constructs lists, in the README's order, what analyse detects.
var constructs = []construct{
	{"Names", "parameter component named like a schema (CustomerId, AccountId, ConsumerId, ReportId)", 2},
	{"Names", "response or schema named <OperationId>Response", 2},
	{"Names", "schema named like a hand-written api type (Error, Client, Option, Secret, UUID, Version, ValidationError)", 2},
	{"Names", "parameter and request body components of the same name", 2},
	{"Names", "snake_case operationId", 2},
	{"Names", "camelCase operationId with Id", 2},
	{"Paths", "two or more path parameters", 2},
	{"Paths", "int64 path parameter", 2},
	{"Paths", "string path parameter", 2},
	{"Paths", "path parameters declared on the path item", 2},
	{"Paths", "last segments shared with another path", 2},
	{"Paths", "literal segment where a sibling path has a parameter", 2},
	{"Parameters", "optional query parameter", 2},
	{"Parameters", "required query parameter", 2},
	{"Parameters", "array query parameter, style form, explode false", 2},
	{"Parameters", "boolean query parameter", 2},
	{"Parameters", "enum query parameter", 2},
	{"Parameters", "date query parameter", 2},
	{"Parameters", "optional header parameter", 2},
	{"Parameters", "required header parameter", 2},
	{"Request bodies", "required request body", 2},
	{"Request bodies", "optional request body", 2},
	{"Request bodies", "request body component ($ref)", 2},
	{"Request bodies", "request body with a required nested object", 2},
	{"Request bodies", "request body with an array", 2},
	{"Request bodies", "request body with example", 2},
	{"Request bodies", "request body with named examples", 2},
	{"Request bodies", "request body with named examples in components/examples", 2},
	{"Request bodies", "request body without any example", 2},
	{"Request bodies", "request body schema whose own example has a readOnly property", 2},
	{"Responses", "201 created", 2},
	{"Responses", "204 without a body", 2},
	{"Responses", "two or more 2xx statuses with different bodies", 2},
	{"Responses", "response component ($ref) for a success", 2},
	{"Responses", "success with example", 2},
	{"Responses", "success with named examples", 2},
	{"Responses", "JSON success without any example", 2},
	{"Responses", "array of inline objects as the response", 2},
	{"Responses", "application/pdf binary response", 2},
	{"Responses", "text/plain or text/csv response", 2},
	{"Responses", "one response, two media types", 2},
	{"Responses", "response headers", 2},
	{"Responses", "GET of a collection path answering an object that wraps the list", 2},
	{"Errors", "errors as {Errors: {Error: [...]}} (ServiceErrorEnvelope)", 2},
	{"Errors", "errors as {code: integer, message} (NumericFault)", 2},
	{"Errors", "errors as {error: {code, message}} (WrappedFault)", 2},
	// More operations than openapi.yaml has (TestErrorShapesOutnumberTheBase):
	// merged, the nearest operations decide a shape, not the most common.
	{"Errors", "errors in a shape of their own (NumericFault) on more operations than openapi.yaml has", numericFaultOps},
	{"Compositions", "allOf as a response", 2},
	{"Compositions", "oneOf as a response", 2},
	{"Compositions", "anyOf as a response", 2},
	{"Compositions", "composition response with an example", 2},
	{"Compositions", "composition response without any example", 2},
	{"Compositions", "allOf in a property or request", 2},
	{"Compositions", "oneOf in a property or request", 2},
	{"Compositions", "anyOf in a property or request", 2},
	{"Compositions", "discriminator with mapping", 2},
	{"Objects", "inline object as a property", 2},
	{"Objects", "array property of inline objects", 2},
	{"Objects", "additionalProperties: true", 2},
	{"Objects", "typed additionalProperties", 2},
	{"Objects", "required property with no property schema", 2},
	{"Types", "format date", 2},
	{"Types", "format date-time", 2},
	{"Types", "format int64", 2},
	{"Types", "format int32", 2},
	{"Types", "format double", 2},
	{"Types", "format uuid", 2},
	{"Types", "format uri", 2},
	{"Types", "format email", 2},
	{"Types", "format binary", 2},
	{"Types", "enum", 2},
	{"Types", "nullable", 2},
	{"Types", "readOnly", 2},
	{"Types", "minLength/maxLength", 2},
	{"Types", "minimum/maximum", 2},
	{"Types", "pattern", 2},
	{"Types", "string with format int64", 2},
	{"Secrets", "credential-named property without x-secret", 2},
	{"Secrets", "x-secret: false on a credential-looking name", 1},
	{"Text", "two tags", 2},
	{"Text", "multi-paragraph description", 2},
	{"Text", "description containing */", 2},
	{"Text", "description containing backticks", 2},
	{"Text", "description containing double quotes", 2},
	{"Text", "description with a line starting with //", 2},
	{"Text", "description with non-ASCII text", 2},
}

// numericFaultOps is how many operations must answer errors as
// NumericFault: more than openapi.yaml's operations.
const numericFaultOps = 12

// credentialNames are the property names that mark a credential.
var credentialNames = []string{"newPartnerSecret", "partnerSecret", "password", "accessToken", "apiKey", "clientSecret"}

var apiTypeNames = []string{"Error", "Client", "Option", "Secret", "UUID", "Version", "ValidationError"}

// usage maps a construct's label to the operationIds showing it, in
// document order.
type usage map[string][]string

// analyse lists, for every construct, the operations of doc that show
// it. It reads the document as kin-openapi loaded it, not the generator's
// own structures, so the table describes the file as written.
func analyse(doc *openapi3.T, ops []opRef) usage {
	u := usage{}
	paths := doc.Paths.Keys()
	for _, o := range ops {
		a := &opAnalysis{doc: doc, found: map[string]bool{}, seen: map[*openapi3.Schema]bool{}}
		a.operation(o, paths)
		for _, c := range constructs {
			if a.found[c.label] {
				u[c.label] = append(u[c.label], o.op.OperationID)
			}
		}
	}
	return u
}

// opRef is one operation of a document, in document order.
type opRef struct {
	path, method string
	item         *openapi3.PathItem
	op           *openapi3.Operation
}

type opAnalysis struct {
	doc   *openapi3.T
	found map[string]bool
	seen  map[*openapi3.Schema]bool
}

func (a *opAnalysis) mark(label string) {
	if !slices.ContainsFunc(constructs, func(c construct) bool { return c.label == label }) {
		panic("unknown construct " + label)
	}
	a.found[label] = true
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

func (a *opAnalysis) operation(o opRef, paths []string) {
	op := o.op
	id := op.OperationID
	if strings.Contains(id, "_") {
		a.mark("snake_case operationId")
	} else if regexp.MustCompile(`Id([A-Z]|$)`).MatchString(id) {
		a.mark("camelCase operationId with Id")
	}
	if len(op.Tags) > 1 {
		a.mark("two tags")
	}
	a.text(op.Description)
	if strings.Contains(strings.TrimSpace(op.Description), "\n\n") {
		a.mark("multi-paragraph description")
	}
	a.pathShape(o, paths)

	params := append(slices.Clone(o.item.Parameters), op.Parameters...)
	pathParams := 0
	if len(o.item.Parameters) > 0 {
		a.mark("path parameters declared on the path item")
	}
	for _, p := range params {
		if p.Ref != "" {
			name := refName(p.Ref)
			if _, ok := a.doc.Components.Schemas[name]; ok {
				a.mark("parameter component named like a schema (CustomerId, AccountId, ConsumerId, ReportId)")
			}
			if _, ok := a.doc.Components.RequestBodies[name]; ok {
				a.mark("parameter and request body components of the same name")
			}
		}
		v := p.Value
		a.text(v.Description)
		s := v.Schema.Value
		switch v.In {
		case "path":
			pathParams++
			if s.Type.Is("integer") && s.Format == "int64" {
				a.mark("int64 path parameter")
			}
			if s.Type.Is("string") {
				a.mark("string path parameter")
			}
		case "query":
			if v.Required {
				a.mark("required query parameter")
			} else {
				a.mark("optional query parameter")
			}
			switch {
			case s.Type.Is("array") && v.Style == "form" && v.Explode != nil && !*v.Explode:
				a.mark("array query parameter, style form, explode false")
			case s.Type.Is("boolean"):
				a.mark("boolean query parameter")
			case len(s.Enum) > 0:
				a.mark("enum query parameter")
			case s.Format == "date":
				a.mark("date query parameter")
			}
		case "header":
			if v.Required {
				a.mark("required header parameter")
			} else {
				a.mark("optional header parameter")
			}
		}
		a.schema(v.Schema)
	}
	if pathParams >= 2 {
		a.mark("two or more path parameters")
	}

	if rb := op.RequestBody; rb != nil {
		if rb.Ref != "" {
			a.mark("request body component ($ref)")
			if _, ok := a.doc.Components.Parameters[refName(rb.Ref)]; ok {
				a.mark("parameter and request body components of the same name")
			}
		}
		if rb.Value.Required {
			a.mark("required request body")
		} else {
			a.mark("optional request body")
		}
		for _, mt := range rb.Value.Content {
			a.schema(mt.Schema)
			a.requestShape(mt.Schema)
			switch {
			case mt.Example != nil:
				a.mark("request body with example")
			case len(mt.Examples) > 0:
				a.mark("request body with named examples")
				for _, e := range mt.Examples {
					if e.Ref != "" {
						a.mark("request body with named examples in components/examples")
					}
				}
			default:
				a.mark("request body without any example")
				if readOnlyInExample(mt.Schema.Value) {
					a.mark("request body schema whose own example has a readOnly property")
				}
			}
		}
	}

	successes := map[string]bool{}
	for status, r := range op.Responses.Map() {
		resp := r.Value
		if strings.HasPrefix(status, "2") {
			a.success(op, status, r, successes)
		} else if resp != nil {
			for _, mt := range resp.Content {
				switch refName(mt.Schema.Ref) {
				case "ServiceErrorEnvelope":
					a.mark("errors as {Errors: {Error: [...]}} (ServiceErrorEnvelope)")
				case "NumericFault":
					a.mark("errors as {code: integer, message} (NumericFault)")
					a.mark("errors in a shape of their own (NumericFault) on more operations than openapi.yaml has")
				case "WrappedFault":
					a.mark("errors as {error: {code, message}} (WrappedFault)")
				}
			}
		}
		if resp != nil && len(resp.Headers) > 0 {
			a.mark("response headers")
		}
	}
	if len(successes) >= 2 {
		a.mark("two or more 2xx statuses with different bodies")
	}
	segs := strings.Split(strings.Trim(o.path, "/"), "/")
	if ok := op.Responses.Value("200"); o.method == "get" && !isParam(segs[len(segs)-1]) && ok != nil && ok.Value != nil {
		if mt := ok.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && wrapsList(mt.Schema.Value) {
			a.mark("GET of a collection path answering an object that wraps the list")
		}
	}
}

// wrapsList reports whether s is an object with a list among its
// properties.
func wrapsList(s *openapi3.Schema) bool {
	if !s.Type.Is("object") {
		return false
	}
	for _, p := range s.Properties {
		if p.Value != nil && p.Value.Type.Is("array") {
			return true
		}
	}
	return false
}

// readOnlyInExample reports whether the schema's own example gives a
// property the schema marks readOnly.
func readOnlyInExample(s *openapi3.Schema) bool {
	ex, ok := s.Example.(map[string]any)
	if !ok {
		return false
	}
	for name := range ex {
		if p := s.Properties[name]; p != nil && p.Value != nil && p.Value.ReadOnly {
			return true
		}
	}
	return false
}

func (a *opAnalysis) success(op *openapi3.Operation, status string, r *openapi3.ResponseRef, bodies map[string]bool) {
	resp := r.Value
	wrapper := upperCamel(op.OperationID) + "Response"
	if r.Ref != "" {
		a.mark("response component ($ref) for a success")
		if refName(r.Ref) == wrapper {
			a.mark("response or schema named <OperationId>Response")
		}
	}
	switch status {
	case "201":
		a.mark("201 created")
	case "204":
		if len(resp.Content) == 0 {
			a.mark("204 without a body")
		}
	}
	if len(resp.Content) >= 2 {
		a.mark("one response, two media types")
	}
	var keys []string
	for mediaType, mt := range resp.Content {
		keys = append(keys, mediaType+" "+mt.Schema.Ref)
		a.schema(mt.Schema)
		if refName(mt.Schema.Ref) == wrapper {
			a.mark("response or schema named <OperationId>Response")
		}
		s := mt.Schema.Value
		switch {
		case mediaType == "application/pdf" && s.Format == "binary":
			a.mark("application/pdf binary response")
		case mediaType == "text/plain" || mediaType == "text/csv":
			a.mark("text/plain or text/csv response")
		}
		hasExample := mt.Example != nil || len(mt.Examples) > 0
		switch {
		case mt.Example != nil:
			a.mark("success with example")
		case len(mt.Examples) > 0:
			a.mark("success with named examples")
		case mediaType == "application/json":
			a.mark("JSON success without any example")
		}
		if s.Type.Is("array") && s.Items.Ref == "" && s.Items.Value.Type.Is("object") && len(s.Items.Value.Properties) > 0 {
			a.mark("array of inline objects as the response")
		}
		composed := false
		if len(s.AllOf) > 0 {
			a.mark("allOf as a response")
			composed = true
		}
		if len(s.OneOf) > 0 {
			a.mark("oneOf as a response")
			composed = true
		}
		if len(s.AnyOf) > 0 {
			a.mark("anyOf as a response")
			composed = true
		}
		if composed {
			if hasExample || s.Example != nil {
				a.mark("composition response with an example")
			} else {
				a.mark("composition response without any example")
			}
		}
	}
	slices.Sort(keys)
	bodies[strings.Join(keys, ",")] = true
}

// requestShape marks what a request body's schema holds at its top level.
func (a *opAnalysis) requestShape(ref *openapi3.SchemaRef) {
	s := ref.Value
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range s.Properties {
			if !yield(k) {
				return
			}
		}
	}) {
		p := s.Properties[name].Value
		if p.Type.Is("array") {
			a.mark("request body with an array")
		}
		if slices.Contains(s.Required, name) && p.Type.Is("object") && len(p.Required) > 0 {
			a.mark("request body with a required nested object")
		}
	}
	if len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 {
		a.compositionIn(s)
	}
}

func (a *opAnalysis) compositionIn(s *openapi3.Schema) {
	if len(s.AllOf) > 0 {
		a.mark("allOf in a property or request")
	}
	if len(s.OneOf) > 0 {
		a.mark("oneOf in a property or request")
	}
	if len(s.AnyOf) > 0 {
		a.mark("anyOf in a property or request")
	}
}

// schema marks the constructs of ref and of every schema it reaches.
func (a *opAnalysis) schema(ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil {
		return
	}
	if ref.Ref != "" {
		name := refName(ref.Ref)
		if slices.Contains(apiTypeNames, name) {
			a.mark("schema named like a hand-written api type (Error, Client, Option, Secret, UUID, Version, ValidationError)")
		}
	}
	s := ref.Value
	if a.seen[s] {
		return
	}
	a.seen[s] = true
	a.text(s.Description)
	switch s.Format {
	case "date", "date-time", "int64", "int32", "double", "uuid", "uri", "email", "binary":
		a.mark("format " + s.Format)
	}
	if s.Type.Is("string") && s.Format == "int64" {
		a.mark("string with format int64")
	}
	for _, name := range s.Required {
		if _, declared := s.Properties[name]; !declared {
			a.mark("required property with no property schema")
		}
	}
	if len(s.Enum) > 0 {
		a.mark("enum")
	}
	if s.Nullable {
		a.mark("nullable")
	}
	if s.ReadOnly {
		a.mark("readOnly")
	}
	if s.MinLength > 0 || s.MaxLength != nil {
		a.mark("minLength/maxLength")
	}
	if s.Min != nil || s.Max != nil {
		a.mark("minimum/maximum")
	}
	if s.Pattern != "" {
		a.mark("pattern")
	}
	if s.Discriminator != nil && len(s.Discriminator.Mapping) > 0 {
		a.mark("discriminator with mapping")
	}
	if ap := s.AdditionalProperties; ap.Has != nil && *ap.Has {
		a.mark("additionalProperties: true")
	} else if ap.Schema != nil {
		a.mark("typed additionalProperties")
		a.schema(ap.Schema)
	}
	for name, p := range s.Properties {
		pv := p.Value
		if slices.Contains(credentialNames, name) {
			if v, ok := pv.Extensions["x-secret"]; ok && v == false {
				a.mark("x-secret: false on a credential-looking name")
			} else {
				a.mark("credential-named property without x-secret")
			}
		}
		if v, ok := pv.Extensions["x-secret"]; ok && v == false {
			a.mark("x-secret: false on a credential-looking name")
		}
		if p.Ref == "" {
			if pv.Type.Is("object") && len(pv.Properties) > 0 {
				a.mark("inline object as a property")
			}
			if pv.Type.Is("array") && pv.Items.Ref == "" && pv.Items.Value.Type.Is("object") && len(pv.Items.Value.Properties) > 0 {
				a.mark("array property of inline objects")
			}
			a.compositionIn(pv)
		}
		a.schema(p)
	}
	a.schema(s.Items)
	for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.OneOf, s.AnyOf} {
		for _, part := range list {
			a.schema(part)
		}
	}
}

// text marks what a description holds that generated comments must
// survive.
func (a *opAnalysis) text(d string) {
	if strings.Contains(d, "*/") {
		a.mark("description containing */")
	}
	if strings.Contains(d, "`") {
		a.mark("description containing backticks")
	}
	if strings.Contains(d, `"`) {
		a.mark("description containing double quotes")
	}
	for _, line := range strings.Split(d, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "//") {
			a.mark("description with a line starting with //")
		}
	}
	if strings.IndexFunc(d, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
		a.mark("description with non-ASCII text")
	}
}

// pathShape marks how the operation's path relates to the others.
func (a *opAnalysis) pathShape(o opRef, paths []string) {
	segs := strings.Split(strings.Trim(o.path, "/"), "/")
	last := segs[len(segs)-1]
	for _, other := range paths {
		if other == o.path {
			continue
		}
		os := strings.Split(strings.Trim(other, "/"), "/")
		if !isParam(last) && os[len(os)-1] == last && len(os) != len(segs) {
			a.mark("last segments shared with another path")
		}
		if len(os) != len(segs) {
			continue
		}
		diff, literalVsParam := 0, false
		for i := range segs {
			if segs[i] != os[i] {
				diff++
				literalVsParam = !isParam(segs[i]) && isParam(os[i])
			}
		}
		if diff == 1 && literalVsParam {
			a.mark("literal segment where a sibling path has a parameter")
		}
	}
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") }

// upperCamel is the Go name a generator derives from an operationId:
// list_applications -> ListApplications, getCustomer -> GetCustomer.
func upperCamel(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// operations lists doc's operations in the order of the file. kin-openapi
// keeps no order, so it is read from the YAML (the path keys) and the
// fixed method order within a path, which is how render writes them.
func operations(doc *openapi3.T, pathOrder []string) []opRef {
	var out []opRef
	for _, path := range pathOrder {
		item := doc.Paths.Value(path)
		for _, m := range []string{"get", "put", "post", "delete", "patch"} {
			if op := item.GetOperation(strings.ToUpper(m)); op != nil {
				out = append(out, opRef{path, m, item, op})
			}
		}
	}
	return out
}
