package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/internal/retry"
)

// counter is a FetchFunc issuing tok-1, tok-2, ... after an optional gate.
type counter struct {
	n    atomic.Int64
	gate chan struct{}
	err  func(n int64) error
}

func (c *counter) fetch(ctx context.Context) (string, error) {
	n := c.n.Add(1)
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if c.err != nil {
		if err := c.err(n); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("tok-%d", n), nil
}

// TestPartnerTokenSharesOneFetch: 1000 callers arriving while a fetch is in
// flight all get its token, and the server is asked once. synctest.Wait
// makes sure every caller is blocked on the fetch before it completes, with
// no sleep.
func TestPartnerTokenSharesOneFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &counter{gate: make(chan struct{})}
		p := NewPartnerToken(c.fetch, 0, 0)
		const n = 1000
		var wg sync.WaitGroup
		toks := make(chan string, n)
		for range n {
			wg.Go(func() {
				tok, err := p.Token(context.Background())
				if err != nil {
					t.Error(err)
				}
				toks <- tok
			})
		}
		synctest.Wait() // every caller is waiting on the one fetch
		close(c.gate)
		wg.Wait()
		close(toks)
		for tok := range toks {
			if tok != "tok-1" {
				t.Fatalf("got %q, want tok-1", tok)
			}
		}
		if got := c.n.Load(); got != 1 {
			t.Errorf("fetches: got %d, want 1", got)
		}
	})
}

// TestPartnerTokenMaxAge: a token is reused until it is as old as the
// max age, on the bubble's clock.
func TestPartnerTokenMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &counter{}
		p := NewPartnerToken(c.fetch, 0, 0)
		ctx := context.Background()
		steps := []struct {
			advance time.Duration
			want    string
		}{
			{0, "tok-1"},
			{89 * time.Minute, "tok-1"},
			{59 * time.Second, "tok-1"},
			{time.Second, "tok-2"}, // 90 minutes after tok-1
			{89 * time.Minute, "tok-2"},
			{2 * time.Hour, "tok-3"},
		}
		for i, s := range steps {
			time.Sleep(s.advance)
			got, err := p.Token(ctx)
			if err != nil || got != s.want {
				t.Fatalf("step %d: got %q, %v; want %q", i, got, err, s.want)
			}
		}
	})
}

func TestPartnerTokenInvalidateOnlyTheFailedToken(t *testing.T) {
	c := &counter{}
	p := NewPartnerToken(c.fetch, time.Hour, 0)
	ctx := context.Background()
	first, _ := p.Token(ctx)
	p.Invalidate("some-other-token")
	p.Invalidate("")
	if got, _ := p.Token(ctx); got != first || c.n.Load() != 1 {
		t.Fatalf("stale invalidation refreshed: got %q after %d fetches", got, c.n.Load())
	}
	// 50 holders of the failed token report it: one new fetch.
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			p.Invalidate(first)
			if tok, err := p.Token(ctx); err != nil || tok == first {
				t.Errorf("got %q, %v after invalidation", tok, err)
			}
		})
	}
	wg.Wait()
	if got := c.n.Load(); got != 2 {
		t.Errorf("fetches: got %d, want 2", got)
	}
}

func TestPartnerTokenRemembersRejection(t *testing.T) {
	apiErr := errors.New("401 reason 10024")
	c := &counter{err: func(int64) error { return &RejectedError{Err: apiErr} }}
	p := NewPartnerToken(c.fetch, 0, 0)
	for i := range 5 {
		_, err := p.Token(context.Background())
		if _, ok := errors.AsType[*RejectedError](err); !ok || !errors.Is(err, apiErr) {
			t.Fatalf("call %d: got %v", i, err)
		}
		if err.Error() != apiErr.Error() {
			t.Fatalf("call %d: text %q, want the wrapped error's own text", i, err)
		}
	}
	p.Invalidate("anything")
	if _, err := p.Token(context.Background()); !errors.Is(err, apiErr) {
		t.Fatalf("after Invalidate: got %v", err)
	}
	if got := c.n.Load(); got != 1 {
		t.Errorf("fetches: got %d, want 1", got)
	}
}

// TestPartnerTokenTransientErrorIsNotRemembered: a failure that is not a
// rejection fails its Token call alone; the next one fetches again (after
// the backoff, in the bubble).
func TestPartnerTokenTransientErrorIsNotRemembered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &counter{err: func(n int64) error {
			if n == 1 {
				return errors.New("connection reset")
			}
			return nil
		}}
		p := NewPartnerToken(c.fetch, 0, 0)
		if _, err := p.Token(context.Background()); err == nil || err.Error() != "connection reset" {
			t.Fatalf("got %v, want the first error", err)
		}
		if tok, err := p.Token(context.Background()); err != nil || tok != "tok-2" {
			t.Fatalf("got %q, %v", tok, err)
		}
	})
}

