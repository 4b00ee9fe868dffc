package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
)

// serviceCase is one documented status of one operation: the call, the
// exact request it must send, the answer, and the whole value (or the
// whole *api.Error) the caller must get.
type serviceCase struct {
	name   string
	op     string // operationId in openapi.yaml
	status int    // the documented status the server answers
	call   func(ctx context.Context, c *api.Client) (any, error)
	expect expectation
	body   string // the answer's body, exact bytes
	// want is the decoded value for a success; wantErr the error's fields
	// for a documented error.
	want    any
	wantErr *api.Error
	// check asserts what the value's methods derive from it.
	check func(t *testing.T, got any)
}

// Request bodies, and the exact JSON each must be sent as.
var (
	credentials     = api.PartnerCredentials{PartnerID: testPartnerID, PartnerSecret: api.NewSecret(testSecret)}
	credentialsJSON = `{"partnerId":"` + testPartnerID + `","partnerSecret":"` + testSecret + `"}`

	configParams     = api.ConfigurationParams{FilterAccounts: []string{"Checking", "Savings"}, AccountClassificationType: []string{"personal"}, AORequired: true}
	configParamsJSON = `{"accountClassificationType":["personal"],"aoRequired":true,"filterAccounts":["Checking","Savings"]}`

	loginParams     = api.LoginFormParams{Language: "en", CustomerID: "1005061234", ConfigurationID: cfgID, ServiceAgreement: agreement}
	loginParamsJSON = `{"configurationId":"605543e1-f507-48ad-8127-95c40566597b","customerId":"1005061234","language":"en","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"en"}}`

	oauthParams = api.OAuthURLParams{RedirectURI: "https://partner.example.com/oauth/complete", CustomerID: "1005061234",
		ServiceAgreement: api.ServiceAgreement{Language: "fr-ca", AcceptedDate: acceptedAt}}
	oauthParamsJSON = `{"customerId":"1005061234","redirectURI":"https://partner.example.com/oauth/complete","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"fr-ca"}}`

	reconnectBody     = api.ReconnectionParams{AdditionalProperties: map[string]any{"note": "password changed", "attempt": 2}}
	reconnectBodyJSON = `{"attempt":2,"note":"password changed"}`
)

// Paths of the calls above.
const (
	configPath    = configsPath + "/605543e1-f507-48ad-8127-95c40566597b"
	loginPath     = "/connect-components/institutions/170716/login-forms"
	oauthPath     = "/connect-components/institutions/170716/oauth-urls"
	reconnectPath = "/connect-components/customers/1005061234/institution-login-ids/7008461438/reconnections"
)

// Answers, with the spacing a server may use: decoding must not care, and
// Error.Body must keep it.
const (
	configJSON = `{"id": "605543e1-f507-48ad-8127-95c40566597b", "filterAccounts": ["Checking", "Savings"], "accountClassificationType": ["personal"], "aoRequired": true}`
	config2    = `{"id":"9082affa-d965-40be-a3ed-a320bb3467ff","filterAccounts":[],"accountClassificationType":["business","unknown"],"aoRequired":false}`
	formJSON   = `{
  "id": "8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f",
  "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137",
  "elements": [
    {"id": "26410b1f-0347-4d57-bb03-f44d00e785e2", "label": "username", "sortOrder": 0},
    {"id": "f2ce62c2-877f-4c26-9935-d1ab6084e6d0", "label": "password", "sortOrder": 1}
  ]
}
`
	oauthJSON = `{"id":"0b4bd6c1-5f8a-4c0e-9a66-1f0d3b1c2a77","url":"https://connect.finicity.com/oauth/0b4bd6c1-5f8a-4c0e-9a66-1f0d3b1c2a77","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137"}`
	mfaJSON   = `[
 {"mfaChallenges": [{"id": "3c9a1f0e-7d42-4b8e-9a1d-2f6b5c4e8d01", "mfaType": "TFA_TEXT", "prompt": "Which high school did you attend", "choiceIds": [], "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137"}]},
 {"mfaChallenges": [{"id": "4d0b2a1f-8e53-4c9f-8b2e-3a7c6d5f9e12", "mfaType": "TFA_CHOICE", "prompt": "Which of these accounts is yours", "choiceIds": ["5e1c3b2a-9f64-4d0a-9c3f-4b8d7e6a0f23", "6f2d4c3b-a075-4e1b-8d4a-5c9e8f7b1a34"], "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137"}]},
 {}
]`
	tokenJSON = `{"token":"fresh-token-from-the-server"}`
)

