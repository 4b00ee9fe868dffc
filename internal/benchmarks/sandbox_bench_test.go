package benchmarks_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
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

// BenchmarkCreateAt1000Stored measures a configuration create with 1 000
// configurations stored for the same app key, against the same create
// with none stored, interleaved in the same run (one op is one of each):
//
//	served-ms        a create (and the delete that keeps the count) on a live sandbox, 1 000 stored
//	served-ratio     the same / with none stored
//	cycle-ms         what one --sandbox CLI invocation does in memory: UnmarshalState
//	                 of a state with 1 000 configurations, the create, MarshalState
//	cycle-ratio      the same / with none stored
//
// The budget is 20 ms for a create at 1 000 stored configurations.
func BenchmarkCreateAt1000Stored(b *testing.B) {
	const stored = 1000
	limits := sandbox.WithConfigurationLimits(stored+1, stored+1)
	body := `{"filterAccounts":["Checking","Savings"],"accountClassificationType":["personal"],"aoRequired":true}`
	send := func(sb *sandbox.Sandbox, method, path, payload string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(payload))
		req.Header.Set("Finicity-App-Key", "bench-key")
		req.Header.Set("Finicity-App-Token", "bench-token")
		if payload != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		sb.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	const path = "/connect-components/configurations"
	filled := func(n int) (*sandbox.Sandbox, []byte) {
		sb := sandbox.New(limits)
		for i := range n {
			if status, resp := send(sb, "POST", path, body); status != 201 {
				b.Fatalf("fill %d: %d %s", i, status, resp)
			}
		}
		state, err := sb.MarshalState()
		if err != nil {
			b.Fatal(err)
		}
		return sb, state
	}
	emptySB, emptyState := filled(0)
	fullSB, fullState := filled(stored)
	created := func(resp string) string {
		var v struct{ ID string }
		if err := json.Unmarshal([]byte(resp), &v); err != nil || v.ID == "" {
			b.Fatalf("create: %s", resp)
		}
		return v.ID
	}
	served := func(sb *sandbox.Sandbox) time.Duration {
		t0 := time.Now()
		status, resp := send(sb, "POST", path, body)
		d := time.Since(t0)
		if status != 201 {
			b.Fatalf("create: %d %s", status, resp)
		}
		if status, resp := send(sb, "DELETE", path+"/"+created(resp), ""); status != 204 {
			b.Fatalf("delete: %d %s", status, resp)
		}
		return d
	}
	cycle := func(state []byte) time.Duration {
		t0 := time.Now()
		sb := sandbox.New(limits)
		if err := sb.UnmarshalState(state); err != nil {
			b.Fatal(err)
		}
		if status, resp := send(sb, "POST", path, body); status != 201 {
			b.Fatalf("create: %d %s", status, resp)
		}
		if _, err := sb.MarshalState(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var servedEmpty, servedFull, cycleEmpty, cycleFull time.Duration
	for b.Loop() {
		servedEmpty += served(emptySB)
		servedFull += served(fullSB)
		cycleEmpty += cycle(emptyState)
		cycleFull += cycle(fullState)
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / n }
	b.ReportMetric(ms(servedFull), "served-ms")
	b.ReportMetric(float64(servedFull)/float64(servedEmpty), "served-ratio")
	b.ReportMetric(ms(cycleFull), "cycle-ms")
	b.ReportMetric(float64(cycleFull)/float64(cycleEmpty), "cycle-ratio")
	if len(fullState) == 0 || len(emptyState) == 0 {
		b.Fatal("no state")
	}
}
