package sandbox_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// bigConfig is a configuration create body of at least n bytes: the
// example, its filterAccounts made of 512-byte items.
func bigConfig(t testing.TB, n int) string {
	t.Helper()
	items := []string{}
	for {
		body := bodyText(t, opCreate, map[string]any{"filterAccounts": items})
		if len(body) >= n {
			return body
		}
		items = append(items, strings.Repeat("x", 512))
	}
}

// refusal decodes an error answer, checking its status and reason code.
func refusal(t *testing.T, status int, body string, wantStatus int, wantReason string) string {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
	}
	item := errorItem(t, []byte(body))
	if item.ReasonCode != wantReason {
		t.Errorf("reason %s, want %s: %s", item.ReasonCode, wantReason, body)
	}
	return item.Details
}

// TestByteBudget: past the byte budget a create is refused with 400 and
// reason 10010, naming the budget; nothing stored is forgotten; deleting
// makes room again, and the count returns to zero when all is deleted.
func TestByteBudget(t *testing.T) {
	const budget = 200 << 10
	sb := sandbox.New(sandbox.WithMaxStateBytes(budget), sandbox.WithResponseValidation(func(err error) { t.Error(err) }))
	if got := sb.MaxStateBytes(); got != budget {
		t.Errorf("MaxStateBytes: %d", got)
	}
	body := bigConfig(t, 30<<10)
	cfg := cfgPath(t)
	var ids []string
	for i := 0; ; i++ {
		status, resp := serve(sb, "POST", cfg, fmt.Sprint("key-", i%3), anyTok, body)
		if status != 201 {
			details := refusal(t, status, resp, 400, gen.ReasonInvalidField)
			if !strings.Contains(details, fmt.Sprint(budget, " bytes")) {
				t.Errorf("refusal does not name the budget: %s", details)
			}
			break
		}
		ids = append(ids, idIn(t, resp))
		if i > 10 {
			t.Fatalf("%d creates of 30 KB within a budget of 200 KB", i)
		}
	}
	if n := len(ids); n < 5 || n > 6 {
		t.Errorf("%d creates of 30 KB fit a budget of 200 KB, want 5 or 6", n)
	}
	if used := sb.StateBytes(); used > budget || used < int64(len(ids))*30<<10 {
		t.Errorf("StateBytes %d for %d configurations of 30 KB, budget %d", used, len(ids), budget)
	}
	// Nothing was evicted: every stored configuration is still there.
	for i, id := range ids {
		if status, resp := serve(sb, "GET", cfgItemPath(t, id), fmt.Sprint("key-", i%3), anyTok, ""); status != 200 {
			t.Errorf("configuration %d after the refusal: %d %s", i, status, resp)
		}
	}
	// A small create still fits if there is room; an OAuth session is
	// refused the same way once the budget is full.
	smallBody := bodyText(t, opCreate, nil)
	for {
		status, resp := serve(sb, "POST", cfg, "key-0", anyTok, smallBody)
		if status != 201 {
			refusal(t, status, resp, 400, gen.ReasonInvalidField)
			break
		}
		ids = append(ids, idIn(t, resp))
	}
	// The session's redirect makes it dearer than the small create, so it
	// cannot fit where that one did not.
	dear := "https://p.example/" + strings.Repeat("x", len(smallBody)+200)
	status, resp := serve(sb, "POST", oauthPath(t), "key-0", anyTok, bodyText(t, opOAuthURL, map[string]any{"redirectURI": dear}))
	refusal(t, status, resp, 400, gen.ReasonInvalidField)

	// Deleting makes room again.
	if status, resp := serve(sb, "DELETE", cfgItemPath(t, ids[0]), "key-0", anyTok, ""); status != 204 {
		t.Fatalf("delete: %d %s", status, resp)
	}
	if status, resp := serve(sb, "POST", cfg, "key-0", anyTok, body); status != 201 {
		t.Errorf("create after a delete made room: %d %s", status, resp)
	} else {
		ids[0] = idIn(t, resp)
	}
	// Restoring a state over a smaller budget is refused, naming both.
	state, err := sb.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	small := sandbox.New(sandbox.WithMaxStateBytes(budget / 2))
	if err := small.UnmarshalState(state); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("over the sandbox's budget of %d bytes", budget/2)) {
		t.Errorf("UnmarshalState over the budget: %v", err)
	}
	if int64(len(state)) > budget {
		t.Errorf("state of %d bytes, over the budget of %d", len(state), budget)
	}
	same := sandbox.New(sandbox.WithMaxStateBytes(budget))
	if err := same.UnmarshalState(state); err != nil || same.StateBytes() != sb.StateBytes() {
		t.Errorf("UnmarshalState: %v, %d bytes counted, want %d", err, same.StateBytes(), sb.StateBytes())
	}

	keys := sb.AppKeys()
	for _, k := range keys {
		_, list := serve(sb, "GET", cfg, k, anyTok, "")
		var items []struct{ ID string }
		if err := json.Unmarshal([]byte(list), &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if status, resp := serve(sb, "DELETE", cfgItemPath(t, it.ID), k, anyTok, ""); status != 204 {
				t.Fatalf("delete: %d %s", status, resp)
			}
		}
	}
	if used := sb.StateBytes(); used != 0 {
		t.Errorf("StateBytes after deleting everything: %d, want 0", used)
	}
	if got := sandbox.New(sandbox.WithMaxStateBytes(0)).MaxStateBytes(); got != sandbox.DefaultMaxStateBytes {
		t.Errorf("WithMaxStateBytes(0): budget %d, want the default", got)
	}
}

