package retry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/internal/httpx"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// script is a Doer answering from a list: a status, or an error.
type script struct {
	mu     sync.Mutex
	steps  []any // int status or error
	calls  int
	bodies []string
}

func (s *script) Do(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		s.bodies = append(s.bodies, string(b))
	}
	step := s.steps[min(s.calls, len(s.steps)-1)]
	s.calls++
	switch v := step.(type) {
	case error:
		return nil, v
	case *http.Response:
		return v, nil
	default:
		return &http.Response{StatusCode: v.(int), Header: http.Header{}, Body: io.NopCloser(strings.NewReader("x")), Request: req}, nil
	}
}

// dialErr and resetErr are built as package net builds them.
var (
	dialErr  = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	resetErr = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
)

func TestRetryDecisions(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		steps     []any
		retries   int
		wantCalls int
		wantErr   bool
		wantCode  int
	}{
		{"GET 503 then 200", "GET", []any{503, 200}, 2, 2, false, 200},
		{"GET 429 429 200", "GET", []any{429, 429, 200}, 2, 3, false, 200},
		{"GET 502 504 exhaust", "GET", []any{502, 504, 503}, 2, 3, false, 503},
		{"GET reset then 200", "GET", []any{resetErr, 200}, 2, 2, false, 200},
		{"GET reset exhaust", "GET", []any{resetErr}, 2, 3, true, 0},
		{"GET 500 not retried", "GET", []any{500, 200}, 2, 1, false, 500},
		{"GET 404 not retried", "GET", []any{404, 200}, 2, 1, false, 404},
		{"DELETE 503 then 204", "DELETE", []any{503, 204}, 2, 2, false, 204},
		{"GET no retries", "GET", []any{503, 200}, 0, 1, false, 503},
		{"POST 503 once", "POST", []any{503, 201}, 2, 1, false, 503},
		{"POST 429 once", "POST", []any{429, 201}, 2, 1, false, 429},
		{"POST reset once", "POST", []any{resetErr, 201}, 2, 1, true, 0},
		{"POST dial error retried", "POST", []any{dialErr, 201}, 2, 2, false, 201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{steps: tc.steps}
			var sl testutil.SleepRecorder
			d := wrapDoer(s, Policy{MaxRetries: tc.retries, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, Sleep: sl.Sleep})
			var body io.Reader
			if tc.method == "POST" {
				body = strings.NewReader(`{"a":1}`)
			}
			req, _ := http.NewRequest(tc.method, "http://127.0.0.1/x", body)
			resp, err := d.Do(req)
			if s.calls != tc.wantCalls {
				t.Errorf("calls: got %d, want %d", s.calls, tc.wantCalls)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err: got %v, want error %v", err, tc.wantErr)
			}
			if err == nil {
				if resp.StatusCode != tc.wantCode {
					t.Errorf("status: got %d, want %d", resp.StatusCode, tc.wantCode)
				}
				resp.Body.Close()
			}
			if len(sl.Waits()) != tc.wantCalls-1 {
				t.Errorf("sleeps: got %v, want %d", sl.Waits(), tc.wantCalls-1)
			}
			for i, b := range s.bodies {
				if tc.method == "POST" && b != `{"a":1}` {
					t.Errorf("attempt %d sent body %q", i+1, b)
				}
			}
		})
	}
}

func TestBackoffGrowsJitteredAndCapped(t *testing.T) {
	tests := []struct {
		name   string
		jitter func(time.Duration) time.Duration
		want   []time.Duration
	}{
		{"no jitter", func(time.Duration) time.Duration { return 0 }, []time.Duration{250, 500, 1000, 2000, 4000, 4000}},
		{"full jitter", func(d time.Duration) time.Duration { return d }, []time.Duration{500, 1000, 2000, 4000, 8000, 8000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Wrap(nil, Policy{BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second, Jitter: tc.jitter}).(*doer)
			for i, w := range tc.want {
				if got := d.backoff(i + 1); got != w*time.Millisecond {
					t.Errorf("retry %d: got %v, want %v", i+1, got, w*time.Millisecond)
				}
			}
		})
	}
	// The default jitter stays within [d/2, d].
	d := Wrap(nil, Default()).(*doer)
	for i := 0; i < 1000; i++ {
		if got := d.backoff(1); got < 250*time.Millisecond || got > 500*time.Millisecond {
			t.Fatalf("default backoff(1) = %v, outside [250ms, 500ms]", got)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"99999999999", 24 * time.Hour, true},
		// More seconds than an int64 holds, or absurdly many: longer than
		// any client waits, never a parse failure (which would mean the
		// backoff, and a retry the server asked not to have).
		{"99999999999999999999", 24 * time.Hour, true},
		{"9223372036854775808", 24 * time.Hour, true}, // one past the largest int64
		{" 18446744073709551616 ", 24 * time.Hour, true},
		{"000000000000000000000000000000000000000099999999999999999999", 24 * time.Hour, true},
		{"9223372036854775807", 24 * time.Hour, true},
		{"Fri, 31 Dec 9999 23:59:59 GMT", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Sub(now), true},
		{"+3", 0, false},
	}
	for _, tc := range tests {
		got, ok := RetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestRetryAfter: a Retry-After the client can wait is waited in full; one
// longer than MaxDelay, or longer than the caller's deadline leaves, is
// not waited and not cut short: the answer is returned at once.
func TestRetryAfterHonouredOrAnswered(t *testing.T) {
	for _, tc := range []struct {
		header    string
		deadline  time.Duration // caller's; 0 for none
		wantWaits []time.Duration
		want      int
	}{
		{header: "1", wantWaits: []time.Duration{time.Second}, want: 200},
		{header: "8", wantWaits: []time.Duration{8 * time.Second}, want: 200},
		{header: "9", want: 429},
		{header: "120", want: 429},
		{header: "5", deadline: 2 * time.Second, want: 429},
	} {
		synctest.Test(t, func(t *testing.T) {
			retryAfter := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {tc.header}}, Body: io.NopCloser(strings.NewReader(""))}
			s := &script{steps: []any{retryAfter, 200}}
			var sl testutil.SleepRecorder
			d := wrapDoer(s, Policy{MaxRetries: 2, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second, Sleep: sl.Sleep})
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1/x", nil)
			resp, err := d.Do(req)
			if err != nil || resp.StatusCode != tc.want {
				t.Fatalf("Retry-After %s: got %v, %v; want %d", tc.header, resp, err, tc.want)
			}
			if got := sl.Waits(); len(got) != len(tc.wantWaits) || (len(got) == 1 && got[0] != tc.wantWaits[0]) {
				t.Errorf("Retry-After %s: slept %v, want %v", tc.header, got, tc.wantWaits)
			}
		})
	}
}