// Decoded values of the answers above.
var (
	wantConfig  = &api.Configuration{ID: cfgID, FilterAccounts: []string{"Checking", "Savings"}, AccountClassificationType: []string{"personal"}, AORequired: true}
	wantConfig2 = api.Configuration{ID: cfgID2, FilterAccounts: []string{}, AccountClassificationType: []string{"business", "unknown"}}
	wantForm    = &api.LoginForm{ID: formID, EventStreamID: streamID, Elements: []api.LoginFormElement{
		{ID: elementID, Label: "username", SortOrder: 0},
		{ID: elementID2, Label: "password", SortOrder: 1},
	}}
	wantOAuth = &api.OAuthURL{ID: oauthID, URL: "https://connect.finicity.com/oauth/0b4bd6c1-5f8a-4c0e-9a66-1f0d3b1c2a77", EventStreamID: streamID}
	wantText  = api.MFAChallenge{ID: mfaID, MFAType: "TFA_TEXT", Prompt: "Which high school did you attend", ChoiceIDs: []api.UUID{}, EventStreamID: streamID}
	wantPick  = api.MFAChallenge{ID: mfaID2, MFAType: "TFA_CHOICE", Prompt: "Which of these accounts is yours", ChoiceIDs: []api.UUID{choiceID1, choiceID2}, EventStreamID: streamID}
)

// The documented error answers. The 400 carries two items: Items keeps
// both, the fields are the first one's.
var (
	badRequestJSON = `{"Errors":{"Error":[` +
		`{"Source":"Connect-Components","ReasonCode":"10010","Description":"All request parameters could not be validated.","Recoverable":false,"Details":"One or more of the fields could not be validated."},` +
		`{"Source":"Connect-Components","ReasonCode":"10010","Description":"All request parameters could not be validated.","Recoverable":false,"Details":"customerId: unknown customer."}]}}`
	badRequestItems = []api.ErrorItem{
		{Source: "Connect-Components", ReasonCode: "10010", Description: "All request parameters could not be validated.", Details: "One or more of the fields could not be validated."},
		{Source: "Connect-Components", ReasonCode: "10010", Description: "All request parameters could not be validated.", Details: "customerId: unknown customer."},
	}
	expiredJSON  = errorBody("10023", "Expired Finicity-App-Token.", "Fetch a new token with partner authentication.", true)
	expiredItems = []api.ErrorItem{{Source: "Connect-Components", ReasonCode: "10023", Description: "Expired Finicity-App-Token.", Recoverable: true, Details: "Fetch a new token with partner authentication."}}
	noKeyJSON    = errorBody("10026", "Missing Finicity-App-Key header.", "The Finicity-App-Key header is required.", false)
	noKeyItems   = []api.ErrorItem{{Source: "Connect-Components", ReasonCode: "10026", Description: "Missing Finicity-App-Key header.", Details: "The Finicity-App-Key header is required."}}
	notFoundJSON = errorBody("4041", "The requested entity was not found.", "No configuration with that id.", false)
	notFoundItem = []api.ErrorItem{{Source: "Connect-Components", ReasonCode: "4041", Description: "The requested entity was not found.", Details: "No configuration with that id."}}
	rejectedJSON = errorBody("10024", "Invalid partner credentials.", "The partnerId or partnerSecret is not valid.", false)
	rejectedItem = []api.ErrorItem{{Source: "Connect-Components", ReasonCode: "10024", Description: "Invalid partner credentials.", Details: "The partnerId or partnerSecret is not valid."}}
)

