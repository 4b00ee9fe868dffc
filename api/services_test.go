package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/spec"
)

// credentialsJSON is partner authentication's body as the client sends it
// for WithPartnerCredentials (api/tokens.go fills in these two fields).
const credentialsJSON = `{"partnerId":"` + testPartnerID + `","partnerSecret":"` + testSecret + `"}`

// tokenJSON is partner authentication's answer.
const tokenJSON = `{"token":"fresh-token-from-the-server"}`

// Error answers in the documented shape, written by hand for the reason
// codes the client acts on (10023 replays, 10024 is a rejection). The 400
// carries two items: Items keeps both, the fields are the first one's.
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

// statusOf is the status a test answers for a documented response: its
// code, or the first of its range (4XX is 400); default is 500. 0 for a
// 1XX or 3XX range, which no test sends for a documented answer.
func statusOf(r *spec.Response) int {
	if r.Code != 0 {
		return r.Code
	}
	switch s := r.Status; {
	case s == "default":
		return 500
	case len(s) == 3 && strings.HasSuffix(s, "XX") && (s[0] == '2' || s[0] == '4' || s[0] == '5'):
		return int(s[0]-'0') * 100
	}
	return 0
}

// TestEveryDocumentedStatus calls every operation of the spec with its
// examples and answers it with every status it documents, each with its
// example (indented, with a final newline, as a server may write it),
// plain and with both validations on (traffic on the spec passes through
// them untouched): the request sent is exactly the one the examples make;
// a success decodes into the typed result holding the whole example; a
// documented error is an *api.Error with the status, the exact body and
// its items decoded, and the documented message.
func TestEveryDocumentedStatus(t *testing.T) {
	m := specModel(t)
	modes := []struct {
		name string
		opts []api.Option
	}{
		{"plain", nil},
		{"validated", []api.Option{api.WithRequestValidation(), api.WithResponseValidation()}},
	}
	n := 0
	for _, op := range m.Operations {
		sc, err := newSpecCall(op, true)
		if err != nil {
			t.Errorf("%v (%s calls every operation)", err, testFile())
			continue
		}
		for _, r := range op.Responses {
			status := statusOf(r)
			if status == 0 {
				continue
			}
			value, body, err := answerOf(op, r, true)
			if err != nil {
				t.Errorf("%v (%s answers every documented status)", err, testFile())
				continue
			}
			success := status >= 200 && status <= 299
			for _, mode := range modes {
				n++
				t.Run(mode.name+"/"+sc.name()+"/"+r.Status, func(t *testing.T) {
					var hits atomic.Int64
					var sentPath string
					srv := newServer(t, func(w http.ResponseWriter, req *http.Request) {
						hits.Add(1)
						sent, _ := io.ReadAll(req.Body)
						sentPath = req.URL.EscapedPath()
						sc.checkSent(t, req, sent, testToken)
						writeReply(w, reply{status: status, header: map[string]string{"Content-Type": r.ContentType}, body: body})
					})
					got, err := sc.result(context.Background(), newClient(t, srv.URL, mode.opts...))
					if n := hits.Load(); n != 1 {
						t.Errorf("requests: got %d, want 1", n)
					}
					if success {
						if err != nil {
							t.Fatalf("the documented %s answer (%s) fails the call: %v", r.Status, at(r.Pointer), err)
						}
						checkResult(t, op, r, got, value)
						return
					}
					checkAPIError(t, err, wantDocumented(status, body, op.Method, sentPath))
					if got != nil {
						t.Errorf("value with an error: got %#v, want nil", got)
					}
				})
			}
		}
	}
	if n == 0 {
		t.Error("no documented status in the embedded spec: was it loaded?")
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
	wantMsg := fmt.Sprintf("finicity: %s %s: %d %s", want.Method, want.Path, want.StatusCode, http.StatusText(want.StatusCode))
	if want.ReasonCode != "" {
		wantMsg += ", reason " + want.ReasonCode
	}
	if text := strings.TrimSpace(want.Description + " " + want.Details); text != "" {
		wantMsg += ": " + text
	}
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

// mfaJSON is a 203 of Reconnections.Create with three challenge sets, the
// last without challenges.
const mfaJSON = `[
 {"mfaChallenges": [{"id": "3c9a1f0e-7d42-4b8e-9a1d-2f6b5c4e8d01", "mfaType": "TFA_TEXT", "prompt": "Which high school did you attend", "choiceIds": [], "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137"}]},
 {"mfaChallenges": [{"id": "4d0b2a1f-8e53-4c9f-8b2e-3a7c6d5f9e12", "mfaType": "TFA_CHOICE", "prompt": "Which of these accounts is yours", "choiceIds": ["5e1c3b2a-9f64-4d0a-9c3f-4b8d7e6a0f23", "6f2d4c3b-a075-4e1b-8d4a-5c9e8f7b1a34"], "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137"}]},
 {}
]`

// reconnection is Reconnections.Create, checked to be what
// TestReconnectionAnswers is about: a Reconnection result whose 201 is
// LoginForm and whose 203 is ChallengeSets.
func reconnection(t *testing.T) *specCall {
	t.Helper()
	sc := specCallOf(t, "Reconnections.Create")
	op := sc.op
	r201, r203 := op.Response(201), op.Response(203)
	if op.Result != "Reconnection" || r201 == nil || r201.Field != "LoginForm" || r203 == nil || r203.Field != "ChallengeSets" {
		t.Fatalf("%s: %s no longer answers a Reconnection with LoginForm (201) or ChallengeSets (203), which %s tests: update the test", at(op.Pointer), op.Name(), testFile())
	}
	return sc
}

// TestReconnectionAnswers: Reconnections.Create answers 201 with a login
// form or 203 with MFA challenge sets; NeedsMFA says which, and Challenges
// flattens the sets in order, skipping a set without challenges. Its body
// is any JSON object: fields of the caller's own are sent as they are.
func TestReconnectionAnswers(t *testing.T) {
	sc := reconnection(t)
	op := sc.op
	customerID, ok1 := sc.path[0].(string)
	loginID, ok2 := sc.path[1].(float64)
	if !ok1 || !ok2 {
		t.Fatalf("%s: the path parameters of %s are no longer a string and an integer, which %s passes: update the test", at(op.Pointer), op.Name(), testFile())
	}
	ctx := context.Background()

	t.Run("201", func(t *testing.T) {
		value, body, err := answerOf(op, op.Response(201), false)
		if err != nil {
			t.Fatal(err)
		}
		srv := newScripted(t, reply{status: 201, body: body})
		got, err := newClient(t, srv.URL).Reconnections.Create(ctx, customerID, int64(loginID), api.ReconnectionParams{})
		if err != nil {
			t.Fatal(err)
		}
		checkResult(t, op, op.Response(201), got, value)
		if got.NeedsMFA() || got.Challenges() != nil {
			t.Errorf("NeedsMFA %v, Challenges %v for a 201; want false and nil", got.NeedsMFA(), got.Challenges())
		}
	})
	t.Run("203", func(t *testing.T) {
		srv := newScripted(t, reply{status: 203, body: mfaJSON})
		got, err := newClient(t, srv.URL).Reconnections.Create(ctx, customerID, int64(loginID), api.ReconnectionParams{})
		if err != nil {
			t.Fatal(err)
		}
		var want any
		_ = json.Unmarshal([]byte(mfaJSON), &want)
		checkResult(t, op, op.Response(203), got, want)
		if !got.NeedsMFA() || len(got.ChallengeSets) != 3 {
			t.Errorf("NeedsMFA %v with %d sets; want true and 3, as sent", got.NeedsMFA(), len(got.ChallengeSets))
		}
		var ids []string
		for _, ch := range got.Challenges() {
			ids = append(ids, ch.ID.String())
		}
		if want := "[3c9a1f0e-7d42-4b8e-9a1d-2f6b5c4e8d01 4d0b2a1f-8e53-4c9f-8b2e-3a7c6d5f9e12]"; fmt.Sprint(ids) != want {
			t.Errorf("Challenges: got %v, want %s", ids, want)
		}
	})
	t.Run("body with fields of its own", func(t *testing.T) {
		extra := map[string]any{"note": "password changed", "attempt": 2}
		body := typedBody[api.ReconnectionParams](t, op, extra)
		srv := newScripted(t, reply{status: 201, body: sc.answer})
		if _, err := newClient(t, srv.URL).Reconnections.Create(ctx, customerID, int64(loginID), body); err != nil {
			t.Fatal(err)
		}
		if got, want := srv.requests()[0].body, string(mustJSON(exampleBody(t, op, extra))); got != want {
			t.Errorf("body:\n got %s\nwant %s", got, want)
		}
	})
	t.Run("empty body", func(t *testing.T) {
		if _, req := spec.Properties(schemaOf(op.Body.Schema)); len(req) > 0 {
			t.Skipf("%s: the body of %s has required fields now: an empty one is not a valid request", at(op.Body.Pointer), op.Name())
		}
		srv := newScripted(t, reply{status: 201, body: sc.answer})
		if _, err := newClient(t, srv.URL).Reconnections.Create(ctx, customerID, int64(loginID), api.ReconnectionParams{}); err != nil {
			t.Fatal(err)
		}
		if got := srv.requests()[0].body; got != "{}" {
			t.Errorf("body: got %q, want {} (the zero value, not null)", got)
		}
	})
}

// TestErrorKeepsEveryItem: an error answer with two items is an *api.Error
// holding both, its fields the first one's.
func TestErrorKeepsEveryItem(t *testing.T) {
	get := pick(t, kindGET)
	srv := newScripted(t, reply{status: 400, body: badRequestJSON})
	err := get.call(context.Background(), newClient(t, srv.URL))
	checkAPIError(t, err, wantAPIError(400, badRequestJSON, get.op.Method, get.urlPath(), badRequestItems))
}

// TestEveryOperationHasATypedMethod holds the spec and the client to each
// other: every operation of the spec has its typed method (the model's
// service and method) taking a context first and call options last, and
// its entry in internal/apicall's table; every exported method of every
// service of api.Client is some operation's.
func TestEveryOperationHasATypedMethod(t *testing.T) {
	m := specModel(t)
	fromSpec := map[string]*spec.Operation{}
	for _, op := range m.Operations {
		fromSpec[op.Qualified()] = op
		if !apicall.Has(op.ID) {
			t.Errorf("%s: %s has no entry in internal/apicall's call table: run `make generate`", at(op.Pointer), op.Name())
		}
	}
	ctxType := reflect.TypeFor[context.Context]()
	optsType := reflect.TypeFor[[]api.CallOption]()
	fromClient := map[string]bool{}
	ct := reflect.TypeFor[api.Client]()
	for i := range ct.NumField() {
		f := ct.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
			continue
		}
		for j := range f.Type.NumMethod() {
			meth := f.Type.Method(j)
			fromClient[f.Name+"."+meth.Name] = true
			mt := meth.Type // receiver first
			if mt.NumIn() < 3 || mt.In(1) != ctxType || !mt.IsVariadic() || mt.In(mt.NumIn()-1) != optsType {
				t.Errorf("%s.%s%s: want (ctx context.Context, ..., opts ...api.CallOption)", f.Name, meth.Name, mt)
			}
			if mt.Out(mt.NumOut()-1) != reflect.TypeFor[error]() {
				t.Errorf("%s.%s: the last result is not an error", f.Name, meth.Name)
			}
		}
	}
	for name, op := range fromSpec {
		if !fromClient[name] {
			t.Errorf("%s: %s has no typed method Client.%s: run `make generate`", at(op.Pointer), op.Name(), name)
		}
	}
	for name := range fromClient {
		if fromSpec[name] == nil {
			t.Errorf("Client.%s sends no operation of openapi.yaml", name)
		}
	}
	if len(fromSpec) == 0 {
		t.Error("no operation in the embedded spec: was it loaded?")
	}
}

// TestListDecodesNullAsEmpty: an operation answering a list, answered
// null or [], returns an empty list, never a nil slice, as documented.
func TestListDecodesNullAsEmpty(t *testing.T) {
	lists := 0
	for _, op := range specModel(t).Operations {
		sc, err := newSpecCall(op, false)
		if err != nil || sc.ok == nil || !sc.ok.JSON || !schemaOf(sc.ok.Schema).Type.Is(openapi3.TypeArray) || op.Result != "" {
			continue
		}
		lists++
		for _, body := range []string{"null", "[]"} {
			srv := newScripted(t, reply{status: sc.ok.Code, body: body})
			got, err := sc.result(context.Background(), newClient(t, srv.URL))
			if err != nil {
				t.Fatalf("%s answered %s: %v", sc.name(), body, err)
			}
			if v := reflect.ValueOf(got); v.Kind() != reflect.Slice || v.IsNil() || v.Len() != 0 {
				t.Errorf("%s answered %s: got %#v, want an empty non-nil slice", sc.name(), body, got)
			}
		}
	}
	if lists == 0 {
		t.Skip("no operation of the spec answers a list")
	}
}

// TestZeroValuesAreSent: a body whose every field the typed check cannot
// tell from unset (numbers, booleans, optional fields) is at its zero
// value is sent as it is, for every operation: 0, false and an empty
// optional field are values the spec allows. (Required strings, lists and
// objects left zero are refused instead: TestRequiredFieldsLeftZeroAreRefused.)
func TestZeroValuesAreSent(t *testing.T) {
	for _, op := range specModel(t).Operations {
		if op.Body == nil || !op.Body.JSON || len(op.Body.Fields) == 0 {
			continue
		}
		sc, err := newSpecCall(op, false)
		if err != nil {
			t.Errorf("%v (%s)", err, testFile())
			continue
		}
		body := copyJSON(sc.body)
		for _, f := range op.Body.Fields {
			s := schemaOf(f.Schema)
			switch {
			case !f.Required:
				body = deleteJSON(body, f.Path)
			case s.Type.Is(openapi3.TypeBoolean) || s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber):
				body = setJSON(body, f.Path, zeroOf(f.Schema))
			}
		}
		zero := sc.withBody(body)
		t.Run(sc.name(), func(t *testing.T) {
			var hits atomic.Int64
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				sent, _ := io.ReadAll(r.Body)
				var got any
				if err := json.Unmarshal(sent, &got); err != nil {
					t.Errorf("body %q: %v", sent, err)
				} else if d := diffJSON(op.Body.Schema, got, body, ""); d != "" {
					t.Errorf("body sent %s, want %s (%s)", sent, mustJSON(body), d)
				}
				writeReply(w, zero.okReply())
			})
			if err := zero.call(context.Background(), newClient(t, srv.URL)); err != nil {
				t.Fatalf("the body %s was refused: %v", mustJSON(body), err)
			}
			if hits.Load() != 1 {
				t.Errorf("requests: got %d, want 1", hits.Load())
			}
		})
	}
}

