package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/drift"
)

// runningProxy is a proxy command running in process.
type runningProxy struct {
	url, report, har string
	ready            proxyReady
	stop             func() outcome // SIGINT, then what it printed and its exit code
}

// startProxy runs finicity-connect proxy on 127.0.0.1:0 with --report and
// --har in a temp dir, and waits for its ready line.
func startProxy(t *testing.T, upstream string, args ...string) *runningProxy {
	t.Helper()
	dir := t.TempDir()
	p := &runningProxy{report: filepath.Join(dir, "report.jsonl"), har: filepath.Join(dir, "traffic.har")}
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	var stderr testutil.SyncBuffer
	done := make(chan int, 1)
	all := append([]string{"proxy", "--upstream", upstream, "--addr", "127.0.0.1:0", "--report", p.report, "--har", p.har}, args...)
	go func() {
		code := run(ctx, all, strings.NewReader(""), outW, &stderr, func(string) string { return "" })
		outW.Close()
		done <- code
	}()
	rd := bufio.NewReader(outR)
	line, err := rd.ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no ready line: %v; stderr: %s", err, stderr.String())
	}
	if err := json.Unmarshal([]byte(line), &p.ready); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	p.url = p.ready.URL
	rest := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(rd)
		rest <- string(b)
	}()
	var once sync.Once
	var result outcome
	p.stop = func() outcome {
		once.Do(func() {
			cancel()
			code := <-done
			result = outcome{Code: code, Stdout: line + <-rest, Stderr: stderr.String()}
		})
		return result
	}
	t.Cleanup(func() { p.stop() })
	return p
}

// TestProxyCommand: the proxy prints its ready line once it listens,
// forwards, and at the interrupt prints its summary after it on stdout
// (and on stderr), exit 0 with no violation; the files named are the
// report and the HAR (the package's tests, internal/proxy, cover what
// goes in them).
func TestProxyCommand(t *testing.T) {
	up := httptest.NewServer(sandbox.New())
	defer up.Close()
	p := startProxy(t, up.URL)
	if p.ready.PID != os.Getpid() || p.ready.Upstream != up.URL || !strings.HasPrefix(p.url, "http://127.0.0.1:") {
		t.Errorf("ready line %+v", p.ready)
	}
	// A valid request: no finding.
	req, _ := http.NewRequest("GET", p.url+"/connect-components/configurations", nil)
	req.Header.Set("Finicity-App-Key", drift.AppKey)
	req.Header.Set("Finicity-App-Token", drift.AppToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("through the proxy: %d", resp.StatusCode)
	}
	o := p.stop()
	lines := strings.Split(strings.TrimSpace(o.Stdout), "\n")
	if o.Code != cli.ExitOK || len(lines) != 2 || lines[1] != `{"summary":{"byKind":{},"exchanges":1,"exitCode":0,"failOn":"violations","findings":0,"informational":0,"violations":0}}` {
		t.Errorf("exit %d, stdout %q", o.Code, o.Stdout)
	}
	for _, want := range []string{"proxy listening on " + p.url + ", forwarding to " + up.URL + "; findings below, one per line\n",
		"summary: 1 exchange(s), 0 finding(s): 0 violation(s), 0 informational\n", "exit 0: no finding of --fail-on violations was recorded\n"} {
		if !strings.Contains(o.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, o.Stderr)
		}
	}
	if data, err := os.ReadFile(p.har); err != nil || !strings.Contains(string(data), `"creator":{"name":"finicity-connect proxy"`) {
		t.Errorf("--har %s: %v %.200s", p.har, err, data)
	}
	if info, err := os.Stat(p.report); err != nil || info.Size() != 0 {
		t.Errorf("--report %s: %v", p.report, err)
	}
}

// TestProxyRefusals: a bad flag is a usage error, exit 2, naming it and
// never a credential; nothing listens.
func TestProxyRefusals(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"proxy"}, "finicity-connect proxy: missing required --upstream: the API to forward to, e.g. --upstream https://api.finicity.com\nRun 'finicity-connect proxy --help' for usage.\n"},
		{[]string{"proxy", "--upstream", "http://api.example.com"}, "refusing plain http --upstream api.example.com"},
		{[]string{"proxy", "--upstream", "https://user:" + drift.PartnerSecret + "@api.example.com"}, "with no user, query or fragment"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--fail-on", "warnings"}, `invalid --fail-on "warnings": want violations, any or none`},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--max-connections", "0"}, "--header-timeout, --read-timeout, --write-timeout, --idle-timeout, --max-connections and --max-buffered-bytes must be positive"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--report", filepath.Join(dir, "missing", "r.jsonl")}, "cannot open --report: no such file or directory"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--har", filepath.Join(dir, "missing", "h.har")}, "cannot write --har: no such file or directory"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "--addr", "not-an-address"}, "cannot listen on --addr not-an-address"},
	} {
		o := cliRun(t, nil, tc.args...)
		o.Expect(t, cli.ExitUsage, []string{""}, []string{tc.want})
		drift.AssertNoSecrets(t, "stderr", o.Stderr)
	}
	help := cliRun(t, nil, "proxy", "--help")
	help.Expect(t, cli.ExitOK, []string{"--fail-on string\n", "\nExit codes:\n  0  stopped by SIGINT or SIGTERM, no finding of the --fail-on class recorded",
		"\n  1  stopped by SIGINT or SIGTERM, a finding of the --fail-on class recorded"}, []string{""})
}

// TestProxyHelpNamesItsLimits: proxy --help states every limit, with its
// flag and default.
func TestProxyHelpNamesItsLimits(t *testing.T) {
	o := cliRun(t, nil, "proxy", "--help")
	o.Expect(t, 0, []string{
		"--header-timeout duration", "(default 10s)", "--read-timeout duration", "(default 30s)",
		"--write-timeout duration", "--idle-timeout duration", "(default 1m0s)",
		"--max-connections int", "(default 256)", "--max-buffered-bytes int", "(default 33554432)",
		"at most 64 KiB", "answered 503 at once",
	}, []string{""})
}
