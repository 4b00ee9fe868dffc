package sandbox_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

var agreed = gen.ServiceAgreement{Language: "en", AcceptedDate: time.Date(2024, 11, 28, 18, 25, 32, 0, time.UTC)}

func TestLoginForms(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	a, b := genClient(t, srv, keyA, anyTok), genClient(t, srv, keyB, anyTok)
	cfg, _ := a.PostConfigurationsWithResponse(ctx, gen.ConfigurationParams{})

	cases := []struct {
		name     string
		client   *gen.ClientWithResponses
		language string
		cfgID    *gen.UUID
		status   int
		labels   string
	}{
		{"no configuration", a, "en", nil, 201, "Username,Password"},
		{"own configuration, Spanish", a, "es-us", cfg.JSON201.Id, 201, "Usuario,Contraseña"},
		{"French", a, "fr-ca", nil, 201, "Nom d'utilisateur,Mot de passe"},
		{"other partner's configuration", b, "en", cfg.JSON201.Id, 404, ""},
	}
	seen := map[gen.UUID]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.client.PostInstitutionsInstitutionIdLoginFormsWithResponse(ctx, 170716, gen.PostInstitutionsInstitutionIdLoginFormsRequest{
				Language: tc.language, CustomerId: "1005061234", ConfigurationId: tc.cfgID, ServiceAgreement: agreed})
			if err != nil || r.StatusCode() != tc.status {
				t.Fatalf("got %v %d %s, want %d", err, r.StatusCode(), r.Body, tc.status)
			}
			if tc.status != 201 {
				return
			}
			f := r.JSON201
			var labels []string
			for i, e := range f.Elements {
				labels = append(labels, e.Label)
				if e.SortOrder != i {
					t.Errorf("element %d sortOrder %d", i, e.SortOrder)
				}
			}
			if strings.Join(labels, ",") != tc.labels {
				t.Errorf("labels: got %v, want %s", labels, tc.labels)
			}
			for _, id := range []gen.UUID{f.Id, f.EventStreamId} {
				if seen[id] {
					t.Errorf("id %v reused", id)
				}
				seen[id] = true
			}
		})
	}
}

// TestOAuthRoundTrip follows the returned url on the sandbox and lands on
// the request's redirectURI.
func TestOAuthRoundTrip(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	a := genClient(t, srv, keyA, anyTok)
	redirect := "https://partner.example.com/oauth/done?state=xyz"
	r, err := a.PostInstitutionsInstitutionIdOauthUrlsWithResponse(ctx, 170716, gen.PostInstitutionsInstitutionIdOauthUrlsRequest{
		RedirectURI: redirect, CustomerId: "1005061234", ServiceAgreement: agreed})
	if err != nil || r.StatusCode() != 201 {
		t.Fatalf("%v %s", err, r.Body)
	}
	u, err := url.Parse(r.JSON201.Url)
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/oauth/" + r.JSON201.Id.String(); u.Scheme+"://"+u.Host+u.Path != want {
		t.Errorf("url: got %s, want %s?...", r.JSON201.Url, want)
	}
	if got := u.Query().Get("redirectURI"); got != redirect {
		t.Errorf("url does not carry redirectURI: %s", r.JSON201.Url)
	}

	noFollow := srv.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(r.JSON201.Url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != redirect {
		t.Errorf("following the url: got %d to %q, want 302 to %q", resp.StatusCode, resp.Header.Get("Location"), redirect)
	}

	// A tampered query does not change where the session goes.
	resp, _ = noFollow.Get(srv.URL + u.Path + "?redirectURI=https://evil.example")
	resp.Body.Close()
	if resp.Header.Get("Location") != redirect {
		t.Errorf("redirect follows the query: %q", resp.Header.Get("Location"))
	}
	resp, _ = noFollow.Get(srv.URL + "/oauth/9082affa-d965-40be-a3ed-a320bb3467ff")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown session: got %d", resp.StatusCode)
	}
}

// TestOAuthLongRedirect: a redirectURI at the spec's 1024-character limit
// still yields a url within the limit (without the query).
func TestOAuthLongRedirect(t *testing.T) {
	_, srv := newSandbox(t, sandbox.WithPublicURL("https://sandbox.example:8443/"))
	a := genClient(t, srv, keyA, anyTok)
	redirect := "https://partner.example.com/" + strings.Repeat("a", 1024-len("https://partner.example.com/"))
	r, err := a.PostInstitutionsInstitutionIdOauthUrlsWithResponse(context.Background(), 1, gen.PostInstitutionsInstitutionIdOauthUrlsRequest{
		RedirectURI: redirect, CustomerId: "c", ServiceAgreement: agreed})
	if err != nil || r.StatusCode() != 201 {
		t.Fatalf("%v %s", err, r.Body)
	}
	if want := "https://sandbox.example:8443/oauth/" + r.JSON201.Id.String(); r.JSON201.Url != want {
		t.Errorf("url: got %s, want %s", r.JSON201.Url, want)
	}
}

func TestReconnectionScenarios(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	a := genClient(t, srv, keyA, anyTok)
	cases := []struct {
		loginID int64
		status  int
		types   string // mfaType of each challenge
		choices []int
	}{
		{7008461430, 201, "", nil},
		{7008461431, 201, "", nil},
		{7008461433, 203, "TFA_TEXT", []int{0}},
		{7008461434, 203, "TFA_CHOICE", []int{3}},
		{7008461435, 203, "TFA_MULTI", []int{4}},
		{7008461436, 203, "TFA_IMAGE", []int{0}},
		{7008461437, 203, "TFA_TEXT,TFA_CHOICE", []int{0, 2}},
		{-13, 203, "TFA_TEXT", []int{0}},
		{9, 201, "", nil},
	}
	for _, tc := range cases {
		for _, body := range []gen.PostReconnectionsJSONRequestBody{nil, {}} {
			r, err := a.PostReconnectionsWithResponse(ctx, "1005061234", tc.loginID, body)
			if err != nil || r.StatusCode() != tc.status {
				t.Fatalf("login id %d: got %v %d %s, want %d", tc.loginID, err, r.StatusCode(), r.Body, tc.status)
			}
			if tc.status == 201 {
				if r.JSON201 == nil || len(r.JSON201.Elements) != 2 {
					t.Errorf("login id %d: login form %s", tc.loginID, r.Body)
				}
				continue
			}
			items := *r.JSON203
			if len(items) != 1 {
				t.Fatalf("login id %d: want one item, got %s", tc.loginID, r.Body)
			}
			var types []string
			for i, ch := range items[0].MfaChallenges {
				types = append(types, ch.MfaType)
				if len(ch.ChoiceIds) != tc.choices[i] || ch.Prompt == "" {
					t.Errorf("login id %d challenge %d: %+v", tc.loginID, i, ch)
				}
			}
			if strings.Join(types, ",") != tc.types {
				t.Errorf("login id %d: types %v, want %s", tc.loginID, types, tc.types)
			}
		}
	}
}

// TestReconnectionWithoutBody: the body is optional in the spec.
func TestReconnectionWithoutBody(t *testing.T) {
	_, srv := newSandbox(t)
	status, body := raw{method: "POST", path: reconPath, key: keyA, token: anyTok}.send(t, srv)
	if status != 201 {
		t.Fatalf("got %d %s", status, body)
	}
}
