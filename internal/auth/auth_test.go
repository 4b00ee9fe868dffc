package auth

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestHeaders(t *testing.T) {
	failing := tokenFunc(func(context.Context) (string, error) { return "", errors.New("no token today") })
	tests := []struct {
		name      string
		key       string
		tokens    TokenSource
		path      string
		wantKey   string
		wantToken string
		wantErr   string
	}{
		{name: "both headers", key: "k", tokens: StaticToken("t"), path: "/connect-components/configurations", wantKey: "k", wantToken: "t"},
		{name: "no token source", key: "k", path: "/connect-components/configurations", wantKey: "k"},
		{name: "partner authentication gets the key alone", key: "k", tokens: StaticToken("t"), path: TokenPath, wantKey: "k"},
		{name: "empty key", key: "", tokens: StaticToken("t"), path: "/x", wantErr: ErrEmptyAppKey.Error()},
		{name: "empty token", key: "k", tokens: StaticToken(""), path: "/x", wantErr: errEmptyToken.Error()},
		{name: "token source fails", key: "k", tokens: failing, path: "/x", wantErr: "no token today"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "https://api.example.com"+tc.path, nil)
			err := Headers(tc.key, tc.tokens)(context.Background(), req)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := req.Header.Get(HeaderAppKey); got != tc.wantKey {
				t.Errorf("key: got %q, want %q", got, tc.wantKey)
			}
			if got := req.Header.Get(HeaderAppToken); got != tc.wantToken {
				t.Errorf("token: got %q, want %q", got, tc.wantToken)
			}
		})
	}
}

type tokenFunc func(context.Context) (string, error)

func (f tokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }
