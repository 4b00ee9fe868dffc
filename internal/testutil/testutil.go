// Package testutil holds small helpers shared by tests of several packages,
// and the Clock that api/connecttest offers its users as connecttest.Clock.
package testutil

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// SyncBuffer is a bytes.Buffer safe for concurrent writers (a log handler
// fed by parallel requests, a command's goroutine) and a reading test.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WatchedWriter is a SyncBuffer that reports, once, the first submatch
// of Re as soon as what was written matches it, on Found: a test waits on
// that event (a ready line, a "waiting for the lock") rather than
// polling. NewWatchedWriter makes one.
type WatchedWriter struct {
	SyncBuffer
	re    *regexp.Regexp
	Found chan string
	once  sync.Once
}

// NewWatchedWriter watches for pattern, which has one group: its text is
// what Found receives.
func NewWatchedWriter(pattern string) *WatchedWriter {
	return &WatchedWriter{re: regexp.MustCompile(pattern), Found: make(chan string, 1)}
}

func (w *WatchedWriter) Write(p []byte) (int, error) {
	n, err := w.SyncBuffer.Write(p)
	if m := w.re.FindStringSubmatch(w.String()); m != nil {
		w.once.Do(func() { w.Found <- m[1] })
	}
	return n, err
}

// Clock is a settable time source, so expiry is tested without sleeping.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// AppKeyOwner returns the appKeyHashKey of a sandbox state (version 2,
// as the sandbox marshals it) and how it names appKey: HMAC-SHA256 under
// that key, in hexadecimal. It fails t when state is not version 2.
func AppKeyOwner(t testing.TB, state []byte, appKey string) (hashKey, owner string) {
	t.Helper()
	var v struct {
		Version       int    `json:"version"`
		AppKeyHashKey string `json:"appKeyHashKey"`
	}
	if err := json.Unmarshal(state, &v); err != nil || v.Version != 2 {
		t.Fatalf("not a version 2 state: %v %s", err, state)
	}
	raw, err := base64.StdEncoding.DecodeString(v.AppKeyHashKey)
	if err != nil || len(raw) != 32 {
		t.Fatalf("appKeyHashKey %q: %v", v.AppKeyHashKey, err)
	}
	m := hmac.New(sha256.New, raw)
	m.Write([]byte(appKey))
	return v.AppKeyHashKey, hex.EncodeToString(m.Sum(nil))
}

// ClosedWithin reads from conn until the server closes it, and fails t
// unless that happens within bound (the read deadline is only the test's
// guard: the event waited on is the server's close).
func ClosedWithin(t testing.TB, conn net.Conn, bound time.Duration) {
	t.Helper()
	start := time.Now()
	if err := conn.SetReadDeadline(start.Add(bound)); err != nil {
		t.Fatal(err)
	}
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", bound)
	}
	t.Logf("closed by the server after %v", time.Since(start).Round(time.Millisecond))
}

// Dial connects to the TCP address addr (host:port, or a URL's
// http://host:port), closed when t ends.
func Dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(addr, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// CapHolds checks a server at addr (host:port or http://host:port) whose
// connection cap is 2: two requests in flight, their bodies still to
// come, hold a third connection back however long (past evictAfter, when
// an idle connection would have been closed to make room), and neither
// is cut; once they are done the third is served. head is the line and
// headers of the requests held, body their body, want their answer's
// status; third is the whole request sent on the third connection.
func CapHolds(t testing.TB, addr, head, body string, want int, third string, evictAfter time.Duration) {
	t.Helper()
	var held []net.Conn
	for range 2 {
		conn := Dial(t, addr)
		if _, err := io.WriteString(conn, head); err != nil {
			t.Fatal(err)
		}
		held = append(held, conn)
	}
	conn := Dial(t, addr) // accepted by the kernel, waiting in the backlog
	answered := make(chan error, 1)
	go func() {
		if _, err := io.WriteString(conn, third); err != nil {
			answered <- err
			return
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	// Nothing happening can only be observed for a while: longer than
	// the eviction of idle connections, which would have shown.
	select {
	case err := <-answered:
		t.Fatalf("a third connection was served past a cap of 2 with both requests in flight (%v)", err)
	case <-time.After(evictAfter + 500*time.Millisecond):
	}
	for _, conn := range held {
		if _, err := io.WriteString(conn, body); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("a request in flight was cut: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("a request in flight: %d, want %d", resp.StatusCode, want)
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
}