// TestTokensWithinBudget: with token checking on, tokens count against
// the budget; issuing one when it is full forgets the oldest token, never
// a configuration; with no token to forget, the issue is refused.
func TestTokensWithinBudget(t *testing.T) {
	sb := sandbox.New(sandbox.WithTokenCheck(true), sandbox.WithMaxStateBytes(2000))
	login, token, cfg := tokenBody(t, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret), tokenPath(t), cfgPath(t)
	var toks []string
	for range 12 {
		status, body := serve(sb, "POST", token, keyA, "", login)
		if status != 200 {
			t.Fatalf("token: %d %s", status, body)
		}
		toks = append(toks, tokenFrom(body))
	}
	if sb.StateBytes() > 2000 {
		t.Errorf("StateBytes %d over the budget", sb.StateBytes())
	}
	if status, _ := serve(sb, "GET", cfg, keyA, toks[0], ""); status != 401 {
		t.Errorf("oldest token after the budget filled: %d, want 401 (forgotten)", status)
	}
	last := toks[len(toks)-1]
	if status, _ := serve(sb, "GET", cfg, keyA, last, ""); status != 200 {
		t.Errorf("newest token: %d", status)
	}
	// Fill the rest with configurations: they are never forgotten.
	var ids []string
	filled := bodyText(t, opCreate, map[string]any{"filterAccounts": []string{strings.Repeat("y", 200)}})
	for {
		status, body := serve(sb, "POST", cfg, keyA, last, filled)
		if status != 201 {
			refusal(t, status, body, 400, gen.ReasonInvalidField)
			break
		}
		ids = append(ids, idIn(t, body))
	}
	// A token issue at the budget forgets older tokens to fit, never a
	// configuration.
	if status, body := serve(sb, "POST", token, keyA, "", login); status != 200 {
		t.Errorf("token at the budget: %d %s", status, body)
	}
	if cfgs := sb.Configurations(keyA); len(cfgs) != len(ids) {
		t.Errorf("configurations after a token issue at the budget: %d, want %d", len(cfgs), len(ids))
	}
	if sb.StateBytes() > 2000 {
		t.Errorf("StateBytes %d over the budget", sb.StateBytes())
	}
}

