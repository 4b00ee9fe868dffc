package redistoken

// Fleet tests: the test binary re-executes itself as replica processes
// (TestMain sees replicaEnv), each running goroutines that call the fake
// API through a client whose token source is a Source on the same Redis.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/redis/go-redis/v9"
)

const replicaEnv = "REDISTOKEN_TEST_REPLICA"

// replicaSpec is what a replica process does.
type replicaSpec struct {
	Redis, API, Secret, Prefix string
	RedisPassword              string
	MaxAge                     time.Duration
	// AttemptTimeout, if set, is WithAttemptTimeout of the Source's
	// client and of the replica's.
	AttemptTimeout time.Duration
	// Source timings (0: the default).
	Lease, Auth, Poll, Recheck, Probe, RedisTimeout time.Duration
	// Goroutines each make Calls calls, or call until Duration has passed
	// or, with UntilStop, until the parent writes a second line (or closes
	// stdin); Pause apart.
	Goroutines, Calls int
	Duration, Pause   time.Duration
	UntilStop         bool
}

// replicaResult is what a replica reports on stdout, as JSON.
type replicaResult struct {
	OK, Rejected, Failed int
	RedisRefused         int // of Failed: errors.Is ErrRedisRefused
	FirstFailure         string
	Warn, Info           int
	Logs                 string
}

// runReplica is the body of a replica process.
func runReplica(specJSON string) int {
	var spec replicaSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "replica spec:", err)
		return 2
	}
	// Fd 3 tells the parent, as they happen, that this replica warned
	// (Redis unreachable) or recovered: the events a test may wait on.
	events := os.NewFile(3, "events")
	logs := &logCounter{notify: func(l slog.Level) {
		if events != nil {
			_, _ = fmt.Fprintln(events, l.String())
		}
	}}
	rdb := redis.NewClient(&redis.Options{Addr: spec.Redis, Password: spec.RedisPassword})
	defer rdb.Close()
	opts := []api.Option{api.WithBaseURL(spec.API)}
	if spec.AttemptTimeout > 0 {
		opts = append(opts, api.WithAttemptTimeout(spec.AttemptTimeout))
	}
	src, err := New(rdb, Config{
		AppKey: api.NewSecret(testAppKey), PartnerID: testPartnerID, PartnerSecret: api.NewSecret(spec.Secret),
		KeyPrefix: spec.Prefix, MaxAge: spec.MaxAge, Logger: slog.New(logs),
		ClientOptions: opts,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	spec.apply(src)
	type traceKey struct{}
	trace := api.Middleware(func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if tr, ok := req.Context().Value(traceKey{}).(*[]string); ok && resp != nil {
				*tr = append(*tr, fmt.Sprintf("%s=%d", req.Header.Get("Finicity-App-Token"), resp.StatusCode))
			}
			return resp, err
		})
	})
	c, err := api.NewClient(testAppKey, append(opts, api.WithTokenSource(src), api.WithMiddleware(trace))...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// Start together: the parent writes a line once every replica runs.
	stdin := bufio.NewReader(os.Stdin)
	if _, err := stdin.ReadString('\n'); err != nil {
		fmt.Fprintln(os.Stderr, "waiting for the start:", err)
		return 2
	}
	stop := make(chan struct{})
	if spec.UntilStop {
		go func() { _, _ = stdin.ReadString('\n'); close(stop) }()
	}
	var ok, rejected, failed, refused atomic.Int64
	var first atomic.Value
	end := time.Now().Add(spec.Duration)
	var wg sync.WaitGroup
	for range spec.Goroutines {
		wg.Go(func() {
			for i := 0; spec.Calls == 0 || i < spec.Calls; i++ {
				if spec.Duration > 0 && time.Now().After(end) {
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				var tr []string
				ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), traceKey{}, &tr), 30*time.Second)
				_, err := c.Configurations.List(ctx)
				cancel()
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, api.ErrCredentialsRejected):
					rejected.Add(1)
					first.CompareAndSwap(nil, err.Error())
				default:
					failed.Add(1)
					if errors.Is(err, ErrRedisRefused) {
						refused.Add(1)
					}
					first.CompareAndSwap(nil, err.Error()+fmt.Sprint(tr))
				}
				if spec.Pause > 0 {
					time.Sleep(spec.Pause)
				}
			}
		})
	}
	wg.Wait()
	warn, info := logs.counts()
	res := replicaResult{OK: int(ok.Load()), Rejected: int(rejected.Load()), Failed: int(failed.Load()), RedisRefused: int(refused.Load()),
		Warn: warn, Info: info, Logs: logs.text()}
	res.FirstFailure, _ = first.Load().(string)
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		return 2
	}
	return 0
}

