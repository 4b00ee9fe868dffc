package redistoken

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/redis/go-redis/v9"
)

// testConfig is a Config for the fake API with secret and t's own prefix.
func testConfig(t testing.TB, f *fakeAPI, secret, prefix string) Config {
	return Config{
		AppKey: api.NewSecret(testAppKey), PartnerID: testPartnerID, PartnerSecret: api.NewSecret(secret),
		KeyPrefix: prefix, ClientOptions: []api.Option{api.WithBaseURL(f.url())},
		Logger: slog.New(&logCounter{}),
	}
}

func newSource(t testing.TB, rdb redis.UniversalClient, cfg Config) *Source {
	t.Helper()
	s, err := New(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNewRefusesBadConfig(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled by New
	defer rdb.Close()
	good := Config{AppKey: api.NewSecret(testAppKey), PartnerID: testPartnerID, PartnerSecret: api.NewSecret(goodSecret)}
	for _, tc := range []struct {
		name string
		rdb  redis.UniversalClient
		edit func(*Config)
		want string
	}{
		{"nil client", nil, func(*Config) {}, "Redis client is nil"},
		{"nil *redis.Client", (*redis.Client)(nil), func(*Config) {}, "Redis client is a nil *redis.Client"},
		{"nil *redis.ClusterClient", (*redis.ClusterClient)(nil), func(*Config) {}, "Redis client is a nil *redis.ClusterClient"},
		{"no app key", rdb, func(c *Config) { c.AppKey = api.Secret{} }, "Config.AppKey is empty"},
		{"no partner id", rdb, func(c *Config) { c.PartnerID = " " }, "Config.PartnerID is empty"},
		{"no secret", rdb, func(c *Config) { c.PartnerSecret = api.Secret{} }, "Config.PartnerSecret is empty"},
		{"negative max age", rdb, func(c *Config) { c.MaxAge = -time.Second }, "Config.MaxAge -1s is negative"},
		{"max age too short", rdb, func(c *Config) { c.MaxAge = time.Millisecond }, "Config.MaxAge 1ms is too short"},
		{"max age past the token's life", rdb, func(c *Config) { c.MaxAge = 3 * time.Hour }, "Config.MaxAge 3h0m0s is longer than a token lives"},
		{"a token option", rdb, func(c *Config) { c.ClientOptions = []api.Option{api.WithAppToken("tok")} }, "Config.ClientOptions: finicity: both WithAppToken and WithPartnerCredentials"},
		{"plain http elsewhere", rdb, func(c *Config) { c.ClientOptions = []api.Option{api.WithBaseURL("http://api.example.com")} }, "Config.ClientOptions: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			s, err := New(tc.rdb, cfg)
			if err == nil || s != nil {
				t.Fatalf("New = %v, %v; want an error", s, err)
			}
			if !strings.HasPrefix(err.Error(), "redistoken: New: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), goodSecret) || strings.Contains(err.Error(), testAppKey) {
				t.Errorf("error quotes a credential: %q", err)
			}
		})
	}
}

// Two sources (two replicas) and many goroutines: one authentication, one
// token, stored under the derived key with a TTL of MaxAge, lock released.
func TestSourcesShareOneToken(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	rdb := shared.client(t)
	cfg := testConfig(t, f, goodSecret, testPrefix(t))
	cfg.MaxAge = 10 * time.Minute
	a, b := newSource(t, rdb, cfg), newSource(t, rdb, cfg)
	var wg sync.WaitGroup
	tokens := make([]string, 32)
	errs := make([]error, 32)
	for i := range tokens {
		src := a
		if i%2 == 1 {
			src = b
		}
		wg.Go(func() { tokens[i], errs[i] = src.Token(t.Context()) })
	}
	wg.Wait()
	for i := range tokens {
		if errs[i] != nil || tokens[i] != tokens[0] || tokens[0] == "" {
			t.Fatalf("Token %d = %q, %v; want %q like the others", i, tokens[i], errs[i], tokens[0])
		}
	}
	if n := len(f.authentications(goodSecret)); n != 1 {
		t.Errorf("%d authentications, want 1", n)
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "redistoken/v1\x00%d\x00%s%s", len(testAppKey), testAppKey, testPartnerID))
	key := cfg.KeyPrefix + "{" + hex.EncodeToString(sum[:16]) + "}"
	if got, err := rdb.Get(t.Context(), key).Result(); err != nil || got != tokens[0] {
		t.Errorf("GET %s = %q, %v; want the token", key, got, err)
	}
	if ttl := rdb.PTTL(t.Context(), key).Val(); ttl > cfg.MaxAge || ttl < cfg.MaxAge-time.Minute {
		t.Errorf("token TTL %v, want MaxAge %v", ttl, cfg.MaxAge)
	}
	if n := rdb.Exists(t.Context(), key+":lock").Val(); n != 0 {
		t.Error("the lock is still held after the authentication")
	}
}

