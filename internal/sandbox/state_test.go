package sandbox_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// ownerIn returns how state (version 2) names appKey: HMAC-SHA256 of it
// under the state's appKeyHashKey, in hexadecimal.
func ownerIn(t *testing.T, state []byte, appKey string) string {
	t.Helper()
	_, owner := testutil.AppKeyOwner(t, state, appKey)
	return owner
}

// hashKeyIn returns the appKeyHashKey member of state as written.
func hashKeyIn(t *testing.T, state []byte) string {
	t.Helper()
	var v struct{ AppKeyHashKey string }
	if err := json.Unmarshal(state, &v); err != nil || v.AppKeyHashKey == "" {
		t.Fatalf("no appKeyHashKey: %v %s", err, state)
	}
	return v.AppKeyHashKey
}

// serve sends one request straight to the sandbox's handler and returns
// the status and body: the fastest path, for floods.
func serve(sb http.Handler, method, path, key, token, body string) (int, string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Finicity-App-Key", key)
	if token != "" {
		req.Header.Set("Finicity-App-Token", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	sb.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestStateReadAndReset: AppKeys and Configurations show what each app
// key stores, as copies; Reset forgets configurations, tokens and OAuth
// sessions alike.
func TestStateReadAndReset(t *testing.T) {
	ctx := context.Background()
	sb, srv := newSandbox(t, sandbox.WithTokenCheck(true))
	tokA := issueToken(t, srv, keyA)
	a, b := apiClient(t, srv, keyA, tokA), apiClient(t, srv, keyB, issueToken(t, srv, keyB))

	if got := sb.AppKeys(); len(got) != 0 {
		t.Errorf("AppKeys of a fresh sandbox: %q", got)
	}
	firstParams := typedBody[api.ConfigurationParams](t, opCreate, map[string]any{"filterAccounts": []string{"Checking"}, "aoRequired": true})
	secondParams := typedBody[api.ConfigurationParams](t, opCreate, map[string]any{"accountClassificationType": []string{"personal"}})
	first, err := a.Configurations.Create(ctx, firstParams)
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.Configurations.Create(ctx, secondParams)
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.Configurations.Create(ctx, typedBody[api.ConfigurationParams](t, opCreate, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sb.AppKeys(), []string{keyA, keyB}; !reflect.DeepEqual(got, want) {
		t.Errorf("AppKeys: got %q, want %q", got, want)
	}
	// What each create stored: the body's fields the configuration's
	// schema declares, and the id.
	wantA := []gen.Configuration{
		specexample.DecodeAs[gen.Configuration](t, stored(t, firstParams, first.ID.String())),
		specexample.DecodeAs[gen.Configuration](t, stored(t, secondParams, second.ID.String())),
	}
	gotA := sb.Configurations(keyA)
	if !reflect.DeepEqual(gotA, wantA) {
		t.Errorf("Configurations(keyA):\ngot  %+v\nwant %+v", gotA, wantA)
	}
	// Copies: changing them changes nothing stored.
	gotA[0].FilterAccounts[0] = "Changed"
	gotA[1].ID = other.ID
	if again := sb.Configurations(keyA); !reflect.DeepEqual(again, wantA) {
		t.Errorf("Configurations changed through a returned value: %+v", again)
	}
	if got := sb.Configurations("no-such-key"); got == nil || len(got) != 0 {
		t.Errorf("Configurations of an unknown key: %#v, want empty, not nil", got)
	}
	// An app key whose last configuration is deleted is gone.
	if err := b.Configurations.Delete(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if got, want := sb.AppKeys(), []string{keyA}; !reflect.DeepEqual(got, want) {
		t.Errorf("AppKeys after deleting keyB's only one: got %q, want %q", got, want)
	}

	oauth, err := a.OAuthURLs.Create(ctx, 1, typedBody[api.OAuthURLParams](t, opOAuthURL, nil))
	if err != nil {
		t.Fatal(err)
	}
	if code := oauthPage(t, srv, oauth.URL); code != http.StatusFound {
		t.Fatalf("OAuth page before Reset: %d", code)
	}

	sb.Reset()
	if got := sb.AppKeys(); len(got) != 0 {
		t.Errorf("AppKeys after Reset: %q", got)
	}
	if got := sb.Configurations(keyA); len(got) != 0 {
		t.Errorf("Configurations after Reset: %+v", got)
	}
	if status, reason := listStatus(t, genClient(t, srv, keyA, tokA)); status != 401 || reason != gen.ReasonInvalidToken {
		t.Errorf("token issued before Reset: got %d %s, want 401 %s", status, reason, gen.ReasonInvalidToken)
	}
	if code := oauthPage(t, srv, oauth.URL); code != http.StatusNotFound {
		t.Errorf("OAuth page after Reset: %d, want 404", code)
	}
	// The sandbox works as new after Reset: settings stay.
	a = apiClient(t, srv, keyA, issueToken(t, srv, keyA))
	if list, err := a.Configurations.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("list after Reset: %v %+v", err, list)
	}
	if _, err := a.Configurations.Create(ctx, typedBody[api.ConfigurationParams](t, opCreate, nil)); err != nil {
		t.Errorf("create after Reset: %v", err)
	}
	if status, _ := listStatus(t, genClient(t, srv, keyA, "made-up")); status != 401 {
		t.Errorf("token checking after Reset: %d, want 401", status)
	}
}

// issueToken gets a token for key from the sandbox's CreateToken.
func issueToken(t *testing.T, srv *httptest.Server, key string) string {
	t.Helper()
	status, tok := issue(t, genClient(t, srv, key, ""), sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
	if status != 200 {
		t.Fatalf("CreateToken: %d", status)
	}
	return tok
}

// oauthPage fetches an OAuth URL without following its redirect.
func oauthPage(t *testing.T, srv *httptest.Server, u string) int {
	t.Helper()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestStateRoundTrip: MarshalState writes the documented format, exactly,
// and UnmarshalState into another sandbox restores every part of it: the
// configurations in order, a token that still works, an OAuth session
// that still redirects.
func TestStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	clk := testutil.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	opts := []sandbox.Option{sandbox.WithTokenCheck(true), sandbox.WithClock(clk.Now)}
	sb, srv := newSandbox(t, opts...)
	if got, err := sb.MarshalState(); err != nil || string(got) != `{"version":2,"appKeyHashKey":"`+hashKeyIn(t, got)+`","configurations":{},"tokens":[],"oauth":[]}`+"\n" {
		t.Errorf("empty state: %v %s", err, got)
	}

	tok := issueToken(t, srv, keyB)
	b := apiClient(t, srv, keyB, tok)
	var ids []api.UUID
	var params []api.ConfigurationParams
	for i := range 3 {
		p := typedBody[api.ConfigurationParams](t, opCreate, map[string]any{"filterAccounts": []string{fmt.Sprint("F", i)}, "aoRequired": i == 2})
		cfg, err := b.Configurations.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		ids, params = append(ids, cfg.ID), append(params, p)
	}
	if err := b.Configurations.Delete(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	oauth, err := b.OAuthURLs.Create(ctx, 1, typedBody[api.OAuthURLParams](t, opOAuthURL, map[string]any{"redirectURI": "https://p.example/back?x=1"}))
	if err != nil {
		t.Fatal(err)
	}
	// App keys are sorted in the file by their keyed hash.
	a := apiClient(t, srv, keyA, issueToken(t, srv, keyA))
	paramsA := typedBody[api.ConfigurationParams](t, opCreate, map[string]any{"accountClassificationType": []string{"business", "personal"}})
	cfgA, err := a.Configurations.Create(ctx, paramsA)
	if err != nil {
		t.Fatal(err)
	}

	data, err := sb.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	sessionID := oauth.URL[strings.LastIndex(oauth.URL, "/")+1 : strings.Index(oauth.URL, "?")]
	tokA := tokenIn(t, string(data), 1)
	ownerA, ownerB := ownerIn(t, data, keyA), ownerIn(t, data, keyB)
	cfgsA := `"` + ownerA + `":[` + storedText(t, paramsA, cfgA.ID.String()) + `]`
	cfgsB := `"` + ownerB + `":[` + storedText(t, params[0], ids[0].String()) + `,` + storedText(t, params[2], ids[2].String()) + `]`
	if ownerB < ownerA {
		cfgsA, cfgsB = cfgsB, cfgsA
	}
	want := `{"version":2,"appKeyHashKey":"` + hashKeyIn(t, data) + `","configurations":{` + cfgsA + `,` + cfgsB + `},` +
		`"tokens":[{"token":"` + tok + `","appKeyHash":"` + ownerB + `","expires":"2026-03-01T11:00:00Z"},{"token":"` + tokA + `","appKeyHash":"` + ownerA + `","expires":"2026-03-01T11:00:00Z"}],` +
		`"oauth":[{"id":"` + sessionID + `","redirectURI":"https://p.example/back?x=1"}]}` + "\n"
	if string(data) != want {
		t.Errorf("MarshalState:\ngot  %s\nwant %s", data, want)
	}
	if strings.Contains(string(data), keyA) || strings.Contains(string(data), keyB) {
		t.Errorf("the state holds an app key: %s", data)
	}

	restored, srv2 := newSandbox(t, opts...)
	if err := restored.UnmarshalState(data); err != nil {
		t.Fatal(err)
	}
	if again, err := restored.MarshalState(); err != nil || string(again) != string(data) {
		t.Errorf("state after a round trip:\ngot  %s\nwant %s", again, data)
	}
	b2 := apiClient(t, srv2, keyB, tok) // the token issued by the first sandbox
	list, err := b2.Configurations.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantList := []api.Configuration{specexample.DecodeAs[api.Configuration](t, created(t, params[0], ids[0].String())), specexample.DecodeAs[api.Configuration](t, created(t, params[2], ids[2].String()))}
	if !reflect.DeepEqual(list, wantList) {
		t.Errorf("restored list:\ngot  %+v\nwant %+v", list, wantList)
	}
	if code := oauthPage(t, srv2, strings.Replace(oauth.URL, srv.URL, srv2.URL, 1)); code != http.StatusFound {
		t.Errorf("restored OAuth session: %d, want 302", code)
	}
	// The restored token still expires when it would have.
	clk.Advance(2 * time.Hour)
	if status, reason := listStatus(t, genClient(t, srv2, keyB, tok)); status != 401 || reason != gen.ReasonExpiredToken {
		t.Errorf("restored token after its lifetime: %d %s", status, reason)
	}
	// The count of stored configurations is restored too: limits hold.
	limited := sandbox.New(sandbox.WithConfigurationLimits(10, 4))
	if err := limited.UnmarshalState(data); err != nil {
		t.Fatal(err)
	}
	create := bodyText(t, opCreate, nil)
	if status, body := serve(limited, "POST", cfgPath(t), keyA, anyTok, create); status != 201 {
		t.Errorf("4th configuration of a limit of 4: %d %s", status, body)
	}
	if status, _ := serve(limited, "POST", cfgPath(t), keyA, anyTok, create); status != 400 {
		t.Errorf("5th configuration of a limit of 4: %d", status)
	}
}

// idIn returns the id of a created resource's answer.
func idIn(t *testing.T, body string) string {
	t.Helper()
	var v struct{ ID string }
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.ID == "" {
		t.Fatalf("no id in %s", body)
	}
	return v.ID
}

// tokenFrom returns the token of a CreateToken answer, "" if none.
func tokenFrom(body string) string {
	var answer struct{ Token string }
	if json.Unmarshal([]byte(body), &answer) != nil {
		return ""
	}
	return answer.Token
}

// tokenIn returns the n-th token (0-based) of a marshalled state.
func tokenIn(t *testing.T, state string, n int) string {
	t.Helper()
	parts := strings.Split(state, `{"token":"`)
	if len(parts) <= n+1 {
		t.Fatalf("no token %d in %s", n, state)
	}
	return parts[n+1][:strings.Index(parts[n+1], `"`)]
}

// TestUnmarshalStateRejects: malformed data is refused with an error
// naming the problem, never quoting a token or an app key, and the
// sandbox keeps what it had.
func TestUnmarshalStateRejects(t *testing.T) {
	const (
		secretKey = "APPKEY-s3cr3t"
		secretTok = "TOKEN-s3cr3t"
		id1       = "605543e1-f507-48ad-8127-95c40566597b"
		id2       = "9d6c9a6e-8f5b-4d7e-9f3a-2b1c0d9e8f7a"
	)
	wrap := func(cfgs, tokens, oauth string) string {
		return `{"version":1,"configurations":{` + cfgs + `},"tokens":[` + tokens + `],"oauth":[` + oauth + `]}`
	}
	tok := func(token, key, expires string) string {
		return `{"token":"` + token + `","appKey":"` + key + `","expires":"` + expires + `"}`
	}
	const exp = "2026-03-01T11:00:00Z"
	hashKey32 := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	many := func(n int) string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprintf(`{"id":"%08d-f507-48ad-8127-95c40566597b"}`, i))
		}
		return strings.Join(s, ",")
	}
	// The state holds configurations as the configuration's schema has
	// them: the fields the cases use must be declared there, and colour
	// must not.
	resourceFields(t, "aoRequired", "filterAccounts")
	if _, props := sandbox.Collection(t, specOp(t, opCreate)); props["colour"] != nil {
		t.Fatalf("the configuration's schema declares colour, which %s takes for an unknown field: update the test", sandbox.CallerFile())
	}
	cases := []struct {
		name, data, want string
	}{
		{"empty", ``, "sandbox: state: not a JSON object: empty or cut short"},
		{"not JSON", `version: 1`, "sandbox: state: not a JSON object: invalid JSON at byte 1"},
		{"cut short", `{"version":1,"configurations":{`, "sandbox: state: not a JSON object: empty or cut short"},
		{"an array", `[1]`, "sandbox: state: not a JSON object: a JSON array"},
		{"version missing", `{"configurations":{}}`, "sandbox: state: version missing"},
		{"version 3", `{"version":3}`, "sandbox: state: unsupported version 3 (this build reads versions 1 and 2)"},
		{"version as a string", `{"version":"1"}`, `sandbox: state: unsupported version "1" (this build reads versions 1 and 2)`},
		{"long version", `{"version":"` + strings.Repeat("x", 100) + `"}`, `sandbox: state: unsupported version "xxxxxxxxxxxxxxxxxxx... (this build reads versions 1 and 2)`},
		{"version 2 without its key", `{"version":2,"configurations":{}}`, "sandbox: state: appKeyHashKey missing"},
		{"version 2 key not a string", `{"version":2,"appKeyHashKey":1}`, "sandbox: state: appKeyHashKey is not a JSON string"},
		{"version 2 key too short", `{"version":2,"appKeyHashKey":"c2hvcnQ="}`, "sandbox: state: appKeyHashKey is not 32 bytes in base64"},
		{"version 2 app key in place of its hash", `{"version":2,"appKeyHashKey":"` + hashKey32 + `","configurations":{"` + secretKey + `":[{"id":"` + id1 + `"}]}}`,
			"sandbox: state: configurations of app key #1 (in sorted order): the app key's hash is not 64 lower-case hexadecimal characters"},
		{"version 2 token of an app key", `{"version":2,"appKeyHashKey":"` + hashKey32 + `","tokens":[{"token":"` + secretTok + `","appKeyHash":"` + secretKey + `","expires":"` + exp + `"}]}`,
			"sandbox: state: tokens item 0: appKeyHash is not 64 lower-case hexadecimal characters"},
		{"version 2 token in version 1 form", `{"version":2,"appKeyHashKey":"` + hashKey32 + `","tokens":[` + tok(secretTok, secretKey, exp) + `]}`,
			`sandbox: state: unknown field "appKey"`},
		{"version 1 with a hash key", `{"version":1,"appKeyHashKey":"` + hashKey32 + `"}`, `sandbox: state: unknown field "appKeyHashKey"`},
		{"unknown field", `{"version":1,"settings":{}}`, `sandbox: state: unknown field "settings"`},
		{"unknown configuration field", wrap(`"k":[{"id":"`+id1+`","colour":"red"}]`, ``, ``), `sandbox: state: configurations of app key #1 (in sorted order), item 0: unknown field "colour"`},
		{"data after the object", wrap(``, ``, ``) + `{}`, "sandbox: state: data after the JSON object"},
		{"configurations not an object", `{"version":1,"configurations":[]}`, "sandbox: state: configurations: a JSON array where an object was expected"},
		{"wrong type in a configuration", wrap(`"`+secretKey+`":[{"id":"`+id1+`","aoRequired":"yes"}]`, ``, ``), "sandbox: state: configurations of app key #1 (in sorted order), item 0: aoRequired: value must be a boolean"},
		{"configuration id not a UUID", wrap(`"`+secretKey+`":[{"id":"nope"}]`, ``, ``), "sandbox: state: configurations of app key #1 (in sorted order), item 0: id: minimum string length is 36"},
		{"configuration id missing", wrap(`"0":[],"`+secretKey+`":[{"id":"`+id1+`"},{"filterAccounts":["Checking"]}]`, ``, ``), "sandbox: state: configurations of app key #2 (in sorted order), item 1: id missing"},
		{"duplicate configuration id", wrap(`"`+secretKey+`":[{"id":"`+id1+`"},{"id":"`+id2+`"},{"id":"`+id1+`"}]`, ``, ``), "sandbox: state: configurations of app key #1 (in sorted order), item 2: duplicate id " + id1},
		{"empty app key", wrap(`"":[{"id":"`+id1+`"}]`, ``, ``), "sandbox: state: configurations of app key #1 (in sorted order): the app key is empty"},
		{"over the limit per app key", wrap(`"`+secretKey+`":[`+many(4)+`]`, ``, ``), "sandbox: state: configurations of app key #1 (in sorted order): 4 configurations, over the limit of 3 per app key"},
		{"over the total limit", wrap(`"a":[`+many(3)+`],"b":[`+many(3)+`]`, ``, ``), "sandbox: state: 6 configurations, over the limit of 5 in total"},
		{"token missing", wrap(``, tok("", secretKey, exp), ``), "sandbox: state: tokens item 0: token missing"},
		{"token app key missing", wrap(``, tok(secretTok, "", exp), ``), "sandbox: state: tokens item 0: appKey missing"},
		{"token expiry missing", wrap(``, `{"token":"`+secretTok+`","appKey":"`+secretKey+`"}`, ``), "sandbox: state: tokens item 0: expires missing"},
		{"token expiry malformed", wrap(``, tok(secretTok, secretKey, "tomorrow"), ``), "sandbox: state: a token's expires is not an RFC 3339 date-time"},
		{"duplicate token", wrap(``, tok("t1", secretKey, exp)+","+tok(secretTok, secretKey, exp)+","+tok(secretTok, "k2", exp), ``), "sandbox: state: tokens item 2: duplicate token"},
		{"token not a string", wrap(``, `{"token":1}`, ``), "sandbox: state: tokens.token: a JSON number where a string was expected"},
		{"oauth id missing", wrap(``, ``, `{"redirectURI":"https://p.example"}`), "sandbox: state: oauth item 0: id missing"},
		{"oauth redirect missing", wrap(``, ``, `{"id":"`+id1+`"}`), "sandbox: state: oauth item 0: redirectURI missing"},
		{"duplicate oauth id", wrap(``, ``, `{"id":"`+id1+`","redirectURI":"https://p.example"},{"id":"`+id1+`","redirectURI":"https://q.example"}`), "sandbox: state: oauth item 1: duplicate id " + id1},
	}
	sb := sandbox.New(sandbox.WithConfigurationLimits(3, 5))
	if status, _ := serve(sb, "POST", cfgPath(t), keyA, anyTok, bodyText(t, opCreate, map[string]any{"filterAccounts": []string{"Kept"}})); status != 201 {
		t.Fatalf("create: %d", status)
	}
	before, err := sb.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := sb.UnmarshalState([]byte(tc.data))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error:\ngot  %v\nwant %s", err, tc.want)
			}
			if err != nil && (strings.Contains(err.Error(), secretKey) || strings.Contains(err.Error(), secretTok)) {
				t.Errorf("error quotes a credential: %v", err)
			}
			if after, _ := sb.MarshalState(); string(after) != string(before) {
				t.Errorf("state changed by a refused UnmarshalState:\n%s", after)
			}
		})
	}
}

