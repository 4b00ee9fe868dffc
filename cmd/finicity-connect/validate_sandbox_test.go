package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// servedSandbox is finicity-connect sandbox running in process on
// 127.0.0.1:0.
type servedSandbox struct {
	url  string
	stop func() outcome // cancels it, then what it printed and its exit code
}

func startSandbox(t *testing.T, args ...string) *servedSandbox {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	var stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		code := run(ctx, append([]string{"sandbox", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), outW, &stderr, func(string) string { return "" })
		outW.Close()
		done <- code
	}()
	rd := bufio.NewReader(outR)
	line, err := rd.ReadString('\n')
	var ready readyLine
	if err != nil || json.Unmarshal([]byte(line), &ready) != nil {
		cancel()
		t.Fatalf("ready line %q: %v; stderr: %s", line, err, stderr.String())
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	s := &servedSandbox{url: ready.URL}
	stopped := false
	var result outcome
	s.stop = func() outcome {
		if !stopped {
			stopped = true
			cancel()
			result = outcome{code: <-done, stdout: line, stderr: stderr.String()}
		}
		return result
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// TestServedSandboxFindings: the served sandbox answers a request that
// departs from the spec as the API would (a misspelt field: 2xx) and
// writes one line for it on stderr, naming the field and the rule; a
// request the API refuses is refused and marked so; a valid one writes
// nothing. With --strict the misspelt field is refused: 400, reason
// 10010, the field in Details.
func TestServedSandboxFindings(t *testing.T) {
	bad := misspelt(t)
	good := callOf(t, bad.op)
	line := "finding: " + bad.op.Method + " " + bad.path + ": " + bad.op.Name() + ": " + bad.detail() + "\n"

	s := startSandbox(t)
	if status := good.send(t, s.url, credentials(good.op)); status/100 != 2 {
		t.Errorf("a valid request: %d", status)
	}
	if status := bad.send(t, s.url, credentials(bad.op)); status/100 != 2 {
		t.Errorf("the misspelt field: %d, want the API's 2xx (it ignores unknown fields)", status)
	}
	// The same request without its credentials: refused, as the API does.
	if status := bad.send(t, s.url, http.Header{}); status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", status)
	}
	o := s.stop()
	var findings []string
	for _, l := range strings.SplitAfter(o.stderr, "\n") {
		if strings.HasPrefix(l, "finding: ") {
			findings = append(findings, l)
		}
	}
	prefix := "finding: " + bad.op.Method + " " + bad.path + ": " + bad.op.Name() + ": "
	if len(findings) != 2 || findings[0] != line || !strings.HasPrefix(findings[1], prefix) || !strings.HasSuffix(findings[1], " (refused)\n") ||
		!strings.Contains(findings[1], bad.detail()) || !strings.Contains(findings[1], "header "+bad.op.Security[0]+": value is required but missing") {
		t.Errorf("finding lines:\n%q\nwant\n%q and the refused one naming the field and header %s", findings, line, bad.op.Security[0])
	}
	if o.code != exitOK {
		t.Errorf("exit %d", o.code)
	}

	strict := startSandbox(t, "--strict")
	var body []byte
	body, _ = json.Marshal(bad.body)
	req, _ := http.NewRequest(bad.op.Method, strict.url+bad.path, strings.NewReader(string(body)))
	req.Header = credentials(bad.op)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Errors struct {
			Error []struct{ ReasonCode, Details string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusBadRequest || len(answer.Errors.Error) != 1 ||
		answer.Errors.Error[0].ReasonCode != gen.ReasonInvalidField || answer.Errors.Error[0].Details != bad.detail() {
		t.Errorf("--strict: %d %+v %v, want 400, reason %s, Details %q", resp.StatusCode, answer, err, gen.ReasonInvalidField, bad.detail())
	}
	if o := strict.stop(); !strings.Contains(o.stderr, strings.TrimSuffix(line, "\n")+" (refused)\n") {
		t.Errorf("--strict stderr:\n%s", o.stderr)
	}
}