// TestUndocumentedStatusIsAnError: a status no operation documents (a
// gateway's HTML page) still comes back as an *api.Error with the exact
// body and no reason code.
func TestUndocumentedStatusIsAnError(t *testing.T) {
	post := pick(t, kindPOST)
	srv := newScripted(t, reply{status: http.StatusTeapot, header: map[string]string{"Content-Type": "text/html"}, body: "<html>teapot</html>"})
	err := post.call(context.Background(), newClient(t, srv.URL))
	want := &api.Error{StatusCode: 418, Body: []byte("<html>teapot</html>"), Method: "POST", Path: post.urlPath()}
	apiErr, ok := errors.AsType[*api.Error](err)
	if !ok {
		t.Fatalf("got %T %v, want *api.Error", err, err)
	}
	if got := errorFields(apiErr); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got, wantMsg := err.Error(), "finicity: POST "+post.urlPath()+": 418 I'm a teapot"; got != wantMsg {
		t.Errorf("message: got %q, want %q", got, wantMsg)
	}
}

// wrongKind is a JSON answer of another kind than the schema's: an object
// for a list, a list for anything else.
func wrongKind(ref *openapi3.SchemaRef) string {
	if schemaOf(ref).Type.Is(openapi3.TypeArray) {
		return `{"not":"a list"}`
	}
	return `["not","an","object"]`
}

