package benchmarks_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
)

// firstCall is what a program does first: build a client and make one
// call with a body (the login form, whose body has required and nested
// fields), over the in-memory transport.
func firstCall() error {
	c, err := api.NewClient(benchKey, api.WithAppToken(benchToken), api.WithBaseURL("http://127.0.0.1"),
		api.WithHTTPClient(&http.Client{Transport: memTransport{}}))
	if err != nil {
		return err
	}
	form, err := c.LoginForms.Create(context.Background(), instID, request)
	if err != nil {
		return err
	}
	if len(form.Elements) != 2 {
		return fmt.Errorf("decoded %d elements", len(form.Elements))
	}
	return nil
}

// BenchmarkFirstCall measures NewClient plus a first call with a body.
// Within one process every iteration after the first finds whatever a
// first call initialises already done, so the per-op figures are the
// steady cost of a fresh client; TestFirstCallMemory measures the very
// first call of a process.
func BenchmarkFirstCall(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := firstCall(); err != nil {
			b.Fatal(err)
		}
	}
}

// firstCallBudget is what the first call of a process may allocate: the
// required-field checks are generated Go, so nothing loads or parses the
// spec on the default path (it used to cost about 3.2 MiB).
const firstCallBudget = 1 << 20

// TestFirstCallMemory runs the first call of a fresh process (this test
// binary, re-executed) and checks the bytes it allocated, one-time
// initialisation included, against firstCallBudget.
func TestFirstCallMemory(t *testing.T) {
	if os.Getenv("FIRST_CALL_CHILD") == "1" {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := firstCall(); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		runtime.ReadMemStats(&after)
		fmt.Printf("first-call-bytes=%d\n", after.TotalAlloc-before.TotalAlloc)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFirstCallMemory$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FIRST_CALL_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	_, rest, ok := strings.Cut(string(out), "first-call-bytes=")
	if !ok {
		t.Fatalf("child printed no figure:\n%s", out)
	}
	n, err := strconv.ParseUint(strings.Fields(rest)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("NewClient plus a first call with a body allocated %d bytes (%.1f KiB) in a fresh process", n, float64(n)/1024)
	if n >= firstCallBudget {
		t.Errorf("first call allocated %d bytes, want under %d (1 MiB): does the default path load the spec again?", n, firstCallBudget)
	}
}
