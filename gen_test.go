package connectcomponents_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
)

// TestRequestBuilders checks the URLs built by oapi-codegen's stock request
// builders (gen/finicity.gen.go), as the client uses them: the server's
// path prefix is kept whatever its trailing slash (gen.NewClient adds the
// slash the builders need), and path parameters are escaped.
func TestRequestBuilders(t *testing.T) {
	id := uuid.MustParse("605543e1-f507-48ad-8127-95c40566597b")
	tests := []struct {
		name    string
		server  string
		send    func(c *gen.Client) error
		wantURL string
	}{
		{"uuid", "https://api.finicity.com/", func(c *gen.Client) error {
			_, err := c.GetConfigurationsConfigurationID(t.Context(), id)
			return err
		}, "https://api.finicity.com/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b"},
		{"prefix without slash", "http://127.0.0.1:4010/base", func(c *gen.Client) error {
			_, err := c.GetConfigurations(t.Context())
			return err
		}, "http://127.0.0.1:4010/base/connect-components/configurations"},
		{"prefix with slash", "http://127.0.0.1:4010/base/", func(c *gen.Client) error {
			_, err := c.GetConfigurations(t.Context())
			return err
		}, "http://127.0.0.1:4010/base/connect-components/configurations"},
		{"escaped customer id and int64", "https://api.finicity.com", func(c *gen.Client) error {
			_, err := c.PostReconnectionsWithBody(t.Context(), "a b/c?d%é", 9007199254740993, "application/json", nil)
			return err
		}, "https://api.finicity.com/connect-components/customers/a%20b%2Fc%3Fd%25%C3%A9/institution-login-ids/9007199254740993/reconnections"},
		{"negative institution", "https://api.finicity.com", func(c *gen.Client) error {
			_, err := c.PostInstitutionsInstitutionIDLoginFormsWithBody(t.Context(), -5, "application/json", nil)
			return err
		}, "https://api.finicity.com/connect-components/institutions/-5/login-forms"},
	}
	for _, tc := range tests {
		var got string
		c, err := gen.NewClient(tc.server, gen.WithHTTPClient(doerFunc(func(r *http.Request) (*http.Response, error) {
			got = r.URL.String()
			return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
		})))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := tc.send(c); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.wantURL {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.wantURL)
		}
	}
	if _, err := gen.NewGetConfigurationsRequest("://no-scheme"); err == nil {
		t.Error("a malformed server URL was accepted")
	}
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
