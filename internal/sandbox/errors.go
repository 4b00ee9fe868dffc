package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/validation"
)

// Reason codes the sandbox answers with. 10010, 10026, 10023 and 4041 are
// the codes the API docs list; 10022 and 10024 are the sandbox's own
// choice, because the docs name no code for a missing or unknown token or
// for wrong partner credentials.
const (
	ReasonInvalidField       = "10010" // 400: a field, parameter or the body failed validation
	ReasonMissingAppKey      = "10026" // 401: no Finicity-App-Key header
	ReasonInvalidToken       = "10022" // 401: no Finicity-App-Token, or one the sandbox did not issue
	ReasonExpiredToken       = "10023" // 401: the token's lifetime is over
	ReasonInvalidCredentials = "10024" // 401: CreateToken with unknown partner credentials
	ReasonNotFound           = "4041"  // 404: no such entity for this partner
)

// errorSource is the Source of every error item, as the real API sends it.
const errorSource = "Connect-Components"

// apiError is an error answer on its way to the wire.
type apiError struct {
	status      int
	reason      string
	description string
	details     string
	recoverable bool
}

func (e apiError) response() response {
	item := errorItem{
		ErrorItem: gen.ErrorItem{
			Source:      errorSource,
			ReasonCode:  e.reason,
			Description: e.description,
			Details:     e.details,
		},
		Recoverable: e.recoverable,
	}
	var body errorBody
	body.Errors.Error = []errorItem{item}
	return response{status: e.status, body: body}
}

// errorBody is gen.ErrorResponse as the sandbox sends it: every item
// carries Recoverable, false included, as the API's documented examples
// do. The generated field omits false (optional fields are omitzero in
// Go), which would leave a client of the raw API without the hint.
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
	return apiError{status: http.StatusBadRequest, reason: ReasonInvalidField,
		description: "All request parameters could not be validated.", details: details}
}

func missingAppKey() apiError {
	return apiError{status: http.StatusUnauthorized, reason: ReasonMissingAppKey,
		description: "Missing Finicity-App-Key header.", details: "The Finicity-App-Key header is required."}
}

func invalidToken(details string) apiError {
	return apiError{status: http.StatusUnauthorized, reason: ReasonInvalidToken,
		description: "Invalid Finicity-App-Token.", details: details}
}

func expiredToken() apiError {
	return apiError{status: http.StatusUnauthorized, reason: ReasonExpiredToken,
		description: "Expired Finicity-App-Token.", recoverable: true,
		details: "Fetch a new token with partner authentication."}
}

func invalidCredentials() apiError {
	return apiError{status: http.StatusUnauthorized, reason: ReasonInvalidCredentials,
		description: "Invalid partner credentials.", details: "The partnerId or partnerSecret is not valid."}
}

func notFound(details string) apiError {
	return apiError{status: http.StatusNotFound, reason: ReasonNotFound,
		description: "The requested entity was not found.", details: details}
}

func invalidAppKey() apiError {
	return apiError{status: http.StatusUnauthorized, reason: ReasonMissingAppKey,
		description: "Invalid Finicity-App-Key header.",
		details:     fmt.Sprintf("The Finicity-App-Key must be at most %d visible ASCII characters, the sandbox's limit.", MaxAppKeyBytes)}
}

// tooLongID checks the ids of a request against MaxIDBytes: its path
// parameters, and the body's top-level string properties named id or
// ending in Id or ID. A longer one is answered 400, or 404 by an operation
// that documents no 400 (get and delete by id).
func tooLongID(route *validation.Route, params map[string]string, body []byte) (apiError, bool) {
	fail := func(where string) (apiError, bool) {
		details := fmt.Sprintf("%s: longer than %d bytes, the sandbox's limit for ids.", where, MaxIDBytes)
		if documents(route, http.StatusBadRequest) {
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
