package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// tokenServer plays partner authentication and the configuration
// operations: it issues token-1, token-2, ... and accepts a token until
// expireAll. It checks what every request carries.
type tokenServer struct {
	t       testing.TB
	reject  bool // answer partner authentication 401 10024
	fetches atomic.Int64
	calls   atomic.Int64

	// fetchGate and callGate, when set, hold every token fetch or every
	// other call until they are closed.
	fetchGate, callGate chan struct{}

	mu     sync.Mutex
	valid  map[string]bool
	seen   []string // the token of each call, in order
	bodies []string // the body of each call, in order
}

func newTokenServer(t testing.TB, reject bool) *tokenServer {
	return &tokenServer{t: t, reject: reject, valid: map[string]bool{}}
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == tokenPath {
		n := s.fetches.Add(1)
		checkRequest(s.t, r, expectation{method: "POST", path: tokenPath, body: credentialsJSON})
		s.mu.Lock()
		gate := s.fetchGate
		s.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if s.reject {
			writeReply(w, reply{status: 401, body: rejectedJSON})
			return
		}
		tok := fmt.Sprintf("token-%d", n)
		s.mu.Lock()
		s.valid[tok] = true
		s.mu.Unlock()
		writeReply(w, reply{status: 200, body: `{"token":"` + tok + `"}`})
		return
	}
	s.calls.Add(1)
	s.mu.Lock()
	gate := s.callGate
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	tok := r.Header.Get("Finicity-App-Token")
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	ok := s.valid[tok]
	s.seen = append(s.seen, tok)
	s.bodies = append(s.bodies, string(body))
	s.mu.Unlock()
	if r.Header.Get("Finicity-App-Key") != testKey {
		s.t.Errorf("call without the app key")
	}
	if !ok {
		writeReply(w, reply{status: 401, body: expiredJSON})
		return
	}
	writeReply(w, exampleReply(s.t, r))
}

// expireAll makes every token issued so far expired.
func (s *tokenServer) expireAll() {
	s.mu.Lock()
	s.valid = map[string]bool{}
	s.mu.Unlock()
}

func (s *tokenServer) gateFetches() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetchGate = make(chan struct{})
	return s.fetchGate
}

func (s *tokenServer) gateCalls() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callGate = make(chan struct{})
	return s.callGate
}

func (s *tokenServer) calledWith() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seen), slices.Clone(s.bodies)
}

func countOf(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// TestConcurrentCallsShareOneTokenFetch: 1000 calls started together on a
// fresh client cause exactly one partner authentication, and all carry its
// token. The fetch is held until every call is waiting for it (synctest:
// all goroutines durably blocked), so they are truly concurrent.
func TestConcurrentCallsShareOneTokenFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newTokenServer(t, false)
		gate := srv.gateFetches()
		c := newPartnerClient(t, "http://127.0.0.1", api.WithHTTPClient(handlerTransport(srv)))
		// Bounded: if anything deadlocked, the bubble's clock would run to
		// this deadline and fail the calls instead of hanging the test.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		const n = 1000
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = listCall(ctx, c) })
		}
		synctest.Wait() // every call is waiting for the one fetch
		if got := srv.fetches.Load(); got != 1 {
			t.Errorf("token fetches while the calls wait: got %d, want 1", got)
		}
		if got := srv.calls.Load(); got != 0 {
			t.Errorf("calls sent before the token arrived: %d", got)
		}
		close(gate)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		seen, _ := srv.calledWith()
		if srv.fetches.Load() != 1 || len(seen) != n || countOf(seen, "token-1") != n {
			t.Errorf("fetches %d, calls %d, with token-1 %d; want 1, %d, %d", srv.fetches.Load(), len(seen), countOf(seen, "token-1"), n, n)
		}
	})
}