func TestPartnerTokenEmptyTokenIsAnError(t *testing.T) {
	p := NewPartnerToken(func(context.Context) (string, error) { return "", nil }, 0, 0)
	if _, err := p.Token(context.Background()); err == nil {
		t.Fatal("want an error for an empty token")
	}
}

// TestPartnerTokenWaiterLeavesOnCancel: a caller whose context ends stops
// waiting at once, while the shared fetch completes for the others.
func TestPartnerTokenWaiterLeavesOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &counter{gate: make(chan struct{})}
		p := NewPartnerToken(c.fetch, 0, 0)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { _, err := p.Token(ctx); done <- err }()
		synctest.Wait() // the caller is waiting on the fetch
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
		close(c.gate)
		if tok, err := p.Token(context.Background()); err != nil || tok != "tok-1" {
			t.Fatalf("got %q, %v; the fetch should have survived the cancelled caller", tok, err)
		}
		if got := c.n.Load(); got != 1 {
			t.Errorf("fetches: got %d, want 1", got)
		}
	})
}

// TestPartnerTokenAbandonedFetchIsBounded: a fetch nobody waits for any
// more still ends, at fetchTimeout, rather than hanging in the background.
func TestPartnerTokenAbandonedFetchIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ended := make(chan error, 1)
		p := NewPartnerToken(func(ctx context.Context) (string, error) {
			<-ctx.Done() // a server that never answers
			ended <- ctx.Err()
			return "", ctx.Err()
		}, 0, 0)
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		go func() {
			synctest.Wait() // the fetch waits for an answer
			cancel()
		}()
		if _, err := p.Token(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
		if err := <-ended; !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("fetch ended with %v", err)
		}
		if waited := time.Since(start); waited != fetchTimeout {
			t.Errorf("fetch abandoned after %v, want %v", waited, fetchTimeout)
		}
	})
}

// TestPartnerTokenCallerGoneFetchesNothing: a caller whose context is
// done already gets its error, and no authentication is sent.
func TestPartnerTokenCallerGoneFetchesNothing(t *testing.T) {
	c := &counter{}
	p := NewPartnerToken(c.fetch, 0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Token(ctx); !errors.Is(err, context.Canceled) || c.n.Load() != 0 {
		t.Errorf("got %v after %d fetches; want context.Canceled and none", err, c.n.Load())
	}
}

// TestPartnerTokenReset: Reset forgets a rejection, and the next Token
// fetches (with the credentials the fetch reads now), at once.
func TestPartnerTokenReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var reject atomic.Bool
		reject.Store(true)
		c := &counter{err: func(int64) error {
			if reject.Load() {
				return &RejectedError{Err: errors.New("rejected")}
			}
			return nil
		}}
		p := NewPartnerToken(c.fetch, 0, 0)
		for range 3 {
			if _, err := p.Token(context.Background()); err == nil {
				t.Fatal("want the rejection")
			}
		}
		reject.Store(false)
		p.Reset()
		if tok, err := p.Token(context.Background()); err != nil || tok != "tok-2" {
			t.Fatalf("after Reset: %q, %v", tok, err)
		}
		if c.n.Load() != 2 {
			t.Errorf("fetches: %d, want 2", c.n.Load())
		}
		// Reset after an ordinary failure: no backoff to wait out.
		c.err = func(n int64) error {
			if n == 3 {
				return errors.New("502 from a gateway")
			}
			return nil
		}
		p.Invalidate("tok-2")
		if _, err := p.Token(context.Background()); err == nil {
			t.Fatal("want the failure")
		}
		p.Reset()
		start := time.Now()
		if tok, err := p.Token(context.Background()); err != nil || tok != "tok-4" || time.Since(start) != 0 {
			t.Errorf("after Reset: %q, %v after %v; want tok-4 at once", tok, err, time.Since(start))
		}
	})
}

