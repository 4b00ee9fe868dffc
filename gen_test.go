package connectcomponents_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
)

// TestRequestBuilders checks the URLs built by the generated request
// builders (from internal/codegen/client.tmpl): the server's path prefix is
// kept whatever its trailing slash, and path parameters are escaped.
func TestRequestBuilders(t *testing.T) {
	id := uuid.MustParse("605543e1-f507-48ad-8127-95c40566597b")
	tests := []struct {
		name    string
		build   func(server string) (string, error)
		server  string
		wantURL string
	}{
		{"uuid", func(s string) (string, error) {
			r, err := gen.NewGetConfigurationsConfigurationIDRequest(s, id)
			return urlOf(r, err)
		}, "https://api.finicity.com/", "https://api.finicity.com/connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b"},
		{"prefix without slash", func(s string) (string, error) {
			r, err := gen.NewGetConfigurationsRequest(s)
			return urlOf(r, err)
		}, "http://127.0.0.1:4010/base", "http://127.0.0.1:4010/base/connect-components/configurations"},
		{"prefix with slash", func(s string) (string, error) {
			r, err := gen.NewGetConfigurationsRequest(s)
			return urlOf(r, err)
		}, "http://127.0.0.1:4010/base/", "http://127.0.0.1:4010/base/connect-components/configurations"},
		{"escaped customer id and int64", func(s string) (string, error) {
			r, err := gen.NewPostReconnectionsRequestWithBody(s, "a b/c?d%é", 9007199254740993, "application/json", nil)
			return urlOf(r, err)
		}, "https://api.finicity.com/", "https://api.finicity.com/connect-components/customers/a%20b%2Fc%3Fd%25%C3%A9/institution-login-ids/9007199254740993/reconnections"},
		{"negative institution", func(s string) (string, error) {
			r, err := gen.NewPostInstitutionsInstitutionIDLoginFormsRequestWithBody(s, -5, "application/json", nil)
			return urlOf(r, err)
		}, "https://api.finicity.com", "https://api.finicity.com/connect-components/institutions/-5/login-forms"},
	}
	for _, tc := range tests {
		got, err := tc.build(tc.server)
		if err != nil {
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

func urlOf(r *http.Request, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return r.URL.String(), nil
}