// TestExpiryMidRunRefreshesOnceAndReplaysOnce: after the token expires,
// the next call is refused with 10023, the client fetches one new token
// and replays that call once, body byte for byte; the calls after it use
// the new token without another fetch.
func TestExpiryMidRunRefreshesOnceAndReplaysOnce(t *testing.T) {
	srv := newTokenServer(t, false)
	hs := newServer(t, srv.ServeHTTP)
	var logs testutil.SyncBuffer
	c := newPartnerClient(t, hs.URL, api.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	for range 3 {
		if err := listCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	srv.expireAll()
	post := pick(t, kindPOST)
	got, err := post.result(ctx, c)
	if err != nil {
		t.Fatalf("call across the expiry: %v", err)
	}
	checkResult(t, post.op, post.ok, got, post.answerValue)
	if err := listCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := srv.fetches.Load(); got != 2 {
		t.Errorf("token fetches: got %d, want 2 (first use, one refresh)", got)
	}
	seen, bodies := srv.calledWith()
	want := []string{"token-1", "token-1", "token-1", "token-1", "token-2", "token-2"}
	if !slices.Equal(seen, want) {
		t.Errorf("tokens of the calls: got %v, want %v", seen, want)
	}
	post.checkBody(t, []byte(bodies[3]))
	if bodies[4] != bodies[3] {
		t.Errorf("the POST and its replay: got %q and %q, want the same body twice", bodies[3], bodies[4])
	}
	if !strings.Contains(logs.String(), "replaying once") {
		t.Errorf("the replay is not logged:\n%s", logs.String())
	}
}

// TestConcurrentExpiryCausesOneRefresh: 50 calls sent together with the
// same expired token and refused together cause one refresh, shared by
// all, and each is replayed once with the new token. The server holds the
// calls until all 50 have arrived, then the refresh until all 50 wait for
// it (synctest), so the calls truly overlap.
func TestConcurrentExpiryCausesOneRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newTokenServer(t, false)
		c := newPartnerClient(t, "http://127.0.0.1", api.WithHTTPClient(handlerTransport(srv)))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := listCall(ctx, c); err != nil {
			t.Fatal(err)
		}
		srv.expireAll()
		calls, fetches := srv.gateCalls(), srv.gateFetches()
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = listCall(ctx, c) })
		}
		synctest.Wait() // all 50 sent with the expired token, none answered
		if got := srv.calls.Load(); got != n+1 {
			t.Fatalf("calls arrived: got %d, want %d", got, n+1)
		}
		srv.mu.Lock()
		srv.callGate = nil // the replays are answered at once
		srv.mu.Unlock()
		close(calls)
		synctest.Wait() // all 50 refused with 10023, all waiting for the refresh
		if got := srv.fetches.Load(); got != 2 {
			t.Errorf("fetches while the calls wait: got %d, want 2", got)
		}
		close(fetches)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		seen, _ := srv.calledWith()
		if srv.fetches.Load() != 2 || countOf(seen, "token-1") != n+1 || countOf(seen, "token-2") != n {
			t.Errorf("fetches %d, calls with token-1 %d, with token-2 %d; want 2, %d, %d",
				srv.fetches.Load(), countOf(seen, "token-1"), countOf(seen, "token-2"), n+1, n)
		}
	})
}

// TestExpiredTokenIsReplayedAtMostOnce: a server that calls every token
// expired gets one refresh and one replay, then the 401 comes back: no
// loop.
func TestExpiredTokenIsReplayedAtMostOnce(t *testing.T) {
	var fetches, calls atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == tokenPath {
			n := fetches.Add(1)
			writeReply(w, reply{status: 200, body: fmt.Sprintf(`{"token":"token-%d"}`, n)})
			return
		}
		calls.Add(1)
		writeReply(w, reply{status: 401, body: expiredJSON})
	})
	get := pick(t, kindGET)
	err := get.call(context.Background(), newPartnerClient(t, srv.URL))
	checkAPIError(t, err, wantAPIError(401, expiredJSON, get.op.Method, get.urlPath(), expiredItems))
	if fetches.Load() != 2 || calls.Load() != 2 {
		t.Errorf("fetches %d, calls %d; want 2 and 2", fetches.Load(), calls.Load())
	}
}

// TestRejectedCredentialsCauseOneAuthentication: partner authentication
// refusing the credentials is remembered: several calls cost one
// authentication and no operation call, and each fails with an error that
// matches ErrCredentialsRejected and holds the API's *Error.
func TestRejectedCredentialsCauseOneAuthentication(t *testing.T) {
	srv := newTokenServer(t, true)
	hs := newServer(t, srv.ServeHTTP)
	c := newPartnerClient(t, hs.URL)
	ctx := context.Background()
	getPath := pick(t, kindGETPath)
	calls := []func() error{
		func() error { return listCall(ctx, c) },
		func() error { return createCall(ctx, c) },
		func() error { return getPath.call(ctx, c) },
		func() error { return listCall(ctx, c) },
	}
	want := wantAPIError(401, rejectedJSON, "POST", tokenPath, rejectedItem)
	for i, call := range calls {
		err := call()
		if !errors.Is(err, api.ErrCredentialsRejected) {
			t.Errorf("call %d: got %v, want errors.Is ErrCredentialsRejected", i, err)
		}
		apiErr, ok := errors.AsType[*api.Error](err)
		if !ok {
			t.Fatalf("call %d: got %v, want it to hold the *api.Error", i, err)
		}
		if got := errorFields(apiErr); !reflect.DeepEqual(got, want) {
			t.Errorf("call %d: *api.Error %+v, want %+v", i, got, want)
		}
		if !strings.HasPrefix(err.Error(), "finicity: partner credentials rejected") ||
			!strings.HasSuffix(err.Error(), "401 Unauthorized, reason 10024: Invalid partner credentials. The partnerId or partnerSecret is not valid.") {
			t.Errorf("call %d: message %q", i, err)
		}
	}
	if got := srv.fetches.Load(); got != 1 {
		t.Errorf("authentications: got %d, want 1", got)
	}
	if got := srv.calls.Load(); got != 0 {
		t.Errorf("operation calls: got %d, want 0", got)
	}
}

