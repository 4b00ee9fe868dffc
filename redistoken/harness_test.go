package redistoken

// The test harness: a real redis-server on a free loopback port (started
// here, never mocked), and a fake Finicity API on httptest that counts
// partner authentications.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// shared is the redis-server of most tests; each test uses its own key
// prefix. nil when redis-server is not installed (outside CI only).
var shared *redisServer

// missing explains why the Redis tests skip.
var missing string

func TestMain(m *testing.M) {
	if spec := os.Getenv(replicaEnv); spec != "" {
		os.Exit(runReplica(spec)) // a replica process of a fleet test
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "redistoken: redis-server is not on PATH and CI is set: these tests need a real Redis (.ci/run installs Debian's redis-server)")
			os.Exit(1)
		}
		missing = "redis-server is not on PATH: install it (apt-get install redis-server) to run the Redis tests; they fail instead of skipping when CI is set"
		os.Exit(m.Run())
	}
	redisBin = bin
	shared, err = startRedis(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "redistoken:", err)
		os.Exit(1)
	}
	code := m.Run()
	shared.close()
	os.Exit(code)
}

var redisBin string

// needRedis skips t when redis-server is not installed (never under CI:
// TestMain fails then).
func needRedis(t testing.TB) {
	t.Helper()
	if shared == nil {
		t.Skip(missing)
	}
}

// redisServer is one redis-server process, without persistence, bound to
// 127.0.0.1.
type redisServer struct {
	port     int
	dir      string
	args     []string // more redis-server arguments (--requirepass ...)
	password string   // the default user's password, if args set one
	cmd      *exec.Cmd
	done     chan struct{} // closed when cmd has exited
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// startRedis starts redis-server on port, or on a free port if 0, and
// waits until it answers PING.
func startRedis(port int) (*redisServer, error) { return startRedisWith(port, "") }

// startRedisWith is startRedis, the default user's password being
// password if not "".
func startRedisWith(port int, password string) (*redisServer, error) {
	dir, err := os.MkdirTemp("", "redistoken-redis-")
	if err != nil {
		return nil, err
	}
	var last error
	for range 5 { // a free port may be taken between the look and the bind
		p := port
		if p == 0 {
			if p, err = freePort(); err != nil {
				return nil, err
			}
		}
		r := &redisServer{port: p, dir: dir, password: password}
		if password != "" {
			r.args = []string{"--requirepass", password}
		}
		if last = r.start(); last == nil {
			return r, nil
		}
		if port != 0 {
			time.Sleep(200 * time.Millisecond) // the old process may still hold it
		}
	}
	os.RemoveAll(dir)
	return nil, fmt.Errorf("starting redis-server: %w", last)
}

func (r *redisServer) start() error {
	cmd := exec.Command(redisBin, append([]string{"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--loglevel", "warning"}, r.args...)...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	c := redis.NewClient(&redis.Options{Addr: r.addr(), Password: r.password, MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case <-done:
			return fmt.Errorf("redis-server on port %d exited: %s", r.port, out.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			r.cmd, r.done = cmd, done
			return nil
		}
	}
	_ = cmd.Process.Kill()
	<-done
	return fmt.Errorf("redis-server on port %d did not answer PING within 10s: %s", r.port, out.String())
}

// ownRedis is a redis-server of t's own, for a test that stops, pauses
// or restarts it; it skips t as needRedis does.
func ownRedis(t *testing.T) *redisServer { t.Helper(); return ownRedisWith(t, "") }

// ownRedisWith is ownRedis, the default user's password being password if
// not "".
func ownRedisWith(t *testing.T, password string) *redisServer {
	t.Helper()
	needRedis(t)
	r, err := startRedisWith(0, password)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.close)
	return r
}

// stop kills the server and waits for it to exit (its data is lost, as
// in a crash).
func (r *redisServer) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.done
	r.cmd = nil
}

// close stops the server for good and removes its directory.
func (r *redisServer) close() {
	r.stop()
	os.RemoveAll(r.dir)
}

// client is a go-redis client of the server, closed at the end of t.
func (r *redisServer) client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: r.addr(), Password: r.password})
	t.Cleanup(func() { c.Close() })
	return c
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Credentials of the fake API.
const (
	testAppKey    = "app-key-3f9c1e"
	testPartnerID = "partner-1234"
	goodSecret    = "good-secret-7d2a"
	badSecret     = "stale-secret-91b0"
)

// fakeAPI answers partner authentication and Configurations.List as the
// Finicity API does, and counts authentications.
type fakeAPI struct {
	srv *httptest.Server

	mu            sync.Mutex
	good          map[string]bool // secrets it accepts
	broken        bool            // authentication answers 500
	delay         time.Duration   // authentication answers this late
	callsPerToken int             // a token expires after this many calls (0: never)
	tokens        map[string]*fakeToken
	auths         []fakeAuth
	hold          chan struct{} // non-nil: the next authentication waits for it to close
	holding       chan struct{} // closed when an authentication is held
	n             int
	served        int       // calls answered 200
	lastServed    time.Time // when the last of them was answered
	waits         []waiter  // closed as served reaches their counts
}

// waiter is a channel closed once served reaches n.
type waiter struct {
	n  int
	ch chan struct{}
}

