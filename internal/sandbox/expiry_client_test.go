package sandbox_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
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

	// The tokens the client sends to the configurations path, attempt by
	// attempt (middleware sees every attempt, replays included).
	var mu sync.Mutex
	var sent []string
	record := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			if strings.HasSuffix(req.URL.Path, "/configurations") {
				mu.Lock()
				sent = append(sent, req.Header.Get("Finicity-App-Token"))
				mu.Unlock()
			}
			return next.Do(req)
		})
	}
	// A max age beyond the lifetime, so the client does not renew ahead
	// of time and really meets the expiry.
	c, err := api.NewClient(keyA, api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client()),
		api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret),
		api.WithTokenMaxAge(24*time.Hour), api.WithMiddleware(record))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Configurations.List(ctx); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 || sent[0] == "" {
		t.Fatalf("first call: tokens sent %d, want one", len(sent))
	}
	first := sent[0]
	fixed := apiClient(t, srv, keyA, first)

	clk.Advance(sandbox.DefaultTokenLifetime)
	if _, err := c.Configurations.List(ctx); err != nil {
		t.Fatalf("after expiry, partner-credential client: %v", err)
	}
	// The expired token once (answered 10023), then a new one.
	if len(sent) != 3 || sent[1] != first || sent[2] == first || sent[2] == "" {
		t.Errorf("after expiry: want the old token then a new one, got %d attempts (new differs from first: %v)", len(sent), len(sent) == 3 && sent[2] != first)
	}
	_, err = fixed.Configurations.List(ctx)
	if e := apiError(t, err); e.StatusCode != 401 || e.ReasonCode != gen.ReasonExpiredToken || !e.Recoverable {
		t.Errorf("after expiry, fixed-token client: want 401 10023 recoverable, got %v", err)
	}
	if strings.Contains(err.Error(), first) {
		t.Error("the error text holds the token")
	}
}
