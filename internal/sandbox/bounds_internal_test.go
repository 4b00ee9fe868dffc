package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/internal/testutil"
)

// callForTest sends one request to the sandbox's handler.
func (s *Sandbox) callForTest(method, path, key, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set(headerAppKey, key)
	if token != "" {
		req.Header.Set(headerAppToken, token)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// issueForTest gets a token for key from partner authentication, with
// the sandbox's credentials.
func (s *Sandbox) issueForTest(t *testing.T, key string) string {
	t.Helper()
	op := SpecOp(t, s.model, "Partners.Authenticate")
	rec := s.callForTest("POST", SpecPath(t, op), key, "", SpecBodyText(t, op, map[string]any{"partnerId": DefaultPartnerID, "partnerSecret": DefaultPartnerSecret}))
	var answer struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); rec.Code != 200 || err != nil || answer.Token == "" {
		t.Fatalf("CreateToken: %d %s", rec.Code, rec.Body)
	}
	return answer.Token
}

// listStatusForTest is the status of a configuration list.
func (s *Sandbox) listStatusForTest(t *testing.T, key, token string) int {
	t.Helper()
	return s.callForTest("GET", SpecPath(t, SpecOp(t, s.model, "Configurations.List")), key, token, "").Code
}

// TestTokenTableIsBounded: past the limit the oldest token is forgotten;
// grants a day past their expiry are forgotten at the next issue; with
// token checking off none is remembered.
func TestTokenTableIsBounded(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	s := New(WithTokenCheck(true), WithClock(clk.Now))
	s.st.maxTokens = 3
	var toks []string
	for range 5 {
		toks = append(toks, s.issueForTest(t, "k"))
	}
	for i, tok := range toks {
		want := http.StatusOK
		if i < 2 {
			want = http.StatusUnauthorized
		}
		if got := s.listStatusForTest(t, "k", tok); got != want {
			t.Errorf("token %d of 5 with a limit of 3: %d, want %d", i, got, want)
		}
	}
	if len(s.tokens) != 3 || len(s.st.tokenOrder) != 3 {
		t.Errorf("remembered %d tokens (%d in order), want 3", len(s.tokens), len(s.st.tokenOrder))
	}

	// A day after expiry they are forgotten, without a scan: the next
	// issue pops them from the front of the queue.
	clk.Advance(DefaultTokenLifetime + expiredTokenMemory + time.Second)
	fresh := s.issueForTest(t, "k")
	if len(s.tokens) != 1 || s.st.tokenOrder[0] != fresh {
		t.Errorf("after expiry and a day: %d tokens remembered, want only the fresh one", len(s.tokens))
	}

	off := New()
	for range 5 {
		off.issueForTest(t, "k")
	}
	if len(off.tokens) != 0 || len(off.st.tokenOrder) != 0 {
		t.Errorf("token checking off: %d tokens remembered, want none", len(off.tokens))
	}
}

// TestOAuthSessionsAreBounded: past the limit the oldest session is
// forgotten, and its page answers 404.
func TestOAuthSessionsAreBounded(t *testing.T) {
	s := New()
	s.st.maxOAuth = 2
	op := SpecOp(t, s.model, "OAuthURLs.Create")
	path, body := SpecPath(t, op), SpecBodyText(t, op, nil)
	var pages []string
	for range 3 {
		rec := s.callForTest("POST", path, "k", "t", body)
		if rec.Code != http.StatusCreated {
			t.Fatalf("OAuth URL: %d %s", rec.Code, rec.Body)
		}
		i := strings.Index(rec.Body.String(), oauthPrefix)
		pages = append(pages, rec.Body.String()[i:i+len(oauthPrefix)+36])
	}
	for i, page := range pages {
		want := http.StatusFound
		if i == 0 {
			want = http.StatusNotFound
		}
		if got := s.callForTest("GET", page, "", "", "").Code; got != want {
			t.Errorf("session %d of 3 with a limit of 2: %d, want %d", i, got, want)
		}
	}
	if len(s.oauth) != 2 || len(s.st.oauthOrder) != 2 {
		t.Errorf("remembered %d sessions (%d in order), want 2", len(s.oauth), len(s.st.oauthOrder))
	}
}
