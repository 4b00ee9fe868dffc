package api_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
)

// TestRequiredFieldsLeftZeroAreRefused: every required body field and
// every required string or UUID path parameter left at its Go zero value
// is refused before anything is sent (not even a token fetch), with a
// *api.ValidationError naming it, whether or not request validation is on.
// Each case leaves exactly one field unset.
func TestRequiredFieldsLeftZeroAreRefused(t *testing.T) {
	const (
		reconnectRoute = "/connect-components/customers/{customer_id}/institution-login-ids/{institution_login_id}/reconnections"
		configRoute    = "/connect-components/configurations/{configuration_id}"
		loginRoute     = "/connect-components/institutions/{institution_id}/login-forms"
		oauthRoute     = "/connect-components/institutions/{institution_id}/oauth-urls"
	)
	noDate := api.ServiceAgreement{Language: "en"}
	noLanguage := api.ServiceAgreement{AcceptedDate: acceptedAt}
	tests := []struct {
		name string
		call func(context.Context, *api.Client) error
		want api.ValidationError
	}{
		{"Reconnections.Create customer_id",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Reconnections.Create(ctx, "", 7008461438, api.ReconnectionParams{})
				return err
			},
			api.ValidationError{Method: "POST", Path: reconnectRoute, Location: "path", Field: "customer_id", Reason: "required, but empty"}},
		{"Configurations.Get configuration_id",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Configurations.Get(ctx, api.UUID{})
				return err
			},
			api.ValidationError{Method: "GET", Path: configRoute, Location: "path", Field: "configuration_id", Reason: "required, but empty"}},
		{"Configurations.Delete configuration_id",
			func(ctx context.Context, c *api.Client) error { return c.Configurations.Delete(ctx, api.UUID{}) },
			api.ValidationError{Method: "DELETE", Path: configRoute, Location: "path", Field: "configuration_id", Reason: "required, but empty"}},

		{"LoginForms.Create customerId",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{Language: "en", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "customerId", Reason: "required, but not set"}},
		{"LoginForms.Create language",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{CustomerID: "1", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "language", Reason: "required, but not set"}},
		{"LoginForms.Create serviceAgreement left out",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{CustomerID: "1", Language: "en"})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "serviceAgreement.language", Reason: "required, but not set"}},
		{"LoginForms.Create serviceAgreement.language",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{CustomerID: "1", Language: "en", ServiceAgreement: noLanguage})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "serviceAgreement.language", Reason: "required, but not set"}},
		{"LoginForms.Create serviceAgreement.acceptedDate",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{CustomerID: "1", Language: "en", ServiceAgreement: noDate})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "serviceAgreement.acceptedDate", Reason: "required, but not set"}},

		{"OAuthURLs.Create redirectURI",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{CustomerID: "1", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "body", Field: "redirectURI", Reason: "required, but not set"}},
		{"OAuthURLs.Create customerId",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{RedirectURI: "https://p.example/cb", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "body", Field: "customerId", Reason: "required, but not set"}},
		{"OAuthURLs.Create serviceAgreement.language",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{RedirectURI: "https://p.example/cb", CustomerID: "1", ServiceAgreement: noLanguage})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "body", Field: "serviceAgreement.language", Reason: "required, but not set"}},
		{"OAuthURLs.Create serviceAgreement.acceptedDate",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{RedirectURI: "https://p.example/cb", CustomerID: "1", ServiceAgreement: noDate})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "body", Field: "serviceAgreement.acceptedDate", Reason: "required, but not set"}},

		{"Partners.Authenticate partnerId",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerSecret: testSecret})
				return err
			},
			api.ValidationError{Method: "POST", Path: tokenPath, Location: "body", Field: "partnerId", Reason: "required, but not set"}},
		{"Partners.Authenticate partnerSecret",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerID: testPartnerID})
				return err
			},
			api.ValidationError{Method: "POST", Path: tokenPath, Location: "body", Field: "partnerSecret", Reason: "required, but not set"}},
	}
	clients := []struct {
		name string
		make func(t *testing.T, url string) *api.Client
	}{
		{"app token", func(t *testing.T, url string) *api.Client { return newClient(t, url) }},
		{"app token, validated", func(t *testing.T, url string) *api.Client {
			return newClient(t, url, api.WithRequestValidation(), api.WithResponseValidation())
		}},
		// A refused request must not cost a token fetch either.
		{"partner credentials", func(t *testing.T, url string) *api.Client { return newPartnerClient(t, url) }},
	}
	for _, cl := range clients {
		for _, tc := range tests {
			t.Run(cl.name+"/"+tc.name, func(t *testing.T) {
				srv, hits := countingServer(t)
				err := tc.call(context.Background(), cl.make(t, srv.URL))
				ve, ok := errors.AsType[*api.ValidationError](err)
				if !ok {
					t.Fatalf("got %T %v, want *api.ValidationError", err, err)
				}
				if !reflect.DeepEqual(*ve, tc.want) {
					t.Errorf("got %+v, want %+v", *ve, tc.want)
				}
				want := "finicity: invalid request " + tc.want.Method + " " + tc.want.Path + ": " + tc.want.Location + " " + tc.want.Field + ": " + tc.want.Reason
				if err.Error() != want {
					t.Errorf("message:\n got %s\nwant %s", err, want)
				}
				if _, ok := errors.AsType[*api.Error](err); ok {
					t.Error("a refused request looks like an API answer")
				}
				if n := hits.Load(); n != 0 {
					t.Errorf("%d requests reached the server, want 0", n)
				}
				if !strings.Contains(err.Error(), tc.want.Field) {
					t.Errorf("message %q does not name %s", err, tc.want.Field)
				}
			})
		}
	}
}
