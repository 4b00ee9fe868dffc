package validation

import (
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// fastRoute holds the compiled fast-path checks of one operation. A nil
// field or ok=false means "always use the slow path" for that part.
type fastRoute struct {
	ok           bool
	headers      [][]string // security: any one of these sets of headers must all be present
	params       []fastParam
	hasBody      bool
	bodyRequired bool
	body         *fastSchema // application/json schema of the request body
	responses    map[int]*fastResponse
}

type fastParam struct {
	segment int // index among the route's segments
	schema  *fastSchema
}

type fastResponse struct {
	ok     bool
	noBody bool
	body   *fastSchema
}

// The same allow-list principle as for schemas (see fast.go) holds for the
// objects around them: every field outside these sets must be zero, or the
// operation, or that response, is left to openapi3filter.
var (
	// A path parameter in the default style (simple, not exploded) is the
	// raw segment itself; other styles and content-typed parameters are
	// decoded first by openapi3filter.
	allowedParamFields = fieldSet([]string{"Extensions", "Origin", "Name", "In", "Description", "Deprecated", "Required", "Schema", "Example", "Examples", "Style", "Explode"})
	// Encodings apply to form bodies, itemSchema (3.2) to streamed ones.
	allowedMediaTypeFields   = fieldSet([]string{"Extensions", "Origin", "Schema", "Example", "Examples"})
	allowedRequestBodyFields = fieldSet([]string{"Extensions", "Origin", "Description", "Required", "Content"})
	// Response headers are validated by openapi3filter; links describe.
	allowedResponseFields = fieldSet([]string{"Extensions", "Origin", "Description", "Content", "Links"})
)

// isOpenAPI30 reports whether version (the document's "openapi" field) is
// 3.0.x. The fast path reproduces openapi3filter's OpenAPI 3.0 behaviour
// only: from 3.1 on the same fields mean other things (nullable is gone,
// exclusiveMinimum is a number, $ref siblings apply, JSON Schema 2020-12
// keywords are validated), so any other version always takes the slow path.
func isOpenAPI30(version string) bool {
	return version == "3.0" || strings.HasPrefix(version, "3.0.")
}

// jsonMediaType returns the schema of content when it is exactly one
// application/json media type within the allow-list, or false.
func jsonMediaType(content openapi3.Content) (*openapi3.SchemaRef, bool) {
	mt := content.Get("application/json")
	if len(content) != 1 || mt == nil || !onlyFields(reflect.ValueOf(mt).Elem(), allowedMediaTypeFields) {
		return nil, false
	}
	return mt.Schema, true
}

func compileRoute(r *Route) *fastRoute {
	segmentOf := map[string]int{}
	for i, name := range r.params {
		if name != "" {
			segmentOf[name] = i
		}
	}
	op := r.Operation
	fr := &fastRoute{ok: true, responses: map[int]*fastResponse{}}
	if r.Spec == nil || !isOpenAPI30(r.Spec.OpenAPI) {
		fr.ok = false
		return fr
	}
	seen := map[*openapi3.Schema]*fastSchema{}

	security := op.Security
	if security == nil {
		security = &r.Spec.Security
	}
	for _, req := range *security {
		var names []string
		for scheme := range req {
			ss := r.Spec.Components.SecuritySchemes[scheme]
			if ss == nil || ss.Value == nil || ss.Value.Type != "apiKey" || ss.Value.In != "header" {
				fr.ok = false
				return fr
			}
			names = append(names, ss.Value.Name)
		}
		fr.headers = append(fr.headers, names)
	}

	params := append(openapi3.Parameters{}, r.PathItem.Parameters...)
	params = append(params, op.Parameters...)
	for _, pr := range params {
		p := pr.Value
		if p == nil || p.In != openapi3.ParameterInPath || p.Schema == nil ||
			!onlyFields(reflect.ValueOf(p).Elem(), allowedParamFields) || !onlyExtensions(p.Extensions) ||
			(p.Style != "" && p.Style != openapi3.SerializationSimple) || (p.Explode != nil && *p.Explode) {
			fr.ok = false // query, header and cookie parameters are not modelled
			return fr
		}
		fs := compileSchema(p.Schema, seen)
		if fs.kind != kString && fs.kind != kInteger {
			fr.ok = false
			return fr
		}
		seg, ok := segmentOf[p.Name]
		if !ok {
			fr.ok = false
			return fr
		}
		fr.params = append(fr.params, fastParam{segment: seg, schema: fs})
	}

	if rb := op.RequestBody; rb != nil {
		if rb.Value == nil || !onlyFields(reflect.ValueOf(rb.Value).Elem(), allowedRequestBodyFields) {
			fr.ok = false
			return fr
		}
		schema, ok := jsonMediaType(rb.Value.Content)
		if !ok {
			fr.ok = false
			return fr
		}
		fr.hasBody = true
		fr.bodyRequired = rb.Value.Required
		fr.body = compileSchema(schema, seen)
	}

	for code, ref := range op.Responses.Map() {
		status, err := strconv.Atoi(code)
		if err != nil || ref.Value == nil {
			continue // ranges and default are left to the slow path
		}
		resp := ref.Value
		fresp := &fastResponse{ok: onlyFields(reflect.ValueOf(resp).Elem(), allowedResponseFields)}
		if len(resp.Content) == 0 {
			fresp.noBody = true
		} else if schema, ok := jsonMediaType(resp.Content); ok {
			fresp.body = compileSchema(schema, seen)
		} else {
			fresp.ok = false
		}
		fr.responses[status] = fresp
	}
	return fr
}

func isJSON(contentType string) bool {
	if contentType == "application/json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// requestValid reports whether req, with body, is certainly valid; false
// means "ask openapi3filter". With authDeferred the security headers are
// not looked at: a client layer adds them after validation.
func (fr *fastRoute) requestValid(r *Route, req *http.Request, body []byte, authDeferred bool) bool {
	if !fr.ok {
		return false
	}
	if len(fr.headers) > 0 && !authDeferred {
		found := false
		for _, set := range fr.headers {
			all := true
			for _, h := range set {
				if req.Header.Get(h) == "" {
					all = false
					break
				}
			}
			if all {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	// The escaped path, as routing saw it: a segment holding an escape
	// (%2F inside a parameter, say) is "not sure" (paramOK), so the slow
	// path unescapes it.
	if len(fr.params) > 0 && !trailingSegments(routingPath(req), len(r.segments), func(i int, seg string) bool {
		for _, p := range fr.params {
			if p.segment == i && !paramOK(p.schema, seg) {
				return false
			}
		}
		return true
	}) {
		return false
	}
	if !fr.hasBody {
		return true
	}
	if len(body) == 0 {
		return !fr.bodyRequired
	}
	return isJSON(req.Header.Get("Content-Type")) && fastValid(fr.body, body)
}

// responseValid reports whether a response is certainly valid.
func (fr *fastRoute) responseValid(status int, header http.Header, body []byte) bool {
	if !fr.ok {
		return false
	}
	resp := fr.responses[status]
	if resp == nil || !resp.ok {
		return false
	}
	if resp.noBody {
		return true
	}
	return isJSON(header.Get("Content-Type")) && fastValid(resp.body, body)
}

// paramOK checks one raw path segment. Escaped segments go to the slow
// path, which unescapes them.
func paramOK(fs *fastSchema, seg string) bool {
	if seg == "" || strings.ContainsAny(seg, "%\"\\") {
		return false
	}
	switch fs.kind {
	case kString:
		return stringOK(fs, []byte(seg))
	case kInteger:
		pp := parser{data: []byte(seg)}
		return pp.number(fs) && pp.pos == len(seg)
	}
	return false
}