// countCommands is a go-redis hook counting the commands sent.
type countCommands struct{ n atomic.Int64 }

func (c *countCommands) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *countCommands) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { c.n.Add(1); return next(ctx, cmd) }
}
func (c *countCommands) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { c.n.Add(int64(len(cmds))); return next(ctx, cmds) }
}

// Once a process holds the token, Token sends nothing to Redis.
func TestTokenIsServedFromMemory(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	rdb := shared.client(t)
	hook := &countCommands{}
	rdb.AddHook(hook)
	s := newSource(t, rdb, testConfig(t, f, goodSecret, testPrefix(t)))
	first, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if hook.n.Load() == 0 {
		t.Fatal("the first Token sent no Redis command")
	}
	before := hook.n.Load()
	for range 1000 {
		if tok, err := s.Token(t.Context()); err != nil || tok != first {
			t.Fatalf("Token = %q, %v; want %q", tok, err, first)
		}
	}
	if n := hook.n.Load() - before; n != 0 {
		t.Errorf("1000 Token calls sent %d Redis commands, want 0", n)
	}
}

// Invalidate deletes the stored token only if it is the expired one: a
// replica reporting a stale token leaves a fresh one alone.
func TestInvalidateComparesBeforeDeleting(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	rdb := shared.client(t)
	s := newSource(t, rdb, testConfig(t, f, goodSecret, testPrefix(t)))
	old, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Another replica has stored a newer token meanwhile.
	if err := rdb.Set(t.Context(), s.keys.token, "fresh-token", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	s.Invalidate(old)
	if got := rdb.Get(t.Context(), s.keys.token).Val(); got != "fresh-token" {
		t.Fatalf("after Invalidate of the old token, Redis holds %q, want the fresh one kept", got)
	}
	if tok, err := s.Token(t.Context()); err != nil || tok != "fresh-token" {
		t.Fatalf("Token after Invalidate = %q, %v; want the stored fresh token", tok, err)
	}
	s.Invalidate("fresh-token")
	if n := rdb.Exists(t.Context(), s.keys.token).Val(); n != 0 {
		t.Fatal("Invalidate of the stored token did not delete it")
	}
	tok, err := s.Token(t.Context())
	if err != nil || tok == old || tok == "fresh-token" {
		t.Fatalf("Token = %q, %v; want a new token", tok, err)
	}
	if n := len(f.authentications(goodSecret)); n != 2 {
		t.Errorf("%d authentications, want 2", n)
	}
}

// The API's expiry (401, reason 10023) through a real client: the client
// invalidates, the source fetches once, the call is replayed.
func TestClientRenewsThroughSource(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	s := newSource(t, shared.client(t), testConfig(t, f, goodSecret, testPrefix(t)))
	c, err := api.NewClient(testAppKey, api.WithTokenSource(s), api.WithBaseURL(f.url()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Configurations.List(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.expireAll()
	if _, err := c.Configurations.List(t.Context()); err != nil {
		t.Fatalf("call after the token expired: %v", err)
	}
	if n := len(f.authentications(goodSecret)); n != 2 {
		t.Errorf("%d authentications, want 2", n)
	}
}

// A rejection is recorded under HMAC-SHA256(salt, secret); another source
// with that secret fails without calling the API; another secret tries;
// ClearRejection lets the secret be tried once more.
func TestRejectionStopsEverySourceWithTheSecret(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	rdb := shared.client(t)
	prefix := testPrefix(t)
	bad := testConfig(t, f, badSecret, prefix)

	first := newSource(t, rdb, bad)
	_, err := first.Token(t.Context())
	if !errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("Token with a rejected secret: %v; want ErrCredentialsRejected", err)
	}
	if apiErr, ok := errors.AsType[*api.Error](err); !ok || apiErr.StatusCode != http.StatusUnauthorized || apiErr.ReasonCode != "10024" {
		t.Errorf("the refused replica's error does not wrap the API's 401 10024: %#v", err)
	}
	if _, err := first.Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
		t.Errorf("second Token: %v; want ErrCredentialsRejected", err)
	}

	second := newSource(t, rdb, bad) // another replica
	_, err = second.Token(t.Context())
	if !errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("another source with the rejected secret: %v; want ErrCredentialsRejected", err)
	}
	for _, text := range []string{"rejected", "status 401", "reason 10024", "recorded in Redis", "ClearRejection"} {
		if !strings.Contains(err.Error(), text) {
			t.Errorf("error %q does not say %q", err, text)
		}
	}
	if n := len(f.authentications(badSecret)); n != 1 {
		t.Fatalf("the rejected secret reached the API %d times, want 1", n)
	}

	// The record: under the HMAC of the secret, with the salt stored
	// beside it; status and reason code only; a TTL of RejectionTTL.
	salt := rdb.Get(t.Context(), first.keys.salt).Val()
	if len(salt) != 64 {
		t.Fatalf("salt %q, want 32 random bytes in hex", salt)
	}
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(badSecret))
	recKey := first.keys.rejected + hex.EncodeToString(m.Sum(nil))
	var rec map[string]any
	if err := json.Unmarshal([]byte(rdb.Get(t.Context(), recKey).Val()), &rec); err != nil {
		t.Fatalf("record at %s: %v", recKey, err)
	}
	if rec["status"] != float64(401) || rec["reasonCode"] != "10024" || len(rec) != 3 {
		t.Errorf("record %v, want at, status 401 and reasonCode 10024 only", rec)
	}
	if ttl := rdb.PTTL(t.Context(), recKey).Val(); ttl > RejectionTTL || ttl < RejectionTTL-time.Minute {
		t.Errorf("record TTL %v, want %v", ttl, RejectionTTL)
	}

	// A rotation: the new secret tries, once.
	if _, err := newSource(t, rdb, testConfig(t, f, goodSecret, prefix)).Token(t.Context()); err != nil {
		t.Fatalf("a source with another secret: %v", err)
	}

	// The operator clears the record: the next check lets the old secret
	// be tried again, once.
	if ok, err := ClearRejection(t.Context(), rdb, bad); !ok || err != nil {
		t.Fatalf("ClearRejection = %v, %v; want true, nil", ok, err)
	}
	if ok, err := ClearRejection(t.Context(), rdb, bad); ok || err != nil {
		t.Errorf("second ClearRejection = %v, %v; want false, nil", ok, err)
	}
	rdb.Del(t.Context(), first.keys.token) // the rotated-in token would be used otherwise
	second.t.recheck = 0
	if _, err := second.Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("after ClearRejection: %v; want a new rejection", err)
	}
	if n := len(f.authentications(badSecret)); n != 2 {
		t.Errorf("after ClearRejection the secret reached the API %d times in all, want 2", n)
	}
}

