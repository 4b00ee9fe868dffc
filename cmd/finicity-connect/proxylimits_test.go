package main

import (
	"bufio"
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
	"testing"
	"time"
)

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
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	var ready proxyReady
	if err := jsonLine(stdout, &ready); err != nil {
		t.Fatalf("ready line: %v", err)
	}
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

// jsonLine decodes the first line of r into v.
func jsonLine(r io.Reader, v any) error {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(line), v)
}

// TestProxyHelpNamesItsLimits: proxy --help states every limit, with its
// flag and default.
func TestProxyHelpNamesItsLimits(t *testing.T) {
	o := cliRun(t, nil, "proxy", "--help")
	o.expect(t, 0, []string{
		"--header-timeout duration", "(default 10s)", "--read-timeout duration", "(default 30s)",
		"--write-timeout duration", "--idle-timeout duration", "(default 1m0s)",
		"--max-connections int", "(default 256)", "--max-buffered-bytes int", "(default 33554432)",
		"at most 64 KiB", "answered 503 at once",
	}, []string{""})
}
