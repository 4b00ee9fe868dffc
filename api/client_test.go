package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/spectest"
)

const (
	testKey   = "test-app-key-3f9c"
	testToken = "test-app-token-81d2"
)

var (
	cfgID      = uuid.MustParse("605543e1-f507-48ad-8127-95c40566597b")
	formID     = uuid.MustParse("8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f")
	streamID   = uuid.MustParse("208a1170-875e-4656-85d0-27dfc3ee7137")
	elementID  = uuid.MustParse("26410b1f-0347-4d57-bb03-f44d00e785e2")
	mfaID      = uuid.MustParse("3c9a1f0e-7d42-4b8e-9a1d-2f6b5c4e8d01")
	acceptedAt = time.Date(2024, 11, 28, 18, 25, 32, 0, time.UTC)
)

func errBody(code, desc string) map[string]any {
	return map[string]any{"Errors": map[string]any{"Error": []map[string]any{{
		"Source": "Connect-Components", "ReasonCode": code, "Description": desc,
		"Recoverable": false, "Details": "details for " + code,
	}}}}
}

var (
	configurationBody = map[string]any{"id": cfgID.String(), "filterAccounts": []string{"Checking", "Savings"}, "accountClassificationType": []string{"personal"}, "aoRequired": true}
	loginFormBody     = map[string]any{"id": formID.String(), "eventStreamId": streamID.String(), "elements": []map[string]any{{"id": elementID.String(), "label": "username", "sortOrder": 0}}}
	oauthBody         = map[string]any{"id": formID.String(), "url": "https://connect.example.com/oauth/" + formID.String(), "eventStreamId": streamID.String()}
	mfaBody           = []map[string]any{{"mfaChallenges": []map[string]any{{"id": mfaID.String(), "mfaType": "TFA_TEXT", "prompt": "Which high school did you attend", "choiceIds": []string{}, "eventStreamId": streamID.String()}}}}
	loginFormRequest  = api.PostInstitutionsInstitutionIdLoginFormsRequest{Language: "en", CustomerId: "1005061234", ConfigurationId: &cfgID, ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: acceptedAt}}
	oauthRequest      = api.PostInstitutionsInstitutionIdOauthUrlsRequest{RedirectURI: "https://partner.example.com/done", CustomerId: "1005061234", ServiceAgreement: api.ServiceAgreement{Language: "fr-ca", AcceptedDate: acceptedAt}}
)

// result is the common view of every generated *XxxResponse.
type result interface {
	StatusCode() int
	GetBody() []byte
}

type opCase struct {
	op       string // operationId in the spec
	status   int
	respond  any
	call     func(ctx context.Context, c *api.Client) (result, error)
	method   string
	path     string
	wantBody string // exact JSON sent, or "" for none
	check    func(t *testing.T, r result)
}