// TestCancelledContextStopsWaitingAtOnce uses the real wait (a timer of an
// hour) in a synctest bubble: the cancellation must end it with no time
// passing at all.
func TestCancelledContextStopsWaitingAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &script{steps: []any{503}}
		d := wrapDoer(s, Policy{MaxRetries: 5, BaseDelay: time.Hour, MaxDelay: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1/x", nil)
		start := time.Now()
		done := make(chan error)
		go func() {
			_, err := d.Do(req)
			done <- err
		}()
		synctest.Wait() // Do is now blocked in its wait
		select {
		case err := <-done:
			t.Fatalf("Do returned before the cancellation: %v", err)
		default:
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err: got %v, want context.Canceled", err)
		}
		if el := time.Since(start); el != 0 {
			t.Errorf("returned after %v of the wait; want at once", el)
		}
		if s.calls != 1 {
			t.Errorf("calls: got %d, want 1", s.calls)
		}
	})
}

// TestAttemptTimeout checks that each attempt gets its own deadline, that a
// GET whose attempt timed out is retried, and that the deadline bounds the
// reading of the body too (a body that never ends is an error, not a
// hang), in a synctest bubble where the 20ms pass without waiting.
func TestAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		slowThenFast := httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
			calls++
			if _, ok := req.Context().Deadline(); !ok {
				t.Error("attempt has no deadline")
			}
			switch calls {
			case 1:
				<-req.Context().Done()
				return nil, req.Context().Err()
			case 2:
				// Headers in time, then a body that never ends.
				return &http.Response{StatusCode: 200, Body: ctxBody{req.Context()}, Header: http.Header{}}, nil
			}
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}}, nil
		})
		var sl testutil.SleepRecorder
		d := wrapDoer(slowThenFast, Policy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, AttemptTimeout: 20 * time.Millisecond, Sleep: sl.Sleep})
		req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
		start := time.Now()
		resp, err := d.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el != 40*time.Millisecond {
			t.Errorf("two attempts timed out in %v, want 2 x 20ms", el)
		}
		if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
			t.Errorf("body: %q", b)
		}
		if calls != 3 {
			t.Errorf("calls: got %d, want 3", calls)
		}
	})
}

// ctxBody is a body whose bytes never come: a read ends when its
// context does, like a real body's.
type ctxBody struct{ ctx context.Context }

func (b ctxBody) Read(p []byte) (int, error) {
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}
func (b ctxBody) Close() error { return nil }

func TestAttemptNumberInContext(t *testing.T) {
	var seen []int
	s := httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
		seen = append(seen, Attempt(req.Context()))
		return &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(""))}, nil
	})
	var sl testutil.SleepRecorder
	d := wrapDoer(s, Policy{MaxRetries: 2, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond, Sleep: sl.Sleep})
	req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
	resp, err := d.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(seen) != 3 || seen[0] != 1 || seen[1] != 2 || seen[2] != 3 {
		t.Errorf("attempts: got %v", seen)
	}
	if Attempt(context.Background()) != 1 {
		t.Error("Attempt outside a retry loop should be 1")
	}
}

func TestNonReplayableBodyNotRetried(t *testing.T) {
	s := &script{steps: []any{dialErr, 201}}
	var sl testutil.SleepRecorder
	d := wrapDoer(s, Policy{MaxRetries: 2, BaseDelay: time.Nanosecond, MaxDelay: time.Nanosecond, Sleep: sl.Sleep})
	req, _ := http.NewRequest("POST", "http://127.0.0.1/x", io.NopCloser(strings.NewReader("{}")))
	if req.GetBody != nil {
		t.Fatal("test needs a body without GetBody")
	}
	if _, err := d.Do(req); err == nil {
		t.Fatal("want the dial error")
	}
	if s.calls != 1 {
		t.Errorf("calls: got %d, want 1", s.calls)
	}
}
