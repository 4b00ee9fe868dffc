package listen_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/internal/listen"
)

// pipeListener is a listener of in-memory connections (net.Pipe), whose
// deadlines run on the clock of the synctest bubble it is made in: the
// server's timeouts pass in the bubble's time, and each test waits for
// events (a close, an answer), never for the wall clock.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial connects to the listener; the connection is accepted once the
// server (or the cap in front of it) takes it.
func (l *pipeListener) dial(t *testing.T) net.Conn {
	t.Helper()
	client, server := net.Pipe()
	go func() {
		select {
		case l.conns <- server:
		case <-l.closed:
			server.Close()
		}
	}()
	t.Cleanup(func() { client.Close() })
	return client
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// closedAt reads conn until the server closes it and returns when, on
// the bubble's clock.
func closedAt(conn net.Conn) time.Time {
	_, _ = io.Copy(io.Discard, conn)
	return time.Now()
}

// serve runs srv on ln until the test ends.
func serve(t *testing.T, srv *http.Server, ln net.Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = listen.ServeUntil(ctx, srv, ln, time.Second, nil)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	_, _ = io.WriteString(w, "ok")
})

func get(conn net.Conn) (string, error) {
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// TestTimeouts: slow headers are cut at HeaderTimeout, a slow body at
// ReadTimeout, an idle keep-alive connection at IdleTimeout, each
// counted from where net/http counts it.
func TestTimeouts(t *testing.T) {
	limits := listen.Limits{HeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, IdleTimeout: 7 * time.Second, MaxConnections: 8, IdleEvictAfter: time.Second}
	for _, tc := range []struct {
		name string
		send string
		want time.Duration
	}{
		{"slow headers", "GET / HTTP/1.1\r\nHost: x\r\n", limits.HeaderTimeout},
		{"slow body", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"", limits.ReadTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ln := newPipeListener()
				serve(t, listen.NewServer(okHandler, limits), listen.Cap(ln, limits.MaxConnections))
				conn := ln.dial(t)
				start := time.Now()
				go func() { _, _ = io.WriteString(conn, tc.send) }()
				if got := closedAt(conn).Sub(start); got != tc.want {
					t.Errorf("closed after %v, want %v", got, tc.want)
				}
			})
		})
	}
	t.Run("idle keep-alive", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ln := newPipeListener()
			serve(t, listen.NewServer(okHandler, limits), listen.Cap(ln, limits.MaxConnections))
			conn := ln.dial(t)
			if body, err := get(conn); err != nil || body != "ok" {
				t.Fatalf("get: %q %v", body, err)
			}
			answered := time.Now()
			if got := closedAt(conn).Sub(answered); got != limits.IdleTimeout {
				t.Errorf("idle connection closed after %v, want %v", got, limits.IdleTimeout)
			}
		})
	})
}

// TestConnectionCap: at MaxConnections, requests in flight hold every
// slot (a third connection waits, however long, and is served once one
// of them closes); idle connections, fresh or kept alive after a
// request, do not: the longest idle is closed once idle for
// IdleEvictAfter, and the third connection is served then.
func TestConnectionCap(t *testing.T) {
	limits := listen.Limits{HeaderTimeout: time.Hour, ReadTimeout: time.Hour, IdleTimeout: time.Hour, MaxConnections: 2, IdleEvictAfter: 3 * time.Second}
	third := func(ln *pipeListener, t *testing.T) <-chan string {
		conn := ln.dial(t)
		answered := make(chan string, 1)
		go func() {
			body, err := get(conn)
			if err != nil {
				body = err.Error()
			}
			answered <- body
		}()
		return answered
	}

	t.Run("requests in flight hold the cap", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ln := newPipeListener()
			serve(t, listen.NewServer(okHandler, limits), listen.Cap(ln, limits.MaxConnections))
			var held []net.Conn
			for range 2 {
				conn := ln.dial(t)
				go func() { _, _ = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n") }()
				held = append(held, conn)
			}
			synctest.Wait()
			answered := third(ln, t)
			time.Sleep(10 * limits.IdleEvictAfter) // the bubble's clock: an eviction would have happened
			synctest.Wait()
			select {
			case body := <-answered:
				t.Fatalf("a third connection was served past the cap with both requests in flight: %q", body)
			default:
			}
			go func() { _, _ = io.WriteString(held[0], "{}") }()
			resp, err := http.ReadResponse(bufio.NewReader(held[0]), nil)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("a request in flight was cut: %v", err)
			}
			resp.Body.Close()
			held[0].Close()
			if body := <-answered; body != "ok" {
				t.Errorf("third connection: %q", body)
			}
		})
	})

	for _, keepAlive := range []bool{false, true} {
		t.Run(map[bool]string{false: "fresh idle connections make room", true: "kept-alive idle connections make room"}[keepAlive], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ln := newPipeListener()
				serve(t, listen.NewServer(okHandler, limits), listen.Cap(ln, limits.MaxConnections))
				var idle []net.Conn
				for range 2 {
					conn := ln.dial(t)
					if keepAlive {
						if _, err := get(conn); err != nil {
							t.Fatal(err)
						}
					}
					idle = append(idle, conn)
					synctest.Wait()
				}
				start := time.Now()
				answered := third(ln, t)
				if body := <-answered; body != "ok" {
					t.Fatalf("third connection: %q", body)
				}
				if waited := time.Since(start); waited != limits.IdleEvictAfter {
					t.Errorf("the third connection waited %v, want %v", waited, limits.IdleEvictAfter)
				}
				// The longest idle was closed to make room.
				if at := closedAt(idle[0]); at.Sub(start) != limits.IdleEvictAfter {
					t.Errorf("the longest-idle connection closed after %v", at.Sub(start))
				}
			})
		})
	}
}

