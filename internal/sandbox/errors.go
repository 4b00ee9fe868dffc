package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
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
// (spec.Operation.ErrorSchema); for a request no operation takes (o nil),
// the shape most operations of the spec document. Each property is filled
// by what its name means (spec.ErrorBody), and the body is checked
// against the schema. A spec that documents no error shape, or one no
// value of e fills, gets the API's own.
func (s *Sandbox) errorBody(o *spec.Operation, e *apiError) (body []byte, contentType string) {
	schema, contentType := s.errorShape, "application/json"
	if o != nil {
		if r := o.Response(e.status); r != nil && r.JSON && r.Schema != nil {
			schema, contentType = r.Schema, concreteType(r.ContentType, "application/json")
		} else if es := o.ErrorSchema(); es != nil {
			schema = es
		}
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

// commonErrorShape is the error shape most operations of m document (the
// first of them on a tie); nil when none documents one.
func commonErrorShape(m *spec.Model) *openapi3.SchemaRef {
	var best *openapi3.SchemaRef
	counts := map[*openapi3.Schema]int{}
	for _, o := range m.Operations {
		es := o.ErrorSchema()
		if es == nil || es.Value == nil {
			continue
		}
		counts[es.Value]++
		if best == nil || counts[es.Value] > counts[best.Value] {
			best = es
		}
	}
	return best
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