// failureRecord returns the fleet's failure record in Redis and the wait
// it imposes from now (its TTL less its keep).
func failureRecord(t *testing.T, rdb *redis.Client, s *Source) (failure, time.Duration) {
	t.Helper()
	rec, err := rdb.Get(t.Context(), s.keys.backoff).Result()
	if err != nil {
		t.Fatalf("no failure record: %v", err)
	}
	ttl := rdb.PTTL(t.Context(), s.keys.backoff).Val()
	var f failure
	if err := json.Unmarshal([]byte(rec), &f); err != nil {
		t.Fatalf("failure record %q: %v", rec, err)
	}
	// PTTL is in whole milliseconds, rounded down: one more makes the
	// wait end no earlier than the Source's own.
	return f, ttl - time.Duration(f.KeepMs)*time.Millisecond + time.Millisecond
}

// A failure that is not a rejection (a 5xx) is not a rejection record: it
// is the fleet's failure record, which releases the lock and makes every
// replica wait one backoff step (0.25 s to 0.5 s for the first failure)
// before the next attempt; a success deletes it.
func TestServerErrorIsNotARejection(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	f.broken = true
	rdb := shared.client(t)
	cfg := testConfig(t, f, goodSecret, testPrefix(t))
	s := newSource(t, rdb, cfg)
	_, err := s.Token(t.Context())
	if err == nil || errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("Token against a failing API: %v; want a plain error", err)
	}
	if apiErr, ok := errors.AsType[*api.Error](err); !ok || apiErr.StatusCode != 500 {
		t.Errorf("error %v does not wrap the API's 500", err)
	}
	if n := rdb.Exists(t.Context(), s.keys.lock).Val(); n != 0 {
		t.Error("lock still held after a failed authentication")
	}
	rec, wait := failureRecord(t, rdb, s)
	if want := (failure{Failures: 1, Status: 500, KeepMs: backoffKeep.Milliseconds()}); rec != want {
		t.Errorf("failure record %+v, want %+v", rec, want)
	}
	if wait <= 0 || wait > BackoffBase+time.Millisecond {
		t.Errorf("the record imposes a wait of %v, want up to %v", wait, BackoffBase)
	}
	// This replica and another wait, without calling the API.
	for _, who := range []*Source{s, newSource(t, rdb, cfg)} {
		_, err := who.Token(t.Context())
		if _, ok := errors.AsType[*waitError](err); !ok || errors.Is(err, api.ErrCredentialsRejected) ||
			!strings.HasPrefix(err.Error(), "redistoken: partner authentication failed 1 time(s) in a row, the last answered with status 500; no replica tries again for ") {
			t.Errorf("Token during the backoff: %v; want the fleet's wait", err)
		}
	}
	if n := len(f.authentications(goodSecret)); n != 1 {
		t.Errorf("%d authentications during the backoff, want the first alone", n)
	}
	f.mu.Lock()
	f.broken = false
	f.mu.Unlock()
	time.Sleep(wait) // the step, as Redis counts it
	if _, err := s.Token(t.Context()); err != nil {
		t.Fatalf("Token once the API is back: %v", err)
	}
	if n := rdb.Exists(t.Context(), s.keys.backoff).Val(); n != 0 {
		t.Error("the failure record outlived a success")
	}
}

