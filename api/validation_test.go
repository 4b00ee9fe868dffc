package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
)

func TestRequestValidationRefusesBeforeAnyNetworkCall(t *testing.T) {
	good := api.PostInstitutionsInstitutionIdOauthUrlsRequest{RedirectURI: "https://partner.example.com/done", CustomerId: "1005061234",
		ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: time.Date(2024, 11, 28, 0, 0, 0, 0, time.UTC)}}
	tests := []struct {
		name      string
		call      func(context.Context, *api.Client) error
		wantField string
		wantText  string
	}{
		{name: "redirectURI not a URI", wantField: "redirectURI", wantText: "api: invalid request: body redirectURI: must be an absolute URI",
			call: func(ctx context.Context, c *api.Client) error {
				b := good
				b.RedirectURI = "not a uri"
				_, err := c.PostInstitutionsInstitutionIdOauthUrls(ctx, 170716, b)
				return err
			}},
		{name: "redirectURI too long", wantField: "redirectURI",
			call: func(ctx context.Context, c *api.Client) error {
				b := good
				b.RedirectURI = "https://x.example.com/" + strings.Repeat("a", 1100)
				_, err := c.PostInstitutionsInstitutionIdOauthUrls(ctx, 170716, b)
				return err
			}},
		{name: "raw body missing required fields", wantField: "",
			call: func(ctx context.Context, c *api.Client) error {
				_, err := c.PostInstitutionsInstitutionIdLoginFormsWithBodyWithResponse(ctx, 170716, "application/json", strings.NewReader(`{"language":"en"}`))
				return err
			}},
		{name: "raw body wrong type", wantField: "aoRequired",
			call: func(ctx context.Context, c *api.Client) error {
				_, err := c.PostConfigurationsWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"aoRequired":"yes"}`))
				return err
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
			defer srv.Close()
			c := partnerClient(t, srv.URL, api.WithRequestValidation())
			err := tc.call(context.Background(), c)
			var ve *api.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want *api.ValidationError", err)
			}
			if ve.Response || ve.Location != "body" || (tc.wantField != "" && ve.Field != tc.wantField) {
				t.Errorf("got %+v, want a request body error on %q", ve, tc.wantField)
			}
			if tc.wantText != "" && err.Error() != tc.wantText {
				t.Errorf("message: got %q, want %q", err, tc.wantText)
			}
			var apiErr *api.Error
			if errors.As(err, &apiErr) {
				t.Error("a validation error must not look like an API error")
			}
			if hits.Load() != 0 {
				t.Errorf("%d requests reached the server (token fetch included), want 0", hits.Load())
			}
		})
	}
}

// TestRequestValidationKeepsRawBodyReplayable: a body given as a plain
// reader is read once for validation and can then be replayed after a
// token refresh, which it could not be without validation.
func TestRequestValidationKeepsRawBodyReplayable(t *testing.T) {
	srv := newPartnerServer(t, false, 0)
	c := partnerClient(t, srv.URL, api.WithRequestValidation())
	ctx := context.Background()
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	srv.expireAll()
	r, err := c.PostConfigurationsWithBodyWithResponse(ctx, "application/json", struct{ *strings.Reader }{strings.NewReader(`{"aoRequired":true}`)})
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode() != 201 || srv.calls.Load() != 2 || srv.fetches.Load() != 2 {
		t.Errorf("status %d, calls %d, fetches %d; want 201, 2, 2", r.StatusCode(), srv.calls.Load(), srv.fetches.Load())
	}
}

func TestResponseValidationIsStrict(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantStatus int
		wantField  string
	}{
		{name: "bad uuid in list", status: 200, body: `[{"id":"not-a-uuid"}]`, wantStatus: 200, wantField: "0.id"},
		{name: "object instead of list", status: 200, body: `{"id":"605543e1-f507-48ad-8127-95c40566597b"}`, wantStatus: 200},
		{name: "undocumented status", status: 500, body: `{}`, wantStatus: 500},
		{name: "error body without Errors", status: 401, body: `{"message":"no"}`, wantStatus: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, step{status: tc.status, body: tc.body})
			c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL), api.WithResponseValidation())
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetConfigurations(context.Background())
			var ve *api.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want *api.ValidationError", err)
			}
			if !ve.Response || ve.StatusCode != tc.wantStatus || ve.Method != "GET" || ve.Path != configsPath {
				t.Errorf("got %+v", ve)
			}
			if tc.wantField != "" && ve.Field != tc.wantField {
				t.Errorf("field: got %q, want %q", ve.Field, tc.wantField)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("api: invalid response %d to GET %s: ", tc.wantStatus, configsPath)) {
				t.Errorf("message: %q", err)
			}
		})
	}
}
