package api_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestRetries: GET and DELETE are retried on a dropped connection, 429,
// 502, 503 and 504, with the default backoff doubling from 0.5 s (jitter
// off) or the server's Retry-After in full, up to 8 s (a longer one is not
// retried early: the answer comes back at once); a POST that may have
// reached the server is sent exactly once.
func TestRetries(t *testing.T) {
	retryAfter := func(v string) map[string]string { return map[string]string{"Retry-After": v} }
	get, post, auth := pick(t, kindGET), pick(t, kindPOST), pick(t, kindAuth)
	ok := get.okReply()
	type retryCase struct {
		name       string
		replies    []reply
		opts       []api.Option
		call       func(context.Context, *api.Client) error
		wantSent   int
		wantStatus int // of the final *api.Error; 0 for success, -1 for a transport error
		wantWaits  []time.Duration
	}
	tests := []retryCase{
		{name: "GET 503 then 200", replies: []reply{{status: 503}, ok},
			call: get.send, wantSent: 2, wantWaits: []time.Duration{500 * time.Millisecond}},
		{name: "GET 429 with Retry-After honoured", replies: []reply{{status: 429, header: retryAfter("3")}, ok},
			call: get.send, wantSent: 2, wantWaits: []time.Duration{3 * time.Second}},
		{name: "GET Retry-After at the max delay is waited in full", replies: []reply{{status: 503, header: retryAfter("8")}, ok},
			call: get.send, wantSent: 2, wantWaits: []time.Duration{8 * time.Second}},
		{name: "GET Retry-After over the max delay is answered at once", replies: []reply{{status: 503, header: retryAfter("30")}, ok},
			call: get.send, wantSent: 1, wantStatus: 503},
		{name: "GET Retry-After over the max delay is answered at once (date)", replies: []reply{{status: 429, header: retryAfter(time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))}, ok},
			call: get.send, wantSent: 1, wantStatus: 429},
		{name: "GET 502 504 503 gives up after 2 retries", replies: []reply{{status: 502}, {status: 504}, {status: 503}},
			call: get.send, wantSent: 3, wantStatus: 503, wantWaits: []time.Duration{500 * time.Millisecond, time.Second}},
		{name: "GET dropped connection then 200", replies: []reply{{hangUp: true}, ok},
			call: get.send, wantSent: 2, wantWaits: []time.Duration{500 * time.Millisecond}},
		{name: "GET 404 is not retried", replies: []reply{{status: 404, body: notFoundJSON}},
			call: get.send, wantSent: 1, wantStatus: 404},
		{name: "GET with WithRetries(0) is sent once", replies: []reply{{status: 503}, ok},
			opts: []api.Option{api.WithRetries(0)}, call: get.send, wantSent: 1, wantStatus: 503},
		{name: "GET with WithRetries(4) and a custom backoff", replies: []reply{{status: 503}, {status: 503}, {status: 503}, {status: 503}, ok},
			opts: []api.Option{api.WithRetries(4), api.WithRetryBackoff(100*time.Millisecond, 300*time.Millisecond)}, call: get.send, wantSent: 5,
			wantWaits: []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}},
		{name: "POST answered 503 is sent exactly once", replies: []reply{{status: 503}, post.okReply()},
			call: post.send, wantSent: 1, wantStatus: 503},
		{name: "POST answered 429 is sent exactly once", replies: []reply{{status: 429, header: retryAfter("1")}, post.okReply()},
			call: post.send, wantSent: 1, wantStatus: 429},
		{name: "POST whose connection dropped is sent exactly once", replies: []reply{{hangUp: true}, post.okReply()},
			call: post.send, wantSent: 1, wantStatus: -1},
		{name: "partner authentication answered 503 is sent exactly once", replies: []reply{{status: 503}, {status: 200, body: tokenJSON}},
			call: auth.send, wantSent: 1, wantStatus: 503},
	}
	if del, ok := pickIf(kindDELETE); ok {
		tests = append(tests, retryCase{name: "DELETE 502 then success", replies: []reply{{status: 502}, del.okReply()},
			call: del.send, wantSent: 2, wantWaits: []time.Duration{500 * time.Millisecond}})
	} else {
		t.Logf("the spec has no DELETE: the DELETE case does not run")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, tc.replies...)
			var rec testutil.SleepRecorder
			opts := append([]api.Option{api.WithRetrySleep(rec.Sleep), api.WithRetryJitter(noJitter)}, tc.opts...)
			err := tc.call(context.Background(), newClient(t, srv.URL, opts...))
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
			if got := rec.Waits(); !slices.Equal(got, tc.wantWaits) {
				t.Errorf("waits: got %v, want %v", got, tc.wantWaits)
			}
			// Every attempt is the same request.
			reqs := srv.requests()
			for _, r := range reqs[1:] {
				if r.method != reqs[0].method || r.path != reqs[0].path || r.body != reqs[0].body {
					t.Errorf("retry differs: %+v then %+v", reqs[0], r)
				}
			}
		})
	}
}

