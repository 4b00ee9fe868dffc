package sandbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
)

// TestConcurrentClients runs 8 clients in parallel, each creating,
// reading, listing and deleting its own configurations, half of them over
// a real socket and half in process. Run with -race.
func TestConcurrentClients(t *testing.T) {
	const workers, rounds = 8, 50
	sb, srv := newSandbox(t)
	ctx := context.Background()
	params := typedBody[api.ConfigurationParams](t, opCreate, nil)
	var wg sync.WaitGroup
	for w := range workers {
		key := fmt.Sprintf("app-key-%d", w%4) // two workers share each key
		c := apiClient(t, srv, key, anyTok)
		if w%2 == 1 {
			c = inProcessClient(t, sb, key, anyTok)
		}
		wg.Go(func() {
			for i := range rounds {
				created, err := c.Configurations.Create(ctx, params)
				if err != nil {
					t.Errorf("worker %d round %d: create: %v", w, i, err)
					return
				}
				if got, err := c.Configurations.Get(ctx, created.ID); err != nil || got.ID != created.ID {
					t.Errorf("worker %d: get own: %v", w, err)
				}
				if _, err := c.Configurations.List(ctx); err != nil {
					t.Errorf("worker %d: list: %v", w, err)
				}
				if i%2 == 0 { // delete every other one, keep the rest
					if err := c.Configurations.Delete(ctx, created.ID); err != nil {
						t.Errorf("worker %d: delete: %v", w, err)
					}
				}
			}
		})
	}
	wg.Wait()
	// Each key had two workers, each keeping half of its rounds.
	const want = 2 * rounds / 2
	for k := range 4 {
		list, err := apiClient(t, srv, fmt.Sprintf("app-key-%d", k), anyTok).Configurations.List(ctx)
		if err != nil || len(list) != want {
			t.Errorf("app-key-%d: want %d configurations left, got %v %d", k, want, err, len(list))
		}
	}
}
