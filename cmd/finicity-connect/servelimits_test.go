package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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

	"github.com/finicity-go/connect-components/internal/listen"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// closedWithin reads from conn until the server closes it, and fails t
// unless that happens within bound (the read deadline is only the test's
// guard: the event waited on is the server's close).
func closedWithin(t *testing.T, conn net.Conn, bound time.Duration) {
	t.Helper()
	start := time.Now()
	if err := conn.SetReadDeadline(start.Add(bound)); err != nil {
		t.Fatal(err)
	}
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the served sandbox kept the connection open for %v", bound)
	}
	t.Logf("closed by the server after %v", time.Since(start).Round(time.Millisecond))
}

// TestServedSandboxTimeouts: a client that sends its body slowly, or
// keeps an idle keep-alive connection, is cut off after --read-timeout
// and --idle-timeout; the connection cap holds back extra connections
// until one closes.
func TestServedSandboxTimeouts(t *testing.T) {
	ready, stop, _, stderr := served(t, "--addr", "127.0.0.1:0", "--read-timeout", "300ms", "--header-timeout", "300ms", "--idle-timeout", "300ms")
	defer func() {
		if code := stop(); code != 0 {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	}()
	addr := strings.TrimPrefix(ready["url"].(string), "http://")
	dial := func(t *testing.T) net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	create, list := pathOf(t, opCreateConfiguration), pathOf(t, opListConfigurations)
	createBody := exampleBody(t, opCreateConfiguration, nil)

	t.Run("slow body", func(t *testing.T) {
		conn := dial(t)
		// Headers announce the whole body; only 10 bytes follow, and then
		// nothing.
		_, err := io.WriteString(conn, "POST "+create+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n"+
			"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(createBody))+"\r\n\r\n"+createBody[:10])
		if err != nil {
			t.Fatal(err)
		}
		closedWithin(t, conn, 5*time.Second)
	})

	t.Run("slow headers", func(t *testing.T) {
		conn := dial(t)
		if _, err := io.WriteString(conn, "GET "+list+" HTTP/1.1\r\nHost: x\r\n"); err != nil {
			t.Fatal(err)
		}
		closedWithin(t, conn, 5*time.Second)
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		conn := dial(t)
		if _, err := io.WriteString(conn, "GET "+list+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("first request: %d, close %v", resp.StatusCode, resp.Close)
		}
		closedWithin(t, conn, 5*time.Second)
	})
}

// TestServedSandboxLongAppKey: an app key of 400 KB, sent to the served
// sandbox, is answered with the API's 401 (reason 10026) naming the
// limit, not refused by net/http's header cap with a bare 431; past
// maxHeaderBytes it is that 431.
func TestServedSandboxLongAppKey(t *testing.T) {
	ready, stop, _, _ := served(t, "--addr", "127.0.0.1:0")
	defer stop()
	for _, tc := range []struct {
		size   int
		status int
		want   string
	}{
		{400_000, http.StatusUnauthorized, `"ReasonCode":"10026"`},
		{maxHeaderBytes + 8192, http.StatusRequestHeaderFieldsTooLarge, ""},
	} {
		req, err := http.NewRequest("GET", ready["url"].(string)+pathOf(t, opListConfigurations), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Finicity-App-Key", strings.Repeat("k", tc.size))
		req.Header.Set("Finicity-App-Token", "t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !bytes.Contains(body, []byte(tc.want)) {
			t.Errorf("app key of %d bytes: %d %.300s; want %d with %s", tc.size, resp.StatusCode, body, tc.status, tc.want)
		}
		if tc.status == http.StatusUnauthorized && !bytes.Contains(body, []byte("at most 256 visible ASCII characters")) {
			t.Errorf("the 401 does not name the limit: %.300s", body)
		}
	}
}

// TestServedSandboxShutdownGrace: on SIGINT (the context main cancels)
// with a request still arriving, the served sandbox waits
// --shutdown-grace, closes its connection, says so, and exits 0: the
// shutdown is bounded and is no failure.
func TestServedSandboxShutdownGrace(t *testing.T) {
	ready, stop, _, stderr := served(t, "--addr", "127.0.0.1:0", "--shutdown-grace", "200ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(ready["url"].(string), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A create whose body stops after its first byte.
	body := exampleBody(t, opCreateConfiguration, nil)
	if _, err := io.WriteString(conn, "POST "+pathOf(t, opCreateConfiguration)+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n"+
		"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body[:1]); err != nil {
		t.Fatal(err)
	}
	// The request is in flight once the server answers nothing to it:
	// its handler waits for the body. Wait for that server-side state
	// through the server's own view: a GET on a second connection
	// is served, so the first one was accepted before it.
	if resp, err := http.Get(ready["url"].(string) + pathOf(t, opListConfigurations)); err == nil {
		resp.Body.Close()
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after the grace, stderr %q", code, stderr.String())
	}
	if want := "requests still in flight after the 200ms grace: their connections were closed\n"; !strings.HasSuffix(stderr.String(), want) {
		t.Errorf("stderr %q, want it to end with %q", stderr.String(), want)
	}
	closedWithin(t, conn, 5*time.Second)
}

// TestServedSandboxConnectionCap: with --max-connections 2, two requests
// in flight (bodies still arriving) hold a third connection back until
// one of them closes: a request in flight is never closed to make room.
// Two idle connections, keep-alive after a request or fresh with nothing
// sent, do not: at the cap the longest-idle one is closed once idle for
// idleEvictAfter, and the third is served.
func TestServedSandboxConnectionCap(t *testing.T) {
	// Timeouts longer than the test's guards: only the eviction can make
	// room in time.
	ready, stop, _, _ := served(t, "--addr", "127.0.0.1:0", "--max-connections", "2", "--header-timeout", "30s", "--idle-timeout", "60s")
	defer stop()
	addr := strings.TrimPrefix(ready["url"].(string), "http://")
	dial := func(t *testing.T) net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	create, list := pathOf(t, opCreateConfiguration), pathOf(t, opListConfigurations)
	createBody := exampleBody(t, opCreateConfiguration, nil)
	get := func(conn net.Conn) error {
		if _, err := io.WriteString(conn, "GET "+list+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	// third dials a connection and GETs on it, reporting the outcome.
	third := func(t *testing.T) <-chan error {
		conn := dial(t) // accepted by the kernel, waiting in the backlog
		answered := make(chan error, 1)
		go func() { answered <- get(conn) }()
		return answered
	}

	t.Run("requests in flight hold the cap", func(t *testing.T) {
		var held []net.Conn
		for range 2 {
			conn := dial(t)
			// Headers announce a body that does not come (yet).
			if _, err := io.WriteString(conn, "POST "+create+" HTTP/1.1\r\nHost: x\r\nFinicity-App-Key: k\r\nFinicity-App-Token: t\r\n"+
				"Content-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(createBody))+"\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			held = append(held, conn)
		}
		answered := third(t)
		// Nothing happening can only be observed for a while: longer
		// than idleEvictAfter, so an eviction would have shown.
		select {
		case err := <-answered:
			t.Fatalf("a third connection was served past --max-connections 2 with both requests in flight (%v)", err)
		case <-time.After(listen.Defaults.IdleEvictAfter + 500*time.Millisecond):
		}
		// The requests in flight were not cut: each completes.
		for _, conn := range held {
			if _, err := io.WriteString(conn, createBody); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("a request in flight was cut: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("create in flight: %d", resp.StatusCode)
			}
			conn.Close()
		}
		select {
		case err := <-answered:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the third connection was not served once the others closed")
		}
	})

	for _, keepAlive := range []bool{true, false} {
		name := "fresh idle connections make room"
		if keepAlive {
			name = "keep-alive idle connections make room"
		}
		t.Run(name, func(t *testing.T) {
			var idle []net.Conn
			for range 2 {
				conn := dial(t)
				if keepAlive {
					if err := get(conn); err != nil {
						t.Fatal(err)
					}
				}
				idle = append(idle, conn)
			}
			select {
			case err := <-third(t):
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("idle connections held every slot: the third connection was not served")
			}
			// The longest idle was closed by the server to make room.
			closedWithin(t, idle[0], 10*time.Second)
		})
	}
}

// startServedProcess starts cmd, a served sandbox, and returns its ready
// line once printed, and its stderr; the process is killed if it never
// prints one.
func startServedProcess(t *testing.T, cmd *exec.Cmd) (readyLine, *testutil.SyncBuffer) {
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
	var ready readyLine
	if err := json.NewDecoder(stdout).Decode(&ready); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("ready line: %v (%s)", err, stderr.String())
	}
	return ready, stderr
}

// vmHWM is a process's peak resident set size, from /proc/PID/status.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil || len(f) != 2 || f[1] != "kB" {
				t.Fatalf("VmHWM: %q", line)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
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
	body := exampleBody(t, opCreateConfiguration, map[string]any{"filterAccounts": items})
	create := pathOf(t, opCreateConfiguration)
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
	peak := vmHWM(t, cmd.Process.Pid)
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
	resp, err := http.Get(ready.URL + pathOf(t, opListConfigurations))
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