// A caller whose context ends while another replica authenticates gets
// its context's error at once.
func TestTokenHonoursContext(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	held := f.holdNext(t)
	rdb := shared.client(t)
	cfg := testConfig(t, f, goodSecret, testPrefix(t))
	holder := newSource(t, rdb, cfg)
	holder.t.auth = 500 * time.Millisecond
	go holder.Token(context.Background()) //nolint:errcheck // held until its own time limit
	<-held
	waiter := newSource(t, rdb, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := waiter.Token(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("Token = %v after %v; want context.DeadlineExceeded at once", err, time.Since(start))
	}
}

// Redis unreachable: each process authenticates for itself, once for all
// its goroutines, remembers a rejection, logs once; when Redis comes back
// it says so, shares its token, and stores the rejection it learned.
func TestDegradedModeWithoutRedis(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", fmt.Sprint(port))})
	t.Cleanup(func() { rdb.Close() })
	prefix := testPrefix(t)
	logs := &logCounter{}
	cfg := testConfig(t, f, goodSecret, prefix)
	cfg.Logger = slog.New(logs)
	s := newSource(t, rdb, cfg)
	s.t.probe, s.t.redis = 10*time.Millisecond, 300*time.Millisecond

	var wg sync.WaitGroup
	tokens := make([]string, 16)
	for i := range tokens {
		wg.Go(func() {
			var err error
			if tokens[i], err = s.Token(t.Context()); err != nil {
				t.Errorf("Token without Redis: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(f.authentications(goodSecret)); n != 1 {
		t.Errorf("16 goroutines without Redis made %d authentications, want 1", n)
	}
	if w, _ := logs.counts(); w != 1 {
		t.Errorf("%d warnings, want 1:\n%s", w, logs.text())
	}

	badLogs := &logCounter{}
	badCfg := testConfig(t, f, badSecret, prefix)
	badCfg.Logger = slog.New(badLogs)
	bad := newSource(t, rdb, badCfg)
	bad.t.probe, bad.t.redis = 10*time.Millisecond, 300*time.Millisecond
	for range 3 {
		if _, err := bad.Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("rejected secret without Redis: %v", err)
		}
	}
	if n := len(f.authentications(badSecret)); n != 1 {
		t.Errorf("the rejected secret reached the API %d times without Redis, want 1", n)
	}

	srv, err := startRedis(port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.close)
	// Each source notices on its next Token call, within a probe interval.
	recovered := func(src *Source, l *logCounter, wantErr error) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if _, err := src.Token(t.Context()); !errors.Is(err, wantErr) {
				t.Fatalf("Token while Redis comes back: %v, want %v", err, wantErr)
			}
			if _, info := l.counts(); info == 1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no recovery logged 10s after Redis came back:\n%s", l.text())
			}
		}
	}
	recovered(s, logs, nil)
	if got := rdb.Get(t.Context(), s.keys.token).Val(); got != tokens[0] {
		t.Errorf("Redis holds %q after recovery, want the token obtained meanwhile", got)
	}
	recovered(bad, badLogs, api.ErrCredentialsRejected)
	// The rejection learned while Redis was down is now the fleet's.
	rdb.Del(t.Context(), s.keys.token)
	if _, err := newSource(t, rdb, badCfg).Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("another source with the rejected secret: %v", err)
	}
	if n := len(f.authentications(badSecret)); n != 1 {
		t.Errorf("the rejected secret reached the API %d times, want 1", n)
	}
	for _, l := range []*logCounter{logs, badLogs} {
		if text := l.text(); strings.Contains(text, goodSecret) || strings.Contains(text, badSecret) || strings.Contains(text, testAppKey) || strings.Contains(text, tokens[0]) {
			t.Errorf("a log record quotes a credential:\n%s", text)
		}
	}
}