func (spec replicaSpec) apply(s *Source) {
	set := func(dst *time.Duration, v time.Duration) {
		if v > 0 {
			*dst = v
		}
	}
	set(&s.t.lease, spec.Lease)
	set(&s.t.auth, spec.Auth)
	set(&s.t.poll, spec.Poll)
	set(&s.t.recheck, spec.Recheck)
	set(&s.t.probe, spec.Probe)
	set(&s.t.redis, spec.RedisTimeout)
	s.t.wait = s.t.lease + s.t.auth
}

// replica is a running replica process.
type replica struct {
	cmd         *exec.Cmd
	stdin       io.WriteCloser
	out, stderr bytes.Buffer
	// warned and recovered are closed when the replica logs its first
	// warning (Redis unreachable) and its first recovery.
	warned, recovered chan struct{}
}

func startReplica(t *testing.T, spec replicaSpec) *replica {
	t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{cmd: exec.Command(os.Args[0])}
	r.cmd.Env = append(os.Environ(), replicaEnv+"="+string(b))
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.stderr
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	events, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.ExtraFiles = []*os.File{w} // fd 3 of the replica
	dieWithParent(r.cmd)
	r.warned, r.recovered = make(chan struct{}), make(chan struct{})
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	go func() {
		defer events.Close()
		var warned, recovered sync.Once
		for sc := bufio.NewScanner(events); sc.Scan(); {
			switch sc.Text() {
			case slog.LevelWarn.String():
				warned.Do(func() { close(r.warned) })
			case slog.LevelInfo.String():
				recovered.Do(func() { close(r.recovered) })
			}
		}
	}()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
			_ = r.cmd.Wait()
		}
	})
	return r
}