// wantAPIError is the *api.Error of an answer: the first item's fields,
// every item, the exact body, and the request's method and path.
func wantAPIError(status int, body, method, path string, items []api.ErrorItem) *api.Error {
	e := &api.Error{StatusCode: status, Body: []byte(body), Method: method, Path: path, Items: items}
	if len(items) > 0 {
		e.ReasonCode, e.Description, e.Details = items[0].ReasonCode, items[0].Description, items[0].Details
		e.Source, e.Recoverable = items[0].Source, items[0].Recoverable
	}
	return e
}

func serviceCases() []serviceCase {
	authenticate := func(ctx context.Context, c *api.Client) (any, error) {
		return c.Partners.Authenticate(ctx, credentials)
	}
	list := func(ctx context.Context, c *api.Client) (any, error) { return c.Configurations.List(ctx) }
	create := func(ctx context.Context, c *api.Client) (any, error) {
		return c.Configurations.Create(ctx, configParams)
	}
	get := func(ctx context.Context, c *api.Client) (any, error) { return c.Configurations.Get(ctx, cfgID) }
	del := func(ctx context.Context, c *api.Client) (any, error) { return nil, c.Configurations.Delete(ctx, cfgID) }
	login := func(ctx context.Context, c *api.Client) (any, error) {
		return c.LoginForms.Create(ctx, 170716, loginParams)
	}
	oauth := func(ctx context.Context, c *api.Client) (any, error) {
		return c.OAuthURLs.Create(ctx, 170716, oauthParams)
	}
	reconnect := func(ctx context.Context, c *api.Client) (any, error) {
		return c.Reconnections.Create(ctx, "1005061234", 7008461438, reconnectBody)
	}

	authReq := expectation{method: "POST", path: tokenPath, body: credentialsJSON} // no token: it is how one is obtained
	listReq := expectation{method: "GET", path: configsPath, token: testToken}
	createReq := expectation{method: "POST", path: configsPath, token: testToken, body: configParamsJSON}
	getReq := expectation{method: "GET", path: configPath, token: testToken}
	delReq := expectation{method: "DELETE", path: configPath, token: testToken}
	loginReq := expectation{method: "POST", path: loginPath, token: testToken, body: loginParamsJSON}
	oauthReq := expectation{method: "POST", path: oauthPath, token: testToken, body: oauthParamsJSON}
	reconnectReq := expectation{method: "POST", path: reconnectPath, token: testToken, body: reconnectBodyJSON}

	// errCase is a documented error status of an operation.
	errCase := func(name, op string, status int, call func(context.Context, *api.Client) (any, error), req expectation, body string, items []api.ErrorItem) serviceCase {
		return serviceCase{name: name, op: op, status: status, call: call, expect: req, body: body,
			wantErr: wantAPIError(status, body, req.method, req.path, items)}
	}

	return []serviceCase{
		{name: "Partners.Authenticate/200", op: "CreateToken", status: 200, call: authenticate, expect: authReq, body: tokenJSON,
			want: &api.AccessToken{Token: api.NewSecret("fresh-token-from-the-server")}},
		errCase("Partners.Authenticate/400", "CreateToken", 400, authenticate, authReq, badRequestJSON, badRequestItems),
		errCase("Partners.Authenticate/401", "CreateToken", 401, authenticate, authReq, rejectedJSON, rejectedItem),

		{name: "Configurations.List/200", op: "GetConfigurations", status: 200, call: list, expect: listReq, body: "[" + configJSON + ",\n" + config2 + "]",
			want: []api.Configuration{*wantConfig, wantConfig2}},
		{name: "Configurations.List/200 empty", op: "GetConfigurations", status: 200, call: list, expect: listReq, body: "[]",
			want: []api.Configuration{}}, // empty, not nil
		errCase("Configurations.List/401", "GetConfigurations", 401, list, listReq, expiredJSON, expiredItems),

		{name: "Configurations.Create/201", op: "PostConfigurations", status: 201, call: create, expect: createReq, body: configJSON, want: wantConfig},
		errCase("Configurations.Create/400", "PostConfigurations", 400, create, createReq, badRequestJSON, badRequestItems),
		errCase("Configurations.Create/401", "PostConfigurations", 401, create, createReq, noKeyJSON, noKeyItems),

		{name: "Configurations.Get/200", op: "GetConfigurationsConfigurationID", status: 200, call: get, expect: getReq, body: configJSON, want: wantConfig},
		errCase("Configurations.Get/401", "GetConfigurationsConfigurationID", 401, get, getReq, expiredJSON, expiredItems),
		errCase("Configurations.Get/404", "GetConfigurationsConfigurationID", 404, get, getReq, notFoundJSON, notFoundItem),

		{name: "Configurations.Delete/204", op: "DeleteConfigurationsConfigurationID", status: 204, call: del, expect: delReq, want: nil},
		errCase("Configurations.Delete/401", "DeleteConfigurationsConfigurationID", 401, del, delReq, noKeyJSON, noKeyItems),
		errCase("Configurations.Delete/404", "DeleteConfigurationsConfigurationID", 404, del, delReq, notFoundJSON, notFoundItem),

		{name: "LoginForms.Create/201", op: "PostInstitutionsInstitutionIDLoginForms", status: 201, call: login, expect: loginReq, body: formJSON, want: wantForm},
		errCase("LoginForms.Create/400", "PostInstitutionsInstitutionIDLoginForms", 400, login, loginReq, badRequestJSON, badRequestItems),
		errCase("LoginForms.Create/401", "PostInstitutionsInstitutionIDLoginForms", 401, login, loginReq, expiredJSON, expiredItems),
		errCase("LoginForms.Create/404", "PostInstitutionsInstitutionIDLoginForms", 404, login, loginReq, notFoundJSON, notFoundItem),

		{name: "OAuthURLs.Create/201", op: "PostInstitutionsInstitutionIDOauthUrls", status: 201, call: oauth, expect: oauthReq, body: oauthJSON, want: wantOAuth},
		errCase("OAuthURLs.Create/400", "PostInstitutionsInstitutionIDOauthUrls", 400, oauth, oauthReq, badRequestJSON, badRequestItems),
		errCase("OAuthURLs.Create/401", "PostInstitutionsInstitutionIDOauthUrls", 401, oauth, oauthReq, noKeyJSON, noKeyItems),
		errCase("OAuthURLs.Create/404", "PostInstitutionsInstitutionIDOauthUrls", 404, oauth, oauthReq, notFoundJSON, notFoundItem),

		{name: "Reconnections.Create/201", op: "PostReconnections", status: 201, call: reconnect, expect: reconnectReq, body: formJSON,
			want: &api.Reconnection{StatusCode: 201, LoginForm: wantForm},
			check: func(t *testing.T, got any) {
				r := got.(*api.Reconnection)
				if r.NeedsMFA() {
					t.Error("NeedsMFA: got true for a 201")
				}
				if ch := r.Challenges(); ch != nil {
					t.Errorf("Challenges: got %v for a 201, want nil", ch)
				}
			}},
		{name: "Reconnections.Create/201 empty body", op: "PostReconnections", status: 201,
			call: func(ctx context.Context, c *api.Client) (any, error) {
				return c.Reconnections.Create(ctx, "1005061234", 7008461438, api.ReconnectionParams{})
			},
			expect: expectation{method: "POST", path: reconnectPath, token: testToken, body: "{}"}, body: formJSON,
			want: &api.Reconnection{StatusCode: 201, LoginForm: wantForm}},
		{name: "Reconnections.Create/203", op: "PostReconnections", status: 203, call: reconnect, expect: reconnectReq, body: mfaJSON,
			// Exactly as sent: three sets, the last without challenges.
			want: &api.Reconnection{StatusCode: 203, ChallengeSets: api.MFAChallengeSets{{Challenges: []api.MFAChallenge{wantText}}, {Challenges: []api.MFAChallenge{wantPick}}, {}}},
			check: func(t *testing.T, got any) {
				r := got.(*api.Reconnection)
				if !r.NeedsMFA() {
					t.Error("NeedsMFA: got false for a 203")
				}
				if want := []api.MFAChallenge{wantText, wantPick}; !reflect.DeepEqual(r.Challenges(), want) {
					t.Errorf("Challenges:\n got %+v\nwant %+v", r.Challenges(), want)
				}
			}},
		errCase("Reconnections.Create/400", "PostReconnections", 400, reconnect, reconnectReq, badRequestJSON, badRequestItems),
		errCase("Reconnections.Create/401", "PostReconnections", 401, reconnect, reconnectReq, expiredJSON, expiredItems),
	}
}

