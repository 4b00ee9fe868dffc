package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/spectest"
)

func newTestClient(t *testing.T, baseURL string) *api.Client {
	t.Helper()
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL(baseURL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTypedMethodsSuccess drives each one-line method through a validating
// server and checks the decoded value.
func TestTypedMethodsSuccess(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   any
		call   func(ctx context.Context, c *api.Client) (string, error)
		want   string
	}{
		{"PostConfigurations", 201, configurationBody, func(ctx context.Context, c *api.Client) (string, error) {
			cfg, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
			if err != nil {
				return "", err
			}
			return fmt.Sprint(*cfg.Id, *cfg.FilterAccounts, *cfg.AoRequired), nil
		}, cfgID.String() + " [Checking Savings] true"},
		{"GetConfigurations", 200, []any{configurationBody, configurationBody}, func(ctx context.Context, c *api.Client) (string, error) {
			list, err := c.GetConfigurations(ctx)
			return fmt.Sprint(len(list), *list[1].Id), err
		}, "2 " + cfgID.String()},
		{"GetConfigurations empty", 200, []any{}, func(ctx context.Context, c *api.Client) (string, error) {
			list, err := c.GetConfigurations(ctx)
			return fmt.Sprint(len(list), list != nil), err
		}, "0 true"},
		{"GetConfigurationsConfigurationId", 200, configurationBody, func(ctx context.Context, c *api.Client) (string, error) {
			cfg, err := c.GetConfigurationsConfigurationId(ctx, cfgID)
			if err != nil {
				return "", err
			}
			return cfg.Id.String(), nil
		}, cfgID.String()},
		{"DeleteConfigurationsConfigurationId", 204, nil, func(ctx context.Context, c *api.Client) (string, error) {
			return "deleted", c.DeleteConfigurationsConfigurationId(ctx, cfgID)
		}, "deleted"},
		{"PostInstitutionsInstitutionIdLoginForms", 201, loginFormBody, func(ctx context.Context, c *api.Client) (string, error) {
			f, err := c.PostInstitutionsInstitutionIdLoginForms(ctx, 170716, loginFormRequest)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(f.Id, " ", f.Elements[0].Label), nil
		}, formID.String() + " username"},
		{"PostInstitutionsInstitutionIdOauthUrls", 201, oauthBody, func(ctx context.Context, c *api.Client) (string, error) {
			u, err := c.PostInstitutionsInstitutionIdOauthUrls(ctx, 170716, oauthRequest)
			if err != nil {
				return "", err
			}
			return u.Url, nil
		}, "https://connect.example.com/oauth/" + formID.String()},
		{"PostReconnections form", 201, loginFormBody, func(ctx context.Context, c *api.Client) (string, error) {
			r, err := c.PostReconnections(ctx, "1005061234", 7008461438, nil)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(r.NeedsMFA(), r.LoginForm.Id, len(r.MfaChallenges)), nil
		}, "false " + formID.String() + " 0"},
		{"PostReconnections mfa", 203, mfaBody, func(ctx context.Context, c *api.Client) (string, error) {
			r, err := c.PostReconnections(ctx, "1005061234", 7008461438, nil)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%v %v %s", r.NeedsMFA(), r.LoginForm == nil, r.MfaChallenges[0].MfaChallenges[0].Prompt), nil
		}, "true true Which high school did you attend"},
		{"CreateToken", 200, map[string]any{"token": "tok-1"}, func(ctx context.Context, c *api.Client) (string, error) {
			tok, err := c.CreateToken(ctx, api.PartnerCredentials{PartnerId: "p", PartnerSecret: "test-partner-secret"})
			if err != nil {
				return "", err
			}
			return tok.Token, nil
		}, "tok-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := spectest.New(t, func(*spectest.Request) spectest.Response { return spectest.Response{Status: tc.status, Body: tc.body} })
			got, err := tc.call(context.Background(), newTestClient(t, srv.URL))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTypedMethodsErrors checks every documented error status of every
// operation comes back as an *api.Error with the body's fields.
func TestTypedMethodsErrors(t *testing.T) {
	calls := map[string]func(ctx context.Context, c *api.Client) error{
		"PostConfigurations": func(ctx context.Context, c *api.Client) error {
			_, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
			return err
		},
		"GetConfigurations": func(ctx context.Context, c *api.Client) error { _, err := c.GetConfigurations(ctx); return err },
		"GetConfigurationsConfigurationId": func(ctx context.Context, c *api.Client) error {
			_, err := c.GetConfigurationsConfigurationId(ctx, cfgID)
			return err
		},
		"DeleteConfigurationsConfigurationId": func(ctx context.Context, c *api.Client) error {
			return c.DeleteConfigurationsConfigurationId(ctx, cfgID)
		},
		"PostInstitutionsInstitutionIdLoginForms": func(ctx context.Context, c *api.Client) error {
			_, err := c.PostInstitutionsInstitutionIdLoginForms(ctx, 170716, loginFormRequest)
			return err
		},
		"PostInstitutionsInstitutionIdOauthUrls": func(ctx context.Context, c *api.Client) error {
			_, err := c.PostInstitutionsInstitutionIdOauthUrls(ctx, 170716, oauthRequest)
			return err
		},
		"PostReconnections": func(ctx context.Context, c *api.Client) error {
			_, err := c.PostReconnections(ctx, "1005061234", 7008461438, nil)
			return err
		},
		"CreateToken": func(ctx context.Context, c *api.Client) error {
			_, err := c.CreateToken(ctx, api.PartnerCredentials{PartnerId: "p", PartnerSecret: "test-partner-secret"})
			return err
		},
	}
	codes := map[int]string{400: "10010", 401: "10023", 404: "4041"}
	tested := 0
	for _, tc := range operationCases() {
		if tc.status < 400 {
			continue
		}
		call := calls[tc.op]
		if call == nil {
			t.Fatalf("no typed call for %s", tc.op)
		}
		tested++
		t.Run(fmt.Sprintf("%s/%d", tc.op, tc.status), func(t *testing.T) {
			code := codes[tc.status]
			srv := spectest.New(t, func(*spectest.Request) spectest.Response {
				return spectest.Response{Status: tc.status, Body: errBody(code, "desc "+code)}
			})
			err := call(context.Background(), newTestClient(t, srv.URL))
			var apiErr *api.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("got %T %v, want *api.Error", err, err)
			}
			if apiErr.StatusCode != tc.status || apiErr.ReasonCode != code || apiErr.Description != "desc "+code ||
				apiErr.Details != "details for "+code || apiErr.Source != "Connect-Components" || apiErr.Recoverable ||
				apiErr.Method != tc.method || apiErr.Path != tc.path || len(apiErr.Items) != 1 || !strings.Contains(string(apiErr.Body), code) {
				t.Errorf("error fields: %+v", apiErr)
			}
			if api.IsNotFound(err) != (tc.status == 404) || api.IsUnauthorized(err) != (tc.status == 401) {
				t.Errorf("IsNotFound/IsUnauthorized wrong for %d", tc.status)
			}
			wantMsg := fmt.Sprintf("finicity: %s %s: %d %s (reason %s): desc %s: details for %s", tc.method, tc.path, tc.status, http.StatusText(tc.status), code, code, code)
			if err.Error() != wantMsg {
				t.Errorf("message:\n got %s\nwant %s", err, wantMsg)
			}
		})
	}
	if tested < 15 {
		t.Errorf("only %d error cases ran", tested)
	}
}

// TestUndocumentedErrorBody checks a gateway answer that is not the API's
// error object still becomes an *api.Error with the raw body.
func TestUndocumentedErrorBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html>bad gateway</html>")
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL).PostConfigurations(context.Background(), api.PostConfigurationsRequest{})
	var apiErr *api.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %T %v, want *api.Error", err, err)
	}
	if apiErr.StatusCode != 502 || apiErr.ReasonCode != "" || string(apiErr.Body) != "<html>bad gateway</html>" {
		t.Errorf("got %+v", apiErr)
	}
	if got, want := err.Error(), "finicity: POST /connect-components/configurations: 502 Bad Gateway"; got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
}

// TestTransportErrorIsNotAPIError checks a failure to connect stays
// distinguishable from an API answer.
func TestTransportErrorIsNotAPIError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens any more
	_, err := newTestClient(t, url).GetConfigurations(context.Background())
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		t.Errorf("transport failure reported as API error: %v", err)
	}
}

// TestUndecodableSuccess checks a 2xx with a body that is not the documented
// type is an error, not a zero value.
func TestUndecodableSuccess(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, `{"not":"a list"}`)
	}))
	defer srv.Close()
	list, err := newTestClient(t, srv.URL).GetConfigurations(context.Background())
	if err == nil || !strings.Contains(err.Error(), "cannot unmarshal") {
		t.Errorf("got %v, %v; want a decode error", list, err)
	}
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		t.Errorf("decode failure reported as API error: %v", err)
	}
}
