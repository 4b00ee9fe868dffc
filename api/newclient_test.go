package api_test

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// newClientErrorCases are the settings NewClient refuses, each with the
// words its error must contain to name the problem.
func newClientErrorCases() []struct {
	name string
	key  string
	opts []api.Option
	want string
} {
	token := api.WithAppToken(testToken)
	nop := func(next api.Doer) api.Doer { return next }
	return []struct {
		name string
		key  string
		opts []api.Option
		want string
	}{
		{"empty key", "", []api.Option{token}, "app key is empty"},
		{"blank key", " \t", []api.Option{token}, "app key is empty"},
		{"no token source", testKey, nil, "no Finicity-App-Token: give one of WithAppToken, WithPartnerCredentials or WithTokenSource"},
		{"only other options", testKey, []api.Option{api.WithRetries(1)}, "no Finicity-App-Token"},
		{"app token and partner credentials", testKey, []api.Option{token, api.WithPartnerCredentials(testPartnerID, testSecret)},
			"both WithAppToken and WithPartnerCredentials give the Finicity-App-Token: keep one"},
		{"partner credentials and token source", testKey, []api.Option{api.WithPartnerCredentials(testPartnerID, testSecret), api.WithTokenSource(&scriptedTokens{tokens: []string{"t"}})},
			"both WithPartnerCredentials and WithTokenSource give the Finicity-App-Token: keep one"},
		{"token source and app token", testKey, []api.Option{api.WithTokenSource(&scriptedTokens{tokens: []string{"t"}}), token},
			"both WithTokenSource and WithAppToken give the Finicity-App-Token: keep one"},
		{"empty app token", testKey, []api.Option{api.WithAppToken("")}, "WithAppToken: token is empty"},
		{"empty partner id", testKey, []api.Option{api.WithPartnerCredentials("", testSecret)}, "WithPartnerCredentials: partner id and partner secret must both be set"},
		{"blank partner secret", testKey, []api.Option{api.WithPartnerCredentials(testPartnerID, " ")}, "WithPartnerCredentials: partner id and partner secret must both be set"},
		{"nil option", testKey, []api.Option{token, nil}, "option 1 is nil"},
		{"nil token source", testKey, []api.Option{api.WithTokenSource(nil)}, "WithTokenSource: token source is nil"},
		{"nil http client", testKey, []api.Option{token, api.WithHTTPClient(nil)}, "WithHTTPClient: client is nil"},
		{"nil request editor", testKey, []api.Option{token, api.WithRequestEditor(nil)}, "WithRequestEditor: function is nil"},
		{"nil middleware", testKey, []api.Option{token, api.WithMiddleware(nil)}, "WithMiddleware: middleware 0 is nil"},
		{"nil second middleware", testKey, []api.Option{token, api.WithMiddleware(nop, nil)}, "WithMiddleware: middleware 1 is nil"},
		{"middleware returning nil", testKey, []api.Option{token, api.WithMiddleware(nop, func(api.Doer) api.Doer { return nil })},
			"WithMiddleware: middleware 1 returned a nil Doer"},
		{"http for a remote host", testKey, []api.Option{token, api.WithBaseURL("http://api.finicity.com")}, `base URL "http://api.finicity.com" uses plain http for a host that is not loopback`},
		{"http for a private address", testKey, []api.Option{token, api.WithBaseURL("http://10.1.2.3:8080")}, "uses plain http for a host that is not loopback"},
		{"http for a name that starts like loopback", testKey, []api.Option{token, api.WithBaseURL("http://127.0.0.1.example.com")}, "uses plain http for a host that is not loopback"},
		{"http for localhost's lookalike", testKey, []api.Option{token, api.WithBaseURL("http://localhost.example.com")}, "uses plain http for a host that is not loopback"},
		{"other scheme", testKey, []api.Option{token, api.WithBaseURL("ftp://api.finicity.com")}, "must use https (or http on loopback)"},
		{"no host", testKey, []api.Option{token, api.WithBaseURL("/relative")}, "has no host"},
		{"not a URL", testKey, []api.Option{token, api.WithBaseURL("https://api.finicity.com/%zz")}, "is not a URL"},
		{"negative retries", testKey, []api.Option{token, api.WithRetries(-1)}, "WithRetries: -1 is negative"},
		{"zero backoff", testKey, []api.Option{token, api.WithRetryBackoff(0, time.Second)}, "WithRetryBackoff: need 0 < base <= max"},
		{"backoff max below base", testKey, []api.Option{token, api.WithRetryBackoff(time.Second, time.Millisecond)}, "WithRetryBackoff: need 0 < base <= max"},
		{"negative attempt timeout", testKey, []api.Option{token, api.WithAttemptTimeout(-time.Second)}, "WithAttemptTimeout: -1s is negative"},
		{"zero token max age", testKey, []api.Option{api.WithPartnerCredentials(testPartnerID, testSecret), api.WithTokenMaxAge(0)}, "WithTokenMaxAge: 0s is not positive"},
	}
}