// TestServiceMethods runs every documented status of every operation,
// plain and with both validations on (traffic on the spec must pass
// through them untouched): the exact request sent, and the whole value or
// the whole *api.Error returned.
func TestServiceMethods(t *testing.T) {
	modes := []struct {
		name string
		opts []api.Option
	}{
		{"plain", nil},
		{"validated", []api.Option{api.WithRequestValidation(), api.WithResponseValidation()}},
	}
	for _, mode := range modes {
		for _, tc := range serviceCases() {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				var hits atomic.Int64
				srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					checkRequest(t, r, tc.expect)
					writeReply(w, reply{status: tc.status, body: tc.body})
				})
				c := newClient(t, srv.URL, mode.opts...)
				got, err := tc.call(context.Background(), c)
				if n := hits.Load(); n != 1 {
					t.Errorf("requests: got %d, want 1", n)
				}
				if tc.wantErr == nil {
					if err != nil {
						t.Fatalf("error: %v", err)
					}
					if !reflect.DeepEqual(got, tc.want) {
						t.Errorf("value:\n got %#v\nwant %#v", got, tc.want)
					}
				} else {
					checkAPIError(t, err, tc.wantErr)
					if got != nil && !reflect.ValueOf(got).IsNil() {
						t.Errorf("value with an error: got %#v, want nil", got)
					}
				}
				if tc.check != nil && err == nil {
					tc.check(t, got)
				}
			})
		}
	}
}

