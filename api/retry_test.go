package api_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// span is the range a wait must fall in: a backoff is jittered in the
// upper half of its value, a Retry-After is waited exactly.
type span struct{ min, max time.Duration }

func jittered(d time.Duration) span { return span{d / 2, d} }
func exactly(d time.Duration) span  { return span{d, d} }

// TestRetries: the client's retries through the public API (the rules
// themselves are internal/retry's, tested there): GET and DELETE are
// retried on a dropped connection, 429, 502, 503 and 504, after the
// default backoff doubling from 0.5 s or the server's Retry-After in
// full, up to 8 s (a longer one, or one too large to parse, is not retried
// early: the answer comes back at once); a POST that may have reached the
// server is sent exactly once, and one whose connection was refused is
// sent again. The waits are read on the bubble's clock, between the
// requests' arrivals.
func TestRetries(t *testing.T) {
	retryAfter := func(v string) map[string]string { return map[string]string{"Retry-After": v} }
	get, post, auth := pick(t, kindGET), pick(t, kindPOST), pick(t, kindAuth)
	ok := get.okReply()
	type retryCase struct {
		name       string
		replies    []reply
		opts       []api.Option
		refuse     bool // the first connection is refused, before the server
		call       func(context.Context, *api.Client) error
		wantSent   int
		wantStatus int // of the final *api.Error; 0 for success, -1 for a transport error
		wantWaits  []span
	}
	tests := []retryCase{
		{name: "GET 503 then 200", replies: []reply{{status: 503}, ok},
			call: get.send, wantSent: 2, wantWaits: []span{jittered(500 * time.Millisecond)}},
		{name: "GET 429 with Retry-After honoured", replies: []reply{{status: 429, header: retryAfter("3")}, ok},
			call: get.send, wantSent: 2, wantWaits: []span{exactly(3 * time.Second)}},
		{name: "GET Retry-After at the max delay is waited in full", replies: []reply{{status: 503, header: retryAfter("8")}, ok},
			call: get.send, wantSent: 2, wantWaits: []span{exactly(8 * time.Second)}},
		{name: "GET Retry-After over the max delay is answered at once", replies: []reply{{status: 503, header: retryAfter("30")}, ok},
			call: get.send, wantSent: 1, wantStatus: 503},
		{name: "GET Retry-After over the max delay is answered at once (date)", replies: []reply{{status: 429, header: retryAfter("Fri, 31 Dec 9999 23:59:59 GMT")}, ok},
			call: get.send, wantSent: 1, wantStatus: 429},
		{name: "GET Retry-After too large to parse is answered at once", replies: []reply{{status: 503, header: retryAfter("99999999999999999999")}, ok},
			call: get.send, wantSent: 1, wantStatus: 503},
		{name: "GET 502 504 503 gives up after 2 retries", replies: []reply{{status: 502}, {status: 504}, {status: 503}},
			call: get.send, wantSent: 3, wantStatus: 503, wantWaits: []span{jittered(500 * time.Millisecond), jittered(time.Second)}},
		{name: "GET dropped connection then 200", replies: []reply{{hangUp: true}, ok},
			call: get.send, wantSent: 2, wantWaits: []span{jittered(500 * time.Millisecond)}},
		{name: "GET 404 is not retried", replies: []reply{{status: 404, body: notFoundJSON}},
			call: get.send, wantSent: 1, wantStatus: 404},
		{name: "GET with WithRetries(0) is sent once", replies: []reply{{status: 503}, ok},
			opts: []api.Option{api.WithRetries(0)}, call: get.send, wantSent: 1, wantStatus: 503},
		{name: "GET with WithRetries(4) and a custom backoff", replies: []reply{{status: 503}, {status: 503}, {status: 503}, {status: 503}, ok},
			opts: []api.Option{api.WithRetries(4), api.WithRetryBackoff(100*time.Millisecond, 300*time.Millisecond)}, call: get.send, wantSent: 5,
			wantWaits: []span{jittered(100 * time.Millisecond), jittered(200 * time.Millisecond), jittered(300 * time.Millisecond), jittered(300 * time.Millisecond)}},
		{name: "POST answered 503 is sent exactly once", replies: []reply{{status: 503}, post.okReply()},
			call: post.send, wantSent: 1, wantStatus: 503},
		{name: "POST answered 429 is sent exactly once", replies: []reply{{status: 429, header: retryAfter("1")}, post.okReply()},
			call: post.send, wantSent: 1, wantStatus: 429},
		{name: "POST whose connection dropped is sent exactly once", replies: []reply{{hangUp: true}, post.okReply()},
			call: post.send, wantSent: 1, wantStatus: -1},
		{name: "POST whose connection was refused is sent again", replies: []reply{post.okReply()}, refuse: true,
			call: post.send, wantSent: 1},
		{name: "partner authentication answered 503 is sent exactly once", replies: []reply{{status: 503}, {status: 200, body: tokenJSON}},
			call: auth.send, wantSent: 1, wantStatus: 503},
	}
	if del, ok := pickIf(kindDELETE); ok {
		tests = append(tests, retryCase{name: "DELETE 502 then success", replies: []reply{{status: 502}, del.okReply()},
			call: del.send, wantSent: 2, wantWaits: []span{jittered(500 * time.Millisecond)}})
	} else {
		t.Logf("the spec has no DELETE: the DELETE case does not run")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, hc := inProcess(tc.replies...)
				var dials atomic.Int64
				if tc.refuse {
					served := hc.Transport
					hc.Transport = transportFunc(func(r *http.Request) (*http.Response, error) {
						if dials.Add(1) == 1 {
							return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
						}
						return served.RoundTrip(r)
					})
				}
				start := time.Now()
				err := tc.call(context.Background(), newClient(t, "http://127.0.0.1", append([]api.Option{api.WithHTTPClient(hc)}, tc.opts...)...))
				if got := srv.count(); got != tc.wantSent {
					t.Errorf("requests sent: got %d, want %d", got, tc.wantSent)
				}
				apiErr, isAPI := errors.AsType[*api.Error](err)
				switch {
				case tc.wantStatus == 0 && err != nil:
					t.Fatalf("error: %v", err)
				case tc.wantStatus > 0 && (!isAPI || apiErr.StatusCode != tc.wantStatus):
					t.Fatalf("error: got %v, want an *api.Error %d", err, tc.wantStatus)
				case tc.wantStatus < 0 && (err == nil || isAPI):
					t.Fatalf("error: got %v, want a transport error", err)
				}
				waits := srv.gaps()
				if tc.refuse {
					// The refused dial, then the one request: the wait is
					// before the first arrival.
					waits = []time.Duration{srv.requests()[0].at.Sub(start)}
					tc.wantWaits = []span{jittered(500 * time.Millisecond)}
				}
				if len(waits) != len(tc.wantWaits) {
					t.Fatalf("waits: got %v, want %v", waits, tc.wantWaits)
				}
				for i, w := range waits {
					if w < tc.wantWaits[i].min || w > tc.wantWaits[i].max {
						t.Errorf("wait %d: %v, want between %v and %v", i+1, w, tc.wantWaits[i].min, tc.wantWaits[i].max)
					}
				}
				// Nothing is waited after the last answer.
				reqs := srv.requests()
				if last := reqs[len(reqs)-1].at.Sub(start); time.Since(start) != last {
					t.Errorf("the call returned %v after the last answer", time.Since(start)-last)
				}
				// Every attempt is the same request.
				for _, r := range reqs[1:] {
					if r.method != reqs[0].method || r.path != reqs[0].path || r.body != reqs[0].body {
						t.Errorf("retry differs: %+v then %+v", reqs[0], r)
					}
				}
				if tc.refuse {
					post.checkBody(t, []byte(reqs[0].body))
				}
			})
		})
	}
}