// TestUnmarshalStateForgetsOldTokens: a token that expired more than a day
// ago is dropped on load, as the sandbox would have forgotten it; one
// expired more recently still answers "expired".
func TestUnmarshalStateForgetsOldTokens(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	sb, srv := newSandbox(t, sandbox.WithTokenCheck(true), sandbox.WithClock(clk.Now))
	data := `{"version":1,"configurations":{},"tokens":[` +
		`{"token":"recent","appKey":"app-key-a","expires":"2026-03-02T10:00:00Z"},` +
		`{"token":"old","appKey":"app-key-a","expires":"2026-03-01T11:59:59Z"},` +
		`{"token":"live","appKey":"app-key-a","expires":"2026-03-02T13:00:00Z"}],"oauth":[]}`
	if err := sb.UnmarshalState([]byte(data)); err != nil {
		t.Fatal(err)
	}
	got, _ := sb.MarshalState()
	owner := ownerIn(t, got, keyA)
	want := `{"version":2,"appKeyHashKey":"` + hashKeyIn(t, got) + `","configurations":{},"tokens":[` +
		`{"token":"recent","appKeyHash":"` + owner + `","expires":"2026-03-02T10:00:00Z"},` +
		`{"token":"live","appKeyHash":"` + owner + `","expires":"2026-03-02T13:00:00Z"}],"oauth":[]}` + "\n"
	if string(got) != want {
		t.Errorf("state:\ngot  %s\nwant %s", got, want)
	}
	for tok, wantReason := range map[string]string{"old": gen.ReasonInvalidToken, "recent": gen.ReasonExpiredToken, "live": ""} {
		if _, reason := listStatus(t, genClient(t, srv, keyA, tok)); reason != wantReason {
			t.Errorf("token %s: reason %q, want %q", tok, reason, wantReason)
		}
	}
}

