package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/internal/httpx"
)

type tokenFunc func(context.Context) (string, error)

func (f tokenFunc) Token(ctx context.Context) (string, error) { return f(ctx) }
func (tokenFunc) Invalidate(string)                           {}

func TestEditor(t *testing.T) {
	failing := tokenFunc(func(context.Context) (string, error) { return "", errors.New("no token today") })
	tests := []struct {
		name      string
		key       string
		tokens    TokenSource
		method    string
		path      string
		wantKey   string
		wantToken string
		wantErr   string
	}{
		{name: "both headers", key: "k", tokens: StaticToken("t"), method: "GET", path: "/connect-components/configurations", wantKey: "k", wantToken: "t"},
		{name: "partner authentication gets the key alone", key: "k", tokens: failing, method: "POST", path: TokenPath, wantKey: "k"},
		{name: "behind a path prefix", key: "k", tokens: failing, method: "POST", path: "/base" + TokenPath + "/", wantKey: "k"},
		{name: "a GET of the token path is not authentication", key: "k", tokens: StaticToken("t"), method: "GET", path: TokenPath, wantKey: "k", wantToken: "t"},
		{name: "empty key", key: "", tokens: StaticToken("t"), method: "GET", path: "/x", wantErr: ErrEmptyAppKey.Error()},
		{name: "empty token", key: "k", tokens: StaticToken(""), method: "GET", path: "/x", wantErr: ErrEmptyToken.Error()},
		{name: "token source fails", key: "k", tokens: failing, method: "GET", path: "/x", wantErr: "no token today"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "https://api.example.com"+tc.path, nil)
			req.Header.Set(HeaderAppToken, "stale") // must not survive on a token request
			req.Header.Set("X-Caller", "kept")
			err := Editor(tc.key, tc.tokens)(context.Background(), req)
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
			if req.Header.Get("X-Caller") != "kept" {
				t.Error("the caller's header was lost")
			}
		})
	}
}

func TestStaticTokenDoesNotPrint(t *testing.T) {
	tok := StaticToken("very-secret-token")
	for _, s := range []string{tok.String(), tok.GoString()} {
		if strings.Contains(s, "very-secret-token") {
			t.Errorf("printed the token: %q", s)
		}
	}
}

// source is a renewable TokenSource: tok-1, then tok-2 after Invalidate,
// or the same token again when stuck.
type source struct {
	mu          sync.Mutex
	n           int
	stuck       bool
	invalidated []string
}

func (s *source) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		s.n = 1
	}
	return "tok-" + string(rune('0'+s.n)), nil
}

func (s *source) Invalidate(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, tok)
	if !s.stuck {
		s.n++
	}
}

// recorder is a Sender that records the token of each request and its
// body, and answers from a list, read whole as the stack's body reader
// hands answers up.
type recorder struct {
	tokens  []string
	bodies  []string
	answers []*http.Response
}

func (r *recorder) Send(req *http.Request) (*httpx.Response, error) {
	r.tokens = append(r.tokens, req.Header.Get(HeaderAppToken))
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
	}
	r.bodies = append(r.bodies, string(b))
	a := *r.answers[min(len(r.tokens), len(r.answers))-1]
	return httpx.Receive(req, &a, 1<<20, false)
}

func answer(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
}

const expiredBody = `{"Errors":{"Error":[{"ReasonCode":"10023","Description":"expired"}]}}`

