package api_test

// Partner authentication must never send a secret the API may have
// rejected: a slow rejection is waited for and remembered, an attempt
// without an answer delays the next one, failures are spaced by their own
// backoff, and a token no header can carry is not kept.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// authScript is an in-process API for synctest bubbles: the n-th partner
// authentication (1-based) is answered by answer, every other call 200
// with an empty list. It checks each request and records when each
// authentication arrived and which token each other call carried.
type authScript struct {
	t      testing.TB
	answer func(n int, req *http.Request) (*http.Response, error)

	mu      sync.Mutex
	fetches []time.Time
	tokens  []string
}

func (a *authScript) client() *http.Client {
	return &http.Client{Transport: transportFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body == nil {
			req.Body = http.NoBody // as a server sees a GET
		}
		if req.URL.Path == tokenPath {
			checkRequest(a.t, req, expectation{method: "POST", path: tokenPath, body: credentialsJSON})
			a.mu.Lock()
			a.fetches = append(a.fetches, time.Now())
			n := len(a.fetches)
			a.mu.Unlock()
			return a.answer(n, req)
		}
		tok := req.Header.Get("Finicity-App-Token")
		get := pick(a.t, kindGET)
		checkRequest(a.t, req, expectation{method: "GET", path: get.urlPath(), token: tok})
		a.mu.Lock()
		a.tokens = append(a.tokens, tok)
		a.mu.Unlock()
		ok := getOK()
		return answer(req, ok.status, ok.body), nil
	})}
}

// offsets returns when each authentication arrived, from start.
func (a *authScript) offsets(start time.Time) []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []time.Duration
	for _, at := range a.fetches {
		out = append(out, at.Sub(start))
	}
	return out
}

func (a *authScript) calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.tokens)
}

// answer is a response to req.
func answer(req *http.Request, status int, body string) *http.Response {
	h := http.Header{}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Header: h,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}
}

// slowly answers status and body after d, as a slow server does, unless
// req's context ends first.
func slowly(req *http.Request, d time.Duration, status int, body string) (*http.Response, error) {
	select {
	case <-time.After(d):
		return answer(req, status, body), nil
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}

// TestSlowRejectionIsSeen: partner authentication answers 401/10024
// slowly. However short the attempt limits of the client or of the call
// that needs the token, the authentication is given 30 s (or the client's
// own limit when longer), so the rejection arrives, is remembered, and
// the secret is sent once: every call fails with ErrCredentialsRejected.
func TestSlowRejectionIsSeen(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  []api.Option
		call  []api.CallOption
		delay time.Duration // when the rejection comes
	}{
		{"WithAttemptTimeout(1s), answered after 1.5s", []api.Option{api.WithAttemptTimeout(time.Second)}, nil, 1500 * time.Millisecond},
		{"WithCallAttemptTimeout(1s), answered after 1.5s", nil, []api.CallOption{api.WithCallAttemptTimeout(time.Second)}, 1500 * time.Millisecond},
		{"both 1s, answered after 29s", []api.Option{api.WithAttemptTimeout(time.Second)}, []api.CallOption{api.WithCallAttemptTimeout(time.Second)}, 29 * time.Second},
		{"WithAttemptTimeout(45s), answered after 40s", []api.Option{api.WithAttemptTimeout(45 * time.Second)}, nil, 40 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := &authScript{t: t, answer: func(_ int, req *http.Request) (*http.Response, error) {
					return slowly(req, tc.delay, 401, rejectedJSON)
				}}
				c := newPartnerClient(t, "http://127.0.0.1", append(tc.opts, api.WithHTTPClient(fake.client()))...)
				start := time.Now()
				for i := range 5 {
					err := pick(t, kindGET).call(context.Background(), c, tc.call...)
					if !errors.Is(err, api.ErrCredentialsRejected) {
						t.Fatalf("call %d: %v; want ErrCredentialsRejected", i+1, err)
					}
					if apiErr, ok := errors.AsType[*api.Error](err); !ok || apiErr.StatusCode != 401 || apiErr.ReasonCode != "10024" {
						t.Fatalf("call %d: %v; want it to hold the API's 401/10024", i+1, err)
					}
				}
				if took := time.Since(start); took != tc.delay {
					t.Errorf("5 calls took %v, want the one authentication's %v", took, tc.delay)
				}
				if got := fake.offsets(start); !slices.Equal(got, []time.Duration{0}) {
					t.Errorf("authentications at %v, want one, at once", got)
				}
				if n := len(fake.calls()); n != 0 {
					t.Errorf("%d calls reached the API, want none", n)
				}
			})
		})
	}
	// The caller gives up before the answer: its call ends with its
	// context's error, the authentication goes on, and the next call
	// learns the rejection from it, sending nothing.
	t.Run("the caller gives up", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			fake := &authScript{t: t, answer: func(_ int, req *http.Request) (*http.Response, error) {
				return slowly(req, 1500*time.Millisecond, 401, rejectedJSON)
			}}
			c := newPartnerClient(t, "http://127.0.0.1", api.WithHTTPClient(fake.client()), api.WithAttemptTimeout(time.Second))
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			if err := listCall(ctx, c); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 500*time.Millisecond {
				t.Fatalf("impatient call: %v after %v; want its deadline at 500ms", err, time.Since(start))
			}
			if err := listCall(context.Background(), c); !errors.Is(err, api.ErrCredentialsRejected) || time.Since(start) != 1500*time.Millisecond {
				t.Fatalf("next call: %v after %v; want ErrCredentialsRejected at 1.5s", err, time.Since(start))
			}
			if err := listCall(context.Background(), c); !errors.Is(err, api.ErrCredentialsRejected) {
				t.Fatalf("later call: %v; want the remembered rejection", err)
			}
			if got := fake.offsets(start); !slices.Equal(got, []time.Duration{0}) {
				t.Errorf("authentications at %v, want one", got)
			}
		})
	})
}

