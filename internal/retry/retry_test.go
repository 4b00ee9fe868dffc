package retry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// dialErr and resetErr are built as package net builds them.
var (
	dialErr  = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	resetErr = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
)

// TestNext: which attempt is followed by another, by method, outcome,
// retries made and body, and the backoff's wait before it.
func TestNext(t *testing.T) {
	const base, maxDelay = 100 * time.Millisecond, 400 * time.Millisecond
	p := Policy{MaxRetries: 5, BaseDelay: base, MaxDelay: maxDelay}
	tests := []struct {
		name    string
		method  string
		body    io.Reader
		n       int // the attempt that ended
		status  int
		err     error
		want    bool
		maxWait time.Duration // the backoff's step: the wait is in its upper half
	}{
		{name: "GET 503", method: "GET", n: 1, status: 503, want: true, maxWait: base},
		{name: "GET 429, second retry", method: "GET", n: 2, status: 429, want: true, maxWait: 2 * base},
		{name: "GET 502", method: "GET", n: 1, status: 502, want: true, maxWait: base},
		{name: "GET 504", method: "GET", n: 1, status: 504, want: true, maxWait: base},
		{name: "GET 503 after the last retry", method: "GET", n: 6, status: 503},
		{name: "GET 500", method: "GET", n: 1, status: 500},
		{name: "GET 404", method: "GET", n: 1, status: 404},
		{name: "GET 200", method: "GET", n: 1, status: 200},
		{name: "GET connection reset", method: "GET", n: 1, err: resetErr, want: true, maxWait: base},
		{name: "GET connection reset after the last retry", method: "GET", n: 6, err: resetErr},
		{name: "DELETE 503", method: "DELETE", n: 1, status: 503, want: true, maxWait: base},
		{name: "POST 503", method: "POST", body: strings.NewReader(`{"a":1}`), n: 1, status: 503},
		{name: "POST 429", method: "POST", body: strings.NewReader(`{"a":1}`), n: 1, status: 429},
		{name: "POST connection reset", method: "POST", body: strings.NewReader(`{"a":1}`), n: 1, err: resetErr},
		{name: "POST connection refused", method: "POST", body: strings.NewReader(`{"a":1}`), n: 1, err: dialErr, want: true, maxWait: base},
		{name: "POST connection refused, a body that cannot be sent again", method: "POST", body: io.MultiReader(strings.NewReader(`{"a":1}`)), n: 1, err: dialErr},
		{name: "the backoff's cap", method: "GET", n: 4, status: 503, want: true, maxWait: maxDelay},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://127.0.0.1/x", tc.body)
			wait, ok := p.Next(req, tc.n, tc.status, http.Header{}, tc.err)
			if ok != tc.want {
				t.Fatalf("retried: got %v, want %v", ok, tc.want)
			}
			if ok && (wait < tc.maxWait/2 || wait > tc.maxWait) {
				t.Errorf("wait %v, want between %v and %v", wait, tc.maxWait/2, tc.maxWait)
			}
		})
	}
	t.Run("no retries", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
		if _, ok := (Policy{BaseDelay: base, MaxDelay: maxDelay}).Next(req, 1, 503, http.Header{}, nil); ok {
			t.Error("retried with MaxRetries 0")
		}
	})
	t.Run("the caller gave up", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1/x", nil)
		for _, err := range []error{nil, resetErr, context.Canceled} {
			if _, ok := p.Next(req, 1, 503, http.Header{}, err); ok {
				t.Errorf("retried after the caller's cancellation (%v)", err)
			}
		}
	})
}

// TestBackoff: base doubling up to max, the upper half jittered.
func TestBackoff(t *testing.T) {
	tests := []struct {
		name   string
		jitter func(time.Duration) time.Duration
		want   []time.Duration
	}{
		{"no jitter", func(time.Duration) time.Duration { return 0 }, []time.Duration{250, 500, 1000, 2000, 4000, 4000}},
		{"full jitter", func(d time.Duration) time.Duration { return d }, []time.Duration{500, 1000, 2000, 4000, 8000, 8000}},
	}
	for _, tc := range tests {
		for i, w := range tc.want {
			if got := Backoff(i+1, 500*time.Millisecond, 8*time.Second, tc.jitter); got != w*time.Millisecond {
				t.Errorf("%s: retry %d: got %v, want %v", tc.name, i+1, got, w*time.Millisecond)
			}
		}
	}
	// The default jitter stays within [d/2, d].
	for range 1000 {
		if got := Backoff(1, DefaultBaseDelay, DefaultMaxDelay, nil); got < 250*time.Millisecond || got > 500*time.Millisecond {
			t.Fatalf("Backoff(1) = %v, outside [250ms, 500ms]", got)
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
		{"Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour, true},
		{"+3", 0, false},
	}
	for _, tc := range tests {
		got, ok := RetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestRetryAfterHonouredOrAnswered: a Retry-After the client can wait is
// waited in full, instead of the backoff; one longer than MaxDelay, or
// longer than the caller's deadline leaves, is not waited and not cut
// short: no retry, the answer is returned at once. Nor is a backoff the
// deadline would cut.
func TestRetryAfterHonouredOrAnswered(t *testing.T) {
	for _, tc := range []struct {
		header   string
		deadline time.Duration // the caller's; 0 for none
		want     time.Duration
		ok       bool
	}{
		{header: "1", want: time.Second, ok: true},
		{header: "8", want: 8 * time.Second, ok: true},
		{header: "0", want: 0, ok: true},
		{header: "9"},
		{header: "120"},
		{header: "5", deadline: 2 * time.Second},
		{header: "", deadline: 100 * time.Millisecond}, // the backoff, 250 ms at least, outlasts it
	} {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://127.0.0.1/x", nil)
			wait, ok := Default().Next(req, 1, 429, http.Header{"Retry-After": {tc.header}}, nil)
			if ok != tc.ok || (ok && wait != tc.want) {
				t.Errorf("Retry-After %q, deadline %v: retried %v after %v; want %v after %v", tc.header, tc.deadline, ok, wait, tc.ok, tc.want)
			}
		})
	}
}

// TestSleep: the wait ends after d, or at once when the context ends,
// with its error: on the bubble's clock, an hour-long wait cancelled
// takes no time at all.
func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := Sleep(context.Background(), time.Second); err != nil || time.Since(start) != time.Second {
			t.Errorf("Sleep(1s): %v after %v", err, time.Since(start))
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		start = time.Now()
		go func() { done <- Sleep(ctx, time.Hour) }()
		synctest.Wait() // Sleep is waiting
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) || time.Since(start) != 0 {
			t.Errorf("cancelled: %v after %v; want context.Canceled at once", err, time.Since(start))
		}
	})
}

func TestAttempt(t *testing.T) {
	if got := Attempt(context.Background()); got != 1 {
		t.Errorf("outside a retry loop: %d, want 1", got)
	}
	if got := Attempt(WithAttempt(context.Background(), 3)); got != 3 {
		t.Errorf("got %d, want 3", got)
	}
}