// TestStateHook: the hook runs once for each request that changed the
// state, and never for one that did not; it runs outside the sandbox's
// lock (it can read the state).
func TestStateHook(t *testing.T) {
	for _, check := range []bool{false, true} {
		t.Run(fmt.Sprint("token check ", check), func(t *testing.T) {
			var calls atomic.Int32
			var sb *sandbox.Sandbox
			hook := func() {
				calls.Add(1)
				if _, err := sb.MarshalState(); err != nil { // deadlocks if the lock is held
					t.Error(err)
				}
			}
			sb = sandbox.New(sandbox.WithStateHook(hook), sandbox.WithTokenCheck(check), sandbox.WithConfigurationLimits(1, 1),
				sandbox.WithResponseValidation(func(err error) { t.Error(err) }))
			login := tokenBody(t, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
			cfg, create := cfgPath(t), bodyText(t, opCreate, nil)
			status, body := serve(sb, "POST", tokenPath(t), keyA, "", login)
			if status != 200 {
				t.Fatalf("token: %d %s", status, body)
			}
			tok := tokenFrom(body)
			_, body = serve(sb, "POST", tokenPath(t), keyB, "", login)
			tokB := tokenFrom(body)
			_, made := serve(sb, "POST", cfg, keyA, tok, create)
			id := idIn(t, made)
			tokenChanges := 0
			if check {
				tokenChanges = 2 // tokens are only stored when checked
			}
			steps := []struct {
				name                     string
				method, path, key, body  string
				token                    string
				status, wantCallsInTotal int
			}{
				{"after token and create", "", "", "", "", "", 0, tokenChanges + 1},
				{"create over the limit", "POST", cfg, keyA, create, "", 400, tokenChanges + 1},
				{"refused create (bad body)", "POST", cfg, keyA, bodyText(t, opCreate, map[string]any{"aoRequired": "x"}), "", 400, tokenChanges + 1},
				{"list", "GET", cfg, keyA, ``, "", 200, tokenChanges + 1},
				{"get", "GET", cfgItemPath(t, id), keyA, ``, "", 200, tokenChanges + 1},
				{"login form", "POST", loginPath(t), keyA, bodyText(t, opLoginForm, nil), "", 201, tokenChanges + 1},
				{"reconnection", "POST", reconPath(t), keyA, bodyText(t, opReconnect, nil), "", 201, tokenChanges + 1},
				{"OAuth URL", "POST", oauthPath(t), keyA, bodyText(t, opOAuthURL, nil), "", 201, tokenChanges + 2},
				{"delete", "DELETE", cfgItemPath(t, id), keyA, ``, "", 204, tokenChanges + 3},
				{"delete again", "DELETE", cfgItemPath(t, id), keyA, ``, "", 404, tokenChanges + 3},
				{"delete with another app key", "DELETE", cfgItemPath(t, id), keyB, ``, tokB, 404, tokenChanges + 3},
			}
			for _, st := range steps {
				if st.method != "" {
					token := tok
					if st.token != "" {
						token = st.token
					}
					if status, body := serve(sb, st.method, st.path, st.key, token, st.body); status != st.status {
						t.Fatalf("%s: %d %s", st.name, status, body)
					}
				}
				if got := int(calls.Load()); got != st.wantCallsInTotal {
					t.Errorf("%s: %d hook calls in total, want %d", st.name, got, st.wantCallsInTotal)
				}
			}
			sb.Reset()
			if err := sb.UnmarshalState([]byte(`{"version":1}`)); err != nil {
				t.Fatal(err)
			}
			if got := int(calls.Load()); got != tokenChanges+3 {
				t.Errorf("Reset or UnmarshalState called the hook: %d calls", got)
			}
		})
	}
}

// TestConfigurationLimits: past a limit a create is refused with a 400,
// reason 10010, whose Details name the limit; deleting makes room again.
func TestConfigurationLimits(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t, sandbox.WithConfigurationLimits(3, 5))
	a, b, c := apiClient(t, srv, keyA, anyTok), apiClient(t, srv, keyB, anyTok), apiClient(t, srv, "app-key-c", anyTok)
	params := typedBody[api.ConfigurationParams](t, opCreate, nil)
	create := func(cl *api.Client) (*api.Configuration, error) {
		return cl.Configurations.Create(ctx, params)
	}
	var kept []*api.Configuration
	for range 3 {
		cfg, err := create(a)
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, cfg)
	}
	refused := func(err error, details string) {
		t.Helper()
		e := apiError(t, err)
		want := api.Error{StatusCode: 400, ReasonCode: gen.ReasonInvalidField, Description: "Configuration limit of the sandbox reached.",
			Details: details, Source: "Connect-Components"}
		got := api.Error{StatusCode: e.StatusCode, ReasonCode: e.ReasonCode, Description: e.Description, Details: e.Details, Source: e.Source, Recoverable: e.Recoverable}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("refusal:\ngot  %+v\nwant %+v", got, want)
		}
	}
	_, err := create(a)
	refused(err, "This app key already has 3 configurations, the sandbox's limit per app key: delete some first.")
	for range 2 {
		if _, err := create(b); err != nil {
			t.Fatal(err)
		}
	}
	_, err = create(c)
	refused(err, "The sandbox already stores 5 configurations, its limit for all app keys together: delete some, or reset the sandbox.")
	if list, err := a.Configurations.List(ctx); err != nil || len(list) != 3 {
		t.Errorf("a refused create changed the list: %v %d", err, len(list))
	}
	if err := a.Configurations.Delete(ctx, kept[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := create(c); err != nil {
		t.Errorf("create after a delete made room: %v", err)
	}

	// Zero or negative keep the defaults.
	sb := sandbox.New(sandbox.WithConfigurationLimits(0, -1))
	cfg, body := cfgPath(t), bodyText(t, opCreate, nil)
	for i := range sandbox.DefaultMaxConfigurationsPerAppKey {
		if status, resp := serve(sb, "POST", cfg, keyA, anyTok, body); status != 201 {
			t.Fatalf("create %d under the default limit: %d %s", i, status, resp)
		}
	}
	if status, _ := serve(sb, "POST", cfg, keyA, anyTok, body); status != 400 {
		t.Errorf("create past the default limit per app key: %d, want 400", status)
	}
}

// TestCreateFloodIsBounded floods a sandbox with creates from many app
// keys: it stores no more than its limits, refuses the rest, and its live
// heap does not grow once the limit is reached.
func TestCreateFloodIsBounded(t *testing.T) {
	const perKey, total, keys, creates = 40, 200, 50, 4000
	sb := sandbox.New(sandbox.WithConfigurationLimits(perKey, total))
	cfg, create := cfgPath(t), bodyText(t, opCreate, nil)
	flood := func(from, to int) (refused int) {
		for i := from; i < to; i++ {
			status, body := serve(sb, "POST", cfg, fmt.Sprint("flood-key-", i%keys), anyTok, create)
			switch status {
			case 201:
			case 400:
				refused++
			default:
				t.Fatalf("create %d: %d %s", i, status, body)
			}
		}
		return refused
	}
	refused := flood(0, 2*total) // past the limit: the heap holds all it ever will
	heapAtLimit := liveHeap()
	refused += flood(2*total, creates)
	growth := int64(liveHeap()) - int64(heapAtLimit)

	if refused != creates-total {
		t.Errorf("refused %d creates, want %d", refused, creates-total)
	}
	stored := 0
	for _, k := range sb.AppKeys() {
		n := len(sb.Configurations(k))
		if n > perKey {
			t.Errorf("%d configurations for one app key, over %d", n, perKey)
		}
		stored += n
	}
	if stored != total {
		t.Errorf("stored %d configurations, want %d", stored, total)
	}
	// 3600 more creates would hold about 900 KB if they were kept (about
	// 250 bytes each, see BenchmarkCreateFlood's small/budget); a bounded sandbox holds
	// nothing more. The margin absorbs the test runtime's own allocations.
	if growth > 256<<10 {
		t.Errorf("live heap grew by %d bytes after the limit was reached", growth)
	}
}

// TestStateConcurrency exercises every state method alongside requests
// that change the state, for the race detector.
func TestStateConcurrency(t *testing.T) {
	sb := sandbox.New(sandbox.WithTokenCheck(true), sandbox.WithStateHook(func() {}))
	token, login, cfg, create := tokenPath(t), tokenBody(t, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret), cfgPath(t), bodyText(t, opCreate, nil)
	var wg sync.WaitGroup
	for w := range 4 {
		key := fmt.Sprint("app-key-", w)
		wg.Go(func() {
			for range 25 {
				_, body := serve(sb, "POST", token, key, "", login)
				serve(sb, "POST", cfg, key, tokenFrom(body), create)
			}
		})
	}
	wg.Go(func() {
		for range 25 {
			for _, k := range sb.AppKeys() {
				sb.Configurations(k)
			}
			data, err := sb.MarshalState()
			if err != nil {
				t.Error(err)
				return
			}
			if err := sb.UnmarshalState(data); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Go(func() {
		for range 5 {
			sb.Reset()
		}
	})
	wg.Wait()
}

// TestStateFileOfEarlierBuilds: a version 1 file as the builds before the
// spec-driven engine wrote it (typed configurations, keys in the
// generated struct's order, HTML characters escaped) is read and served
// as it was; a file of another version is refused naming it.
func TestStateFileOfEarlierBuilds(t *testing.T) {
	const id = "605543e1-f507-48ad-8127-95c40566597b"
	resourceFields(t, "accountClassificationType", "aoRequired", "filterAccounts")
	old := `{"version":1,"configurations":{"app-key-a":[{"id":"` + id + `","accountClassificationType":["personal"],"aoRequired":true,"filterAccounts":["Checking"]}]},` +
		`"tokens":[],"oauth":[{"id":"9d6c9a6e-8f5b-4d7e-9f3a-2b1c0d9e8f7a","redirectURI":"https://p.example/back?a=1\u0026b=2"}]}` + "\n"
	sb, srv := newSandbox(t)
	if err := sb.UnmarshalState([]byte(old)); err != nil {
		t.Fatal(err)
	}
	got, err := apiClient(t, srv, keyA, anyTok).Configurations.Get(context.Background(), api.MustParseUUID(id))
	want := api.Configuration{ID: api.MustParseUUID(id), AccountClassificationType: []string{"personal"}, AORequired: true, FilterAccounts: []string{"Checking"}}
	if err != nil || !reflect.DeepEqual(*got, want) {
		t.Errorf("configuration of an earlier file: %v %+v", err, got)
	}
	if code := oauthPage(t, srv, srv.URL+"/oauth/9d6c9a6e-8f5b-4d7e-9f3a-2b1c0d9e8f7a"); code != http.StatusFound {
		t.Errorf("OAuth session of an earlier file: %d", code)
	}
	for _, v := range []string{"0", "3"} {
		err := sandbox.New().UnmarshalState([]byte(`{"version":` + v + `,"configurations":{}}`))
		if want := "sandbox: state: unsupported version " + v + " (this build reads versions 1 and 2)"; err == nil || err.Error() != want {
			t.Errorf("version %s: %v, want %s", v, err, want)
		}
	}
}

// TestStateVersion1Migrates: a version 1 state (app keys as they are,
// in configurations and tokens) is read as it is; once loaded, the
// sandbox writes version 2, where each app key is replaced by its keyed
// hash, and no form of an app key is left; what each app key stored, and
// its tokens, still work for it, after a round trip through version 2
// too. AppKeys lists the app keys of the version 1 file, and after a
// version 2 load only those a request has used since.
func TestStateVersion1Migrates(t *testing.T) {
	const id = "605543e1-f507-48ad-8127-95c40566597b"
	resourceFields(t, "filterAccounts")
	clk := testutil.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	opts := []sandbox.Option{sandbox.WithTokenCheck(true), sandbox.WithClock(clk.Now)}
	v1 := `{"version":1,"configurations":{"` + keyA + `":[{"filterAccounts":["Checking"],"id":"` + id + `"}]},` +
		`"tokens":[{"token":"tok-a","appKey":"` + keyA + `","expires":"2026-03-01T11:00:00Z"},{"token":"tok-b","appKey":"` + keyB + `","expires":"2026-03-01T11:00:00Z"}],"oauth":[]}`
	sb, srv := newSandbox(t, opts...)
	if err := sb.UnmarshalState([]byte(v1)); err != nil {
		t.Fatal(err)
	}
	if got := sb.AppKeys(); !reflect.DeepEqual(got, []string{keyA}) {
		t.Errorf("AppKeys of a version 1 state: %q", got)
	}
	v2, err := sb.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	ownerA, ownerB := ownerIn(t, v2, keyA), ownerIn(t, v2, keyB)
	want := `{"version":2,"appKeyHashKey":"` + hashKeyIn(t, v2) + `","configurations":{"` + ownerA + `":[{"filterAccounts":["Checking"],"id":"` + id + `"}]},` +
		`"tokens":[{"token":"tok-a","appKeyHash":"` + ownerA + `","expires":"2026-03-01T11:00:00Z"},{"token":"tok-b","appKeyHash":"` + ownerB + `","expires":"2026-03-01T11:00:00Z"}],"oauth":[]}` + "\n"
	if string(v2) != want {
		t.Errorf("migrated:\ngot  %s\nwant %s", v2, want)
	}
	for _, k := range []string{keyA, keyB} {
		for _, form := range []string{k, base64.StdEncoding.EncodeToString([]byte(k)), hex.EncodeToString([]byte(k))} {
			if strings.Contains(string(v2), form) {
				t.Errorf("the migrated state holds %q, a form of app key %s", form, k)
			}
		}
	}

	restored, srv2 := newSandbox(t, opts...)
	if err := restored.UnmarshalState(v2); err != nil {
		t.Fatal(err)
	}
	if again, _ := restored.MarshalState(); string(again) != string(v2) {
		t.Errorf("round trip of version 2:\ngot  %s\nwant %s", again, v2)
	}
	if got := restored.AppKeys(); len(got) != 0 {
		t.Errorf("AppKeys before any request: %q", got)
	}
	for _, tc := range []struct {
		srv  *httptest.Server
		name string
	}{{srv, "migrated"}, {srv2, "restored"}} {
		list, err := apiClient(t, tc.srv, keyA, "tok-a").Configurations.List(context.Background())
		if wantList := []api.Configuration{{ID: api.MustParseUUID(id), FilterAccounts: []string{"Checking"}}}; err != nil || !reflect.DeepEqual(list, wantList) {
			t.Errorf("%s: key A's list: %v %+v", tc.name, err, list)
		}
		if list, err := apiClient(t, tc.srv, keyB, "tok-b").Configurations.List(context.Background()); err != nil || len(list) != 0 {
			t.Errorf("%s: key B's list: %v %+v", tc.name, err, list)
		}
		if status, reason := listStatus(t, genClient(t, tc.srv, keyB, "tok-a")); status != 401 || reason != gen.ReasonInvalidToken {
			t.Errorf("%s: key A's token with key B: %d %s", tc.name, status, reason)
		}
	}
	if got := restored.AppKeys(); !reflect.DeepEqual(got, []string{keyA}) {
		t.Errorf("AppKeys once key A was used: %q", got)
	}
	if got := restored.Configurations(keyA); len(got) != 1 || got[0].ID.String() != id {
		t.Errorf("Configurations(keyA) restored: %+v", got)
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestWriteState: WriteState writes exactly what MarshalState returns, and
// reports a failed write.
func TestWriteState(t *testing.T) {
	sb := sandbox.New(sandbox.WithTokenCheck(true))
	_, body := serve(sb, "POST", tokenPath(t), keyA, "", tokenBody(t, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	tok := tokenFrom(body)
	create := bodyText(t, opCreate, map[string]any{"filterAccounts": []string{"A<&>"}})
	for range 3 {
		if status, body := serve(sb, "POST", cfgPath(t), keyA, tok, create); status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
	}
	want, err := sb.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	if err := sb.WriteState(&got); err != nil || got.String() != string(want) {
		t.Errorf("WriteState: %v\ngot  %s\nwant %s", err, got.String(), want)
	}
	if err := sb.WriteState(failingWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteState to a failing writer: %v", err)
	}
}
