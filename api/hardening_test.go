package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// TestRejectionDecidedByStatusEvenWithStrictValidation: partner
// authentication answering 401 with a body off the spec must still count as
// rejected credentials (one authentication call, never repeated), even with
// response validation on.
func TestRejectionDecidedByStatusEvenWithStrictValidation(t *testing.T) {
	var fetches, calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == tokenPath {
			fetches.Add(1)
			w.WriteHeader(401)
			io.WriteString(w, `{"code":23,"message":"invalid partner credentials"}`)
			return
		}
		calls.Add(1)
		io.WriteString(w, "[]")
	}))
	defer srv.Close()
	c := partnerClient(t, srv.URL, api.WithResponseValidation(), api.WithRequestValidation())
	for i := 0; i < 5; i++ {
		_, err := c.GetConfigurations(context.Background())
		var apiErr *api.Error
		if !errors.Is(err, api.ErrCredentialsRejected) || !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
			t.Fatalf("call %d: got %v, want rejected credentials wrapping a 401 *api.Error", i, err)
		}
	}
	if fetches.Load() != 1 || calls.Load() != 0 {
		t.Errorf("authentication calls %d, operation calls %d; want 1 and 0", fetches.Load(), calls.Load())
	}
}

// TestStrictValidationKeepsAPIErrors: with response validation on, a
// non-2xx answer that is off the spec is both a *ValidationError and an
// *api.Error, so errors.As finds the API error as the README promises.
func TestStrictValidationKeepsAPIErrors(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		call        func(context.Context, *api.Client) error
	}{
		{"undocumented 500 with html", 500, "text/html", "<html>oops</html>", func(ctx context.Context, c *api.Client) error {
			_, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
			return err
		}},
		{"documented 404 with a malformed error body", 404, "application/json", `{"Errors":{}}`, func(ctx context.Context, c *api.Client) error {
			_, err := c.GetConfigurationsConfigurationId(ctx, cfgID)
			return err
		}},
		{"503 after retries", 503, "application/json", `{}`, func(ctx context.Context, c *api.Client) error {
			_, err := c.GetConfigurations(ctx)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL), api.WithResponseValidation(),
				api.WithRetries(1), api.WithRetryBackoff(time.Millisecond, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			err = tc.call(context.Background(), c)
			var apiErr *api.Error
			var valErr *api.ValidationError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || string(apiErr.Body) != tc.body {
				t.Errorf("got %v, want an *api.Error %d with the raw body", err, tc.status)
			}
			if !errors.As(err, &valErr) || !valErr.Response {
				t.Errorf("got %v, want also a response *ValidationError", err)
			}
		})
	}
}

// TestCreateTokenErrorNeverQuotesTheSecret: a server that quotes the
// request back in its error must not put the partner secret into the error.
func TestCreateTokenErrorNeverQuotesTheSecret(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"Errors":{"Error":[{"ReasonCode":"10024","Description":%q,"Details":%q}]}}`, "bad "+string(body), body)
	}))
	defer srv.Close()
	c, err := api.NewClient(leakKey, "token-for-echo-test", api.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateToken(context.Background(), api.PartnerCredentials{PartnerId: leakID, PartnerSecret: leakSecret})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.ReasonCode != "10024" {
		t.Fatalf("got %v, want a 401 *api.Error", err)
	}
	for _, where := range []string{err.Error(), string(apiErr.Body), apiErr.Details, apiErr.Description, fmt.Sprintf("%+v", apiErr.Items)} {
		if strings.Contains(where, leakSecret) || strings.Contains(where, leakKey) {
			t.Errorf("a credential leaked: %s", where)
		}
	}
}

// TestPrintingTheClientShowsNoCredentials: logging a struct that holds the
// client, in any fmt verb, must not print the key, token or secret.
func TestPrintingTheClientShowsNoCredentials(t *testing.T) {
	static, err := api.NewClient(leakKey, tokenPrefix+"static", api.WithBaseURL("https://api.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	partner := partnerClient(t, "https://api.example.com")
	holder := struct{ C, P *api.Client }{static, partner}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{static, partner, holder, *static} {
			out := fmt.Sprintf(verb, v)
			for _, secret := range []string{leakKey, leakSecret, tokenPrefix} {
				if strings.Contains(out, secret) {
					t.Errorf("fmt %s of %T shows a credential: %s", verb, v, out)
				}
			}
		}
	}
}

// TestRequiredFieldsLeftZeroAreRefused: Go zero values for fields the spec
// requires are refused before sending, naming the field, validation on or
// off.
func TestRequiredFieldsLeftZeroAreRefused(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	agreement := api.ServiceAgreement{Language: "en", AcceptedDate: time.Date(2024, 11, 28, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		name, field string
		call        func(context.Context, *api.Client) error
	}{
		{"login form without customer", "customerId", func(ctx context.Context, c *api.Client) error {
			_, err := c.PostInstitutionsInstitutionIdLoginForms(ctx, 1, api.PostInstitutionsInstitutionIdLoginFormsRequest{Language: "en", ServiceAgreement: agreement})
			return err
		}},
		{"login form without language", "language", func(ctx context.Context, c *api.Client) error {
			_, err := c.PostInstitutionsInstitutionIdLoginForms(ctx, 1, api.PostInstitutionsInstitutionIdLoginFormsRequest{CustomerId: "1", ServiceAgreement: agreement})
			return err
		}},
		{"login form without agreement", "serviceAgreement.language", func(ctx context.Context, c *api.Client) error {
			_, err := c.PostInstitutionsInstitutionIdLoginForms(ctx, 1, api.PostInstitutionsInstitutionIdLoginFormsRequest{CustomerId: "1", Language: "en"})
			return err
		}},
		{"oauth url without redirect", "redirectURI", func(ctx context.Context, c *api.Client) error {
			_, err := c.PostInstitutionsInstitutionIdOauthUrls(ctx, 1, api.PostInstitutionsInstitutionIdOauthUrlsRequest{CustomerId: "1", ServiceAgreement: agreement})
			return err
		}},
		{"oauth url without accepted date", "serviceAgreement.acceptedDate", func(ctx context.Context, c *api.Client) error {
			_, err := c.PostInstitutionsInstitutionIdOauthUrls(ctx, 1, api.PostInstitutionsInstitutionIdOauthUrlsRequest{CustomerId: "1", RedirectURI: "https://x.example/cb",
				ServiceAgreement: api.ServiceAgreement{Language: "en"}})
			return err
		}},
	}
	for _, validate := range []bool{false, true} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/validation=%v", tc.name, validate), func(t *testing.T) {
				opts := []api.Option{api.WithBaseURL(srv.URL)}
				if validate {
					opts = append(opts, api.WithRequestValidation())
				}
				c, err := api.NewClient(testKey, testToken, opts...)
				if err != nil {
					t.Fatal(err)
				}
				err = tc.call(context.Background(), c)
				var ve *api.ValidationError
				if !errors.As(err, &ve) || ve.Response || ve.Field != tc.field || !strings.Contains(err.Error(), tc.field) {
					t.Errorf("got %v, want a request *ValidationError naming %s", err, tc.field)
				}
			})
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the server", hits.Load())
	}
}
