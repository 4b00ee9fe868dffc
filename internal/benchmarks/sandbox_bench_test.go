package benchmarks_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// BenchmarkSandboxThroughput drives a mixed create/get/list/delete load at
// the sandbox over loopback, with validation on at both ends: the sandbox
// validates every request (always) and every response it writes, and the
// clients validate their requests and the responses. One op is one
// request; it reports requests per second and the p99 latency. The load is
// bounded by -benchtime, and each client deletes what it creates.
func BenchmarkSandboxThroughput(b *testing.B) {
	sb := sandbox.New(sandbox.WithResponseValidation(func(err error) { b.Errorf("sandbox response invalid: %v", err) }))
	srv := httptest.NewServer(sb)
	b.Cleanup(srv.Close)

	var mu sync.Mutex
	var latencies []time.Duration
	b.SetParallelism(4) // 4 x GOMAXPROCS concurrent clients
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c, err := api.NewClient("bench-partner", api.WithAppToken("bench-token"), api.WithBaseURL(srv.URL),
			api.WithHTTPClient(srv.Client()), api.WithRequestValidation(), api.WithResponseValidation())
		if err != nil {
			b.Error(err)
			return
		}
		ctx := context.Background()
		local := make([]time.Duration, 0, 1024)
		var created []api.UUID
		step := 0
		timed := func(f func() error) {
			t0 := time.Now()
			if err := f(); err != nil {
				b.Error(err)
			}
			local = append(local, time.Since(t0))
		}
		for pb.Next() {
			switch step % 4 {
			case 0:
				timed(func() error {
					cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking"}})
					if err == nil {
						created = append(created, cfg.ID)
					}
					return err
				})
			case 1:
				if len(created) > 0 {
					timed(func() error { _, err := c.Configurations.Get(ctx, created[len(created)-1]); return err })
				}
			case 2:
				timed(func() error { _, err := c.Configurations.List(ctx); return err })
			case 3:
				if len(created) > 0 {
					id := created[len(created)-1]
					created = created[:len(created)-1]
					timed(func() error { return c.Configurations.Delete(ctx, id) })
				}
			}
			step++
		}
		mu.Lock()
		latencies = append(latencies, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	p99 := latencies[(len(latencies)*99)/100]
	b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
}
