package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil/drift"
	"github.com/finicity-go/connect-components/internal/tour"
)

// TestProxySignals: the proxy as its own process, stopped by SIGINT and
// by SIGTERM: each time it prints the summary (counts per kind) on stderr
// and as a second JSON line on stdout, leaves a whole HAR, and exits as
// --fail-on says: 1 for the drift's violations by default, 0 with none.
func TestProxySignals(t *testing.T) {
	for _, tc := range []struct {
		sig    syscall.Signal
		failOn []string
		code   int
		says   string
	}{
		{syscall.SIGINT, nil, cli.ExitAPI, "exit 1: --fail-on violations, and 4 such finding(s) were recorded"},
		{syscall.SIGTERM, nil, cli.ExitAPI, "exit 1: --fail-on violations, and 4 such finding(s) were recorded"},
		{syscall.SIGTERM, []string{"--fail-on", "none"}, cli.ExitOK, "exit 0: no finding of --fail-on none was recorded"},
	} {
		sig := tc.sig
		t.Run(sig.String()+strings.Join(tc.failOn, ""), func(t *testing.T) {
			d := drift.NewServer(t)
			dir := t.TempDir()
			har, report := filepath.Join(dir, "h.har"), filepath.Join(dir, "r.jsonl")
			cmd := asProcess(t, map[string]string{}, append([]string{"proxy", "--upstream", d.URL, "--addr", "127.0.0.1:0", "--har", har, "--report", report}, tc.failOn...)...)
			var ready proxyReady
			out, stderr := startProcess(t, cmd, &ready)
			if ready.PID != cmd.Process.Pid || ready.Upstream != d.URL || !strings.HasPrefix(ready.URL, "http://127.0.0.1:") {
				t.Errorf("ready line %+v", ready)
			}
			c, err := api.NewClient(drift.AppKey, api.WithBaseURL(ready.URL), api.WithRetries(0), api.WithPartnerCredentials(drift.PartnerID, drift.PartnerSecret))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := journey.New(specdoc.MustModel(), journey.Options{Values: map[string]any{"partner-id": drift.PartnerID, "partner-secret": drift.PartnerSecret}})
			if err != nil {
				t.Fatal(err)
			}
			// One exchange per step, and the token the client fetches.
			exchanges := len(plan.Run(context.Background(), tour.Send(c), nil)) + 1

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(out)
			if code := exitCode(t, cmd.Wait()); code != tc.code {
				t.Errorf("exit %d after %v, want %d: %s", code, sig, tc.code, stderr.String())
			}
			var sum struct {
				Summary struct {
					Exchanges, Findings, Violations, Informational, ExitCode int
					ByKind                                                   map[string]int
				}
			}
			if err := json.Unmarshal(rest, &sum); err != nil || sum.Summary.Exchanges != exchanges || sum.Summary.Findings != 5 || len(sum.Summary.ByKind) != 5 ||
				sum.Summary.Violations != 4 || sum.Summary.Informational != 1 || sum.Summary.ExitCode != tc.code {
				t.Errorf("summary on stdout %q: %v", rest, err)
			}
			for _, want := range []string{fmt.Sprintf("summary: %d exchange(s), 5 finding(s): 4 violation(s), 1 informational", exchanges), "  undocumented status  1", "  unknown field        1", tc.says} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
			data, err := os.ReadFile(har)
			var h struct {
				Log struct{ Entries []json.RawMessage }
			}
			if err != nil || json.Unmarshal(data, &h) != nil || len(h.Log.Entries) != exchanges {
				t.Errorf("HAR: %d entries, want %d (%v)", len(h.Log.Entries), exchanges, err)
			}
			text := string(data)
			if lines, err := os.ReadFile(report); err != nil || strings.Count(string(lines), "\n") != 5 {
				t.Errorf("report: %q, want 5 lines (%v)", lines, err)
			}
			for name, s := range map[string]string{"HAR": text, "stderr": stderr.String(), "stdout": string(rest)} {
				drift.AssertNoSecrets(t, name, s)
			}
		})
	}
}