// TestServeUntil: when the context ends, the server stops accepting and
// lets a request in flight finish within the grace; one that does not is
// cut when the grace is over (cut is true).
func TestServeUntil(t *testing.T) {
	for _, finish := range []bool{true, false} {
		t.Run(map[bool]string{true: "finishes within the grace", false: "cut after the grace"}[finish], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const grace = 4 * time.Second
				ln := newPipeListener()
				srv := listen.NewServer(okHandler, listen.Limits{MaxConnections: 4})
				ctx, cancel := context.WithCancel(context.Background())
				type result struct {
					cut bool
					err error
					at  time.Time
				}
				done := make(chan result, 1)
				stopped := make(chan struct{})
				go func() {
					cut, err := listen.ServeUntil(ctx, srv, listen.Cap(ln, 4), grace, func() { close(stopped) })
					done <- result{cut, err, time.Now()}
				}()
				conn := ln.dial(t)
				go func() { _, _ = io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{") }()
				synctest.Wait()
				start := time.Now()
				cancel()
				<-stopped
				if finish {
					time.Sleep(grace / 2)
					go func() { _, _ = io.WriteString(conn, "}") }()
					resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
					if err != nil || resp.StatusCode != http.StatusOK {
						t.Fatalf("the request in flight: %v", err)
					}
					resp.Body.Close()
				}
				r := <-done
				if r.err != nil || r.cut == finish {
					t.Errorf("cut %v, err %v; want cut %v", r.cut, r.err, !finish)
				}
				if !finish && r.at.Sub(start) != grace {
					t.Errorf("stopped after %v, want the grace, %v", r.at.Sub(start), grace)
				}
			})
		})
	}
}

// stalledBody gives n bytes, then blocks until release is closed, then
// ends.
type stalledBody struct {
	n       int
	release chan struct{}
}

func (s *stalledBody) Read(p []byte) (int, error) {
	if s.n > 0 {
		k := min(s.n, len(p))
		s.n -= k
		return k, nil
	}
	<-s.release
	return 0, io.EOF
}

// TestBudget: bodies are read whole and charged while held; a body past
// the limit is refused (ErrTooLarge) and one that does not fit what other
// bodies hold is refused at once (ErrBusy), charging nothing; a released
// body makes room; a read error is returned and charges nothing.
func TestBudget(t *testing.T) {
	synctest.Test(t, testBudget)
}

func testBudget(t *testing.T) {
	b := listen.NewBudget(4096)
	body, release, err := b.Read(strings.NewReader("hello"), 100)
	if err != nil || string(body) != "hello" || b.Used() == 0 {
		t.Fatalf("read: %q %v, used %d", body, err, b.Used())
	}
	release()
	release() // twice is harmless
	if b.Used() != 0 {
		t.Errorf("used after release: %d", b.Used())
	}
	if _, _, err := b.Read(strings.NewReader(strings.Repeat("x", 101)), 100); !errors.Is(err, listen.ErrTooLarge) || b.Used() != 0 {
		t.Errorf("101 bytes past a limit of 100: %v, used %d", err, b.Used())
	}
	if body, release, err := b.Read(strings.NewReader(strings.Repeat("x", 100)), 100); err != nil || len(body) != 100 {
		t.Errorf("100 bytes at a limit of 100: %d %v", len(body), err)
	} else {
		release()
	}

	// A stalled upload of 3000 bytes holds at most its buffer (4 KiB at
	// most, here 3001 bytes of the 4096): a second one cannot grow past
	// what is left, and is refused at once.
	stalled := &stalledBody{n: 3000, release: make(chan struct{})}
	type read struct {
		body    []byte
		release func()
		err     error
	}
	first := make(chan read, 1)
	go func() {
		body, release, err := b.Read(stalled, 3000)
		first <- read{body, release, err}
	}()
	synctest.Wait() // the first read waits for the rest of its body
	if used := b.Used(); used < 3000 || used > 4096 {
		t.Errorf("the stalled body holds %d bytes of the budget", used)
	}
	if _, _, err := b.Read(strings.NewReader(strings.Repeat("y", 2000)), 3000); !errors.Is(err, listen.ErrBusy) {
		t.Errorf("a body past what is left: %v, want ErrBusy", err)
	}
	close(stalled.release)
	r := <-first
	if r.err != nil || len(r.body) != 3000 {
		t.Fatalf("stalled body: %d %v", len(r.body), r.err)
	}
	r.release()
	if body, release, err := b.Read(strings.NewReader(strings.Repeat("y", 2000)), 3000); err != nil || len(body) != 2000 {
		t.Errorf("after the release: %d %v", len(body), err)
	} else {
		release()
	}
	if _, _, err := b.Read(io.MultiReader(strings.NewReader("abc"), iotestErr{}), 100); !errors.Is(err, errBroken) || b.Used() != 0 {
		t.Errorf("a failing body: %v, used %d", err, b.Used())
	}
}

var errBroken = errors.New("connection reset")

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errBroken }