// checkAPIError asserts that err is an *api.Error equal to want, field by
// field, with the documented message and helpers.
func checkAPIError(t *testing.T, err error, want *api.Error) {
	t.Helper()
	apiErr, ok := errors.AsType[*api.Error](err)
	if !ok {
		t.Fatalf("got %T %v, want *api.Error", err, err)
	}
	if got := errorFields(apiErr); !reflect.DeepEqual(got, want) {
		t.Errorf("*api.Error:\n got %+v\n     body %q\nwant %+v\n     body %q", *got, got.Body, *want, want.Body)
	}
	wantMsg := fmt.Sprintf("finicity: %s %s: %d %s, reason %s: %s %s", want.Method, want.Path, want.StatusCode,
		http.StatusText(want.StatusCode), want.ReasonCode, want.Description, want.Details)
	if err.Error() != wantMsg {
		t.Errorf("message:\n got %s\nwant %s", err, wantMsg)
	}
	if api.IsNotFound(err) != (want.StatusCode == 404) || api.IsUnauthorized(err) != (want.StatusCode == 401) {
		t.Errorf("IsNotFound %v, IsUnauthorized %v for a %d", api.IsNotFound(err), api.IsUnauthorized(err), want.StatusCode)
	}
	// Only the API's own refusal of partner credentials is a rejection.
	rejection := want.Method == "POST" && want.Path == tokenPath && (want.StatusCode == 401 || want.StatusCode == 403) && len(want.Items) > 0
	if errors.Is(err, api.ErrCredentialsRejected) != rejection {
		t.Errorf("errors.Is(err, ErrCredentialsRejected) = %v for a %d to %s %s, want %v", !rejection, want.StatusCode, want.Method, want.Path, rejection)
	}
}