// TestUnknownAuthenticationOutcomeDelaysTheNext: an authentication whose
// connection was reset after the request went out, and one that never
// answered (cut at 30 s, not at the client's 1 s), end without an answer:
// the secret may have been rejected. Each is a failure the next attempt
// waits for (0.5 s, then 1 s, jittered in their upper half), never a
// rejection, and a later answer is used.
func TestUnknownAuthenticationOutcomeDelaysTheNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &authScript{t: t, answer: func(n int, req *http.Request) (*http.Response, error) {
			switch n {
			case 1: // written, then the connection dropped
				return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
			case 2: // never answered
				<-req.Context().Done()
				return nil, req.Context().Err()
			}
			return answer(req, 200, tokenJSON), nil
		}}
		c := newPartnerClient(t, "http://127.0.0.1", api.WithHTTPClient(fake.client()), api.WithAttemptTimeout(time.Second))
		start := time.Now()
		err := listCall(context.Background(), c)
		if !errors.Is(err, syscall.ECONNRESET) || errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("first call: %v; want the reset, not a rejection", err)
		}
		err = listCall(context.Background(), c)
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("second call: %v; want the authentication's own time limit, not a rejection", err)
		}
		secondEnded := time.Since(start)
		if err := listCall(context.Background(), c); err != nil {
			t.Fatalf("third call: %v", err)
		}
		at := fake.offsets(start)
		if len(at) != 3 || at[0] != 0 {
			t.Fatalf("authentications at %v, want three, the first at once", at)
		}
		if at[1] < 250*time.Millisecond || at[1] > 500*time.Millisecond {
			t.Errorf("second authentication at %v, want 0.25s to 0.5s (the backoff after one failure)", at[1])
		}
		if secondEnded != at[1]+30*time.Second {
			t.Errorf("second call ended %v after its authentication, want the attempt's 30s", secondEnded-at[1])
		}
		if wait := at[2] - secondEnded; wait < 500*time.Millisecond || wait > time.Second {
			t.Errorf("third authentication %v after the second failed, want 0.5s to 1s (the backoff after two)", wait)
		}
		if got := fake.calls(); !slices.Equal(got, []string{"fresh-token-from-the-server"}) {
			t.Errorf("calls carried %q, want the one fetched token", got)
		}
	})
}