func operationCases() []opCase {
	postCfg := func(ctx context.Context, c *api.Client) (result, error) {
		f, ao := []string{"Checking", "Savings"}, true
		return c.PostConfigurationsWithResponse(ctx, api.PostConfigurationsRequest{FilterAccounts: &f, AoRequired: &ao})
	}
	getAll := func(ctx context.Context, c *api.Client) (result, error) { return c.GetConfigurationsWithResponse(ctx) }
	getOne := func(ctx context.Context, c *api.Client) (result, error) {
		return c.GetConfigurationsConfigurationIdWithResponse(ctx, cfgID)
	}
	del := func(ctx context.Context, c *api.Client) (result, error) {
		return c.DeleteConfigurationsConfigurationIdWithResponse(ctx, cfgID)
	}
	login := func(ctx context.Context, c *api.Client) (result, error) {
		return c.PostInstitutionsInstitutionIdLoginFormsWithResponse(ctx, 170716, loginFormRequest)
	}
	oauth := func(ctx context.Context, c *api.Client) (result, error) {
		return c.PostInstitutionsInstitutionIdOauthUrlsWithResponse(ctx, 170716, oauthRequest)
	}
	recon := func(ctx context.Context, c *api.Client) (result, error) {
		return c.PostReconnectionsWithResponse(ctx, "1005061234", 7008461438, api.PostReconnectionsJSONRequestBody{})
	}
	cfgPath := "/connect-components/configurations"
	onePath := cfgPath + "/" + cfgID.String()
	loginPath := "/connect-components/institutions/170716/login-forms"
	oauthPath := "/connect-components/institutions/170716/oauth-urls"
	reconPath := "/connect-components/customers/1005061234/institution-login-ids/7008461438/reconnections"
	postCfgJSON := `{"aoRequired":true,"filterAccounts":["Checking","Savings"]}`
	loginJSON := `{"configurationId":"605543e1-f507-48ad-8127-95c40566597b","customerId":"1005061234","language":"en","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"en"}}`
	oauthJSON := `{"customerId":"1005061234","redirectURI":"https://partner.example.com/done","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"fr-ca"}}`

	checkCfg := func(t *testing.T, got *api.Configuration) {
		t.Helper()
		if got == nil || got.Id == nil || *got.Id != cfgID {
			t.Fatalf("configuration id: got %+v", got)
		}
		if got.FilterAccounts == nil || strings.Join(*got.FilterAccounts, ",") != "Checking,Savings" {
			t.Errorf("filterAccounts: got %v", got.FilterAccounts)
		}
		if got.AccountClassificationType == nil || strings.Join(*got.AccountClassificationType, ",") != "personal" {
			t.Errorf("accountClassificationType: got %v", got.AccountClassificationType)
		}
		if got.AoRequired == nil || !*got.AoRequired {
			t.Errorf("aoRequired: got %v", got.AoRequired)
		}
	}
	checkForm := func(t *testing.T, got *api.PostInstitutionsInstitutionIdLoginForms201Response) {
		t.Helper()
		if got == nil {
			t.Fatal("no login form decoded")
		}
		if got.Id != formID || got.EventStreamId != streamID {
			t.Errorf("ids: got %v %v", got.Id, got.EventStreamId)
		}
		if len(got.Elements) != 1 || got.Elements[0].Id != elementID || got.Elements[0].Label != "username" || got.Elements[0].SortOrder != 0 {
			t.Errorf("elements: got %+v", got.Elements)
		}
	}
	errCase := func(op string, status int, code string, call func(context.Context, *api.Client) (result, error), method, path, body string) opCase {
		return opCase{op: op, status: status, respond: errBody(code, "desc "+code), call: call, method: method, path: path, wantBody: body,
			check: func(t *testing.T, r result) { t.Helper(); checkErrorBody(t, r, status, code) }}
	}

	return []opCase{
		{op: "PostConfigurations", status: 201, respond: configurationBody, call: postCfg, method: "POST", path: cfgPath, wantBody: postCfgJSON,
			check: func(t *testing.T, r result) { checkCfg(t, r.(*gen.PostConfigurationsResponse).JSON201) }},
		errCase("PostConfigurations", 400, "10010", postCfg, "POST", cfgPath, postCfgJSON),
		errCase("PostConfigurations", 401, "10026", postCfg, "POST", cfgPath, postCfgJSON),

		{op: "GetConfigurations", status: 200, respond: []any{configurationBody}, call: getAll, method: "GET", path: cfgPath,
			check: func(t *testing.T, r result) {
				got := r.(*gen.GetConfigurationsResponse).JSON200
				if got == nil || len(*got) != 1 {
					t.Fatalf("list: got %v", got)
				}
				checkCfg(t, &(*got)[0])
			}},
		{op: "GetConfigurations", status: 200, respond: []any{}, call: getAll, method: "GET", path: cfgPath,
			check: func(t *testing.T, r result) {
				got := r.(*gen.GetConfigurationsResponse).JSON200
				if got == nil || len(*got) != 0 {
					t.Fatalf("empty list: got %v", got)
				}
			}},
		errCase("GetConfigurations", 401, "10023", getAll, "GET", cfgPath, ""),

		{op: "GetConfigurationsConfigurationId", status: 200, respond: configurationBody, call: getOne, method: "GET", path: onePath,
			check: func(t *testing.T, r result) { checkCfg(t, r.(*gen.GetConfigurationsConfigurationIdResponse).JSON200) }},
		errCase("GetConfigurationsConfigurationId", 401, "10026", getOne, "GET", onePath, ""),
		errCase("GetConfigurationsConfigurationId", 404, "4041", getOne, "GET", onePath, ""),

		{op: "DeleteConfigurationsConfigurationId", status: 204, call: del, method: "DELETE", path: onePath,
			check: func(t *testing.T, r result) {
				if len(r.GetBody()) != 0 {
					t.Errorf("204 body: got %q", r.GetBody())
				}
			}},
		errCase("DeleteConfigurationsConfigurationId", 401, "10026", del, "DELETE", onePath, ""),
		errCase("DeleteConfigurationsConfigurationId", 404, "4041", del, "DELETE", onePath, ""),

		{op: "PostInstitutionsInstitutionIdLoginForms", status: 201, respond: loginFormBody, call: login, method: "POST", path: loginPath, wantBody: loginJSON,
			check: func(t *testing.T, r result) {
				checkForm(t, r.(*gen.PostInstitutionsInstitutionIdLoginFormsResponse).JSON201)
			}},
		errCase("PostInstitutionsInstitutionIdLoginForms", 400, "10010", login, "POST", loginPath, loginJSON),
		errCase("PostInstitutionsInstitutionIdLoginForms", 401, "10026", login, "POST", loginPath, loginJSON),
		errCase("PostInstitutionsInstitutionIdLoginForms", 404, "4041", login, "POST", loginPath, loginJSON),

		{op: "PostInstitutionsInstitutionIdOauthUrls", status: 201, respond: oauthBody, call: oauth, method: "POST", path: oauthPath, wantBody: oauthJSON,
			check: func(t *testing.T, r result) {
				got := r.(*gen.PostInstitutionsInstitutionIdOauthUrlsResponse).JSON201
				if got == nil || got.Id != formID || got.EventStreamId != streamID || got.Url != "https://connect.example.com/oauth/"+formID.String() {
					t.Errorf("oauth url: got %+v", got)
				}
			}},
		errCase("PostInstitutionsInstitutionIdOauthUrls", 400, "10010", oauth, "POST", oauthPath, oauthJSON),
		errCase("PostInstitutionsInstitutionIdOauthUrls", 401, "10023", oauth, "POST", oauthPath, oauthJSON),
		errCase("PostInstitutionsInstitutionIdOauthUrls", 404, "4041", oauth, "POST", oauthPath, oauthJSON),

		{op: "PostReconnections", status: 201, respond: loginFormBody, call: recon, method: "POST", path: reconPath, wantBody: `{}`,
			check: func(t *testing.T, r result) { checkForm(t, r.(*gen.PostReconnectionsResponse).JSON201) }},
		{op: "PostReconnections", status: 203, respond: mfaBody, call: recon, method: "POST", path: reconPath, wantBody: `{}`,
			check: func(t *testing.T, r result) {
				got := r.(*gen.PostReconnectionsResponse).JSON203
				if got == nil || len(*got) != 1 || len((*got)[0].MfaChallenges) != 1 {
					t.Fatalf("mfa: got %+v", got)
				}
				ch := (*got)[0].MfaChallenges[0]
				if ch.Id != mfaID || ch.MfaType != "TFA_TEXT" || ch.Prompt != "Which high school did you attend" || len(ch.ChoiceIds) != 0 || ch.EventStreamId != streamID {
					t.Errorf("challenge: got %+v", ch)
				}
			}},
		errCase("PostReconnections", 400, "10010", recon, "POST", reconPath, `{}`),
		errCase("PostReconnections", 401, "10023", recon, "POST", reconPath, `{}`),

		{op: "CreateToken", status: 200, respond: map[string]any{"token": "fresh-token"}, method: "POST", path: "/aggregation/v2/partners/authentication",
			wantBody: `{"partnerId":"p-1","partnerSecret":"s-1"}`,
			call: func(ctx context.Context, c *api.Client) (result, error) {
				return c.CreateTokenWithResponse(ctx, api.PartnerCredentials{PartnerId: "p-1", PartnerSecret: "s-1"})
			},
			check: func(t *testing.T, r result) {
				if got := r.(*gen.CreateTokenResponse).JSON200; got == nil || got.Token != "fresh-token" {
					t.Errorf("token: got %+v", got)
				}
			}},
		errCase("CreateToken", 400, "10010", func(ctx context.Context, c *api.Client) (result, error) {
			return c.CreateTokenWithResponse(ctx, api.PartnerCredentials{PartnerId: "p-1", PartnerSecret: "s-1"})
		}, "POST", "/aggregation/v2/partners/authentication", `{"partnerId":"p-1","partnerSecret":"s-1"}`),
		errCase("CreateToken", 401, "10024", func(ctx context.Context, c *api.Client) (result, error) {
			return c.CreateTokenWithResponse(ctx, api.PartnerCredentials{PartnerId: "p-1", PartnerSecret: "s-1"})
		}, "POST", "/aggregation/v2/partners/authentication", `{"partnerId":"p-1","partnerSecret":"s-1"}`),
	}
}

