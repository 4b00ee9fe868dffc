package api_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// everyMethod calls fn with the name and a caller of every operation of
// the spec: the caller sends it with c through its typed method
// (internal/apicall) with the spec's examples as arguments, then opts.
// So a new operation is covered without editing this test, whatever its
// arguments' types.
func everyMethod(t *testing.T, c *api.Client, fn func(name string, call func(ctx context.Context, opts ...api.CallOption) error)) {
	t.Helper()
	n := 0
	for _, op := range specModel(t).Operations {
		sc, err := newSpecCall(op, false)
		if err != nil {
			t.Errorf("%v (%s calls every operation)", err, testFile())
			continue
		}
		for _, p := range op.HeaderParams {
			if http.CanonicalHeaderKey(p.Name) == callHeader {
				t.Fatalf("%s: %s has a header parameter %s, the header that %s sends with WithCallHeader: pick another callHeader there", at(p.Pointer), op.Name(), p.Name, testFile())
			}
		}
		n++
		fn(sc.name(), func(ctx context.Context, opts ...api.CallOption) error {
			err := sc.call(ctx, c, opts...)
			if _, ok := errors.AsType[*api.ValidationError](err); ok {
				t.Errorf("%s refused the spec's examples (%v): fix them in openapi.yaml (%s)", sc.name(), err, at(op.Pointer))
			}
			return err
		})
	}
	if n == 0 {
		t.Fatal("no operation in the embedded spec: was it loaded?")
	}
}

// callHeader is the header the test adds with WithCallHeader: no
// operation's own.
const callHeader = "X-Call-Option-Test"

// TestCallOptionsOnEveryMethod: every typed method honours the per-call
// options: WithCallHeader reaches each attempt, WithCallRetries replaces
// the client's count, WithCallTimeout and WithCallAttemptTimeout bound the
// call and each attempt.
func TestCallOptionsOnEveryMethod(t *testing.T) {
	t.Run("header and retries", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var attempts atomic.Int64
			var headers []string
			refused := &http.Client{Transport: transportFunc(func(req *http.Request) (*http.Response, error) {
				attempts.Add(1)
				headers = append(headers, req.Header.Get(callHeader))
				// Refused at dial: nothing was sent, so every method may retry.
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
			})}
			c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(refused), api.WithRetries(1))
			everyMethod(t, c, func(name string, call func(context.Context, ...api.CallOption) error) {
				attempts.Store(0)
				headers = nil
				err := call(context.Background(), api.WithCallHeader(callHeader, "r-"+name), api.WithCallRetries(3))
				if !errors.Is(err, syscall.ECONNREFUSED) {
					t.Errorf("%s: got %v, want the refused connection", name, err)
				}
				if attempts.Load() != 4 {
					t.Errorf("%s: WithCallRetries(3): %d attempts, want 4", name, attempts.Load())
				}
				for i, h := range headers {
					if h != "r-"+name {
						t.Errorf("%s: attempt %d carried %s %q", name, i+1, callHeader, h)
					}
				}
				attempts.Store(0)
				_ = call(context.Background())
				if attempts.Load() != 2 {
					t.Errorf("%s: without the option, %d attempts, want the client's 2", name, attempts.Load())
				}
			})
		})
	})
	t.Run("timeouts", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var sent atomic.Int64
			c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(stalledTransport(&sent)), api.WithRetries(0))
			everyMethod(t, c, func(name string, call func(context.Context, ...api.CallOption) error) {
				start := time.Now()
				err := call(context.Background(), api.WithCallTimeout(3*time.Second))
				if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 3*time.Second {
					t.Errorf("%s: WithCallTimeout(3s): %v after %v", name, err, time.Since(start))
				}
				// Partner authentication is given 30 s at least: cut
				// short, a rejection could go unseen.
				limit := 2 * time.Second
				if name == "Partners.Authenticate" {
					limit = 30 * time.Second
				}
				start = time.Now()
				err = call(context.Background(), api.WithCallAttemptTimeout(2*time.Second))
				if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != limit {
					t.Errorf("%s: WithCallAttemptTimeout(2s): %v after %v, want %v", name, err, time.Since(start), limit)
				}
			})
		})
	})
}
