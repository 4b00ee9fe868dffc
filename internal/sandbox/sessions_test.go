package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// loginForm is the form the sandbox answers, with the ids of got (which
// are random) and the labels given: what a test compares got with.
func loginForm(got *api.LoginForm, labels ...string) api.LoginForm {
	want := api.LoginForm{ID: got.ID, EventStreamID: got.EventStreamID, Elements: []api.LoginFormElement{}}
	for i, l := range labels {
		el := api.LoginFormElement{Label: l, SortOrder: i}
		if i < len(got.Elements) {
			el.ID = got.Elements[i].ID
		}
		want.Elements = append(want.Elements, el)
	}
	return want
}

// freshIDs fails t when an id of ids is not a random UUID, or was seen
// before.
func freshIDs(t *testing.T, seen map[api.UUID]bool, ids ...api.UUID) {
	t.Helper()
	for _, id := range ids {
		if id.Version() != 4 || seen[id] {
			t.Errorf("id %v: not a fresh random UUID", id)
		}
		seen[id] = true
	}
}

func TestLoginForms(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	a, b := apiClient(t, srv, keyA, anyTok), apiClient(t, srv, keyB, anyTok)
	cfg, err := a.Configurations.Create(ctx, typedBody[api.ConfigurationParams](t, opCreate, nil))
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name     string
		client   *api.Client
		language string
		cfgID    api.UUID
		status   int // 0: success
		labels   []string
	}{
		{"no configuration", a, "en", api.UUID{}, 0, []string{"Username", "Password"}},
		{"own configuration, Spanish", a, "es-us", cfg.ID, 0, []string{"Usuario", "Contraseña"}},
		{"French", a, "fr-ca", api.UUID{}, 0, []string{"Nom d'utilisateur", "Mot de passe"}},
		{"unknown language", a, "de", api.UUID{}, 0, []string{"Username", "Password"}},
		{"other partner's configuration", b, "en", cfg.ID, 404, nil},
	}
	seen := map[api.UUID]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The example's body with the language and configuration under
			// test (none: the field left out).
			set := map[string]any{"language": tc.language, "configurationId": absent}
			if tc.cfgID != (api.UUID{}) {
				set["configurationId"] = tc.cfgID
			}
			f, err := tc.client.LoginForms.Create(ctx, 170716, typedBody[api.LoginFormParams](t, opLoginForm, set))
			if tc.status != 0 {
				if e := apiError(t, err); e.StatusCode != tc.status || e.ReasonCode != gen.ReasonNotFound || !strings.Contains(e.Details, "configurationId") {
					t.Errorf("got %d %s %q, want %d %s naming configurationId", e.StatusCode, e.ReasonCode, e.Details, tc.status, gen.ReasonNotFound)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := loginForm(f, tc.labels...); !reflect.DeepEqual(*f, want) {
				t.Errorf("got %#v, want %#v", *f, want)
			}
			freshIDs(t, seen, f.ID, f.EventStreamID, f.Elements[0].ID, f.Elements[1].ID)
		})
	}
}

// TestOAuthRoundTrip follows the returned url on the sandbox and lands on
// the request's redirectURI.
func TestOAuthRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	a := apiClient(t, srv, keyA, anyTok)
	redirect := "https://partner.example.com/oauth/done?state=xyz"
	o, err := a.OAuthURLs.Create(ctx, 170716, typedBody[api.OAuthURLParams](t, opOAuthURL, map[string]any{"redirectURI": redirect}))
	if err != nil {
		t.Fatal(err)
	}
	want := api.OAuthURL{ID: o.ID, EventStreamID: o.EventStreamID,
		URL: srv.URL + "/oauth/" + o.ID.String() + "?redirectURI=" + url.QueryEscape(redirect)}
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("got %#v, want %#v", *o, want)
	}
	freshIDs(t, map[api.UUID]bool{}, o.ID, o.EventStreamID)

	noFollow := srv.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	location := func(u string) (int, string) {
		t.Helper()
		resp, err := noFollow.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	if status, loc := location(o.URL); status != http.StatusFound || loc != redirect {
		t.Errorf("following the url: got %d to %q, want 302 to %q", status, loc, redirect)
	}
	// A tampered query does not change where the session goes.
	if _, loc := location(srv.URL + "/oauth/" + o.ID.String() + "?redirectURI=https://evil.example"); loc != redirect {
		t.Errorf("redirect follows the query: %q", loc)
	}
	if status, _ := location(srv.URL + "/oauth/9082affa-d965-40be-a3ed-a320bb3467ff"); status != http.StatusNotFound {
		t.Errorf("unknown session: got %d", status)
	}
}