// documentedStatuses returns "operationId/status" for every response of
// every operation of the embedded spec.
func documentedStatuses(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				out[op.OperationID+"/"+code] = true
			}
		}
	}
	return out
}

// TestServiceCasesCoverSpec fails when the spec documents an operation or a
// status that TestServiceMethods does not run, or the other way round.
func TestServiceCasesCoverSpec(t *testing.T) {
	documented := documentedStatuses(t)
	tested := map[string]bool{}
	for _, tc := range serviceCases() {
		tested[tc.op+"/"+strconv.Itoa(tc.status)] = true
	}
	var missing, extra []string
	for k := range documented {
		if !tested[k] {
			missing = append(missing, k)
		}
	}
	for k := range tested {
		if !documented[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("documented in openapi.yaml but not tested (operationId/status): %v; add a case for each to serviceCases in api/services_test.go", missing)
	}
	if len(extra) > 0 {
		t.Errorf("tested in api/services_test.go (serviceCases) but not documented in openapi.yaml (operationId/status): %v", extra)
	}
	if len(documented) == 0 {
		t.Error("no documented status in the embedded spec: was it loaded?")
	}
}

// xSDK is the x-sdk extension of an operation: the service and method that
// send it.
type xSDK struct {
	Service string `json:"service"`
	Method  string `json:"method"`
}

// TestEveryOperationHasATypedMethod holds the spec and the services to
// each other: every operation names (x-sdk) a service of Client and a
// method of it, and every exported method of every service is some
// operation's. A new operation without its method fails here.
func TestEveryOperationHasATypedMethod(t *testing.T) {
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	fromSpec := map[string]string{} // "Service.Method" -> operationId
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			raw, ok := op.Extensions["x-sdk"]
			if !ok {
				t.Errorf("operation %s has no x-sdk extension naming its typed method", op.OperationID)
				continue
			}
			b, err := json.Marshal(raw)
			if err != nil {
				t.Fatal(err)
			}
			var x xSDK
			if err := json.Unmarshal(b, &x); err != nil || x.Service == "" || x.Method == "" {
				t.Errorf("operation %s: x-sdk %s does not name a service and a method", op.OperationID, b)
				continue
			}
			if prev, dup := fromSpec[x.Service+"."+x.Method]; dup {
				t.Errorf("operations %s and %s both claim %s.%s", prev, op.OperationID, x.Service, x.Method)
			}
			fromSpec[x.Service+"."+x.Method] = op.OperationID
		}
	}

	fromClient := map[string]bool{}
	ctxType := reflect.TypeFor[context.Context]()
	optsType := reflect.TypeFor[[]api.CallOption]()
	ct := reflect.TypeFor[api.Client]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
			continue
		}
		for j := range f.Type.NumMethod() {
			m := f.Type.Method(j)
			fromClient[f.Name+"."+m.Name] = true
			// Every typed method takes a context first and call options last.
			mt := m.Type // receiver first
			if mt.NumIn() < 3 || mt.In(1) != ctxType || !mt.IsVariadic() || mt.In(mt.NumIn()-1) != optsType {
				t.Errorf("%s.%s%s: want (ctx context.Context, ..., opts ...api.CallOption)", f.Name, m.Name, mt)
			}
			if mt.Out(mt.NumOut()-1) != reflect.TypeFor[error]() {
				t.Errorf("%s.%s: the last result is not an error", f.Name, m.Name)
			}
		}
	}
	for name, op := range fromSpec {
		if !fromClient[name] {
			t.Errorf("operation %s (x-sdk %s) has no typed method Client.%s: run `make generate`; a new service also needs its field on api.Client (api/client.go)", op, name, name)
		}
	}
	for name := range fromClient {
		if _, ok := fromSpec[name]; !ok {
			t.Errorf("Client.%s sends no operation of the spec", name)
		}
	}
	if len(fromSpec) == 0 {
		t.Error("no operation with x-sdk in the embedded spec: was it loaded?")
	}
}