func (r *replica) start(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(r.stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
}

// stop ends a replica started with UntilStop.
func (r *replica) stop(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(r.stdin, "stop\n"); err != nil {
		t.Fatal(err)
	}
}

func (r *replica) result(t *testing.T) replicaResult {
	t.Helper()
	if err := r.cmd.Wait(); err != nil {
		t.Fatalf("replica: %v\nstderr: %s", err, r.stderr.String())
	}
	var res replicaResult
	if err := json.Unmarshal(r.out.Bytes(), &res); err != nil {
		t.Fatalf("replica output %q: %v\nstderr: %s", r.out.String(), err, r.stderr.String())
	}
	return res
}

// fleetSize is the number of replica processes of each fleet test.
const fleetSize = 8

// runFleet runs n replicas of spec together and returns their results.
func runFleet(t *testing.T, n int, spec replicaSpec) []replicaResult {
	t.Helper()
	rs := make([]*replica, n)
	for i := range rs {
		rs[i] = startReplica(t, spec)
	}
	for _, r := range rs {
		r.start(t)
	}
	return results(t, rs)
}

func results(t *testing.T, rs []*replica) []replicaResult {
	t.Helper()
	out := make([]replicaResult, len(rs))
	for i, r := range rs {
		out[i] = r.result(t)
	}
	return out
}

// sum adds up the fleet's results.
func sum(rs []replicaResult) (total replicaResult) {
	for _, r := range rs {
		total.OK += r.OK
		total.Rejected += r.Rejected
		total.Failed += r.Failed
		total.RedisRefused += r.RedisRefused
		total.Warn += r.Warn
		total.Info += r.Info
		if total.FirstFailure == "" {
			total.FirstFailure = r.FirstFailure
		}
	}
	return total
}

// testPrefix is a key prefix of t's own on the shared Redis.
func testPrefix(t testing.TB) string {
	return "test:" + strings.ReplaceAll(t.Name(), "/", ":") + ":" + randomHex(4) + ":"
}

// The API expires each token after a number of calls; every replica sees
// 10023, invalidates it, and the fleet makes one new authentication.
func TestFleetOneAuthenticationPerExpiry(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	// Paced so that a token lives a few hundred milliseconds at the API:
	// a replica paused longer than a token's life (the race detector, a
	// loaded machine) would otherwise see its replay refused too, which
	// says nothing about the source.
	const perToken, goroutines, calls = 400, 4, 75
	f.callsPerToken = perToken
	got := sum(runFleet(t, fleetSize, replicaSpec{
		Redis: shared.addr(), API: f.url(), Secret: goodSecret, Prefix: testPrefix(t),
		Goroutines: goroutines, Calls: calls, Pause: 20 * time.Millisecond,
	}))
	want := fleetSize * goroutines * calls
	if got.OK != want || got.Failed != 0 || got.Rejected != 0 {
		t.Fatalf("fleet: %d calls ok, %d failed, %d rejected, want %d ok (first failure: %s)", got.OK, got.Failed, got.Rejected, want, got.FirstFailure)
	}
	auths := f.authentications(goodSecret)
	// Every token served perToken calls before it expired, so the fleet
	// needed exactly this many tokens, if it never authenticated while a
	// token was still valid.
	tokens := (want + perToken - 1) / perToken
	for i, a := range auths {
		if a.overlap {
			t.Errorf("authentication %d made while a valid token existed", i+1)
		}
	}
	if len(auths) != tokens {
		t.Errorf("%d authentications for %d tokens (%d expiries), want one per expiry", len(auths), tokens, tokens-1)
	}
	t.Logf("%d replicas x %d goroutines: %d calls, %d token expiries, %d authentications", fleetSize, goroutines, want, tokens-1, len(auths))
}

// Tokens reach MaxAge: every replica's copy expires with the Redis key,
// and one replica authenticates for the fleet.
func TestFleetOneAuthenticationPerMaxAge(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	const maxAge, run = time.Second, 3500 * time.Millisecond
	start := time.Now()
	got := sum(runFleet(t, fleetSize, replicaSpec{
		Redis: shared.addr(), API: f.url(), Secret: goodSecret, Prefix: testPrefix(t), MaxAge: maxAge,
		Goroutines: 2, Duration: run, Pause: 2 * time.Millisecond,
	}))
	span := time.Since(start) // the run, plus the replicas' start and exit
	if got.Failed != 0 || got.Rejected != 0 || got.OK == 0 {
		t.Fatalf("fleet: %d ok, %d failed, %d rejected (first failure: %s)", got.OK, got.Failed, got.Rejected, got.FirstFailure)
	}
	auths := f.authentications(goodSecret)
	for i := 1; i < len(auths); i++ {
		if gap := auths[i].at.Sub(auths[i-1].at); gap < maxAge*9/10 {
			t.Errorf("authentications %d and %d only %v apart: the fleet authenticated twice for one token (max age %v)", i, i+1, gap, maxAge)
		}
	}
	// A token at the start and one after each expiry. A token serves one
	// max age from when it was stored, and its successor is fetched by
	// the first call after that (a lock, the authentication, a Redis
	// write: some milliseconds, more on a loaded machine), so each gap is
	// a max age plus that renewal; slack bounds the renewal. No more
	// authentications than the fleet's whole span allows.
	slack := maxAge / 2
	for i := 1; i < len(auths); i++ {
		if gap := auths[i].at.Sub(auths[i-1].at); gap > maxAge+slack {
			t.Errorf("authentications %d and %d are %v apart: the token was not renewed at its expiry (max age %v)", i, i+1, gap.Round(time.Millisecond), maxAge)
		}
	}
	if len(auths) == 0 {
		t.Fatal("calls answered with no authentication")
	}
	if tail := f.lastCall().Sub(auths[len(auths)-1].at); tail > maxAge+slack {
		t.Errorf("the last call came %v after the last authentication: a token served past its max age %v", tail.Round(time.Millisecond), maxAge)
	}
	if limit := int(span/maxAge) + 1; len(auths) < 2 || len(auths) > limit {
		t.Errorf("%d authentications in %v with max age %v, want 2 to %d", len(auths), span.Round(time.Millisecond), maxAge, limit)
	}
	t.Logf("%d replicas, %d calls in %v, max age %v: %d authentications", fleetSize, got.OK, run, maxAge, len(auths))
}

// A rejected secret reaches the API once for the whole fleet, a second
// fleet with it not at all, and a corrected secret recovers with one
// authentication.
func TestFleetRejectedSecretReachesAPIOnce(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	spec := replicaSpec{Redis: shared.addr(), API: f.url(), Secret: badSecret, Prefix: testPrefix(t), Goroutines: 4, Calls: 10}
	calls := fleetSize * spec.Goroutines * spec.Calls
	for round := 1; round <= 2; round++ {
		got := sum(runFleet(t, fleetSize, spec))
		if got.Rejected != calls || got.OK != 0 || got.Failed != 0 {
			t.Fatalf("round %d: %d calls rejected, %d ok, %d failed otherwise, want all %d rejected (errors.Is ErrCredentialsRejected); first failure: %s",
				round, got.Rejected, got.OK, got.Failed, calls, got.FirstFailure)
		}
		if strings.Contains(got.FirstFailure, badSecret) {
			t.Errorf("the error quotes the secret: %s", got.FirstFailure)
		}
		if n := len(f.authentications(badSecret)); n != 1 {
			t.Fatalf("round %d: the rejected secret reached the API %d times, want once for the fleet", round, n)
		}
	}
	spec.Secret = goodSecret // the rotation reaches the fleet
	got := sum(runFleet(t, fleetSize, spec))
	if got.OK != calls || got.Failed != 0 || got.Rejected != 0 {
		t.Fatalf("corrected secret: %d ok, %d rejected, %d failed, want %d ok; first failure: %s", got.OK, got.Rejected, got.Failed, calls, got.FirstFailure)
	}
	if n := len(f.authentications(goodSecret)); n != 1 {
		t.Errorf("corrected secret: %d authentications, want 1", n)
	}
	t.Logf("%d replicas x 2 fleets with a rejected secret (%d calls each): %d API attempt; corrected secret: %d authentication",
		fleetSize, calls, len(f.authentications(badSecret)), len(f.authentications(goodSecret)))
}

// The replica holding the lock is killed while its authentication is in
// flight; another one takes over once the lease ends, and the fleet's
// calls all succeed.
func TestFleetTakesOverFromKilledHolder(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	held := f.holdNext(t)
	const lease = 1500 * time.Millisecond
	spec := replicaSpec{Redis: shared.addr(), API: f.url(), Secret: goodSecret, Prefix: testPrefix(t),
		Lease: lease, Auth: time.Second, Goroutines: 1, Calls: 1}
	victim := startReplica(t, spec)
	victim.start(t)
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatalf("the first replica never authenticated; stderr: %s", victim.stderr.String())
	}
	lockKey := deriveKeys(spec.Prefix, testAppKey, testPartnerID).lock
	asked := time.Now() // before Redis answered: leaseEnd is never later than the lease's end
	left, err := shared.client(t).PTTL(t.Context(), lockKey).Result()
	if err != nil || left <= 0 || left > lease {
		t.Fatalf("lock %s: PTTL %v, %v; want the holder's lease running", lockKey, left, err)
	}
	leaseEnd := asked.Add(left)
	spec.Goroutines, spec.Calls = 2, 5
	rs := make([]*replica, fleetSize-1)
	for i := range rs {
		rs[i] = startReplica(t, spec)
		rs[i].start(t)
	}
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	got := sum(results(t, rs))
	want := len(rs) * spec.Goroutines * spec.Calls
	if got.OK != want {
		t.Fatalf("after the holder died: %d ok, %d failed, want %d ok; first failure: %s", got.OK, got.Failed, want, got.FirstFailure)
	}
	auths := f.authentications(goodSecret)
	if len(auths) != 2 {
		t.Fatalf("%d authentications, want 2 (the killed holder's, then one takeover)", len(auths))
	}
	// Nobody authenticates before the killed holder's lease ends; someone
	// does soon after (waiters poll every 100 ms).
	if early := leaseEnd.Sub(auths[1].at); early > 20*time.Millisecond {
		t.Errorf("takeover %v before the killed holder's lease ended", early)
	}
	if late := auths[1].at.Sub(leaseEnd); late > 5*time.Second {
		t.Errorf("takeover %v after the killed holder's lease ended", late)
	}
	t.Logf("holder killed mid-authentication: taken over %v after its %v lease ended, %d calls ok",
		auths[1].at.Sub(leaseEnd).Round(time.Millisecond), lease, got.OK)
}

