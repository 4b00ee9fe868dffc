//go:build unix

package redistoken

import (
	"log/slog"
	"syscall"
	"testing"
	"time"
)

// A Redis that stops answering without closing its connections (a
// network partition, a paused node) costs the call that needs a token
// RedisTimeout, not the client's ReadTimeout (3 s by default); the
// Source logs once, authenticates for itself, and recovers when Redis
// answers again.
func TestPausedRedisCostsRedisTimeout(t *testing.T) {
	own := ownRedis(t)
	f := newFakeAPI(t)
	rdb := own.client(t) // go-redis defaults: ReadTimeout 3 s, context deadlines not applied to reads
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatal(err) // a pooled connection, which the pause leaves open
	}
	logs := &logCounter{}
	cfg := testConfig(t, f, goodSecret, testPrefix(t))
	cfg.Logger = slog.New(logs)
	s := newSource(t, rdb, cfg)
	s.t.redis, s.t.probe = 300*time.Millisecond, 10*time.Millisecond
	if err := own.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			_ = own.cmd.Process.Signal(syscall.SIGCONT)
		}
	}
	t.Cleanup(resume)
	start := time.Now()
	tok, err := s.Token(t.Context())
	if took := time.Since(start); err != nil || took > 4*s.t.redis {
		t.Fatalf("Token with Redis paused = %q, %v after %v; want a token within about RedisTimeout (%v)", tok, err, took, s.t.redis)
	}
	if w, _ := logs.counts(); w != 1 {
		t.Errorf("%d warnings, want 1:\n%s", w, logs.text())
	}
	if n := len(f.authentications(goodSecret)); n != 1 {
		t.Errorf("%d authentications, want 1", n)
	}
	resume()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := s.Token(t.Context()); err != nil {
			t.Fatalf("Token while Redis resumes: %v", err)
		}
		if _, info := logs.counts(); info == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery logged 10s after Redis resumed:\n%s", logs.text())
		}
	}
	if got := rdb.Get(t.Context(), s.keys.token).Val(); got != tok {
		t.Errorf("Redis holds %q after recovery, want the token obtained meanwhile", got)
	}
}
