package redistoken

// Fleet tests of what may not lock the partner account: a slow
// rejection, a failing authentication endpoint, a Redis that refuses the
// Source's credentials. Real replica processes on a real redis-server,
// bounded in count and time; they assert on counts and on the order and
// spacing of the authentications the fake API recorded, never on how
// long the fleet took, beyond generous upper bounds.

import (
	"strings"
	"testing"
	"time"
)

// The API answers a rejected secret 401/10024 after 1.5 s, and every
// replica's client has a 1 s attempt limit: the authentication is given
// its own 30 s, so the rejection is seen, shared, and the secret reaches
// the API once for the whole fleet.
func TestFleetSlowRejectionReachesAPIOnce(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	f.delay = 1500 * time.Millisecond
	spec := replicaSpec{Redis: shared.addr(), API: f.url(), Secret: badSecret, Prefix: testPrefix(t),
		AttemptTimeout: time.Second, Goroutines: 4, Calls: 5}
	got := sum(runFleet(t, fleetSize, spec))
	calls := fleetSize * spec.Goroutines * spec.Calls
	if got.Rejected != calls || got.OK != 0 || got.Failed != 0 {
		t.Fatalf("%d calls rejected, %d ok, %d failed otherwise; want all %d rejected (first failure: %s)",
			got.Rejected, got.OK, got.Failed, calls, got.FirstFailure)
	}
	if n := len(f.authentications(badSecret)); n != 1 {
		t.Fatalf("the rejected secret reached the API %d times, want once for the fleet", n)
	}
	t.Logf("%d replicas x %d goroutines, rejection answered after %v with a 1s attempt limit: %d calls rejected, 1 authentication",
		fleetSize, spec.Goroutines, f.delay, got.Rejected)
}

// Partner authentication answers 500: the fleet makes at most one
// attempt per backoff step (0.5 s doubling to 30 s, each wait jittered
// between half and all of it). Every interval between the attempts the
// API recorded is at least the lower end of its step; the count is at
// most what the schedule allows in the run's span.
func TestFleetBacksOffAServerError(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	f.broken = true
	const run = 5 * time.Second
	spec := replicaSpec{Redis: shared.addr(), API: f.url(), Secret: goodSecret, Prefix: testPrefix(t),
		Goroutines: 4, Duration: run, Pause: 20 * time.Millisecond}
	start := time.Now()
	got := sum(runFleet(t, fleetSize, spec))
	span := time.Since(start)
	if got.OK != 0 || got.Rejected != 0 || got.Failed == 0 {
		t.Fatalf("%d ok, %d rejected, %d failed; want every call failed, none as a rejection (first failure: %s)", got.OK, got.Rejected, got.Failed, got.FirstFailure)
	}
	step := func(n int) time.Duration { // the full wait after n failures in a row
		return min(BackoffBase<<(n-1), BackoffMax)
	}
	auths := f.authentications(goodSecret)
	var gaps []time.Duration
	for i := 1; i < len(auths); i++ {
		gap := auths[i].at.Sub(auths[i-1].at)
		gaps = append(gaps, gap.Round(time.Millisecond))
		if gap < step(i)/2 {
			t.Errorf("attempts %d and %d are %v apart: two attempts in backoff step %d (at least %v)", i, i+1, gap, i, step(i)/2)
		}
		if gap > step(i)+2*time.Second {
			t.Errorf("attempts %d and %d are %v apart: the fleet stopped trying after step %d (at most %v)", i, i+1, gap, i, step(i))
		}
	}
	allowed, at := 1, time.Duration(0)
	for at+step(allowed)/2 <= span {
		at += step(allowed) / 2
		allowed++
	}
	if len(auths) < 3 || len(auths) > allowed {
		t.Errorf("%d authentication attempts in %v, want 3 to %d (one per backoff step)", len(auths), span.Round(time.Millisecond), allowed)
	}
	t.Logf("%d replicas x %d goroutines for %v against a failing authentication: %d failed calls, %d attempts, intervals %v",
		fleetSize, spec.Goroutines, run, got.Failed, len(auths), gaps)
}

// Redis refuses the Source's password: every call fails with the
// configuration error, naming it, and no replica authenticates on its
// own (which eight would, at once).
func TestFleetWrongRedisPassword(t *testing.T) {
	own := ownRedisWith(t, "right-redis-pass-4e2a")
	f := newFakeAPI(t)
	spec := replicaSpec{Redis: own.addr(), RedisPassword: "wrong-redis-pass-91c3", API: f.url(), Secret: goodSecret,
		Prefix: testPrefix(t), Goroutines: 2, Calls: 5}
	each := runFleet(t, fleetSize, spec)
	got := sum(each)
	calls := fleetSize * spec.Goroutines * spec.Calls
	if got.Failed != calls || got.RedisRefused != calls || got.OK != 0 || got.Rejected != 0 {
		t.Fatalf("%d calls failed (%d with ErrRedisRefused), %d ok, %d rejected; want all %d refused (first failure: %s)",
			got.Failed, got.RedisRefused, got.OK, got.Rejected, calls, got.FirstFailure)
	}
	for _, want := range []string{"Redis refused the Source's credentials or permissions", "WRONGPASS", "fix the Redis configuration"} {
		if !strings.Contains(got.FirstFailure, want) {
			t.Errorf("the error %q does not say %q", got.FirstFailure, want)
		}
	}
	if strings.Contains(got.FirstFailure, spec.RedisPassword) {
		t.Errorf("the error quotes the Redis password: %s", got.FirstFailure)
	}
	if n := len(f.authentications(goodSecret)); n != 0 {
		t.Errorf("%d authentications reached the API while Redis refused the fleet, want none", n)
	}
	for i, r := range each {
		if r.Warn != 1 || strings.Contains(r.Logs, "unreachable") {
			t.Errorf("replica %d logged, want the refusal once and never Redis unreachable:\n%s", i, r.Logs)
		}
	}
}
