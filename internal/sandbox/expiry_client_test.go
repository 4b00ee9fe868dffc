package sandbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestClientRecoversFromExpiry exercises token expiry locally: the
// sandbox's clock moves past the token lifetime, the next call gets 401
// 10023, and a client with partner credentials fetches a new token and
// succeeds, while a client with a fixed token gets the 10023 error.
func TestClientRecoversFromExpiry(t *testing.T) {
	clk := testutil.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	_, srv := newSandbox(t, sandbox.WithTokenCheck(true), sandbox.WithClock(clk.Now))
	ctx := context.Background()
	// A max age beyond the lifetime, so the client does not renew ahead
	// of time and really meets the expiry.
	c, err := api.NewClient(keyA, "", api.WithBaseURL(srv.URL),
		api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret), api.WithTokenMaxAge(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetConfigurations(ctx); err != nil {
		t.Fatal(err)
	}
	first, _ := c.Token(ctx)
	fixed, err := api.NewClient(keyA, first, api.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}

	clk.Advance(sandbox.DefaultTokenLifetime)
	if _, err := c.GetConfigurations(ctx); err != nil {
		t.Fatalf("after expiry, partner-credential client: %v", err)
	}
	if again, _ := c.Token(ctx); again == first {
		t.Error("the client still holds the expired token")
	}
	_, err = fixed.GetConfigurations(ctx)
	if e, ok := err.(*api.Error); !ok || e.StatusCode != 401 || e.ReasonCode != sandbox.ReasonExpiredToken || !e.Recoverable {
		t.Errorf("after expiry, fixed-token client: want 401 10023 recoverable, got %v", err)
	}
}