// Redis holds the token, a lock owner, a salt and rejection records: never
// a secret, the app key or the partner id.
func TestNothingSecretIsStored(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	rdb := shared.client(t)
	prefix := testPrefix(t)
	s := newSource(t, rdb, testConfig(t, f, goodSecret, prefix))
	tok, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newSource(t, rdb, testConfig(t, f, badSecret, prefix)).Token(t.Context()); err != nil {
		t.Fatal(err) // the stored token is used: nothing rejected yet
	}
	rdb.Del(t.Context(), s.keys.token)
	if _, err := newSource(t, rdb, testConfig(t, f, badSecret, prefix)).Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(t.Context(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	shape := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `\{[0-9a-f]{32}\}(:salt|:rejected:[0-9a-f]{64})?$`)
	for _, k := range keys {
		if !shape.MatchString(k) {
			t.Errorf("key %q is not one of the documented keys", k)
		}
		v := rdb.Get(t.Context(), k).Val()
		for _, secret := range []string{goodSecret, badSecret, testAppKey, testPartnerID} {
			if strings.Contains(k, secret) || strings.Contains(v, secret) {
				t.Errorf("key %q (value %q) holds %q", k, v, secret)
			}
		}
	}
	if len(keys) != 2 { // the salt and the record; the token was deleted
		t.Errorf("keys %v, want the salt and one record", keys)
	}
	_ = tok
}

func TestPrintedValuesHideCredentials(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	cfg := Config{AppKey: api.NewSecret(testAppKey), PartnerID: testPartnerID, PartnerSecret: api.NewSecret(goodSecret)}
	s, err := New(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.adopt("live-token-5e1", time.Minute)
	// %p of a struct value prints its fields by reflection, calling no
	// method of the struct: the credentials' own type must hold.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%p", "%+p", "%t", "%10.3s"} {
		for _, v := range []any{cfg, &cfg, s, struct{ Cfg Config }{cfg}, []any{cfg, s}, []Config{cfg}, map[string]Config{"c": cfg}} {
			out := fmt.Sprintf(verb, v)
			for _, secret := range []string{goodSecret, testAppKey, "live-token-5e1"} {
				for _, form := range []string{secret, hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret))), base64.StdEncoding.EncodeToString([]byte(secret))} {
					if strings.Contains(out, form) {
						t.Errorf("Sprintf(%q, %T) = %q shows a credential", verb, v, out)
					}
				}
			}
		}
	}
}

// A replica paused while the fleet moved on reports an older token than
// the one it holds: it takes the stored token at once, so the client's
// replay uses a live one.
func TestInvalidateOfAnOlderTokenCatchesUp(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	rdb := shared.client(t)
	s := newSource(t, rdb, testConfig(t, f, goodSecret, testPrefix(t)))
	if _, err := s.Token(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(t.Context(), s.keys.token, "stored-by-another-replica", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	s.Invalidate("a-token-older-than-the-one-held")
	if tok, err := s.Token(t.Context()); err != nil || tok != "stored-by-another-replica" {
		t.Fatalf("Token = %q, %v; want the stored token", tok, err)
	}
	if n := len(f.authentications(goodSecret)); n != 1 {
		t.Errorf("%d authentications, want 1", n)
	}
}

// Redis loses its data (a restart without persistence): a source that
// knows the rejection stores it again under the new salt, so the fleet
// spends no further attempt on the secret.
func TestRejectionSurvivesRedisDataLoss(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	rdb := shared.client(t)
	bad := testConfig(t, f, badSecret, testPrefix(t))
	s := newSource(t, rdb, bad)
	if _, err := s.Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("Token: %v", err)
	}
	oldSalt := rdb.Get(t.Context(), s.keys.salt).Val()
	keys, _ := rdb.Keys(t.Context(), bad.KeyPrefix+"*").Result()
	if err := rdb.Del(t.Context(), keys...).Err(); err != nil {
		t.Fatal(err)
	}
	s.t.recheck = 0
	if _, err := s.Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("Token after the data loss: %v", err)
	}
	if salt := rdb.Get(t.Context(), s.keys.salt).Val(); salt == "" || salt == oldSalt {
		t.Fatalf("salt after the data loss %q, want a new one", salt)
	}
	if _, err := newSource(t, rdb, bad).Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("another source after the data loss: %v", err)
	}
	if n := len(f.authentications(badSecret)); n != 1 {
		t.Errorf("the rejected secret reached the API %d times, want 1", n)
	}
}

