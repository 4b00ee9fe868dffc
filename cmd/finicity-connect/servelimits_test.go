package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/internal/servedsandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// startServedProcess starts cmd, a served sandbox, and returns its ready
// line once printed, and its stderr; the process is killed if it never
// prints one.
func startServedProcess(t *testing.T, cmd *exec.Cmd) (servedsandbox.Ready, *testutil.SyncBuffer) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &testutil.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var ready servedsandbox.Ready
	if err := json.NewDecoder(stdout).Decode(&ready); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("ready line: %v (%s)", err, stderr.String())
	}
	return ready, stderr
}

// TestServedSandboxMemoryUnderFlood: a flood of 60 KB configuration
// bodies across many app keys keeps the served sandbox process (a real
// process, built without the race detector, whose peak RSS is read from
// /proc) under 300 MiB: the sandbox's byte budget refuses creates past it
// with 400 and reason 10010 rather than storing them.
func TestServedSandboxMemoryUnderFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and sends about 360 MB")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc")
	}
	bin := buildCommand(t)
	cmd := exec.Command(bin, "sandbox", "--addr", "127.0.0.1:0")
	ready, _ := startServedProcess(t, cmd)
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()

	// 60 KB: the example body with 120 account types of 500 characters
	// (each under the spec's 512).
	item := strings.Repeat("x", 500)
	items := make([]string, 120)
	for i := range items {
		items[i] = item
	}
	body := specexample.Body(t, specexample.CreateConfiguration, map[string]any{"filterAccounts": items})
	create := specexample.Path(t, specexample.CreateConfiguration)
	const keys, perKey, workers = 12, 500, 4
	// Raw keep-alive connections, each request written whole: the load
	// is on the server, not on this (race-instrumented) client.
	addr := strings.TrimPrefix(ready.URL, "http://")
	requests := make([][]byte, keys)
	for k := range requests {
		requests[k] = append([]byte(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\n"+
			"Content-Type: application/json\r\nFinicity-App-Key: flood-key-%02d\r\nFinicity-App-Token: t\r\nContent-Length: %d\r\n\r\n",
			create, addr, k, len(body))), body...)
	}
	var created, refused atomic.Int64
	var wg sync.WaitGroup
	work := make(chan int)
	for range workers {
		wg.Go(func() {
			// On a failure the worker still drains the work, so the
			// sender never blocks.
			failed := false
			defer func() {
				for range work {
				}
			}()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			for n := range work {
				if failed {
					continue
				}
				_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // a guard: the server answers long before
				if _, err := conn.Write(requests[n%keys]); err != nil {
					t.Errorf("create: %v", err)
					failed = true
					continue
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Errorf("create: %v", err)
					failed = true
					continue
				}
				answer, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusCreated:
					created.Add(1)
				case resp.StatusCode == http.StatusBadRequest && bytes.Contains(answer, []byte(`"10010"`)):
					refused.Add(1)
				default:
					t.Errorf("create: %d %s", resp.StatusCode, answer)
					failed = true
				}
			}
		})
	}
	start := time.Now()
	for n := range keys * perKey {
		work <- n
	}
	close(work)
	wg.Wait()
	peak := procStatus(t, cmd.Process.Pid, "VmHWM")
	t.Logf("%d created, %d refused (budget) in %v; peak RSS %d MiB", created.Load(), refused.Load(), time.Since(start).Round(time.Millisecond), peak>>20)
	if created.Load() == 0 {
		t.Errorf("no create succeeded: the flood measured refusals only")
	}
	if peak > 300<<20 {
		t.Errorf("peak RSS of the served sandbox: %d MiB, want under 300 MiB", peak>>20)
	}
}

// TestServedSandboxSIGTERM: the served sandbox, as a real process, shuts
// down gracefully on SIGTERM, exit 0.
func TestServedSandboxSIGTERM(t *testing.T) {
	cmd := asProcess(t, freshState(t), "sandbox", "--addr", "127.0.0.1:0")
	ready, stderr := startServedProcess(t, cmd)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	resp, err := http.Get(ready.URL + specexample.Path(t, specexample.ListConfigurations))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if code := exitCode(t, err); code != 0 || !strings.Contains(stderr.String(), "shutting down") {
			t.Errorf("after SIGTERM: exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("no shutdown after SIGTERM")
	}
}
