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

// BenchmarkCreateFlood floods a sandbox with creates from many app keys
// and reports, in bytes, what its state holds after the flood:
//
//	held-B         live heap held by the sandbox after the flood
//	counted-B      what the byte budget counts for it (StateBytes)
//	heap/counted   held-B / counted-B: near 1 when the budget counts the real bytes
//	budget-B       the byte budget in force
//	stored         configurations stored; the rest were refused (400)
//
// "small/capped" has a total limit of 1 000 configurations; "small/budget"
// only the default byte budget; "60KB/budget" floods 60 KB bodies across
// 1 000 app keys: past 64 MiB every create is refused, so held-B stays
// near the budget however long the flood. For a long flood:
//
//	go test -run '^$' -bench CreateFlood -benchtime 3000x ./internal/sandbox
func BenchmarkCreateFlood(b *testing.B) {
	for _, bc := range []struct {
		name string
		keys int
		body string
		opts []sandbox.Option
	}{
		{"small/capped", 50, bodyText(b, opCreate, nil), []sandbox.Option{sandbox.WithConfigurationLimits(100, 1000)}},
		{"small/budget", 50, bodyText(b, opCreate, nil), []sandbox.Option{sandbox.WithConfigurationLimits(math.MaxInt, math.MaxInt)}},
		{"60KB/budget", 1000, bigConfig(b, 60<<10), nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			appKeys := make([]string, bc.keys)
			for i := range appKeys {
				appKeys[i] = fmt.Sprint("flood-key-", i)
			}
			cfg := cfgPath(b)
			empty := liveHeap()
			sb := sandbox.New(bc.opts...)
			n, stored := 0, 0
			b.SetBytes(int64(len(bc.body)))
			for b.Loop() {
				status, body := serve(sb, "POST", cfg, appKeys[n%bc.keys], anyTok, bc.body)
				switch status {
				case 201:
					stored++
				case 400:
				default:
					b.Fatalf("create %d: %d %s", n, status, body)
				}
				n++
			}
			b.StopTimer()
			held := liveHeap() - empty
			counted := sb.StateBytes()
			b.ReportMetric(float64(held), "held-B")
			b.ReportMetric(float64(counted), "counted-B")
			if counted > 0 {
				b.ReportMetric(float64(held)/float64(counted), "heap/counted")
			}
			b.ReportMetric(float64(sb.MaxStateBytes()), "budget-B")
			b.ReportMetric(float64(stored), "stored")
			runtime.KeepAlive(sb)
		})
	}
}

// TestFloodOfLargeBodiesIsBounded: a flood of 60 KB bodies across many
// app keys stops at the byte budget; the live heap the sandbox holds
// stays within a small factor of the budget, so the budget counts the
// real bytes.
func TestFloodOfLargeBodiesIsBounded(t *testing.T) {
	const budget, creates = 2 << 20, 60
	body, cfg := bigConfig(t, 60<<10), cfgPath(t)
	empty := liveHeap()
	sb := sandbox.New(sandbox.WithMaxStateBytes(budget))
	stored, refused := 0, 0
	for i := range creates { // 3.6 MB sent
		switch status, resp := serve(sb, "POST", cfg, fmt.Sprint("flood-key-", i), anyTok, body); status {
		case 201:
			stored++
		case 400:
			refused++
		default:
			t.Fatalf("create %d: %d %s", i, status, resp)
		}
	}
	held := liveHeap() - empty
	if want := budget / (60 << 10); stored < want-2 || stored > want {
		t.Errorf("stored %d configurations of 60 KB within %d bytes, want about %d", stored, budget, want)
	}
	if refused != creates-stored {
		t.Errorf("refused %d", refused)
	}
	if sb.StateBytes() > budget {
		t.Errorf("StateBytes %d over the budget", sb.StateBytes())
	}
	// The margin absorbs the runtime's own allocations and map growth.
	if held > budget*3/2 {
		t.Errorf("live heap held %d bytes for a budget of %d (StateBytes %d): the budget misses real bytes", held, budget, sb.StateBytes())
	}
	runtime.KeepAlive(sb)
}