// ClearRejection refuses what New refuses, naming it, before any round
// trip.
func TestClearRejectionRefusesBadConfig(t *testing.T) {
	good := Config{AppKey: api.NewSecret(testAppKey), PartnerID: testPartnerID, PartnerSecret: api.NewSecret(goodSecret)}
	if _, err := ClearRejection(t.Context(), (*redis.Client)(nil), good); err == nil || !strings.Contains(err.Error(), "redistoken: ClearRejection: the Redis client is a nil *redis.Client") {
		t.Errorf("ClearRejection with a nil *redis.Client: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	defer rdb.Close()
	cfg := good
	cfg.PartnerSecret = api.Secret{}
	if _, err := ClearRejection(t.Context(), rdb, cfg); err == nil || !strings.Contains(err.Error(), "redistoken: ClearRejection: Config.PartnerSecret is empty") {
		t.Errorf("ClearRejection without a secret: %v", err)
	}
}

// Garbage under the Source's names (a key of another type, a value no
// header can carry, a lock without a TTL) is neither Redis down nor a
// stop for good: the fleet goes on sharing through Redis, and the keys
// are repaired.
func TestGarbageUnderTheKeys(t *testing.T) {
	needRedis(t)
	rdb := shared.client(t)
	// source is a Source on a prefix of its own, with a short lease, and
	// a check that it never took Redis for down.
	source := func(t *testing.T, f *fakeAPI, secret string) (*Source, Config) {
		logs := &logCounter{}
		cfg := testConfig(t, f, secret, testPrefix(t))
		cfg.Logger = slog.New(logs)
		cfg.MaxAge = 10 * time.Minute
		s := newSource(t, rdb, cfg)
		s.t.lease, s.t.auth = 400*time.Millisecond, 300*time.Millisecond
		s.t.wait = s.t.lease + s.t.auth
		t.Cleanup(func() {
			if w, _ := logs.counts(); w != 0 || s.degraded.Load() {
				t.Errorf("garbage in Redis put the Source in its degraded mode:\n%s", logs.text())
			}
		})
		return s, cfg
	}
	// stored checks that Redis holds tok as the token, with a TTL of MaxAge.
	stored := func(t *testing.T, s *Source, tok string) {
		t.Helper()
		if got, err := rdb.Get(t.Context(), s.keys.token).Result(); err != nil || got != tok {
			t.Errorf("GET token = %q, %v; want %q", got, err, tok)
		}
		if ttl := rdb.PTTL(t.Context(), s.keys.token).Val(); ttl <= s.maxAge-time.Minute || ttl > s.maxAge {
			t.Errorf("token TTL %v, want MaxAge %v", ttl, s.maxAge)
		}
	}
	newToken := func(t *testing.T, f *fakeAPI, s *Source, garbage string) {
		t.Helper()
		tok, err := s.Token(t.Context())
		if err != nil || tok == garbage || !strings.HasPrefix(tok, "token-") {
			t.Fatalf("Token = %q, %v; want a token from the API", tok, err)
		}
		if n := len(f.authentications(s.secret.Reveal())); n != 1 {
			t.Errorf("%d authentications, want 1", n)
		}
		stored(t, s, tok)
	}

	t.Run("token key of another type", func(t *testing.T) {
		f := newFakeAPI(t)
		s, _ := source(t, f, goodSecret)
		rdb.HSet(t.Context(), s.keys.token, "field", "value")
		newToken(t, f, s, "")
		s.Invalidate("some-other-token") // compare-and-delete against a string again
	})
	t.Run("token no header can carry", func(t *testing.T) {
		for _, garbage := range []string{"two\nlines", "with space", strings.Repeat("x", 5000), "caf\xc3\xa9"} {
			f := newFakeAPI(t)
			s, _ := source(t, f, goodSecret)
			rdb.Set(t.Context(), s.keys.token, garbage, 0)
			newToken(t, f, s, garbage)
		}
	})
	t.Run("token without a TTL", func(t *testing.T) {
		f := newFakeAPI(t)
		s, _ := source(t, f, goodSecret)
		rdb.Set(t.Context(), s.keys.token, "set-by-hand", 0)
		if tok, err := s.Token(t.Context()); err != nil || tok != "set-by-hand" {
			t.Fatalf("Token = %q, %v; want the stored token", tok, err)
		}
		if ttl := rdb.PTTL(t.Context(), s.keys.token).Val(); ttl <= s.maxAge-time.Minute || ttl > s.maxAge {
			t.Errorf("token TTL %v after a read, want MaxAge %v", ttl, s.maxAge)
		}
	})
	t.Run("Invalidate with a token key of another type", func(t *testing.T) {
		f := newFakeAPI(t)
		s, _ := source(t, f, goodSecret)
		tok, err := s.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		rdb.Del(t.Context(), s.keys.token)
		rdb.RPush(t.Context(), s.keys.token, "x")
		s.Invalidate(tok)
		if typ := rdb.Type(t.Context(), s.keys.token).Val(); typ != "list" {
			t.Errorf("Invalidate changed a key it does not own into %q", typ)
		}
	})
	for _, tc := range []struct {
		name string
		ttl  time.Duration
	}{{"lock without a TTL", 0}, {"lock with a TTL longer than a lease", time.Hour}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			s, _ := source(t, f, goodSecret)
			rdb.Set(t.Context(), s.keys.lock, "not-a-source", tc.ttl)
			start := time.Now()
			newToken(t, f, s, "")
			if took := time.Since(start); took < s.t.lease*9/10 {
				t.Errorf("took the lock after %v, before its lease of %v ended", took, s.t.lease)
			}
		})
	}
	t.Run("salt of another type", func(t *testing.T) {
		f := newFakeAPI(t)
		s, cfg := source(t, f, badSecret)
		rdb.SAdd(t.Context(), s.keys.salt, "member")
		if _, err := s.Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("Token: %v; want ErrCredentialsRejected", err)
		}
		salt, err := rdb.Get(t.Context(), s.keys.salt).Result()
		if err != nil || len(salt) != 64 {
			t.Fatalf("salt after the repair: %q, %v; want 32 random bytes in hex", salt, err)
		}
		if _, err := newSource(t, rdb, cfg).Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("another Source with the secret: %v; want ErrCredentialsRejected", err)
		}
		if n := len(f.authentications(badSecret)); n != 1 {
			t.Errorf("the rejected secret reached the API %d times, want 1", n)
		}
	})
	t.Run("rejection record of another type", func(t *testing.T) {
		f := newFakeAPI(t)
		s, _ := source(t, f, goodSecret)
		rdb.Set(t.Context(), s.keys.salt, "a-salt", 0)
		rdb.HSet(t.Context(), s.keys.rejected+fingerprint("a-salt", goodSecret), "field", "value")
		_, err := s.Token(t.Context())
		if !errors.Is(err, api.ErrCredentialsRejected) || strings.Contains(err.Error(), "0001-01-01") {
			t.Fatalf("Token: %v; want ErrCredentialsRejected, dated", err)
		}
		if n := len(f.authentications(goodSecret)); n != 0 {
			t.Errorf("%d authentications under a rejection record, want none", n)
		}
	})
}