// TestTransientAuthenticationFailureIsNotRemembered: a 503 from partner
// authentication fails that call (the POST is not retried) but not the
// next one, which authenticates again.
func TestTransientAuthenticationFailureIsNotRemembered(t *testing.T) {
	var fetches atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == tokenPath {
			if fetches.Add(1) == 1 {
				w.WriteHeader(503)
				return
			}
			writeReply(w, reply{status: 200, body: tokenJSON})
			return
		}
		writeReply(w, getOK())
	})
	c := newPartnerClient(t, srv.URL)
	err := listCall(context.Background(), c)
	if apiErr, ok := errors.AsType[*api.Error](err); !ok || apiErr.StatusCode != 503 || errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("first call: got %v, want a 503 *api.Error, not a rejection", err)
	}
	if fetches.Load() != 1 {
		t.Fatalf("partner authentication sent %d times, want 1", fetches.Load())
	}
	if err := listCall(context.Background(), c); err != nil {
		t.Fatalf("second call: %v", err)
	}
	if fetches.Load() != 2 {
		t.Errorf("fetches: got %d, want 2", fetches.Load())
	}
}

// TestTokenMaxAge: a fetched token is reused until it is as old as the max
// age (default 90 minutes), then replaced.
func TestTokenMaxAge(t *testing.T) {
	tests := []struct {
		name    string
		opts    []api.Option
		advance time.Duration
		want    []string
	}{
		{"default: 89 minutes reuses", nil, 89 * time.Minute, []string{"token-1", "token-1"}},
		{"default: 90 minutes renews", nil, 90 * time.Minute, []string{"token-1", "token-2"}},
		{"10 minutes: 9 reuses", []api.Option{api.WithTokenMaxAge(10 * time.Minute)}, 9 * time.Minute, []string{"token-1", "token-1"}},
		{"10 minutes: 11 renews", []api.Option{api.WithTokenMaxAge(10 * time.Minute)}, 11 * time.Minute, []string{"token-1", "token-2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := newTokenServer(t, false)
				c := newPartnerClient(t, "http://127.0.0.1", append(tc.opts, api.WithHTTPClient(handlerTransport(srv)))...)
				if err := listCall(context.Background(), c); err != nil {
					t.Fatal(err)
				}
				time.Sleep(tc.advance) // the bubble's clock moves at once
				if err := listCall(context.Background(), c); err != nil {
					t.Fatal(err)
				}
				if seen, _ := srv.calledWith(); !slices.Equal(seen, tc.want) {
					t.Errorf("tokens: got %v, want %v", seen, tc.want)
				}
			})
		})
	}
}

