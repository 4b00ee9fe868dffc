package auth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
)

func TestEditor(t *testing.T) {
	fixed := func(tok string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) { return tok, nil }
	}
	failing := func(context.Context) (string, error) { return "", errors.New("no token today") }
	tests := []struct {
		name      string
		token     func(context.Context) (string, error)
		method    string
		path      string
		wantToken string
		wantErr   string
	}{
		{name: "both headers", token: fixed("t"), method: "GET", path: "/connect-components/configurations", wantToken: "t"},
		{name: "partner authentication gets the key alone", token: failing, method: "POST", path: TokenPath},
		{name: "behind a path prefix", token: failing, method: "POST", path: "/base" + TokenPath + "/"},
		{name: "a GET of the token path is not authentication", token: fixed("t"), method: "GET", path: TokenPath, wantToken: "t"},
		{name: "empty token", token: fixed(""), method: "GET", path: "/x", wantErr: ErrEmptyToken.Error()},
		{name: "token source fails", token: failing, method: "GET", path: "/x", wantErr: "no token today"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "https://api.example.com"+tc.path, nil)
			req.Header.Set(HeaderAppToken, "stale") // must not survive on a token request
			req.Header.Set("X-Caller", "kept")
			err := Editor("k", tc.token)(context.Background(), req)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Values(HeaderAppKey); !slices.Equal(got, []string{"k"}) {
				t.Errorf("key: got %q, want k", got)
			}
			if got := req.Header.Get(HeaderAppToken); got != tc.wantToken {
				t.Errorf("token: got %q, want %q", got, tc.wantToken)
			}
			if req.Header.Get("X-Caller") != "kept" {
				t.Error("the caller's header was lost")
			}
		})
	}
}

// TestEditorFollowsTheToken: each request carries the token of the
// moment, and a header value put on an earlier request is not changed.
func TestEditorFollowsTheToken(t *testing.T) {
	tok := "tok-1"
	edit := Editor("k", func(context.Context) (string, error) { return tok, nil })
	var reqs []*http.Request
	for _, next := range []string{"tok-1", "tok-2", "tok-2"} {
		tok = next
		req, _ := http.NewRequest("GET", "https://api.example.com/x", nil)
		if err := edit(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
	}
	reqs[0].Header[HeaderAppToken] = append(reqs[0].Header[HeaderAppToken], "appended")
	for i, want := range [][]string{{"tok-1", "appended"}, {"tok-2"}, {"tok-2"}} {
		if got := reqs[i].Header.Values(HeaderAppToken); !slices.Equal(got, want) {
			t.Errorf("request %d: token %q, want %q", i, got, want)
		}
	}
}

const expiredBody = `{"Errors":{"Error":[{"ReasonCode":"10023","Description":"expired"}]}}`

// TestExpired: a 401 with reason code 10023 to a request that carried a
// token, and nothing else, asks for a replay with a new token.
func TestExpired(t *testing.T) {
	for _, tc := range []struct {
		name         string
		method, path string
		token        string
		status       int
		body         string
		want         bool
	}{
		{"expired", "GET", "/connect-components/configurations", "tok", 401, expiredBody, true},
		{"expired, the code a number", "POST", "/connect-components/configurations", "tok", 401, `{"Errors":{"Error":[{"ReasonCode":10023}]}}`, true},
		{"another reason", "GET", "/connect-components/configurations", "tok", 401, `{"Errors":{"Error":[{"ReasonCode":"10026"}]}}`, false},
		{"not a 401", "GET", "/connect-components/configurations", "tok", 403, expiredBody, false},
		{"no token was sent", "GET", "/connect-components/configurations", "", 401, expiredBody, false},
		{"partner authentication", "POST", TokenPath, "tok", 401, expiredBody, false},
	} {
		req, _ := http.NewRequest(tc.method, "https://api.example.com"+tc.path, nil)
		if tc.token != "" {
			req.Header.Set(HeaderAppToken, tc.token)
		}
		if got := Expired(req, tc.status, []byte(tc.body), "10023"); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestExpiredReadsTheBody: the reason code 10023 in any item of the
// documented error body, as a string or a number; nothing else.
func TestExpiredReadsTheBody(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{expiredBody, true},
		{`{"Errors":{"Error":[{"ReasonCode":10023}]}}`, true},
		{`{"Errors":{"Error":[{"ReasonCode":"10026"},{"ReasonCode":"10023"}]}}`, true},
		{`{"Errors":{"Error":[{"ReasonCode":"10026"}]}}`, false},
		{`{"Errors":{"Error":{}}}`, false},
		{`not json`, false},
		{``, false},
	}
	req, _ := http.NewRequest("GET", "https://api.example.com/connect-components/configurations", nil)
	req.Header.Set(HeaderAppToken, "tok")
	for _, tc := range tests {
		if got := Expired(req, 401, []byte(tc.body), "10023"); got != tc.want {
			t.Errorf("Expired(%s) = %v", tc.body, got)
		}
	}
}

func FuzzExpired(f *testing.F) {
	f.Add([]byte(expiredBody))
	f.Add([]byte(`{"Errors":{"Error":[{"ReasonCode":null}]}}`))
	f.Add([]byte(`[]`))
	req, _ := http.NewRequest("GET", "https://api.example.com/x", nil)
	req.Header.Set(HeaderAppToken, "tok")
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = Expired(req, 401, body, "10023")
	})
}
