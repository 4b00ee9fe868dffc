package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestPairedRatio(t *testing.T) {
	// Run 2 was slow for both: pairing cancels it out.
	got := pairedRatio([]float64{110, 220, 105}, []float64{100, 200, 100})
	if got != 1.1 {
		t.Errorf("got %v, want 1.1", got)
	}
	if pairedRatio(nil, []float64{1}) != 0 {
		t.Error("no samples should give 0")
	}
}

func TestReport(t *testing.T) {
	samples := map[string]map[string][]float64{
		"LoginFormRaw/mem":         {"ns/op": {100, 100}, "allocs/op": {40, 40}},
		"LoginFormClient/mem":      {"ns/op": {118, 119}, "allocs/op": {42, 42}},
		"LoginFormValidated/mem":   {"ns/op": {160, 170}, "allocs/op": {50, 50}},
		"LoginFormRaw/loopback":    {"ns/op": {100, 300}, "allocs/op": {40, 40}},
		"LoginFormClient/loopback": {"ns/op": {125, 375}, "allocs/op": {44, 44}},
		"SandboxThroughput":        {"req/s": {1000, 3000, 2000}, "p99-µs": {5, 7, 6}},
	}
	var out bytes.Buffer
	report(&out, samples, []string{"LoginFormRaw/mem", "LoginFormClient/mem", "LoginFormValidated/mem", "LoginFormRaw/loopback", "LoginFormClient/loopback", "SandboxThroughput"})
	for _, want := range []string{
		"Client/mem                    119     1.19         42     1.05  -\n", // no target: the client's own CPU cost
		"Client/loopback", "1.25", "<=1.3 met",
		"Validated/mem", "1.70", "-",
		"SandboxThroughput: 2000 req/s, p99 6 µs (median of 3 runs)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
