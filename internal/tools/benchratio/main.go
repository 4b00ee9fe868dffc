// Command benchratio reads `go test -bench` output on stdin and prints each
// login-form variant as a ratio of the raw net/http baseline measured in the
// same run (median of -count runs), next to the targets. `make bench` pipes
// the benchmarks into it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// line matches e.g. "BenchmarkLoginFormClient/mem-2  123  16335 ns/op  4897 B/op  53 allocs/op".
var line = regexp.MustCompile(`^Benchmark(\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func main() {
	samples := map[string]map[string][]float64{} // name -> unit -> values
	var order []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		text := sc.Text()
		fmt.Println(text)
		m := line.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		name := m[1]
		if samples[name] == nil {
			samples[name] = map[string][]float64{}
			order = append(order, name)
		}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				samples[name][f[i+1]] = append(samples[name][f[i+1]], v)
			}
		}
	}
	report(os.Stdout, samples, order)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// pairedRatio is the median over runs of variant/raw, pairing run i of
// each: machine drift between runs cancels out of each pair.
func pairedRatio(variant, raw []float64) float64 {
	n := min(len(variant), len(raw))
	if n == 0 {
		return 0
	}
	r := make([]float64, n)
	for i := range r {
		r[i] = variant[i] / raw[i]
	}
	return median(r)
}

func report(w io.Writer, samples map[string]map[string][]float64, order []string) {
	// The client stays within 1.3x the hand-written net/http call, with
	// plain code (no copy of net/http to spare a few allocations), where
	// net/http sends: loopback. The in-memory transport isolates the
	// client's own CPU cost (the stock request builder, the per-attempt
	// deadline): reported, with no target. Opt-in validation
	// (openapi3filter alone) has none either.
	targets := map[string]float64{"Client/loopback": 1.3}
	fmt.Fprintln(w, "\nRatios to BenchmarkLoginFormRaw (median over runs of the ratio within each run):")
	fmt.Fprintf(w, "%-22s %10s %8s %10s %8s  %s\n", "variant", "ns/op", "x raw", "allocs/op", "x raw", "target")
	for _, transport := range []string{"mem", "loopback"} {
		raw := samples["LoginFormRaw/"+transport]
		if raw == nil {
			continue
		}
		for _, variant := range []string{"Raw", "Client", "Validated"} {
			s := samples["LoginForm"+variant+"/"+transport]
			if s == nil {
				continue
			}
			ratio := pairedRatio(s["ns/op"], raw["ns/op"])
			target := "-"
			if t, ok := targets[variant+"/"+transport]; ok {
				verdict := "met"
				if ratio > t {
					verdict = "MISSED"
				}
				target = fmt.Sprintf("<=%.1f %s", t, verdict)
			}
			fmt.Fprintf(w, "%-22s %10.0f %8.2f %10.0f %8.2f  %s\n", variant+"/"+transport,
				median(s["ns/op"]), ratio, median(s["allocs/op"]), pairedRatio(s["allocs/op"], raw["allocs/op"]), target)
		}
	}
	for _, name := range order {
		if s := samples[name]; s["req/s"] != nil {
			fmt.Fprintf(w, "%s: %.0f req/s, p99 %.0f µs (median of %d runs)\n", name, median(s["req/s"]), median(s["p99-µs"]), len(s["req/s"]))
		}
	}
}