// Redis is killed (losing its data) and restarted while the fleet runs
// with tokens expiring every 600 ms: no call fails, each replica logs the
// outage once, and the fleet shares one token again afterwards. Each
// phase waits on what the fake API sees (calls answered, replicas
// authenticating for themselves), not on a guess of how long it takes.
func TestFleetSurvivesRedisRestart(t *testing.T) {
	own := ownRedis(t)
	f := newFakeAPI(t)
	const maxAge, window = 600 * time.Millisecond, 2 * time.Second
	spec := replicaSpec{Redis: own.addr(), API: f.url(), Secret: goodSecret, Prefix: testPrefix(t), MaxAge: maxAge,
		Probe: 100 * time.Millisecond, RedisTimeout: 500 * time.Millisecond,
		Goroutines: 2, UntilStop: true, Pause: 2 * time.Millisecond}
	rs := make([]*replica, fleetSize)
	for i := range rs {
		rs[i] = startReplica(t, spec)
	}
	wait := func(what string, ch <-chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(60 * time.Second):
			t.Fatalf("the fleet never %s", what)
		}
	}
	// A phase lasts at least perPhase calls answered: 50 a replica, about
	// 100 ms of each one's goroutines.
	const perPhase = fleetSize * 50
	for _, r := range rs {
		r.start(t)
	}
	began := time.Now()
	wait("answered its first calls", f.await(perPhase))
	// One per max age: the phase is meant to last less than one, but a
	// loaded machine may stretch it past a token's expiry.
	if n, limit := len(f.authentications(goodSecret)), int(time.Since(began)/maxAge)+1; n < 1 || n > limit {
		t.Errorf("%d authentications before the outage, want the fleet's one per max age (at most %d)", n, limit)
	}
	own.stop()
	down := time.Now()
	// Outage: each replica's token expires (MaxAge), it finds Redis gone,
	// says so, and authenticates for itself, while calls go on being
	// answered.
	for i, r := range rs {
		wait(fmt.Sprintf("noticed the outage (replica %d)", i), r.warned)
	}
	wait("answered calls without Redis", f.await(perPhase))
	if err := own.start(); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	for i, r := range rs {
		wait(fmt.Sprintf("noticed Redis back (replica %d)", i), r.recovered)
	}
	wait("answered calls after Redis came back", f.await(perPhase))
	settled := time.Now()
	time.Sleep(window) // the span over which one authentication per MaxAge is counted
	for _, r := range rs {
		r.stop(t)
	}
	end := time.Now()
	each := results(t, rs)
	got := sum(each)
	if got.Failed != 0 || got.Rejected != 0 {
		t.Errorf("%d calls failed during the Redis restart, want none; first failure: %s", got.Failed+got.Rejected, got.FirstFailure)
	}
	for i, r := range each {
		if r.Warn != 1 || r.Info != 1 {
			t.Errorf("replica %d logged %d warnings and %d recoveries, want one each:\n%s", i, r.Warn, r.Info, r.Logs)
		}
	}
	var during, after int
	for _, a := range f.authentications(goodSecret) {
		switch {
		case a.at.After(down) && a.at.Before(up):
			during++
		case a.at.After(settled):
			after++
		}
	}
	// Each replica authenticates for itself while Redis is down, at most
	// once per max age; once it is back, the fleet shares a token again.
	if limit := fleetSize * int(up.Sub(down)/maxAge+2); during > limit {
		t.Errorf("%d authentications during the %v outage, want at most %d", during, up.Sub(down).Round(time.Millisecond), limit)
	}
	if limit := int(end.Sub(settled)/maxAge) + 2; after > limit {
		t.Errorf("%d authentications in the %v after Redis settled, want at most %d (one per max age)", after, end.Sub(settled).Round(time.Millisecond), limit)
	}
	t.Logf("%d calls, 0 failed; authentications: %d during the %v outage, %d in the %v after it settled",
		got.OK, during, up.Sub(down).Round(time.Millisecond), after, end.Sub(settled).Round(time.Millisecond))
}