// TestLengthCaps: an app key longer than MaxAppKeyBytes is answered 401
// (10026); an id longer than MaxIDBytes, in the path or the body, 400
// (10010); neither is stored. At the limit, both are accepted.
func TestLengthCaps(t *testing.T) {
	sb := sandbox.New(sandbox.WithResponseValidation(func(err error) { t.Error(err) }))
	long := strings.Repeat("k", sandbox.MaxAppKeyBytes+1)
	cfg, create := cfgPath(t), bodyText(t, opCreate, nil)
	status, body := serve(sb, "POST", cfg, long, anyTok, create)
	if d := refusal(t, status, body, 401, gen.ReasonMissingAppKey); !strings.Contains(d, fmt.Sprint(sandbox.MaxAppKeyBytes)) {
		t.Errorf("details do not name the limit: %s", d)
	}
	// Only visible ASCII is stored, so that the state file writes every
	// key back unchanged.
	for _, key := range []string{"app key", "clé", "k\x7f", "\xff\xfe"} {
		status, body := serve(sb, "POST", cfg, key, anyTok, create)
		refusal(t, status, body, 401, gen.ReasonMissingAppKey)
	}
	if keys := sb.AppKeys(); len(keys) != 0 {
		t.Errorf("a refused app key is stored: %d keys", len(keys))
	}
	if status, body := serve(sb, "POST", cfg, long[1:], anyTok, create); status != 201 {
		t.Errorf("app key of exactly %d bytes: %d %s", sandbox.MaxAppKeyBytes, status, body)
	}

	longID := strings.Repeat("1", sandbox.MaxIDBytes+1)
	cases := []struct{ name, method, path, body string }{
		{"customer_id in the path", "POST", opPath(t, opReconnect, longID, 5), bodyText(t, opReconnect, nil)},
		{"customerId in a login form", "POST", loginPath(t), bodyText(t, opLoginForm, map[string]any{"customerId": longID})},
		{"customerId in an OAuth URL", "POST", oauthPath(t), bodyText(t, opOAuthURL, map[string]any{"customerId": longID})},
		{"partnerId", "POST", tokenPath(t), bodyText(t, opToken, map[string]any{"partnerId": longID, "partnerSecret": "s"})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := serve(sb, tc.method, tc.path, keyA, anyTok, tc.body)
			if d := refusal(t, status, body, 400, gen.ReasonInvalidField); !strings.Contains(d, fmt.Sprintf("longer than %d bytes", sandbox.MaxIDBytes)) {
				t.Errorf("details do not name the limit: %s", d)
			}
			if strings.Contains(body, longID) {
				t.Errorf("the answer quotes the id")
			}
			path := strings.Replace(tc.path, longID, longID[1:], 1)
			reqBody := strings.Replace(tc.body, longID, longID[1:], 1)
			if status, body := serve(sb, tc.method, path, keyA, anyTok, reqBody); status >= 400 && status != 401 {
				t.Errorf("id of exactly %d bytes: %d %s", sandbox.MaxIDBytes, status, body)
			}
		})
	}
}

// TestStateFileWithinBudget: the state file is never larger than the
// budget, even with app keys and redirect URIs made of the characters
// JSON escapes; and it restores them unchanged.
func TestStateFileWithinBudget(t *testing.T) {
	const budget = 64 << 10
	sb := sandbox.New(sandbox.WithTokenCheck(true), sandbox.WithMaxStateBytes(budget))
	key := strings.Repeat(`"\<&`, sandbox.MaxAppKeyBytes/4)
	login := tokenBody(t, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
	var tok string
	for range 100 {
		status, body := serve(sb, "POST", tokenPath(t), key, "", login)
		if status != 200 {
			t.Fatalf("token: %d %s", status, body)
		}
		tok = tokenFrom(body)
	}
	for {
		status, body := serve(sb, "POST", oauthPath(t), key, tok, bodyText(t, opOAuthURL, map[string]any{"redirectURI": "https://p.example/back?a=1&b=<2>"}))
		if status != 201 {
			refusal(t, status, body, 400, gen.ReasonInvalidField)
			break
		}
	}
	state, err := sb.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	if len(state) > budget {
		t.Errorf("state file of %d bytes for a budget of %d (StateBytes %d)", len(state), budget, sb.StateBytes())
	}
	if !strings.Contains(string(state), `"redirectURI":"https://p.example/back?a=1&b=<2>"`) {
		t.Errorf("redirectURI escaped in the state file: %.300s", state)
	}
	restored := sandbox.New(sandbox.WithTokenCheck(true), sandbox.WithMaxStateBytes(budget))
	if err := restored.UnmarshalState(state); err != nil {
		t.Fatal(err)
	}
	if status, body := serve(restored, "GET", cfgPath(t), key, tok, ""); status != 200 {
		t.Errorf("restored token with its app key: %d %s", status, body)
	}
}

// TestInvalidUTF8IsRefused: a body with invalid UTF-8 in a JSON string is
// a 400 naming the problem, and nothing is stored: Go's decoder would
// have replaced the bytes, storing something else than was sent.
func TestInvalidUTF8IsRefused(t *testing.T) {
	sb := sandbox.New()
	// JSON's encoder would replace the invalid byte: it goes in after.
	const marker = "INVALID-UTF8-HERE"
	invalid := strings.Replace(bodyText(t, opCreate, map[string]any{"filterAccounts": []string{marker}}), marker, "a\xff", 1)
	status, body := serve(sb, "POST", cfgPath(t), keyA, anyTok, invalid)
	if d := refusal(t, status, body, 400, gen.ReasonInvalidField); d != "body filterAccounts.0: not valid UTF-8: JSON decoders replace the bytes, so the server would receive another value" {
		t.Errorf("details: %s", d)
	}
	if n := len(sb.Configurations(keyA)); n != 0 {
		t.Errorf("%d configurations stored", n)
	}
}