// TestPartnerTokenBackoff: after ordinary failures in a row, each fetch
// waits first, on the bubble's clock, for the backoff of the failures
// (jittered in the upper half of its step); a success resets the count;
// a rejection is not an ordinary failure.
func TestPartnerTokenBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := &counter{err: func(n int64) error {
			if n <= 3 {
				return errors.New("502 from a gateway")
			}
			return nil
		}}
		p := NewPartnerToken(c.fetch, time.Nanosecond, 0)
		var at []time.Time
		for range 4 {
			_, _ = p.Token(context.Background())
			at = append(at, time.Now())
		}
		for i, step := range []time.Duration{BackoffBase, 2 * BackoffBase, 4 * BackoffBase} {
			if gap := at[i+1].Sub(at[i]); gap < step/2 || gap > step {
				t.Errorf("fetch %d came %v after the one before, want between %v and %v", i+2, gap, step/2, step)
			}
		}
		// Succeeded: the next fetch (the token aged out) waits nothing.
		time.Sleep(time.Millisecond)
		before := time.Now()
		if _, err := p.Token(context.Background()); err != nil || time.Since(before) != 0 {
			t.Errorf("after a success: %v after %v", err, time.Since(before))
		}
		// A rejection is remembered, not waited for.
		rejected := NewPartnerToken((&counter{err: func(int64) error { return &RejectedError{Err: errors.New("10024")} }}).fetch, 0, 0)
		before = time.Now()
		for range 3 {
			_, _ = rejected.Token(context.Background())
		}
		if time.Since(before) != 0 {
			t.Errorf("rejections waited %v", time.Since(before))
		}
	})
}

// TestBackoffSchedule: 0.5 s doubling to 30 s, the upper half jittered.
func TestBackoffSchedule(t *testing.T) {
	full := func(d time.Duration) time.Duration { return d }
	none := func(time.Duration) time.Duration { return 0 }
	for failures, want := range []time.Duration{
		1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 4: 4 * time.Second, 5: 8 * time.Second,
		6: 16 * time.Second, 7: 30 * time.Second, 8: 30 * time.Second, 100: 30 * time.Second,
	} {
		if want == 0 {
			continue
		}
		if got := retry.Backoff(failures, BackoffBase, BackoffMax, full); got != want {
			t.Errorf("Backoff(%d), jitter at its top: %v, want %v", failures, got, want)
		}
		if got := retry.Backoff(failures, BackoffBase, BackoffMax, none); got != want/2 {
			t.Errorf("Backoff(%d), no jitter: %v, want %v", failures, got, want/2)
		}
		for range 20 {
			if got := retry.Backoff(failures, BackoffBase, BackoffMax, nil); got < want/2 || got > want {
				t.Errorf("Backoff(%d), uniform jitter: %v, want between %v and %v", failures, got, want/2, want)
			}
		}
	}
}

// TestValidToken: what a header carries as it is, and nothing else.
func TestValidToken(t *testing.T) {
	for tok, want := range map[string]bool{
		"token-1": true, "eyJhbGciOi.J9-_~+/=": true, "inner space": true,
		"": false, "abc\ndef": false, "abc\rdef": false, "nul\x00": false, "del\x7f": false,
		" lead": false, "trail ": false, "\ttab": false, "tab\t": false,
	} {
		if got := ValidToken(tok); got != want {
			t.Errorf("ValidToken(%q) = %v, want %v", tok, got, want)
		}
	}
}

// TestPartnerTokenRefusesInvalidToken: a fetch yielding a token no header
// can carry fails with ErrInvalidToken and keeps nothing; the next Token
// fetches again.
func TestPartnerTokenRefusesInvalidToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int64
		p := NewPartnerToken(func(context.Context) (string, error) {
			if n.Add(1) == 1 {
				return "abc\ndef", nil
			}
			return "tok-2", nil
		}, 0, 0)
		if tok, err := p.Token(context.Background()); !errors.Is(err, ErrInvalidToken) || tok != "" {
			t.Fatalf("got %q, %v; want ErrInvalidToken", tok, err)
		}
		if tok, err := p.Token(context.Background()); err != nil || tok != "tok-2" {
			t.Fatalf("got %q, %v; want a new fetch's tok-2", tok, err)
		}
	})
}

// TestPartnerTokenFetchTimeout: a fetch no caller waits for is bounded
// by two minutes, or by the attempt limit given when longer.
func TestPartnerTokenFetchTimeout(t *testing.T) {
	for _, tc := range []struct{ limit, want time.Duration }{{5 * time.Minute, 5 * time.Minute}, {time.Second, fetchTimeout}} {
		synctest.Test(t, func(t *testing.T) {
			ended := make(chan struct{})
			p := NewPartnerToken(func(ctx context.Context) (string, error) {
				<-ctx.Done()
				close(ended)
				return "", ctx.Err()
			}, 0, tc.limit)
			start := time.Now()
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				synctest.Wait() // the fetch waits for an answer
				cancel()
			}()
			_, _ = p.Token(ctx)
			<-ended
			if got := time.Since(start); got != tc.want {
				t.Errorf("attempt limit %v: fetch ended after %v, want %v", tc.limit, got, tc.want)
			}
		})
	}
}
