package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
)

// The reason codes the sandbox answers with are the spec's
// (x-reason-codes, generated as gen.Reason*). 10010, 10026, 10023 and
// 4041 are the codes the API docs list; 10022 and 10024 are the spec's
// choice where the docs name no code (a missing or unknown token, wrong
// partner credentials).

// errorSource is the Source of every error item, as the real API sends it.
const errorSource = "Connect-Components"

// apiError is an error answer on its way to the wire. Its body is written
// in the shape the operation answered documents (errorBody).
type apiError struct {
	status      int
	reason      string
	description string
	details     string
	recoverable bool
}

func (e apiError) response() response {
	return response{status: e.status, err: &e}
}

// errorBody writes e in the shape o documents for e's status: the JSON
// schema of its response for that status, else its error shape
// (spec.Operation.ErrorSchema), else the shape of the operations nearest
// it (nearestErrorShape); for a request no operation takes (o nil), the
// shape of the operations nearest its path. Each property is filled by
// what its name means (spec.ErrorBody), and the body is checked against
// the schema. A spec that documents no error shape, or one no value of e
// fills, gets the API's own.
func (s *Sandbox) errorBody(o *spec.Operation, path string, e *apiError) (body []byte, contentType string) {
	var schema *openapi3.SchemaRef
	contentType = "application/json"
	switch {
	case o == nil:
		schema = s.nearestErrorShape(nil, path)
	case o.Response(e.status) != nil && o.Response(e.status).JSON && o.Response(e.status).Schema != nil:
		r := o.Response(e.status)
		schema, contentType = r.Schema, concreteType(r.ContentType, "application/json")
	case o.ErrorSchema() != nil:
		schema = o.ErrorSchema()
	default:
		schema = s.ops[o].errorShape
	}
	f := spec.ErrorFields{Code: e.reason, Status: e.status, Description: e.description, Details: e.details,
		Source: errorSource, Recoverable: e.recoverable}
	if schema != nil {
		if v, err := spec.ErrorBody(schema, f); err == nil {
			if out, err := json.Marshal(v); err == nil {
				return out, contentType
			}
		}
	}
	item := errorItem{ErrorItem: gen.ErrorItem{Source: f.Source, ReasonCode: f.Code, Description: f.Description, Details: f.Details},
		Recoverable: f.Recoverable}
	var fallback errorBody
	fallback.Errors.Error = []errorItem{item}
	out, _ := json.Marshal(fallback) // plain strings and a bool: cannot fail
	return out, "application/json"
}

// nearestErrorShape is the error shape for an answer that has none of its
// own: to a request for path (escaped, as sent) that no operation takes
// (o nil), or by operation o, which documents no error shape. Of the
// operations that document one, the nearest decide: those of o's service
// (tag) first, then those whose path shares the most leading segments
// with path, then the most segments anywhere (a path with a prefix or a
// tail cut off is still near its operation); among the nearest, the shape
// most of them document (the first on a tie). A path that shares no
// segment with any operation gets the shape most operations of the spec
// document; nil when none documents one. An error shape is chosen per
// group of operations because a spec that gathers several APIs (an
// import) gives each group its own.
func (s *Sandbox) nearestErrorShape(o *spec.Operation, path string) *openapi3.SchemaRef {
	segs := pathSegments(path)
	type nearness struct{ service, leading, shared int }
	var best nearness
	var group []*openapi3.SchemaRef
	for _, op := range s.model.Operations {
		es := op.ErrorSchema()
		if es == nil || es.Value == nil {
			continue
		}
		var n nearness
		if o != nil && op.Service == o.Service {
			n.service = 1
		}
		n.leading, n.shared = sharedSegments(segs, pathSegments(op.Path))
		switch {
		case n == best:
			group = append(group, es)
		case n.service > best.service || n.service == best.service && (n.leading > best.leading || n.leading == best.leading && n.shared > best.shared):
			best, group = n, []*openapi3.SchemaRef{es}
		}
	}
	if best == (nearness{}) {
		return s.errorShape
	}
	return mostCommon(group)
}

// pathSegments are the segments of a path, a template's parameters
// included as written ({id}).
func pathSegments(path string) []string {
	return strings.Split(strings.TrimPrefix(path, "/"), "/")
}

// sharedSegments counts how many leading segments of a request path
// match an operation's path template (a parameter matches any non-empty
// segment), and how many literal segments of the template occur anywhere
// in the request path.
func sharedSegments(req, tmpl []string) (leading, shared int) {
	param := func(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }
	for leading < len(req) && leading < len(tmpl) {
		if t := tmpl[leading]; t != req[leading] && !(param(t) && req[leading] != "") {
			break
		}
		leading++
	}
	for _, t := range tmpl {
		if !param(t) && t != "" && slices.Contains(req, t) {
			shared++
		}
	}
	return leading, shared
}