type fakeToken struct {
	calls   int
	expired bool
}

type fakeAuth struct {
	secret  string
	at      time.Time
	ok      bool
	overlap bool // a valid token existed already: the fleet authenticated twice
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{good: map[string]bool{goodSecret: true}, tokens: map[string]*fakeToken{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /aggregation/v2/partners/authentication", f.authenticate)
	mux.HandleFunc("GET /connect-components/configurations", f.list)
	f.srv = httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) url() string { return f.srv.URL }

func writeError(w http.ResponseWriter, status int, reason, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"Errors":{"Error":[{"Source":"Aggregation","ReasonCode":%q,"Description":%q,"Recoverable":false,"Details":""}]}}`, reason, description)
}

func (f *fakeAPI) authenticate(w http.ResponseWriter, r *http.Request) {
	var creds struct {
		PartnerID     string `json:"partnerId"`
		PartnerSecret string `json:"partnerSecret"`
	}
	if r.Header.Get("Finicity-App-Key") != testAppKey || json.NewDecoder(r.Body).Decode(&creds) != nil {
		writeError(w, http.StatusBadRequest, "10026", "Bad request.")
		return
	}
	arrived := time.Now() // what an authentication records: when it reached the API
	f.mu.Lock()
	delay := f.delay
	f.mu.Unlock()
	if delay > 0 {
		select { // a slow answer, whatever it is
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	if f.broken {
		f.auths = append(f.auths, fakeAuth{secret: creds.PartnerSecret, at: arrived})
		f.mu.Unlock()
		writeError(w, http.StatusInternalServerError, "500", "Internal error.")
		return
	}
	if hold := f.hold; hold != nil {
		f.hold = nil
		f.auths = append(f.auths, fakeAuth{secret: creds.PartnerSecret, at: arrived})
		close(f.holding)
		f.mu.Unlock()
		select { // never answered: the caller is killed meanwhile
		case <-hold:
		case <-r.Context().Done():
		}
		return
	}
	a := fakeAuth{secret: creds.PartnerSecret, at: arrived, ok: creds.PartnerID == testPartnerID && f.good[creds.PartnerSecret]}
	if a.ok {
		for _, tk := range f.tokens {
			a.overlap = a.overlap || !tk.expired
		}
	}
	f.auths = append(f.auths, a)
	var tok string
	if a.ok {
		f.n++
		tok = fmt.Sprintf("token-%d-%d", f.n, time.Now().UnixNano())
		f.tokens[tok] = &fakeToken{}
	}
	f.mu.Unlock()
	if !a.ok {
		writeError(w, http.StatusUnauthorized, "10024", "Invalid partner credentials.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"token":%q}`, tok)
}

func (f *fakeAPI) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	tk := f.tokens[r.Header.Get("Finicity-App-Token")]
	ok := r.Header.Get("Finicity-App-Key") == testAppKey && tk != nil && !tk.expired
	if ok {
		f.served++
		f.lastServed = time.Now()
		f.wake()
		tk.calls++
		if f.callsPerToken > 0 && tk.calls >= f.callsPerToken {
			tk.expired = true
		}
	}
	f.mu.Unlock()
	if !ok {
		writeError(w, http.StatusUnauthorized, "10023", "Token is expired.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `[]`)
}

// wake closes the waiters whose count has been reached; f.mu is held.
func (f *fakeAPI) wake() {
	kept := f.waits[:0]
	for _, w := range f.waits {
		if f.served >= w.n {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	f.waits = kept
}

// await returns a channel closed once n more calls than now have been
// answered 200.
func (f *fakeAPI) await(n int) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := waiter{n: f.served + n, ch: make(chan struct{})}
	f.waits = append(f.waits, w)
	return w.ch
}

// expireAll makes every token issued so far expired.
func (f *fakeAPI) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tk := range f.tokens {
		tk.expired = true
	}
}

// authentications returns the authentications made with secret so far.
func (f *fakeAPI) authentications(secret string) []fakeAuth {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeAuth
	for _, a := range f.auths {
		if a.secret == secret {
			out = append(out, a)
		}
	}
	return out
}

// holdNext makes the next authentication hang until the caller goes
// away; the channel returned is closed once it has arrived.
func (f *fakeAPI) holdNext(t testing.TB) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	hold := make(chan struct{})
	f.hold, f.holding = hold, make(chan struct{})
	t.Cleanup(func() { close(hold) })
	return f.holding
}

// logCounter is a slog handler counting records by level, for "logged
// once"; it also keeps their text, to look for secrets.
type logCounter struct {
	mu    sync.Mutex
	warn  int
	info  int
	lines []string
	// notify, if set, is told each record's level (a replica reports its
	// warnings and recoveries to the parent through it).
	notify func(slog.Level)
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }

func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.String()); return true })
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case r.Level >= slog.LevelWarn:
		l.warn++
	case r.Level == slog.LevelInfo:
		l.info++
	}
	l.lines = append(l.lines, b.String())
	if l.notify != nil {
		l.notify(r.Level)
	}
	return nil
}

func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

func (l *logCounter) counts() (warn, info int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.warn, l.info
}

func (l *logCounter) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// lastCall is when the fake API last answered a call with 200.
func (f *fakeAPI) lastCall() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastServed
}
