package validation_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

const loginPath = "/connect-components/institutions/170716/login-forms"

func newReq(method, path, body string, auth bool) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, "http://127.0.0.1"+path, nil)
	} else {
		r = httptest.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	if auth {
		r.Header.Set("Finicity-App-Key", "k")
		r.Header.Set("Finicity-App-Token", "t")
	}
	return r
}

// exampleBody is the JSON of the request body example of the operation
// name (an api method): a valid body, whatever required fields the spec
// grows.
func exampleBody(t *testing.T, name string) string {
	t.Helper()
	op, ok := specdoc.MustModel().Lookup(name)
	if !ok || op.Body == nil {
		t.Fatalf("openapi.yaml has no operation %s with a body, which internal/validation/validation_test.go sends", name)
	}
	v, ok := op.Body.Example()
	if !ok {
		t.Fatalf("openapi.yaml#%s: the body of %s has no valid example, which internal/validation/validation_test.go sends", op.Body.Pointer, name)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValidateRequest(t *testing.T) {
	okLogin := exampleBody(t, "LoginForms.Create")
	tests := []struct {
		name                    string
		method, path, body      string
		noAuth                  bool
		wantOp                  string
		wantLoc, wantField, why string // empty wantLoc: valid
	}{
		{name: "valid login form", method: "POST", path: loginPath, body: okLogin, wantOp: "PostInstitutionsInstitutionIDLoginForms"},
		{name: "a prefix is not a route", method: "GET", path: "/base/connect-components/configurations", wantLoc: "path", why: "no operation of the spec has this path"},
		{name: "a trailing slash is not a route", method: "GET", path: "/connect-components/configurations/", wantLoc: "path", why: "no operation of the spec has this path"},
		{name: "valid configuration", method: "POST", path: "/connect-components/configurations", body: exampleBody(t, "Configurations.Create"), wantOp: "PostConfigurations"},
		{name: "reconnection without body", method: "POST", path: "/connect-components/customers/c1/institution-login-ids/7008461438/reconnections", wantLoc: "body", why: "value is required but missing"},
		{name: "reconnection null body", method: "POST", path: "/connect-components/customers/c1/institution-login-ids/7008461438/reconnections", body: `null`, wantOp: "PostReconnections"},
		{name: "bad uuid path", method: "GET", path: "/connect-components/configurations/not-a-uuid", wantLoc: "path", wantField: "configuration_id"},
		{name: "uuid wrong form", method: "GET", path: "/connect-components/configurations/605543e1f50748ad812795c40566597b0000", wantLoc: "path", wantField: "configuration_id"},
		{name: "non integer institution", method: "POST", path: "/connect-components/institutions/abc/login-forms", body: okLogin, wantLoc: "path", wantField: "institution_id"},
		{name: "missing key", method: "GET", path: "/connect-components/configurations", noAuth: true, wantLoc: "header", wantField: "Finicity-App-Key"},
		{name: "missing required field", method: "POST", path: loginPath, body: `{"language":"en","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32Z"}}`, wantLoc: "body", wantField: "customerId", why: "missing"},
		{name: "nested bad date", method: "POST", path: loginPath, body: `{"language":"en","customerId":"1","serviceAgreement":{"language":"en","acceptedDate":"yesterday"}}`, wantLoc: "body", wantField: "serviceAgreement.acceptedDate"},
		{name: "bad configuration id in body", method: "POST", path: loginPath, body: `{"language":"en","customerId":"1","configurationId":"x","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32Z"}}`, wantLoc: "body", wantField: "configurationId"},
		{name: "empty filter item", method: "POST", path: "/connect-components/configurations", body: `{"filterAccounts":[""]}`, wantLoc: "body", wantField: "filterAccounts.0"},
		{name: "wrong type", method: "POST", path: "/connect-components/configurations", body: `{"aoRequired":"yes"}`, wantLoc: "body", wantField: "aoRequired"},
		{name: "not json", method: "POST", path: "/connect-components/configurations", body: `{`, wantLoc: "body"},
		{name: "relative redirect", method: "POST", path: "/connect-components/institutions/1/oauth-urls", body: `{"redirectURI":"/x","customerId":"1","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32Z"}}`, wantLoc: "body", wantField: "redirectURI"},
		{name: "unknown path", method: "GET", path: "/nope", wantLoc: "path"},
		{name: "wrong method", method: "PUT", path: "/connect-components/configurations", body: `{}`, wantLoc: "path", why: "the spec has this path, but not for this method"},
	}
	v := specdoc.MustValidator()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newReq(tc.method, tc.path, tc.body, !tc.noAuth)
			route, err := v.ValidateRequest(context.Background(), req)
			if tc.wantLoc == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if route.Operation.OperationID != tc.wantOp {
					t.Errorf("operation: got %s, want %s", route.Operation.OperationID, tc.wantOp)
				}
				return
			}
			var fe *validation.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want *FieldError", err)
			}
			if fe.Location != tc.wantLoc || (tc.wantField != "" && fe.Field != tc.wantField) {
				t.Errorf("got location %q field %q (%v), want %q %q", fe.Location, fe.Field, fe, tc.wantLoc, tc.wantField)
			}
			if tc.why != "" && !strings.Contains(fe.Reason, tc.why) {
				t.Errorf("reason %q does not contain %q", fe.Reason, tc.why)
			}
		})
	}
}