// checkErrorBody asserts that an error status decoded into the error type
// of the spec, in the JSONxxx field the generator made for that status.
func checkErrorBody(t *testing.T, r result, status int, code string) {
	t.Helper()
	if r.StatusCode() != status {
		t.Fatalf("status: got %d, want %d", r.StatusCode(), status)
	}
	e := decodedError(r, status)
	if e == nil {
		t.Fatalf("status %d: error body not decoded into ErrorResponse (body %s)", status, r.GetBody())
	}
	if len(e.Errors.Error) != 1 {
		t.Fatalf("errors: got %+v", e.Errors.Error)
	}
	item := e.Errors.Error[0]
	if item.ReasonCode == nil || *item.ReasonCode != code {
		t.Errorf("ReasonCode: got %v, want %s", item.ReasonCode, code)
	}
	if item.Description == nil || *item.Description != "desc "+code || item.Source == nil || *item.Source != "Connect-Components" ||
		item.Recoverable == nil || *item.Recoverable || item.Details == nil || *item.Details != "details for "+code {
		t.Errorf("error item: got %+v", item)
	}
}

// TestEveryOperationAndStatus runs every operation and documented status,
// plain and with both validations on (valid traffic must pass through
// untouched), and checks the exact request sent and the decoded answer.
func TestEveryOperationAndStatus(t *testing.T) {
	modes := []struct {
		name string
		opts []api.Option
	}{
		{"plain", nil},
		{"validated", []api.Option{api.WithRequestValidation(), api.WithResponseValidation()}},
	}
	for _, mode := range modes {
		for _, tc := range operationCases() {
			t.Run(fmt.Sprintf("%s/%s/%d", mode.name, tc.op, tc.status), func(t *testing.T) {
				srv := spectest.New(t, func(*spectest.Request) spectest.Response {
					return spectest.Response{Status: tc.status, Body: tc.respond}
				})
				c, err := api.NewClient(testKey, testToken, append([]api.Option{api.WithBaseURL(srv.URL)}, mode.opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				runOperationCase(t, c, srv, tc)
			})
		}
	}
}

func runOperationCase(t *testing.T, c *api.Client, srv *spectest.Server, tc opCase) {
	t.Helper()
	r, err := tc.call(context.Background(), c)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	if r.StatusCode() != tc.status {
		t.Fatalf("status: got %d, want %d", r.StatusCode(), tc.status)
	}
	req := srv.Last()
	if req.OperationID != tc.op {
		t.Errorf("operation: got %s, want %s", req.OperationID, tc.op)
	}
	if req.Method != tc.method || req.Path != tc.path {
		t.Errorf("request line: got %s %s, want %s %s", req.Method, req.Path, tc.method, tc.path)
	}
	if got := req.Header.Get("Finicity-App-Key"); got != testKey {
		t.Errorf("Finicity-App-Key: got %q", got)
	}
	wantToken := testToken
	if tc.op == "CreateToken" {
		wantToken = "" // partner authentication carries the app key alone
	}
	if got := req.Header.Get("Finicity-App-Token"); got != wantToken {
		t.Errorf("Finicity-App-Token: got %q, want %q", got, wantToken)
	}
	if got := strings.TrimSpace(string(req.Body)); got != tc.wantBody {
		t.Errorf("body sent:\n got %s\nwant %s", got, tc.wantBody)
	}
	if tc.wantBody != "" && req.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type: got %q", req.Header.Get("Content-Type"))
	}
	tc.check(t, r)
}

// TestCasesCoverSpec fails when the spec documents an operation or status
// that TestEveryOperationAndStatus does not exercise, or the reverse.
func TestCasesCoverSpec(t *testing.T) {
	documented := map[string]bool{}
	for _, item := range specdoc.MustValidator().Doc().Paths.Map() {
		for _, op := range item.Operations() {
			for code := range op.Responses.Map() {
				documented[op.OperationID+"/"+code] = true
			}
		}
	}
	tested := map[string]bool{}
	for _, tc := range operationCases() {
		tested[fmt.Sprintf("%s/%d", tc.op, tc.status)] = true
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
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("untested documented statuses: %v; tested but undocumented: %v", missing, extra)
	}
	if len(documented) < 20 {
		t.Errorf("only %d documented statuses found: spec not loaded?", len(documented))
	}
}

func TestNewClientRefusesBadSettings(t *testing.T) {
	tests := []struct {
		name, key, token, base string
		opts                   []api.Option
		want                   string
	}{
		{name: "empty key", key: "", token: testToken, want: "app key is empty"},
		{name: "blank key", key: "  ", token: testToken, want: "app key is empty"},
		{name: "empty token", key: testKey, token: "", want: "app token is empty"},
		{name: "plain http remote", key: testKey, token: testToken, base: "http://api.finicity.com", want: "plain http for a non-loopback host"},
		{name: "plain http private ip", key: testKey, token: testToken, base: "http://10.1.2.3:8080", want: "plain http for a non-loopback host"},
		{name: "other scheme", key: testKey, token: testToken, base: "ftp://api.finicity.com", want: "must use https"},
		{name: "no host", key: testKey, token: testToken, base: "/relative", want: "has no host"},
		{name: "nil http client", key: testKey, token: testToken, opts: []api.Option{api.WithHTTPClient(nil)}, want: "client is nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			if tc.base != "" {
				opts = append(opts, api.WithBaseURL(tc.base))
			}
			c, err := api.NewClient(tc.key, tc.token, opts...)
			if err == nil {
				t.Fatalf("got client %v, want error containing %q", c, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error leaks the token: %q", err)
			}
		})
	}
}

