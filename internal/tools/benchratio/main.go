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

func report(w io.Writer, samples map[string]map[string][]float64, order []string) {
	targets := map[string]float64{"Client/mem": 1.1, "Validated/mem": 1.5}
	fmt.Fprintln(w, "\nRatios to BenchmarkLoginFormRaw in the same run (median of runs):")
	fmt.Fprintf(w, "%-26s %12s %8s %12s %8s %8s\n", "variant", "ns/op", "x raw", "allocs/op", "x raw", "target")
	for _, transport := range []string{"mem", "loopback"} {
		raw := samples["LoginFormRaw/"+transport]
		if raw == nil {
			continue
		}
		rawNs, rawAllocs := median(raw["ns/op"]), median(raw["allocs/op"])
		for _, variant := range []string{"Raw", "Client", "Validated"} {
			s := samples["LoginForm"+variant+"/"+transport]
			if s == nil {
				continue
			}
			ns, allocs := median(s["ns/op"]), median(s["allocs/op"])
			target := "-"
			if t, ok := targets[variant+"/"+transport]; ok {
				verdict := "met"
				if ns/rawNs > t {
					verdict = "MISSED"
				}
				target = fmt.Sprintf("<=%.1f %s", t, verdict)
			}
			fmt.Fprintf(w, "%-26s %12.0f %8.2f %12.0f %8.2f  %s\n", variant+"/"+transport, ns, ns/rawNs, allocs, allocs/rawAllocs, target)
		}
	}
	for _, name := range order {
		if s := samples[name]; s["req/s"] != nil {
			fmt.Fprintf(w, "%s: %.0f req/s, p99 %.0f µs\n", name, median(s["req/s"]), median(s["p99-µs"]))
		}
	}
}