func TestValidateResponse(t *testing.T) {
	v := specdoc.MustValidator()
	req := newReq("GET", "/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b", "", true)
	h := http.Header{"Content-Type": {"application/json"}}
	if err := v.ValidateResponse(context.Background(), req, 200, h, []byte(`{"id":"605543e1-f507-48ad-8127-95c40566597b"}`)); err != nil {
		t.Errorf("valid response rejected: %v", err)
	}
	if err := v.ValidateResponse(context.Background(), req, 200, h, []byte(`{"id":"nope"}`)); err == nil || !strings.Contains(err.Error(), "id") {
		t.Errorf("bad id accepted or not named: %v", err)
	}
	if err := v.ValidateResponse(context.Background(), req, 418, h, []byte(`{}`)); err == nil {
		t.Error("undocumented status accepted")
	}
	if err := v.ValidateResponse(context.Background(), req, 404, h, []byte(`{"Errors":{}}`)); err == nil || !strings.Contains(err.Error(), "Error") {
		t.Errorf("error body without Error list accepted: %v", err)
	}
}

// TestErrorsNeverEchoValues guards against secrets leaking through
// validation messages.
func TestErrorsNeverEchoValues(t *testing.T) {
	v := specdoc.MustValidator()
	secret := "s3cr3t-value-never-shown"
	req := newReq("POST", "/aggregation/v2/partners/authentication", `{"partnerId":"p","partnerSecret":{"v":"`+secret+`"}}`, true)
	_, err := v.ValidateRequest(context.Background(), req)
	if err == nil {
		t.Fatal("object secret accepted")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error echoes the value: %v", err)
	}
}

// TestFindRoute: routing is exact (spec.Model.Find): the same number of
// segments, no prefix, no trailing slash, each segment unescaped after
// splitting; a base path is taken off only when the caller declares it
// (Under).
func TestFindRoute(t *testing.T) {
	v := specdoc.MustValidator()
	proxied := v.Under("/prefix/v1/")
	tests := []struct {
		v            *validation.Validator
		method, path string
		wantOp       string
		wantParams   map[string]string
		wantErr      error
	}{
		{v, "GET", "/connect-components/configurations", "GetConfigurations", map[string]string{}, nil},
		{v, "GET", "/connect-components/configurations/", "", nil, spec.ErrPathNotFound},
		{v, "GET", "/connect-components/configurations//", "", nil, spec.ErrPathNotFound},
		{v, "GET", "/prefix/v1/connect-components/configurations/abc", "", nil, spec.ErrPathNotFound},
		{proxied, "GET", "/prefix/v1/connect-components/configurations/abc", "GetConfigurationsConfigurationID", map[string]string{"configuration_id": "abc"}, nil},
		{proxied, "GET", "/prefix/v1/connect-components/configurations/", "", nil, spec.ErrPathNotFound},
		{proxied, "GET", "/connect-components/configurations/abc", "", nil, spec.ErrPathNotFound},
		{proxied, "GET", "/prefix/v10/connect-components/configurations", "", nil, spec.ErrPathNotFound},
		{v.Under("/a%2Fb"), "GET", "/a%2Fb/connect-components/configurations", "GetConfigurations", map[string]string{}, nil},
		{v.Under("/"), "GET", "/connect-components/configurations", "GetConfigurations", map[string]string{}, nil},
		{v, "POST", "/connect-components/customers/c%201/institution-login-ids/7/reconnections", "PostReconnections", map[string]string{"customer_id": "c 1", "institution_login_id": "7"}, nil},
		{v, "POST", "/connect-components/customers/a%2Fb/institution-login-ids/7/reconnections", "PostReconnections", map[string]string{"customer_id": "a/b", "institution_login_id": "7"}, nil},
		{v, "GET", "/connect-components//configurations", "", nil, spec.ErrPathNotFound},
		{v, "GET", "/configurations", "", nil, spec.ErrPathNotFound},
		{v, "GET", "", "", nil, spec.ErrPathNotFound},
		{v, "PATCH", "/connect-components/configurations", "", nil, spec.ErrMethodNotAllowed},
	}
	for _, tc := range tests {
		r, params, err := tc.v.FindRoute(tc.method, tc.path)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("%s %q: got %v %v, want error %v", tc.method, tc.path, r, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.method, tc.path, err)
			continue
		}
		if r.Operation.OperationID != tc.wantOp || r.Op.ID != tc.wantOp || !maps.Equal(params, tc.wantParams) {
			t.Errorf("%s %q: got %s %v, want %s %v", tc.method, tc.path, r.Operation.OperationID, params, tc.wantOp, tc.wantParams)
		}
	}
}