// TestOAuthLongRedirect: a redirectURI at the spec's 1024-character limit
// still yields a url within the limit (without the query).
func TestOAuthLongRedirect(t *testing.T) {
	_, srv := newSandbox(t, sandbox.WithPublicURL("https://sandbox.example:8443/"))
	a := apiClient(t, srv, keyA, anyTok)
	redirect := "https://partner.example.com/" + strings.Repeat("a", 1024-len("https://partner.example.com/"))
	o, err := a.OAuthURLs.Create(context.Background(), 1, typedBody[api.OAuthURLParams](t, opOAuthURL, map[string]any{"redirectURI": redirect}))
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://sandbox.example:8443/oauth/" + o.ID.String(); o.URL != want {
		t.Errorf("url: got %s, want %s", o.URL, want)
	}
}

func TestReconnectionScenarios(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	a := apiClient(t, srv, keyA, anyTok)
	cases := []struct {
		loginID int64
		types   []string // mfaType of each challenge; nil: a 201 login form
		choices []int
	}{
		{7008461430, nil, nil},
		{7008461431, nil, nil},
		{7008461433, []string{"TFA_TEXT"}, []int{0}},
		{7008461434, []string{"TFA_CHOICE"}, []int{3}},
		{7008461435, []string{"TFA_MULTI"}, []int{4}},
		{7008461436, []string{"TFA_IMAGE"}, []int{0}},
		{7008461437, []string{"TFA_TEXT", "TFA_CHOICE"}, []int{0, 2}},
		{-13, []string{"TFA_TEXT"}, []int{0}},
		{9, nil, nil},
	}
	// The example's body with properties of the test's own: a nil map is
	// sent as {}.
	params := typedBody[api.ReconnectionParams](t, opReconnect, nil)
	bodies := []map[string]any{nil, {}, {"reason": "credentials changed"}}
	for _, tc := range cases {
		for _, reqBody := range bodies {
			name := fmt.Sprintf("login id %d, body %#v", tc.loginID, reqBody)
			var resp *http.Response
			params.AdditionalProperties = reqBody
			r, err := a.Reconnections.Create(ctx, "1005061234", tc.loginID, params, api.WithResponseInto(&resp))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if tc.types == nil {
				if resp.StatusCode != 201 || r.NeedsMFA() || r.ChallengeSets != nil {
					t.Fatalf("%s: got %d %#v, want 201 with a login form", name, resp.StatusCode, r)
				}
				if want := loginForm(r.LoginForm, "Username", "Password"); !reflect.DeepEqual(*r.LoginForm, want) {
					t.Errorf("%s: got %#v, want %#v", name, *r.LoginForm, want)
				}
				continue
			}
			if resp.StatusCode != 203 || !r.NeedsMFA() || len(r.ChallengeSets) != 1 {
				t.Fatalf("%s: got %d %#v, want 203 with one challenge set", name, resp.StatusCode, r)
			}
			all := r.Challenges()
			if !reflect.DeepEqual(all, r.ChallengeSets[0].Challenges) {
				t.Errorf("%s: Challenges() %#v is not the one set's %#v", name, all, r.ChallengeSets[0].Challenges)
			}
			var types []string
			seen := map[api.UUID]bool{}
			for i, ch := range all {
				types = append(types, ch.MFAType)
				if len(ch.ChoiceIDs) != tc.choices[i] || ch.ChoiceIDs == nil || ch.Prompt == "" {
					t.Errorf("%s challenge %d: %+v", name, i, ch)
				}
				if ch.EventStreamID != all[0].EventStreamID {
					t.Errorf("%s challenge %d: event stream %v, want the call's one %v", name, i, ch.EventStreamID, all[0].EventStreamID)
				}
				freshIDs(t, seen, append([]api.UUID{ch.ID}, ch.ChoiceIDs...)...)
			}
			if !reflect.DeepEqual(types, tc.types) {
				t.Errorf("%s: types %v, want %v", name, types, tc.types)
			}
		}
	}
}