// TestNewClientRefusesBadSettings: each refused setting fails NewClient
// with a message naming it, prefixed once, quoting no credential.
func TestNewClientRefusesBadSettings(t *testing.T) {
	for _, tc := range newClientErrorCases() {
		t.Run(tc.name, func(t *testing.T) {
			c, err := api.NewClient(tc.key, tc.opts...)
			if err == nil {
				t.Fatalf("got client %v, want an error containing %q", c, tc.want)
			}
			if c != nil {
				t.Errorf("got a client with the error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "finicity: ") || strings.Count(err.Error(), "finicity: ") != 1 {
				t.Errorf("error %q: want the prefix exactly once, at the start", err)
			}
			mustContainNone(t, "error", err.Error(), testKey, testToken, testSecret)
		})
	}
}

// TestNewClientAcceptsSafeBaseURLs: https anywhere, plain http on
// loopback only; the default is production.
func TestNewClientAcceptsSafeBaseURLs(t *testing.T) {
	for _, base := range []string{"", "https://api.finicity.com", "https://sandbox.example.com/prefix", "http://127.0.0.1:4010",
		"http://127.9.9.9", "http://localhost:4010", "http://LOCALHOST", "http://[::1]:4010"} {
		opts := []api.Option{api.WithAppToken(testToken)}
		if base != "" {
			opts = append(opts, api.WithBaseURL(base))
		}
		c, err := api.NewClient(testKey, opts...)
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
		for _, svc := range specModel(t).Services {
			if f := reflect.ValueOf(c).Elem().FieldByName(svc.Name); !f.IsValid() || f.IsNil() {
				t.Errorf("%q: the service %s is nil or missing (run `make generate`)", base, svc.Name)
			}
		}
		if c.Generated() == nil {
			t.Errorf("%q: Generated() is nil", base)
		}
	}
}

// TestWithHTTPClientIsUsed: requests go through the given client.
func TestWithHTTPClientIsUsed(t *testing.T) {
	srv := newScripted(t, getOK())
	var seen int
	hc := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		seen++
		return http.DefaultTransport.RoundTrip(r)
	})}
	if err := listCall(context.Background(), newClient(t, srv.URL, api.WithHTTPClient(hc))); err != nil {
		t.Fatal(err)
	}
	if seen != 1 || srv.count() != 1 {
		t.Errorf("the given client saw %d requests, the server %d; want 1 and 1", seen, srv.count())
	}
}

// TestBaseURLWithPathPrefix: a base URL's path is kept in front of every
// operation's path.
func TestBaseURLWithPathPrefix(t *testing.T) {
	get := pick(t, kindGET)
	srv := newScripted(t, get.okReply())
	for _, prefix := range []string{"/finicity", "/finicity/"} {
		if err := get.call(context.Background(), newClient(t, srv.URL+prefix)); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range srv.requests() {
		if r.path != "/finicity"+get.urlPath() {
			t.Errorf("path: got %s", r.path)
		}
	}
}
