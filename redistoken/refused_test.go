package redistoken

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Redis refusing the Source's credentials or permissions (WRONGPASS,
// NOAUTH, NOPERM) is a configuration error, not Redis down: Token returns
// it, saying what to fix, the Source does not authenticate for itself,
// and it logs the refusal once, never as "unreachable".
func TestRedisRefusalIsAConfigurationError(t *testing.T) {
	const password = "redis-pass-6c1f0e"
	own := ownRedisWith(t, password)
	admin := own.client(t)
	for _, acl := range [][]any{
		{"ACL", "SETUSER", "otherkeys", "on", ">user-pass-1", "~other:*", "+@all"},
		{"ACL", "SETUSER", "noscripts", "on", ">user-pass-2", "~*", "+@all", "-@scripting"},
	} {
		if err := admin.Do(t.Context(), acl...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, code         string
		username, password string
	}{
		{"wrong password", "WRONGPASS", "", "wrong-pass-0b7d"},
		{"no password", "NOAUTH", "", ""},
		{"ACL user without the Source's keys", "NOPERM", "otherkeys", "user-pass-1"},
		{"ACL user without scripts", "NOPERM", "noscripts", "user-pass-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			rdb := redis.NewClient(&redis.Options{Addr: own.addr(), Username: tc.username, Password: tc.password})
			t.Cleanup(func() { rdb.Close() })
			logs := &logCounter{}
			cfg := testConfig(t, f, goodSecret, testPrefix(t))
			cfg.Logger = slog.New(logs)
			s := newSource(t, rdb, cfg)
			for i := range 3 {
				tok, err := s.Token(t.Context())
				if !errors.Is(err, ErrRedisRefused) || tok != "" {
					t.Fatalf("Token %d = %q, %v; want ErrRedisRefused", i+1, tok, err)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "redistoken: Redis refused the Source's credentials or permissions (") ||
					!strings.Contains(msg, tc.code+" ") || !strings.Contains(msg, "fix the Redis configuration") {
					t.Errorf("Token %d: %q; want the refusal (%s) named, and what to fix", i+1, msg, tc.code)
				}
				for _, secret := range []string{password, tc.password, goodSecret, testAppKey} {
					if secret != "" && strings.Contains(msg, secret) {
						t.Errorf("the error quotes a credential: %q", msg)
					}
				}
			}
			if n := len(f.authentications(goodSecret)); n != 0 {
				t.Errorf("%d authentications while Redis refused the Source, want none", n)
			}
			if s.degraded.Load() {
				t.Error("the refusal put the Source in its degraded mode")
			}
			text := logs.text()
			if w, _ := logs.counts(); w != 1 || !strings.Contains(text, "Redis refuses the Source's credentials or permissions") || strings.Contains(text, "unreachable") {
				t.Errorf("logged %d warnings or errors, want the refusal once:\n%s", w, text)
			}
		})
	}
}