// TestListDecodesNullAsEmpty: a 200 whose body is null is an empty list,
// never a nil slice, as documented.
func TestListDecodesNullAsEmpty(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: "null"})
	got, err := newClient(t, srv.URL).Configurations.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("got %#v, want an empty non-nil slice", got)
	}
}

// TestZeroNumbersAreSent: a configuration with every field at its zero
// value (aoRequired false, no lists) is a value the spec allows: the
// request is sent as it is. (A path id of 0 is refused instead: see
// TestRequiredFieldsLeftZeroAreRefused.)
func TestZeroNumbersAreSent(t *testing.T) {
	tests := []struct {
		name   string
		call   func(context.Context, *api.Client) error
		expect expectation
		reply  reply
	}{
		{"Configurations.Create all zero",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Configurations.Create(ctx, api.ConfigurationParams{})
				return err
			},
			expectation{method: "POST", path: configsPath, token: testToken, body: `{}`},
			reply{status: 201, body: configJSON}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				checkRequest(t, r, tc.expect)
				writeReply(w, tc.reply)
			})
			if err := tc.call(context.Background(), newClient(t, srv.URL)); err != nil {
				t.Fatal(err)
			}
			if hits.Load() != 1 {
				t.Errorf("requests: got %d, want 1", hits.Load())
			}
		})
	}
}

// TestUndocumentedStatusIsAnError: a status no operation documents (a
// gateway's HTML page, a 2xx the method does not expect is not one of
// these) still comes back as an *api.Error with the exact body and no
// reason code.
func TestUndocumentedStatusIsAnError(t *testing.T) {
	srv := newScripted(t, reply{status: http.StatusTeapot, header: map[string]string{"Content-Type": "text/html"}, body: "<html>teapot</html>"})
	_, err := newClient(t, srv.URL).Configurations.Create(context.Background(), api.ConfigurationParams{})
	want := &api.Error{StatusCode: 418, Body: []byte("<html>teapot</html>"), Method: "POST", Path: configsPath}
	apiErr, ok := errors.AsType[*api.Error](err)
	if !ok {
		t.Fatalf("got %T %v, want *api.Error", err, err)
	}
	if got := errorFields(apiErr); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, wantMsg := err.Error(), "finicity: POST /connect-components/configurations: 418 I'm a teapot"; got != wantMsg {
		t.Errorf("message: got %q, want %q", got, wantMsg)
	}
}

// TestUndecodableSuccess: a 2xx whose body is not the documented type is
// an error (not a zero value), and not an *api.Error.
func TestUndecodableSuccess(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: `{"not":"a list"}`})
	got, err := newClient(t, srv.URL).Configurations.List(context.Background())
	if err == nil || got != nil {
		t.Fatalf("got %v, %v; want a decode error", got, err)
	}
	if _, ok := errors.AsType[*api.Error](err); ok {
		t.Errorf("a decode failure looks like an API error: %v", err)
	}
	if _, ok := errors.AsType[*json.UnmarshalTypeError](err); !ok {
		t.Errorf("got %v, want it to wrap the JSON error", err)
	}
	want := "finicity: GET /connect-components/configurations: the 200 answer does not decode: json: cannot unmarshal object into Go value of type []gen.Configuration"
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
}