// mostCommon is the shape that occurs most often in shapes (the first of
// them on a tie); nil for none.
func mostCommon(shapes []*openapi3.SchemaRef) *openapi3.SchemaRef {
	var best *openapi3.SchemaRef
	counts := map[*openapi3.Schema]int{}
	for _, es := range shapes {
		counts[es.Value]++
		if best == nil || counts[es.Value] > counts[best.Value] {
			best = es
		}
	}
	return best
}

// commonErrorShape is the error shape most operations of m document (the
// first of them on a tie); nil when none documents one.
func commonErrorShape(m *spec.Model) *openapi3.SchemaRef {
	var shapes []*openapi3.SchemaRef
	for _, o := range m.Operations {
		if es := o.ErrorSchema(); es != nil && es.Value != nil {
			shapes = append(shapes, es)
		}
	}
	return mostCommon(shapes)
}

// errorBody is gen.ErrorResponse as the API writes it, for a spec that
// documents no error shape: every item carries Recoverable, false
// included, as the API's documented examples do. The generated field
// omits false (optional fields are omitzero in Go), which would leave a
// client of the raw API without the hint.
type errorBody struct {
	Errors struct {
		Error []errorItem `json:"Error"`
	} `json:"Errors"`
}

// errorItem is gen.ErrorItem with Recoverable always written: the outer
// field has the same JSON name and so replaces the embedded one.
type errorItem struct {
	gen.ErrorItem
	Recoverable bool `json:"Recoverable"`
}

func invalidField(details string) apiError {
	return apiError{status: http.StatusBadRequest, reason: gen.ReasonInvalidField,
		description: "All request parameters could not be validated.", details: details}
}

func missingAppKey() apiError {
	return apiError{status: http.StatusUnauthorized, reason: gen.ReasonMissingAppKey,
		description: "Missing Finicity-App-Key header.", details: "The Finicity-App-Key header is required."}
}

func invalidToken(details string) apiError {
	return apiError{status: http.StatusUnauthorized, reason: gen.ReasonInvalidToken,
		description: "Invalid Finicity-App-Token.", details: details}
}

func expiredToken() apiError {
	return apiError{status: http.StatusUnauthorized, reason: gen.ReasonExpiredToken,
		description: "Expired Finicity-App-Token.", recoverable: true,
		details: "Fetch a new token with partner authentication."}
}

func invalidCredentials() apiError {
	return apiError{status: http.StatusUnauthorized, reason: gen.ReasonInvalidCredentials,
		description: "Invalid partner credentials.", details: "The partnerId or partnerSecret is not valid."}
}

func notFound(details string) apiError {
	return apiError{status: http.StatusNotFound, reason: gen.ReasonNotFound,
		description: "The requested entity was not found.", details: details}
}

// missingCredential answers a request without a credential header the
// operation's security requires, other than the app key and the token.
func missingCredential(header string) apiError {
	return apiError{status: http.StatusUnauthorized, reason: gen.ReasonMissingAppKey,
		description: "Missing " + http.CanonicalHeaderKey(header) + " header.", details: "The " + http.CanonicalHeaderKey(header) + " header is required."}
}

func invalidAppKey() apiError {
	return apiError{status: http.StatusUnauthorized, reason: gen.ReasonMissingAppKey,
		description: "Invalid Finicity-App-Key header.",
		details:     fmt.Sprintf("The Finicity-App-Key must be at most %d visible ASCII characters, the sandbox's limit.", MaxAppKeyBytes)}
}

// tooLongID checks the ids of a request against MaxIDBytes: its path
// parameters, and the body's top-level string properties named id or
// ending in Id or ID. A longer one is answered 400, or 404 by an operation
// that documents no 400 (get and delete by id).
func tooLongID(o *operation, params map[string]string, body []byte) (apiError, bool) {
	fail := func(where string) (apiError, bool) {
		details := fmt.Sprintf("%s: longer than %d bytes, the sandbox's limit for ids.", where, MaxIDBytes)
		if documents(o, http.StatusBadRequest) {
			return invalidField(details), false
		}
		return notFound(details), false
	}
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if len(params[name]) > MaxIDBytes {
			return fail("path " + name)
		}
	}
	if len(body) <= MaxIDBytes {
		return apiError{}, true // no id in it can be longer
	}
	var props map[string]json.RawMessage
	if json.Unmarshal(body, &props) != nil {
		return apiError{}, true // not an object: validation has answered already
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		if k == "id" || strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "ID") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		var v string
		if len(props[k]) > MaxIDBytes && json.Unmarshal(props[k], &v) == nil && len(v) > MaxIDBytes {
			return fail("body " + k)
		}
	}
	return apiError{}, true
}