// TestCancelledContextStopsTheRetryWait: cancelling the call's context
// during the wait before a retry ends the call at once, with the context's
// error, without the wait running out. The bubble's clock shows it: had
// the hour-long wait run, the clock would have moved.
func TestCancelledContextStopsTheRetryWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var sent atomic.Int64
		hc := handlerTransport(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sent.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}))
		c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(hc), api.WithRetryBackoff(time.Hour, time.Hour))
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- listCall(ctx, c) }()
		synctest.Wait() // the call waits before its first retry
		if sent.Load() != 1 {
			t.Fatalf("attempts before the wait: got %d, want 1", sent.Load())
		}
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
		if _, ok := errors.AsType[*api.Error](err); ok {
			t.Errorf("a cancelled call looks like an API answer: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "finicity: ") {
			t.Errorf("message %q lacks the prefix", err)
		}
		if el := time.Since(start); el != 0 {
			t.Errorf("the call returned after %v of the bubble's time; the wait was not interrupted", el)
		}
		if sent.Load() != 1 {
			t.Errorf("attempts: got %d, want 1", sent.Load())
		}
	})
}

// TestCancelledContextSendsNothing: a call whose context is already done
// sends nothing, and the token is not even fetched.
func TestCancelledContextSendsNothing(t *testing.T) {
	srv, hits := countingServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []*api.Client{newClient(t, srv.URL), newPartnerClient(t, srv.URL)} {
		err := listCall(ctx, c)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the server", hits.Load())
	}
}