// TestTokenSource: the source is asked for a token on every request; on a
// 10023 it hears which token expired, is asked again, and the request is
// replayed once with the new token; it is not replayed when the source has
// nothing newer; an error from the source fails the call before anything
// is sent.
func TestTokenSource(t *testing.T) {
	get, post := pick(t, kindGET), pick(t, kindPOST)
	t.Run("asked per request", func(t *testing.T) {
		srv := newScripted(t, get.okReply())
		ts := &scriptedTokens{tokens: []string{"tok-1"}}
		c := newTokenSourceClient(t, srv.URL, ts)
		for range 3 {
			if err := listCall(context.Background(), c); err != nil {
				t.Fatal(err)
			}
		}
		if calls, inv := ts.calls(); calls != 3 || len(inv) != 0 {
			t.Errorf("Token calls %d, Invalidate %v; want 3 and none", calls, inv)
		}
		for _, r := range srv.requests() {
			if got := r.header.Get("Finicity-App-Token"); got != "tok-1" {
				t.Errorf("token sent: %q", got)
			}
		}
	})
	t.Run("invalidated and replayed", func(t *testing.T) {
		srv := newScripted(t, reply{status: 401, body: expiredJSON}, post.okReply())
		ts := &scriptedTokens{tokens: []string{"tok-1", "tok-2"}}
		if err := post.call(context.Background(), newTokenSourceClient(t, srv.URL, ts)); err != nil {
			t.Fatal(err)
		}
		calls, inv := ts.calls()
		if calls != 2 || !slices.Equal(inv, []string{"tok-1"}) {
			t.Errorf("Token calls %d, Invalidate %v; want 2 and [tok-1]", calls, inv)
		}
		reqs := srv.requests()
		if len(reqs) != 2 || reqs[0].header.Get("Finicity-App-Token") != "tok-1" || reqs[1].header.Get("Finicity-App-Token") != "tok-2" {
			t.Fatalf("requests: %+v", reqs)
		}
		post.checkBody(t, []byte(reqs[0].body))
		if reqs[1].body != reqs[0].body {
			t.Errorf("bodies: %q then %q", reqs[0].body, reqs[1].body)
		}
	})
	t.Run("same token is not replayed", func(t *testing.T) {
		srv := newScripted(t, reply{status: 401, body: expiredJSON}, get.okReply())
		ts := &scriptedTokens{tokens: []string{"tok-1"}}
		err := get.call(context.Background(), newTokenSourceClient(t, srv.URL, ts))
		checkAPIError(t, err, wantAPIError(401, expiredJSON, get.op.Method, get.urlPath(), expiredItems))
		if _, inv := ts.calls(); !slices.Equal(inv, []string{"tok-1"}) {
			t.Errorf("Invalidate: got %v, want [tok-1]", inv)
		}
		if srv.count() != 1 {
			t.Errorf("requests: got %d, want 1", srv.count())
		}
	})
	t.Run("a body that cannot be sent again is not replayed", func(t *testing.T) {
		srv := newScripted(t, reply{status: 401, body: expiredJSON}, post.okReply())
		ts := &scriptedTokens{tokens: []string{"tok-1", "tok-2"}}
		// Generated's request with a body read once, and no GetBody.
		oneShot := gen.RequestEditorFn(func(_ context.Context, req *http.Request) error {
			body, err := io.ReadAll(req.Body)
			req.Body, req.GetBody = io.NopCloser(io.MultiReader(bytes.NewReader(body))), nil
			return err
		})
		resp, err := post.generated(context.Background(), newTokenSourceClient(t, srv.URL, ts), "", oneShot)
		if err != nil || resp.Interface().(*http.Response).StatusCode != 401 {
			t.Fatalf("got %v, %v; want the 401", resp, err)
		}
		if _, inv := ts.calls(); !slices.Equal(inv, []string{"tok-1"}) || srv.count() != 1 {
			t.Errorf("Invalidate %v, requests %d; want [tok-1] (the token is spent) and 1", inv, srv.count())
		}
	})
	t.Run("another 401 is not a reason to replay", func(t *testing.T) {
		srv := newScripted(t, reply{status: 401, body: noKeyJSON}, get.okReply())
		ts := &scriptedTokens{tokens: []string{"tok-1", "tok-2"}}
		err := get.call(context.Background(), newTokenSourceClient(t, srv.URL, ts))
		checkAPIError(t, err, wantAPIError(401, noKeyJSON, get.op.Method, get.urlPath(), noKeyItems))
		if _, inv := ts.calls(); len(inv) != 0 || srv.count() != 1 {
			t.Errorf("Invalidate %v, requests %d; want none and 1", inv, srv.count())
		}
	})
	t.Run("source error", func(t *testing.T) {
		srv, hits := countingServer(t)
		vaultDown := errors.New("vault unreachable")
		ts := &scriptedTokens{tokens: []string{"tok-1"}, err: vaultDown}
		err := listCall(context.Background(), newTokenSourceClient(t, srv.URL, ts))
		if !errors.Is(err, vaultDown) {
			t.Errorf("got %v, want it to wrap the source's error", err)
		}
		if got, want := err.Error(), "finicity: vault unreachable"; got != want {
			t.Errorf("message: got %q, want %q", got, want)
		}
		if hits.Load() != 0 {
			t.Errorf("%d requests sent", hits.Load())
		}
	})
}

func newTokenSourceClient(t testing.TB, url string, ts api.TokenSource, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(testKey, append([]api.Option{api.WithTokenSource(ts), api.WithBaseURL(url)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAppTokenIsNeverReplayed: a fixed token cannot be renewed, so a 10023
// comes back at once, after one request.
func TestAppTokenIsNeverReplayed(t *testing.T) {
	get := pick(t, kindGET)
	srv := newScripted(t, reply{status: 401, body: expiredJSON}, get.okReply())
	err := get.call(context.Background(), newClient(t, srv.URL))
	checkAPIError(t, err, wantAPIError(401, expiredJSON, get.op.Method, get.urlPath(), expiredItems))
	if srv.count() != 1 {
		t.Errorf("requests: got %d, want 1", srv.count())
	}
}