// The holder's authentication ends at AuthTimeout, before its lease: an
// API that never answers (with client options that would retry for an
// hour) costs one AuthTimeout, then the lock is free for the next try.
func TestHolderGivesUpBeforeItsLease(t *testing.T) {
	if LockLease <= AuthTimeout {
		t.Fatalf("LockLease %v is not longer than AuthTimeout %v", LockLease, AuthTimeout)
	}
	needRedis(t)
	f := newFakeAPI(t)
	held := f.holdNext(t)
	rdb := shared.client(t)
	cfg := testConfig(t, f, goodSecret, testPrefix(t))
	cfg.ClientOptions = append(cfg.ClientOptions, api.WithRetries(5), api.WithAttemptTimeout(time.Hour))
	s := newSource(t, rdb, cfg)
	s.t.auth, s.t.lease = 300*time.Millisecond, 5*time.Second
	s.t.wait = s.t.lease + s.t.auth
	start := time.Now()
	_, err := s.Token(t.Context())
	took := time.Since(start)
	<-held
	if err == nil || errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("Token against an API that never answers: %v; want a plain error", err)
	}
	if took >= s.t.lease {
		t.Errorf("the holder gave up after %v, not before its lease of %v", took, s.t.lease)
	}
	if n := rdb.Exists(t.Context(), s.keys.lock).Val(); n != 0 {
		t.Error("the lock is still held after the holder gave up")
	}
	// Abandoned without an answer: the outcome is unknown, so the fleet
	// waits before the next attempt.
	rec, wait := failureRecord(t, rdb, s)
	if want := (failure{Failures: 1, Unknown: true, KeepMs: backoffKeep.Milliseconds()}); rec != want {
		t.Errorf("failure record %+v, want %+v", rec, want)
	}
	time.Sleep(wait)
	if tok, err := s.Token(t.Context()); err != nil || tok == "" {
		t.Fatalf("Token after the holder gave up: %q, %v", tok, err)
	}
	if n := len(f.authentications(goodSecret)); n != 2 {
		t.Errorf("%d authentications, want 2 (the abandoned one, then one)", n)
	}
}

// An API answer quoting the credentials (a hostile or buggy server) does
// not carry them into the rejection's error, printed any way, in the
// replica refused or in another one.
func TestRejectionErrorMasksEchoedCredentials(t *testing.T) {
	needRedis(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusUnauthorized, "10024", "Invalid partner credentials: "+badSecret+" for app "+testAppKey)
	}))
	t.Cleanup(srv.Close)
	rdb := shared.client(t)
	cfg := Config{AppKey: api.NewSecret(testAppKey), PartnerID: testPartnerID, PartnerSecret: api.NewSecret(badSecret), KeyPrefix: testPrefix(t),
		ClientOptions: []api.Option{api.WithBaseURL(srv.URL)}, Logger: slog.New(&logCounter{})}
	for _, who := range []string{"the replica refused", "another replica"} {
		_, err := newSource(t, rdb, cfg).Token(t.Context())
		if !errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("%s: %v; want ErrCredentialsRejected", who, err)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(verb, err); strings.Contains(out, badSecret) || strings.Contains(out, testAppKey) {
				t.Errorf("%s: Sprintf(%q, err) = %q quotes a credential", who, verb, out)
			}
		}
	}
}

