package sandbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// TestConcurrentClients runs 8 clients in parallel, each creating,
// reading, listing and deleting its own configurations, half of them over
// a real socket and half in process. Run with -race.
func TestConcurrentClients(t *testing.T) {
	const workers, rounds = 8, 50
	sb, srv := newSandbox(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("app-key-%d", w%4) // two workers share each key
			c := genClient(t, srv, key, anyTok)
			if w%2 == 1 {
				var err error
				c, err = gen.NewClientWithResponses(sandbox.InProcessURL, gen.WithHTTPClient(sb.HTTPClient()),
					gen.WithRequestEditorFn(headers(key, anyTok)))
				if err != nil {
					t.Error(err)
					return
				}
			}
			for i := range rounds {
				created, err := c.PostConfigurationsWithResponse(ctx, gen.ConfigurationParams{})
				if err != nil || created.StatusCode() != 201 {
					t.Errorf("worker %d round %d: create: %v", w, i, err)
					return
				}
				id := *created.JSON201.Id
				if r, err := c.GetConfigurationsConfigurationIdWithResponse(ctx, id); err != nil || r.StatusCode() != 200 {
					t.Errorf("worker %d: get own: %v %d", w, err, mustStatus(r, err))
				}
				if r, err := c.GetConfigurationsWithResponse(ctx); err != nil || r.StatusCode() != 200 {
					t.Errorf("worker %d: list: %v", w, err)
				}
				if i%2 == 0 { // delete every other one, keep the rest
					if r, err := c.DeleteConfigurationsConfigurationIdWithResponse(ctx, id); err != nil || r.StatusCode() != 204 {
						t.Errorf("worker %d: delete: %v %d", w, err, mustStatus(r, err))
					}
				}
			}
		}()
	}
	wg.Wait()
	for k := range 4 {
		c := genClient(t, srv, fmt.Sprintf("app-key-%d", k), anyTok)
		r, err := c.GetConfigurationsWithResponse(ctx)
		if err != nil || len(*r.JSON200) != 2*rounds/2 {
			t.Errorf("app-key-%d: want %d configurations left, got %v %d", k, 2*rounds/2, err, len(*r.JSON200))
		}
	}
}