// TestPOSTRetriedOnlyWhenTheDialFails: a POST whose connection could not
// even be opened never reached the server, so it is retried; the server
// then sees it once, with its body intact.
func TestPOSTRetriedOnlyWhenTheDialFails(t *testing.T) {
	post := pick(t, kindPOST)
	srv := newScripted(t, post.okReply())
	var attempts atomic.Int64
	hc := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		if attempts.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	var rec testutil.SleepRecorder
	c := newClient(t, srv.URL, api.WithHTTPClient(hc), api.WithRetrySleep(rec.Sleep), api.WithRetryJitter(noJitter))
	if err := post.call(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if srv.count() != 1 || attempts.Load() != 2 || len(rec.Waits()) != 1 {
		t.Errorf("server saw %d, transport %d, waits %v; want 1, 2, one wait", srv.count(), attempts.Load(), rec.Waits())
	}
	post.checkBody(t, []byte(srv.requests()[0].body))
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

// TestAttemptTimeoutRetriesASlowGET: an attempt that outlives
// WithAttemptTimeout is abandoned and retried like a dropped connection.
// The first attempt blocks until the client gives up on it: no clock is
// involved on the server side.
func TestAttemptTimeoutRetriesASlowGET(t *testing.T) {
	get := pick(t, kindGET)
	var n atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // the client abandoned the attempt
			return
		}
		writeReply(w, get.okReply())
	})
	var rec testutil.SleepRecorder
	c := newClient(t, srv.URL, api.WithAttemptTimeout(50*time.Millisecond), api.WithRetrySleep(rec.Sleep))
	got, err := get.result(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, get.op, get.ok, got, get.answerValue)
	if n.Load() != 2 {
		t.Errorf("%d attempts, want 2", n.Load())
	}
}

// TestRetryAfterTooLargeToParse: a Retry-After of more seconds than fit
// in an int64 (or any absurdly large delay) asks for longer than the
// client waits: the call answers at once with the *api.Error, which holds
// the header, after one attempt and no wait on the bubble's clock. A
// value that is not a number of seconds or a date is ignored (the
// backoff applies), as before.
func TestRetryAfterTooLargeToParse(t *testing.T) {
	for _, v := range []string{
		"99999999999999999999",
		"9223372036854775808", // one past the largest int64
		" 18446744073709551616 ",
		"000000000000000000000000000000000000000099999999999999999999",
		"9223372036854775807",
		"Fri, 31 Dec 9999 23:59:59 GMT",
	} {
		t.Run(v, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var sent atomic.Int64
				hc := handlerTransport(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					sent.Add(1)
					w.Header().Set("Retry-After", v)
					w.WriteHeader(http.StatusServiceUnavailable)
				}))
				c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(hc))
				start := time.Now()
				err := listCall(context.Background(), c)
				apiErr, ok := errors.AsType[*api.Error](err)
				if !ok || apiErr.StatusCode != http.StatusServiceUnavailable || strings.TrimSpace(apiErr.Header.Get("Retry-After")) != strings.TrimSpace(v) {
					t.Fatalf("got %v, want the *api.Error 503 with its Retry-After", err)
				}
				if n := sent.Load(); n != 1 {
					t.Errorf("attempts: got %d, want 1", n)
				}
				if el := time.Since(start); el != 0 {
					t.Errorf("the call returned after %v of the bubble's time, want at once", el)
				}
			})
		})
	}
	t.Run("not a delay", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var sent atomic.Int64
			hc := handlerTransport(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sent.Add(1)
				w.Header().Set("Retry-After", "soon")
				w.WriteHeader(http.StatusServiceUnavailable)
			}))
			c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(hc), api.WithRetryJitter(noJitter))
			start := time.Now()
			if _, ok := errors.AsType[*api.Error](listCall(context.Background(), c)); !ok || sent.Load() != 3 {
				t.Fatalf("attempts: got %d, want 3", sent.Load())
			}
			if el := time.Since(start); el != 1500*time.Millisecond {
				t.Errorf("waited %v, want the backoff's 0.5 s + 1 s", el)
			}
		})
	})
}