// The keys name the app key and partner id pair, with the prefix, and
// nothing else: another pair (even one made of the same bytes split
// differently) or another prefix gets other keys; the secret changes
// none of them.
func TestKeysNameTheAppKeyAndPartnerID(t *testing.T) {
	base := deriveKeys(DefaultKeyPrefix, testAppKey, testPartnerID)
	if !strings.HasPrefix(base.token, DefaultKeyPrefix+"{") {
		t.Fatalf("token key %q does not start with the prefix", base.token)
	}
	for _, k := range []string{base.lock, base.salt, base.backoff, base.rejected} {
		if !strings.HasPrefix(k, base.token+":") {
			t.Errorf("key %q is not under the token key %q (one hash tag)", k, base.token)
		}
	}
	if again := deriveKeys(DefaultKeyPrefix, testAppKey, testPartnerID); again != base {
		t.Errorf("the same pair made other keys: %v, %v", again, base)
	}
	for _, other := range []keys{
		deriveKeys(DefaultKeyPrefix, testAppKey+"x", testPartnerID),
		deriveKeys(DefaultKeyPrefix, testAppKey, testPartnerID+"x"),
		deriveKeys(DefaultKeyPrefix, testAppKey[:4], testAppKey[4:]+testPartnerID),
		deriveKeys("other:", testAppKey, testPartnerID),
	} {
		if other.token == base.token {
			t.Errorf("another app key, partner id or prefix shares the token key %q", base.token)
		}
	}
	if a, b := deriveKeys(DefaultKeyPrefix, "key\x00a", "b"), deriveKeys(DefaultKeyPrefix, "key", "a\x00b"); a == b {
		t.Errorf("two pairs joined the same way share the keys %v", a)
	}
}

// A record's lifetime is its TTL in Redis, never its "at", which another
// replica's clock wrote: with that clock two days behind or ahead, a
// Source that knows the rejection still keeps the secret stopped through
// a loss of Redis's data, for no longer than RejectionTTL.
func TestRejectionLifetimeIgnoresClocks(t *testing.T) {
	needRedis(t)
	for _, skew := range []time.Duration{-48 * time.Hour, 48 * time.Hour} {
		t.Run(fmt.Sprint(skew), func(t *testing.T) {
			f := newFakeAPI(t)
			rdb := shared.client(t)
			cfg := testConfig(t, f, badSecret, testPrefix(t))
			s := newSource(t, rdb, cfg)
			at := time.Now().Add(skew).UTC().Truncate(time.Second).Format(time.RFC3339)
			rdb.Set(t.Context(), s.keys.salt, "salt-1", 0)
			rdb.Set(t.Context(), s.keys.rejected+fingerprint("salt-1", badSecret), `{"at":"`+at+`","status":401,"reasonCode":"10024"}`, RejectionTTL)
			if _, err := s.Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
				t.Fatalf("Token under another replica's record: %v", err)
			}
			keys, _ := rdb.Keys(t.Context(), cfg.KeyPrefix+"*").Result()
			rdb.Del(t.Context(), keys...) // Redis lost its data
			s.t.recheck = 0
			if _, err := s.Token(t.Context()); !errors.Is(err, api.ErrCredentialsRejected) {
				t.Fatalf("Token after the data loss: %v", err)
			}
			if n := len(f.authentications(badSecret)); n != 0 {
				t.Errorf("the rejected secret reached the API %d times, want none", n)
			}
			salt := rdb.Get(t.Context(), s.keys.salt).Val()
			ttl := rdb.PTTL(t.Context(), s.keys.rejected+fingerprint(salt, badSecret)).Val()
			if ttl < RejectionTTL-time.Hour || ttl > RejectionTTL {
				t.Errorf("record stored again with TTL %v, want what was left of RejectionTTL (%v)", ttl, RejectionTTL)
			}
		})
	}
}

// Waiters wait for the holder's token for a bounded time, then fail with
// an error saying so, without authenticating: the lock is another
// replica's, whose lease has not ended.
func TestWaitersGiveUpAfterTheBound(t *testing.T) {
	needRedis(t)
	f := newFakeAPI(t)
	rdb := shared.client(t)
	s := newSource(t, rdb, testConfig(t, f, goodSecret, testPrefix(t)))
	s.t.lease, s.t.wait = time.Minute, 300*time.Millisecond
	if err := rdb.Set(t.Context(), s.keys.lock, "another-replica", 30*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := s.Token(t.Context())
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "no token after waiting 300ms for another replica's partner authentication") {
		t.Fatalf("Token while another replica holds the lock: %v; want the bounded wait's error", err)
	}
	if took < s.t.wait || took > s.t.wait+2*time.Second {
		t.Errorf("gave up after %v, want about %v", took, s.t.wait)
	}
	if n := len(f.authentications(goodSecret)); n != 0 {
		t.Errorf("%d authentications while another replica held the lock, want none", n)
	}
	if owner := rdb.Get(t.Context(), s.keys.lock).Val(); owner != "another-replica" {
		t.Errorf("the lock is now %q: a waiter took or removed another replica's lock", owner)
	}
}
