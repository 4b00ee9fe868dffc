package redistoken

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/redis/go-redis/v9"
)

// authServer is an API on 127.0.0.1 whose partner authentication is
// answered by first until good is set, then with a token; it counts
// authentications.
func authServer(t *testing.T, first http.HandlerFunc) (url string, auths *atomic.Int64, good *atomic.Bool) {
	auths, good = new(atomic.Int64), new(atomic.Bool)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/aggregation/v2/partners/authentication" {
			http.NotFound(w, r)
			return
		}
		n := auths.Add(1)
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		if !good.Load() {
			first(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":"token-%d"}`, n)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, auths, good
}

// An authentication that ended without an answer (the connection dropped
// after the request went out, or no answer within the time limit) may
// have been rejected: its outcome is shared through Redis, and every
// replica waits a backoff step before the next attempt.
func TestUnknownOutcomeIsSharedFleetWide(t *testing.T) {
	needRedis(t)
	rdb := shared.client(t)
	for _, tc := range []struct {
		name  string
		first http.HandlerFunc
	}{
		{"connection dropped after the request", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}},
		{"no answer within the time limit", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // the client gave up
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, auths, good := authServer(t, tc.first)
			cfg := Config{AppKey: api.NewSecret(testAppKey), PartnerID: testPartnerID, PartnerSecret: api.NewSecret(goodSecret),
				KeyPrefix: testPrefix(t), ClientOptions: []api.Option{api.WithBaseURL(url)}, Logger: slog.New(&logCounter{})}
			a := newSource(t, rdb, cfg)
			a.t.auth = 300 * time.Millisecond
			_, err := a.Token(t.Context())
			if err == nil || errors.Is(err, api.ErrCredentialsRejected) {
				t.Fatalf("Token: %v; want the attempt's own error", err)
			}
			if _, ok := errors.AsType[*waitError](err); ok {
				t.Fatalf("Token: %v; want the attempt's own error, not a wait", err)
			}
			rec, wait := failureRecord(t, rdb, a)
			if want := (failure{Failures: 1, Unknown: true, KeepMs: backoffKeep.Milliseconds()}); rec != want {
				t.Errorf("failure record %+v, want %+v", rec, want)
			}
			b := newSource(t, rdb, cfg) // another replica
			_, err = b.Token(t.Context())
			if _, ok := errors.AsType[*waitError](err); !ok || !strings.Contains(err.Error(),
				"failed 1 time(s) in a row, the last without an answer (the API may have rejected the secret); no replica tries again for ") {
				t.Fatalf("another replica's Token: %v; want the fleet's wait, saying the outcome is unknown", err)
			}
			if n := auths.Load(); n != 1 {
				t.Errorf("%d authentications during the backoff, want 1", n)
			}
			good.Store(true)
			time.Sleep(wait)
			if tok, err := b.Token(t.Context()); err != nil || tok != "token-2" {
				t.Fatalf("Token after the backoff: %q, %v; want one new authentication's token", tok, err)
			}
			if n := auths.Load(); n != 2 {
				t.Errorf("%d authentications, want 2", n)
			}
		})
	}
}

// An authentication answer whose token no header can carry is a failure
// (recorded with the answer's status, 200), never a token: nothing is
// stored, and the fleet tries again after the backoff.
func TestInvalidTokenAnswerIsNotKept(t *testing.T) {
	needRedis(t)
	rdb := shared.client(t)
	for _, bad := range []string{"abc\ndef", "abc\r\nX-Injected: 1", "with space", "caf\u00e9", strings.Repeat("x", 5000)} {
		t.Run(fmt.Sprintf("%.20q", bad), func(t *testing.T) {
			url, auths, good := authServer(t, func(w http.ResponseWriter, r *http.Request) {
				body, _ := json.Marshal(map[string]string{"token": bad})
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(body)
			})
			cfg := Config{AppKey: api.NewSecret(testAppKey), PartnerID: testPartnerID, PartnerSecret: api.NewSecret(goodSecret),
				KeyPrefix: testPrefix(t), ClientOptions: []api.Option{api.WithBaseURL(url)}, Logger: slog.New(&logCounter{})}
			s := newSource(t, rdb, cfg)
			tok, err := s.Token(t.Context())
			if tok != "" || !errors.Is(err, errBadToken) || err.Error() != "redistoken: partner authentication answered with a token that is not a valid header value" {
				t.Fatalf("Token = %q, %v; want the invalid answer named", tok, err)
			}
			if n := rdb.Exists(t.Context(), s.keys.token).Val(); n != 0 {
				t.Error("the invalid token was stored")
			}
			rec, wait := failureRecord(t, rdb, s)
			if want := (failure{Failures: 1, Status: 200, KeepMs: backoffKeep.Milliseconds()}); rec != want {
				t.Errorf("failure record %+v, want %+v", rec, want)
			}
			good.Store(true)
			time.Sleep(wait)
			if tok, err := s.Token(t.Context()); err != nil || tok != "token-2" {
				t.Fatalf("Token after the backoff: %q, %v; want the valid token", tok, err)
			}
			if got := rdb.Get(t.Context(), s.keys.token).Val(); got != "token-2" {
				t.Errorf("Redis holds %q, want the valid token", got)
			}
			if n := auths.Load(); n != 2 {
				t.Errorf("%d authentications, want 2", n)
			}
		})
	}
}

// With Redis unreachable, a Source authenticating for its own process
// waits the backoff after a failure too.
func TestDegradedModeBacksOff(t *testing.T) {
	f := newFakeAPI(t)
	f.broken = true
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: net.JoinHostPort("127.0.0.1", fmt.Sprint(port))})
	t.Cleanup(func() { rdb.Close() })
	s := newSource(t, rdb, testConfig(t, f, goodSecret, testPrefix(t)))
	s.t.redis, s.t.probe = 300*time.Millisecond, time.Hour
	if _, err := s.Token(t.Context()); !s.degraded.Load() {
		t.Fatalf("Token without Redis: %v, and not degraded", err)
	} else if apiErr, ok := errors.AsType[*api.Error](err); !ok || apiErr.StatusCode != 500 {
		t.Fatalf("Token without Redis: %v; want the API's 500", err)
	}
	_, err = s.Token(t.Context())
	if _, ok := errors.AsType[*waitError](err); !ok || !strings.Contains(err.Error(), "failed 1 time(s) in a row, the last answered with status 500") {
		t.Fatalf("Token during the backoff: %v; want the wait", err)
	}
	if n := len(f.authentications(goodSecret)); n != 1 {
		t.Errorf("%d authentications during the backoff, want 1", n)
	}
	f.mu.Lock()
	f.broken = false
	f.mu.Unlock()
	s.mu.Lock()
	wait := time.Until(s.paused.until)
	s.mu.Unlock()
	time.Sleep(wait)
	if _, err := s.Token(t.Context()); err != nil {
		t.Fatalf("Token after the backoff: %v", err)
	}
	if n := len(f.authentications(goodSecret)); n != 2 {
		t.Errorf("%d authentications, want 2", n)
	}
}