// TestUndecodableSuccess: for every operation, a 2xx whose body is not the
// documented type is a *DecodeError (not a zero value, not an *api.Error)
// keeping the body, and saying which answer did not decode.
func TestUndecodableSuccess(t *testing.T) {
	for _, op := range specModel(t).Operations {
		sc, err := newSpecCall(op, false)
		if err != nil || sc.ok == nil || !sc.ok.JSON || sc.ok.Schema == nil || sc.ok.Code == 0 {
			continue
		}
		body := wrongKind(sc.ok.Schema)
		srv := newScripted(t, reply{status: sc.ok.Code, body: body})
		got, err := sc.result(context.Background(), newClient(t, srv.URL))
		if err == nil || got != nil {
			t.Errorf("%s: got %v, %v; want a decode error", sc.name(), got, err)
			continue
		}
		if _, ok := errors.AsType[*api.Error](err); ok {
			t.Errorf("%s: a decode failure looks like an API error: %v", sc.name(), err)
		}
		de, ok := errors.AsType[*api.DecodeError](err)
		if !ok || de.StatusCode != sc.ok.Code || string(de.Body) != body || de.Method != op.Method || de.Path != sc.urlPath() {
			t.Errorf("%s: got %#v, want a *DecodeError of the %d answer keeping its body", sc.name(), err, sc.ok.Code)
		}
		if want := fmt.Sprintf("finicity: %s %s: the %d answer does not decode: json: cannot unmarshal ", op.Method, sc.urlPath(), sc.ok.Code); !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: message:\n got %s\nwant it to start with %s", sc.name(), err, want)
		}
	}
}