func TestNewClientAcceptsSafeBaseURLs(t *testing.T) {
	for _, base := range []string{"", "https://api.finicity.com", "https://sandbox.example.com/prefix", "http://127.0.0.1:4010", "http://localhost:4010", "http://[::1]:4010"} {
		opts := []api.Option{}
		if base != "" {
			opts = append(opts, api.WithBaseURL(base))
		}
		c, err := api.NewClient(testKey, testToken, opts...)
		if err != nil {
			t.Errorf("%q: %v", base, err)
			continue
		}
		want := base
		if want == "" {
			want = api.DefaultBaseURL
		}
		if c.BaseURL() != want {
			t.Errorf("BaseURL: got %q, want %q", c.BaseURL(), want)
		}
	}
}

// TestWithHTTPClientIsUsed checks that requests go through the injected
// client (here, its transport), not a default one.
func TestWithHTTPClientIsUsed(t *testing.T) {
	srv := spectest.New(t, func(*spectest.Request) spectest.Response { return spectest.Response{Status: 200, Body: []any{}} })
	var seen int
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL), api.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetConfigurationsWithResponse(context.Background()); err != nil {
		t.Fatal(err)
	}
	if seen != 1 {
		t.Errorf("injected client saw %d requests, want 1", seen)
	}
}

// TestBaseURLWithPathPrefix checks that a base URL's path is kept.
func TestBaseURLWithPathPrefix(t *testing.T) {
	srv := spectest.New(t, func(*spectest.Request) spectest.Response { return spectest.Response{Status: 200, Body: []any{}} })
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL+"/finicity"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetConfigurationsWithResponse(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := srv.Last().Path; got != "/finicity/connect-components/configurations" {
		t.Errorf("path: got %s", got)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// decodedError returns the ErrorResponse the generated parser decoded for
// status, through the GetJSONxxx accessor of that status.
func decodedError(r result, status int) *api.ErrorResponse {
	switch status {
	case 400:
		if g, ok := r.(interface{ GetJSON400() *gen.ErrorResponse }); ok {
			return g.GetJSON400()
		}
	case 401:
		if g, ok := r.(interface{ GetJSON401() *gen.ErrorResponse }); ok {
			return g.GetJSON401()
		}
	case 404:
		if g, ok := r.(interface{ GetJSON404() *gen.ErrorResponse }); ok {
			return g.GetJSON404()
		}
	}
	return nil
}
