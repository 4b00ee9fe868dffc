package api_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"reflect"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// everyMethod calls fn with the name and a caller of every typed method
// of c's services, found by reflection (so a new operation is covered
// without editing this test): the caller passes valid arguments, taken by
// type from argsByType, then opts. A method taking an argument of a type
// not listed fails the test, naming it.
func everyMethod(t *testing.T, c *api.Client, fn func(name string, call func(ctx context.Context, opts ...api.CallOption) error)) {
	t.Helper()
	argsByType := map[reflect.Type]any{
		reflect.TypeFor[string]():                  "1005061234",
		reflect.TypeFor[int64]():                   int64(170716),
		reflect.TypeFor[api.UUID]():                cfgID,
		reflect.TypeFor[api.PartnerCredentials]():  credentials,
		reflect.TypeFor[api.ConfigurationParams](): configParams,
		reflect.TypeFor[api.LoginFormParams]():     loginParams,
		reflect.TypeFor[api.OAuthURLParams]():      oauthParams,
		reflect.TypeFor[api.ReconnectionParams]():  reconnectBody,
	}
	cv := reflect.ValueOf(c).Elem()
	n := 0
	for i := range cv.NumField() {
		f := cv.Type().Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Pointer || f.Type.Elem().Kind() != reflect.Struct {
			continue
		}
		svc := cv.Field(i)
		for j := range svc.NumMethod() {
			name := f.Name + "." + svc.Type().Method(j).Name
			m := svc.Method(j)
			mt := m.Type()
			args := []reflect.Value{{}} // the context, set per call
			var unlisted []reflect.Type
			for k := 1; k < mt.NumIn()-1; k++ {
				if v, ok := argsByType[mt.In(k)]; ok {
					args = append(args, reflect.ValueOf(v))
				} else {
					// A type not listed (a new operation's parameters,
					// say): its zero value, fine when nothing in it is
					// required.
					unlisted = append(unlisted, mt.In(k))
					args = append(args, reflect.Zero(mt.In(k)))
				}
			}
			n++
			fn(name, func(ctx context.Context, opts ...api.CallOption) error {
				in := append(append([]reflect.Value(nil), args...), reflect.ValueOf(opts))
				in[0] = reflect.ValueOf(ctx)
				out := m.CallSlice(in)
				err, _ := out[len(out)-1].Interface().(error)
				if _, ok := errors.AsType[*api.ValidationError](err); ok {
					t.Fatalf("%s refused its arguments (%v): add a valid value of %v to argsByType in callopts_test.go", name, err, unlisted)
				}
				return err
			})
		}
	}
	if n < 8 {
		t.Fatalf("only %d methods found", n)
	}
}

// TestCallOptionsOnEveryMethod: every typed method honours the per-call
// options: WithCallHeader reaches each attempt, WithCallRetries replaces
// the client's count, WithCallTimeout and WithCallAttemptTimeout bound the
// call and each attempt.
func TestCallOptionsOnEveryMethod(t *testing.T) {
	t.Run("header and retries", func(t *testing.T) {
		var attempts atomic.Int64
		var headers []string
		refused := &http.Client{Transport: transportFunc(func(req *http.Request) (*http.Response, error) {
			attempts.Add(1)
			headers = append(headers, req.Header.Get("X-Request-Id"))
			// Refused at dial: nothing was sent, so every method may retry.
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
		})}
		var rec testutil.SleepRecorder
		c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(refused), api.WithRetrySleep(rec.Sleep), api.WithRetries(1))
		everyMethod(t, c, func(name string, call func(context.Context, ...api.CallOption) error) {
			attempts.Store(0)
			headers = nil
			err := call(context.Background(), api.WithCallHeader("X-Request-Id", "r-"+name), api.WithCallRetries(3))
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("%s: got %v, want the refused connection", name, err)
			}
			if attempts.Load() != 4 {
				t.Errorf("%s: WithCallRetries(3): %d attempts, want 4", name, attempts.Load())
			}
			for i, h := range headers {
				if h != "r-"+name {
					t.Errorf("%s: attempt %d carried X-Request-Id %q", name, i+1, h)
				}
			}
			attempts.Store(0)
			_ = call(context.Background())
			if attempts.Load() != 2 {
				t.Errorf("%s: without the option, %d attempts, want the client's 2", name, attempts.Load())
			}
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