func TestReplay(t *testing.T) {
	type bodyKind int
	const (
		none bodyKind = iota
		replayable
		oneShot
	)
	tests := []struct {
		name            string
		method, path    string
		body            bodyKind
		tokens          func() TokenSource
		answers         []*http.Response
		wantTokens      []string
		wantStatus      int
		wantInvalidated []string
	}{
		{name: "success", method: "GET", path: "/connect-components/configurations",
			answers: []*http.Response{answer(200, "[]")}, wantTokens: []string{"tok-1"}, wantStatus: 200},
		{name: "10023 refresh and replay", method: "GET", path: "/connect-components/configurations",
			answers: []*http.Response{answer(401, expiredBody), answer(200, "[]")}, wantTokens: []string{"tok-1", "tok-2"}, wantStatus: 200,
			wantInvalidated: []string{"tok-1"}},
		{name: "10023 twice returns the second 401", method: "GET", path: "/connect-components/configurations",
			answers: []*http.Response{answer(401, expiredBody), answer(401, expiredBody)}, wantTokens: []string{"tok-1", "tok-2"}, wantStatus: 401,
			wantInvalidated: []string{"tok-1"}},
		{name: "other 401 is not replayed", method: "GET", path: "/connect-components/configurations",
			answers: []*http.Response{answer(401, `{"Errors":{"Error":[{"ReasonCode":"10026"}]}}`)}, wantTokens: []string{"tok-1"}, wantStatus: 401},
		{name: "POST with replayable body", method: "POST", path: "/connect-components/configurations", body: replayable,
			answers: []*http.Response{answer(401, expiredBody), answer(201, "{}")}, wantTokens: []string{"tok-1", "tok-2"}, wantStatus: 201,
			wantInvalidated: []string{"tok-1"}},
		{name: "one-shot body: token dropped, no replay", method: "POST", path: "/connect-components/configurations", body: oneShot,
			answers: []*http.Response{answer(401, expiredBody)}, wantTokens: []string{"tok-1"}, wantStatus: 401,
			wantInvalidated: []string{"tok-1"}},
		{name: "static token is not replayed", method: "GET", path: "/connect-components/configurations",
			tokens:  func() TokenSource { return StaticToken("static") },
			answers: []*http.Response{answer(401, expiredBody)}, wantTokens: []string{"static"}, wantStatus: 401},
		{name: "a source with nothing newer is not replayed", method: "GET", path: "/connect-components/configurations",
			tokens:  func() TokenSource { return &source{stuck: true} },
			answers: []*http.Response{answer(401, expiredBody)}, wantTokens: []string{"tok-1"}, wantStatus: 401,
			wantInvalidated: []string{"tok-1"}},
		{name: "partner authentication is never replayed", method: "POST", path: TokenPath, body: replayable,
			answers: []*http.Response{answer(401, expiredBody)}, wantTokens: []string{"tok-1"}, wantStatus: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &source{}
			var tokens TokenSource = src
			if tc.tokens != nil {
				tokens = tc.tokens()
			}
			rec := &recorder{answers: tc.answers}
			replays := 0
			d := Replay(rec, tokens, "10023", func(*http.Request) { replays++ })
			var body io.Reader
			switch tc.body {
			case replayable:
				body = strings.NewReader(`{"a":1}`)
			case oneShot:
				body = io.MultiReader(strings.NewReader(`{"a":1}`))
			}
			req, _ := http.NewRequest(tc.method, "http://127.0.0.1"+tc.path, body)
			first, _ := tokens.Token(context.Background())
			if err := SetToken(req, first); err != nil {
				t.Fatal(err)
			}
			resp, err := d.Send(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if !slices.Equal(rec.tokens, tc.wantTokens) {
				t.Errorf("tokens sent: got %v, want %v", rec.tokens, tc.wantTokens)
			}
			for i, b := range rec.bodies {
				if want := map[bodyKind]string{none: "", replayable: `{"a":1}`, oneShot: `{"a":1}`}[tc.body]; b != want {
					t.Errorf("request %d: body %q, want %q", i, b, want)
				}
			}
			if replays != len(tc.wantTokens)-1 {
				t.Errorf("replays: got %d, want %d", replays, len(tc.wantTokens)-1)
			}
			if tc.tokens == nil && !slices.Equal(src.invalidated, tc.wantInvalidated) {
				t.Errorf("invalidated: got %v, want %v", src.invalidated, tc.wantInvalidated)
			}
			// The caller's request keeps its own token: a replay is a copy.
			if got := req.Header.Get(HeaderAppToken); got != first {
				t.Errorf("the caller's request was changed: token %q", got)
			}
		})
	}
}

func TestReplayFailsWithTheTokenError(t *testing.T) {
	fetches := 0
	tokens := NewPartnerToken(func(context.Context) (string, error) {
		fetches++
		if fetches == 1 {
			return "tok-1", nil
		}
		return "", errors.New("authentication is down")
	}, 0, nil)
	rec := &recorder{answers: []*http.Response{answer(401, expiredBody)}}
	req, _ := http.NewRequest("GET", "http://127.0.0.1/connect-components/configurations", nil)
	tok, _ := tokens.Token(context.Background())
	_ = SetToken(req, tok)
	resp, err := Replay(rec, tokens, "10023", nil).Send(req)
	if err == nil || err.Error() != "authentication is down" || resp != nil {
		t.Fatalf("got %v, %v; want the token error", resp, err)
	}
}

func TestHasReasonCode(t *testing.T) {
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
	for _, tc := range tests {
		if got := HasReasonCode([]byte(tc.body), "10023"); got != tc.want {
			t.Errorf("HasReasonCode(%s) = %v", tc.body, got)
		}
	}
}

func FuzzHasReasonCode(f *testing.F) {
	f.Add([]byte(expiredBody))
	f.Add([]byte(`{"Errors":{"Error":[{"ReasonCode":null}]}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = HasReasonCode(body, "10023")
	})
}
