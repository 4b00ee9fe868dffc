package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
)

func issue(t *testing.T, c *gen.ClientWithResponses, id, partnerSecret string) (int, string) {
	t.Helper()
	// The example's body with the credentials under test.
	creds := typedBody[gen.PartnerCredentials](t, opToken, map[string]any{"partnerId": id, "partnerSecret": partnerSecret})
	r, err := c.CreateTokenWithResponse(context.Background(), creds)
	if err != nil {
		t.Fatal(err)
	}
	if r.JSON200 != nil {
		return r.StatusCode(), r.JSON200.Token.Reveal()
	}
	return r.StatusCode(), ""
}

func listStatus(t *testing.T, c *gen.ClientWithResponses) (int, string) {
	t.Helper()
	r, err := c.GetConfigurationsWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode() == 401 {
		return 401, r.JSON401.Errors.Error[0].ReasonCode
	}
	return r.StatusCode(), ""
}

func TestTokenCheckAndExpiry(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	_, srv := newSandbox(t, sandbox.WithTokenCheck(true), sandbox.WithClock(clk.Now))
	anon := genClient(t, srv, keyA, "")

	if status, tok := issue(t, anon, "sandbox-partner", "wrong"); status != 401 || tok != "" {
		t.Fatalf("wrong secret: %d", status)
	}
	if status, _ := issue(t, anon, "someone-else", "sandbox-secret"); status != 401 {
		t.Fatalf("wrong partner id: %d", status)
	}
	status, tok := issue(t, anon, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
	if status != 200 || len(tok) < 40 {
		t.Fatalf("issue: %d %q", status, tok)
	}
	_, tok2 := issue(t, anon, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
	if tok2 == tok {
		t.Fatal("two issues gave the same token")
	}

	cases := []struct {
		name    string
		key     string
		token   string
		advance time.Duration
		status  int
		reason  string
	}{
		{"issued token", keyA, tok, 0, 200, ""},
		{"made-up token", keyA, "made-up", 0, 401, "10022"},
		{"token of another app key", keyB, tok, 0, 401, "10022"},
		{"just before two hours", keyA, tok, 2*time.Hour - time.Second, 200, ""},
		{"at two hours", keyA, tok, time.Second, 401, "10023"},
	}
	for _, tc := range cases {
		clk.Advance(tc.advance)
		status, reason := listStatus(t, genClient(t, srv, tc.key, tc.token))
		if status != tc.status || reason != tc.reason {
			t.Errorf("%s: got %d %q, want %d %q", tc.name, status, reason, tc.status, tc.reason)
		}
	}
	// A fresh token works again after expiry.
	_, tok3 := issue(t, anon, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret)
	if status, _ := listStatus(t, genClient(t, srv, keyA, tok3)); status != 200 {
		t.Errorf("fresh token after expiry: %d", status)
	}
}

func TestTokenOptions(t *testing.T) {
	clk := testutil.NewClock(time.Unix(0, 0))
	_, srv := newSandbox(t, sandbox.WithTokenCheck(true), sandbox.WithClock(clk.Now),
		sandbox.WithTokenLifetime(time.Minute), sandbox.WithPartnerCredentials("p-1", "s-1"))
	anon := genClient(t, srv, keyA, "")
	if status, _ := issue(t, anon, sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret); status != 401 {
		t.Errorf("default credentials still accepted after WithPartnerCredentials: %d", status)
	}
	status, tok := issue(t, anon, "p-1", "s-1")
	if status != 200 {
		t.Fatalf("custom credentials: %d", status)
	}
	clk.Advance(time.Minute)
	if status, reason := listStatus(t, genClient(t, srv, keyA, tok)); status != 401 || reason != "10023" {
		t.Errorf("after the custom lifetime: %d %s", status, reason)
	}
}

// TestTokenCheckOff: by default any non-empty token is accepted, and
// CreateToken still works so token-fetching clients can be exercised.
func TestTokenCheckOff(t *testing.T) {
	_, srv := newSandbox(t)
	if status, _ := listStatus(t, genClient(t, srv, keyA, "whatever")); status != 200 {
		t.Errorf("any token: %d", status)
	}
	if status, _ := issue(t, genClient(t, srv, keyA, ""), sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret); status != 200 {
		t.Errorf("CreateToken: %d", status)
	}
}