// TestAuthenticationBackoffSchedule: partner authentication answering
// 500 to eight goroutines calling without pause is tried at 0.5 s, 1 s,
// 2 s ... intervals, doubling to 30 s, whatever the retry settings of
// calls, each interval in the upper half of its step (the jitter). The
// steps themselves are internal/auth's (TestBackoffSchedule).
func TestAuthenticationBackoffSchedule(t *testing.T) {
	steps := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	run := func(t *testing.T, opts ...api.Option) []time.Duration {
		fake := &authScript{t: t, answer: func(_ int, req *http.Request) (*http.Response, error) {
			return answer(req, 500, errorBody("500", "Internal error.", "", true)), nil
		}}
		opts = append(opts, api.WithHTTPClient(fake.client()), api.WithRetries(5), api.WithRetryBackoff(time.Millisecond, time.Millisecond))
		c := newPartnerClient(t, "http://127.0.0.1", opts...)
		start := time.Now()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for len(fake.offsets(start)) <= len(steps) {
					err := listCall(context.Background(), c)
					if apiErr, ok := errors.AsType[*api.Error](err); !ok || apiErr.StatusCode != 500 || errors.Is(err, api.ErrCredentialsRejected) {
						t.Errorf("call: %v; want the 500, not a rejection", err)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := len(fake.calls()); n != 0 {
			t.Errorf("%d calls reached the API without a token", n)
		}
		var gaps []time.Duration
		at := fake.offsets(start)
		for i := 1; i < len(at); i++ {
			gaps = append(gaps, at[i]-at[i-1])
		}
		if len(at) != len(steps)+1 || at[0] != 0 {
			t.Fatalf("authentications at %v, want one at once and one after each of %v", at, steps)
		}
		return gaps
	}
	synctest.Test(t, func(t *testing.T) {
		for i, gap := range run(t) {
			if gap < steps[i]/2 || gap > steps[i] {
				t.Errorf("interval %d: %v, want between %v and %v", i+1, gap, steps[i]/2, steps[i])
			}
		}
	})
}

// TestInvalidTokenIsNotKept: an authentication answer whose token cannot
// be a header value is an error naming the problem (never the token), is
// not kept, and sends no call with it; the next call authenticates again
// (after the backoff) and uses the valid token.
func TestInvalidTokenIsNotKept(t *testing.T) {
	for _, bad := range []string{"abc\ndef", "abc\r\nX-Injected: 1", "nul\x00byte", "del\x7fbyte", " leading-blank", "trailing-tab\t"} {
		t.Run(fmt.Sprintf("%q", bad), func(t *testing.T) {
			body, err := json.Marshal(map[string]string{"token": bad})
			if err != nil {
				t.Fatal(err)
			}
			synctest.Test(t, func(t *testing.T) { checkInvalidTokenIsNotKept(t, bad, string(body)) })
		})
	}
}

// checkInvalidTokenIsNotKept runs TestInvalidTokenIsNotKept for one bad
// token, in a synctest bubble: body is the authentication answer holding it.
func checkInvalidTokenIsNotKept(t *testing.T, bad, body string) {
	srv, hc := inProcess(reply{status: 200, body: body}, reply{status: 200, body: tokenJSON}, getOK())
	c := newPartnerClient(t, "http://127.0.0.1", api.WithHTTPClient(hc))
	err := listCall(context.Background(), c)
	if err == nil || errors.Is(err, api.ErrCredentialsRejected) || err.Error() != "finicity: partner authentication answered with a token that is not a valid header value" {
		t.Fatalf("first call: %v; want the invalid answer named", err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		mustContainNone(t, "the error", fmt.Sprintf(verb, err), bad, strings.TrimSpace(bad), fmt.Sprintf("%q", bad))
	}
	if err := listCall(context.Background(), c); err != nil {
		t.Fatalf("second call: %v", err)
	}
	var got []string
	for _, r := range srv.requests() {
		got = append(got, r.method+" "+r.path+" "+r.header.Get("Finicity-App-Token"))
	}
	want := []string{"POST " + tokenPath + " ", "POST " + tokenPath + " ", "GET " + pick(t, kindGET).urlPath() + " fresh-token-from-the-server"}
	if !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	if waits := srv.gaps(); len(waits) != 2 || waits[0] < 250*time.Millisecond || waits[0] > 500*time.Millisecond || waits[1] != 0 {
		t.Errorf("waits between the requests %v, want one backoff step of 0.25s to 0.5s before the second authentication", waits)
	}
}
