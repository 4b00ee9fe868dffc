package sandbox_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/finicity-go/connect-components/internal/sandbox"
)

// liveHeap returns the bytes of live heap after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkCreateFlood floods a sandbox with creates from 50 app keys and
// reports its live heap after the flood against the live heap after a
// short flood of twice the limit (2 000 creates), in the same run:
//
//	heap-ratio     live heap held after b.N creates / after 2 000 (1.0: flat)
//	growth-B/op    live heap gained per create after the short flood
//	held-B         live heap held by the sandbox's state after the short flood
//
// "capped" has a total limit of 1 000 configurations: past it, creates are
// refused and the heap stays flat whatever b.N. "uncapped" lifts the
// limits, showing the growth they prevent. For the figures of a long
// flood: go test -run '^$' -bench CreateFlood -benchtime 200000x ./internal/sandbox
func BenchmarkCreateFlood(b *testing.B) {
	const keys, baseline = 50, 2000
	for _, bc := range []struct {
		name  string
		limit sandbox.Option
	}{
		{"capped", sandbox.WithConfigurationLimits(100, 1000)},
		{"uncapped", sandbox.WithConfigurationLimits(math.MaxInt, math.MaxInt)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			sb := sandbox.New(bc.limit)
			appKeys := make([]string, keys)
			for i := range appKeys {
				appKeys[i] = fmt.Sprint("flood-key-", i)
			}
			n := 0
			create := func() {
				status, body := serve(sb, "POST", cfgPath, appKeys[n%keys], anyTok, `{"filterAccounts":["Checking","Savings"]}`)
				if status != 201 && status != 400 {
					b.Fatalf("create %d: %d %s", n, status, body)
				}
				n++
			}
			empty := liveHeap()
			for range baseline {
				create()
			}
			held := liveHeap() - empty
			b.ResetTimer()
			for b.Loop() {
				create()
			}
			b.StopTimer()
			after := liveHeap() - empty
			b.ReportMetric(float64(after)/float64(held), "heap-ratio")
			b.ReportMetric(float64(after-held)/float64(n-baseline), "growth-B/op")
			b.ReportMetric(float64(held), "held-B")
			runtime.KeepAlive(sb)
		})
	}
}