// TestUnderValidatesBelowTheBasePath: a client whose base URL has a path
// validates its requests and answers once the Validator knows the path;
// without it they are not routes.
func TestUnderValidatesBelowTheBasePath(t *testing.T) {
	ctx := context.Background()
	v := specdoc.MustValidator()
	req := newReq("GET", "/proxy/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b", "", false)
	h := http.Header{"Content-Type": {"application/json"}}
	answer := []byte(`{"id":"605543e1-f507-48ad-8127-95c40566597b"}`)
	route, err := v.Under("/proxy").ValidateOutgoing(ctx, req, nil)
	if err != nil || route.Op.ID != "GetConfigurationsConfigurationID" {
		t.Fatalf("below /proxy: %v %v", route, err)
	}
	if err := v.Under("/proxy").ValidateResponse(ctx, req, 200, h, answer); err != nil {
		t.Errorf("answer below /proxy: %v", err)
	}
	if err := v.Under("/proxy").ValidateResponse(ctx, req, 200, h, []byte(`{"id":"nope"}`)); err == nil {
		t.Error("a bad answer below /proxy accepted")
	}
	var fe *validation.FieldError
	if _, err := v.ValidateOutgoing(ctx, req, nil); !errors.As(err, &fe) || fe.Location != "path" {
		t.Errorf("without the base path: got %v, want a path FieldError", err)
	}
	if err := v.ValidateResponse(ctx, req, 200, h, answer); !errors.As(err, &fe) || fe.Location != "path" {
		t.Errorf("answer without the base path: got %v, want a path FieldError", err)
	}
}

// TestValidateOutgoing checks the client-side entry point: security is the
// auth layer's job (headers come later), everything else is checked.
func TestValidateOutgoing(t *testing.T) {
	v := specdoc.MustValidator()
	ctx := context.Background()
	good := `{"language":"en","customerId":"1","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32Z"}}`
	req := newReq("POST", loginPath, good, false) // no auth headers
	if _, err := v.ValidateOutgoing(ctx, req, []byte(good)); err != nil {
		t.Errorf("valid request without auth headers refused: %v", err)
	}
	if _, err := v.ValidateRequest(ctx, newReq("POST", loginPath, good, false)); err == nil {
		t.Error("ValidateRequest accepted a request without auth headers")
	}
	bad := `{"language":"en","customerId":"1","serviceAgreement":{"language":"en"}}`
	_, err := v.ValidateOutgoing(ctx, newReq("POST", loginPath, bad, false), []byte(bad))
	var fe *validation.FieldError
	if !errors.As(err, &fe) || fe.Field != "serviceAgreement.acceptedDate" {
		t.Errorf("got %v, want a FieldError naming serviceAgreement.acceptedDate", err)
	}
	_, err = v.ValidateOutgoing(ctx, newReq("GET", "/connect-components/configurations/nope", "", false), nil)
	if !errors.As(err, &fe) || fe.Field != "configuration_id" {
		t.Errorf("got %v, want a FieldError naming configuration_id", err)
	}
}
