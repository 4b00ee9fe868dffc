package main

// The command as a real process (this test binary run as the command, or
// the command built without the race detector where memory is measured):
// memory bounds under floods, signals.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/internal/servedsandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// startProcess starts cmd, a command that prints a ready line (the
// served sandbox, the proxy), decodes that line into ready once printed,
// and returns the rest of stdout and stderr; the process is killed when
// the test ends, or at once if it never prints the line.
func startProcess(t *testing.T, cmd *exec.Cmd, ready any) (rest *bufio.Reader, stderr *testutil.SyncBuffer) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr = &testutil.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rest = bufio.NewReader(stdout)
	line, err := rest.ReadString('\n')
	if err != nil || json.Unmarshal([]byte(line), ready) != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("ready line %q: %v (%s)", line, err, stderr.String())
	}
	return rest, stderr
}

// buildCommand builds the command without the race detector (a real
// process of its own, whose memory is measured) and returns its path.
func buildCommand(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "finicity-connect")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build the binary: %v", err)
	}
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Env = realEnv() // the real caches: TestMain moved HOME
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// procStatus is a field of /proc/PID/status in bytes (VmRSS, VmHWM).
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil || len(f) != 2 || f[1] != "kB" {
				t.Fatalf("%s: %q", field, line)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestProxyStalledUploadsBounded: 200 uploads stalled one byte short of
// --max-body-bytes (1 MiB) leave the proxy (a real process, built without
// the race detector) with its peak RSS less than 96 MiB above what it
// used before (they held 252 MB for as long as they stayed): bodies held
// at once are capped by --max-buffered-bytes (32 MiB), and the uploads
// past it are answered 503 at once. Every connection is closed by the
// proxy, the stalled ones at --read-timeout.
func TestProxyStalledUploadsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and sends about 200 MB")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc")
	}
	bin := buildCommand(t)
	var forwarded atomic.Int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forwarded.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(upstream.Close)
	const readTimeout = 3 * time.Second
	cmd := exec.Command(bin, "proxy", "--upstream", upstream.URL, "--addr", "127.0.0.1:0", "--read-timeout", readTimeout.String())
	var ready proxyReady
	startProcess(t, cmd, &ready)
	base := procStatus(t, cmd.Process.Pid, "VmRSS")

	const uploads, size = 200, 1 << 20
	head := fmt.Sprintf("POST /connect-components/configurations HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", size)
	body := strings.Repeat("x", size-1) // one byte short: the upload stalls
	var wg sync.WaitGroup
	var busy, timedOut, other atomic.Int64
	start := time.Now()
	for range uploads {
		conn, err := net.Dial("tcp", strings.TrimPrefix(ready.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer conn.Close()
			// A guard only: the proxy closes every connection well before.
			_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
			go func() { _, _ = io.WriteString(conn, head+body) }()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			switch {
			case err == nil && resp.StatusCode == http.StatusServiceUnavailable:
				busy.Add(1)
			case err == nil && resp.StatusCode == http.StatusRequestTimeout:
				timedOut.Add(1)
			default:
				other.Add(1)
			}
			if err == nil {
				resp.Body.Close()
			}
			// The connection ends: closed (or reset) by the proxy.
			_, err = io.Copy(io.Discard, conn)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("the proxy kept a stalled upload's connection open for 60s")
			}
		})
	}
	wg.Wait()
	peak := procStatus(t, cmd.Process.Pid, "VmHWM")
	t.Logf("%d uploads: %d answered 503, %d answered 408, %d otherwise (reset before the answer was read) in %v; RSS %d MiB before, peak %d MiB",
		uploads, busy.Load(), timedOut.Load(), other.Load(), time.Since(start).Round(time.Millisecond), base>>20, peak>>20)
	if grew := peak - base; grew > 96<<20 {
		t.Errorf("the proxy's peak RSS grew by %d MiB under %d stalled uploads, want under 96 MiB", grew>>20, uploads)
	}
	if timedOut.Load() == 0 || busy.Load() == 0 {
		t.Errorf("want some uploads cut at --read-timeout (408) and some refused at once (503): %d and %d", timedOut.Load(), busy.Load())
	}
	if n := forwarded.Load(); n != 0 {
		t.Errorf("%d stalled uploads were forwarded", n)
	}
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
	var ready servedsandbox.Ready
	startProcess(t, cmd, &ready)

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
	cmd := asProcess(t, clirun.FreshState(t), "sandbox", "--addr", "127.0.0.1:0")
	var ready servedsandbox.Ready
	_, stderr := startProcess(t, cmd, &ready)
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
