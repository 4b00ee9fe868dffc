package retry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/internal/httpx"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// errorCase is one kind of transport failure, produced for real where
// practical and otherwise built the way package net, crypto/tls or
// net/http build it.
type errorCase struct {
	name string
	// next returns the Doer the retry layer wraps and the URL to call.
	// cancel cancels the caller's context.
	next func(t *testing.T, cancel context.CancelFunc) (httpx.Doer, string)
	// is confirms the error that comes out is the kind the row is about.
	is func(error) bool
	// Optional: a per-attempt timeout, a deadline on the caller's context,
	// and whether the row needs synctest's fake clock for them.
	attemptTimeout, callerTimeout time.Duration
	bubble                        bool
	// Whether a GET and a POST are retried.
	get, post bool
}

// failWith is a Doer failing every attempt with err, wrapped in a
// *url.Error as http.Client.Do wraps transport errors.
func failWith(err error) func(*testing.T, context.CancelFunc) (httpx.Doer, string) {
	return func(*testing.T, context.CancelFunc) (httpx.Doer, string) {
		return httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
			return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: err}
		}), "http://127.0.0.1/x"
	}
}

// untilDone is a Doer whose attempts wait for their context to end, as a
// request to a server that never answers does.
func untilDone(*testing.T, context.CancelFunc) (httpx.Doer, string) {
	return httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
		<-req.Context().Done()
		return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: req.Context().Err()}
	}), "http://127.0.0.1/x"
}

func quietClient(tr *http.Transport) *http.Client {
	tr.Proxy = nil // the calls below go to 127.0.0.1, never through a proxy
	return &http.Client{Transport: tr}
}

// refusedAddr returns a loopback address where connections are refused.
// The usual trick (listen, close, reuse the port) races with anything else
// taking the port in between; here the port is held for the whole test as
// the local end of an open connection, where nothing can listen.
func refusedAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().String()
}

// tlsServer is an httptest TLS server on 127.0.0.1 that counts the
// requests that get through and keeps handshake failures out of the log.
func tlsServer(t *testing.T, cfg *tls.Config, hits *atomic.Int64) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// rawServer is a TCP server on 127.0.0.1 that writes reply to each
// connection and closes it; Cleanup waits for it to stop.
func rawServer(t *testing.T, reply string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, reply)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func as[T any](err error) bool {
	var target T
	return errors.As(err, &target)
}

var errorCases = []errorCase{
	// Transient, and the request never left: retried for GET and POST.
	{name: "connection refused, real dial", get: true, post: true,
		next: func(t *testing.T, _ context.CancelFunc) (httpx.Doer, string) {
			return quietClient(&http.Transport{}), "http://" + refusedAddr(t) + "/x"
		},
		is: func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }},
	{name: "connection refused, as net reports it", get: true, post: true,
		next: failWith(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})},
	{name: "connection refused, text only (a dialer outside net)", get: true, post: true,
		next: failWith(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")})},
	{name: "dial timeout, real dial past its deadline", get: true, post: true,
		next: func(t *testing.T, _ context.CancelFunc) (httpx.Doer, string) {
			ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
			defer cancel()
			_, err := (&net.Dialer{}).DialContext(ctx, "tcp", refusedAddr(t))
			var op *net.OpError
			if !errors.As(err, &op) || op.Op != "dial" || !op.Timeout() {
				t.Fatalf("want a dial timeout, got %v", err)
			}
			return failWith(err)(t, nil)
		}},

	// Transient, but the request may have reached the server: GET only.
	{name: "connection reset", get: true,
		next: failWith(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)})},
	{name: "server closed the connection before answering, real", get: true,
		next: func(t *testing.T, _ context.CancelFunc) (httpx.Doer, string) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			}))
			t.Cleanup(srv.Close)
			return quietClient(&http.Transport{}), srv.URL + "/x"
		},
		is: func(err error) bool { return errors.Is(err, io.EOF) }},
	{name: "unexpected EOF", get: true, next: failWith(io.ErrUnexpectedEOF)},
	{name: "broken pipe", get: true,
		next: failWith(&net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)})},
	{name: "read timeout", get: true,
		next: failWith(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded})},
	{name: "timeout hidden behind a wrapper without Timeout()", get: true,
		next: failWith(errors.Join(errors.New("reading the answer"), &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}))},
	{name: "attempt timeout (AttemptTimeout fires)", get: true, next: untilDone, attemptTimeout: time.Second, bubble: true,
		is: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},

	// Never retried.
	{name: "caller's context deadline", next: untilDone, callerTimeout: time.Second, bubble: true,
		is: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
	{name: "caller's deadline ends a run of attempt timeouts", get: true, next: untilDone, attemptTimeout: time.Second, callerTimeout: 1500 * time.Millisecond, bubble: true,
		is: func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
	{name: "caller's context cancelled",
		next: func(t *testing.T, cancel context.CancelFunc) (httpx.Doer, string) {
			return httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
				cancel()
				return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: req.Context().Err()}
			}), "http://127.0.0.1/x"
		},
		is: func(err error) bool { return errors.Is(err, context.Canceled) }},
	{name: "x509 unknown authority, real handshake",
		next: func(t *testing.T, _ context.CancelFunc) (httpx.Doer, string) {
			srv := tlsServer(t, nil, new(atomic.Int64))
			return quietClient(&http.Transport{}), srv.URL + "/x"
		},
		is: func(err error) bool {
			return as[*tls.CertificateVerificationError](err) && as[x509.UnknownAuthorityError](err)
		}},
	{name: "x509 hostname mismatch, real handshake",
		next: func(t *testing.T, _ context.CancelFunc) (httpx.Doer, string) {
			srv := tlsServer(t, nil, new(atomic.Int64))
			tr := srv.Client().Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.ServerName = "wrong.example"
			return quietClient(tr), srv.URL + "/x"
		},
		is: as[x509.HostnameError]},
	{name: "x509 certificate expired, real handshake",
		next: func(t *testing.T, _ context.CancelFunc) (httpx.Doer, string) {
			srv := tlsServer(t, nil, new(atomic.Int64))
			tr := srv.Client().Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.Time = func() time.Time { return time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) }
			return quietClient(tr), srv.URL + "/x"
		},
		is: as[x509.CertificateInvalidError]},
	{name: "TLS record header, real: the server does not speak TLS",
		next: func(t *testing.T, _ context.CancelFunc) (httpx.Doer, string) {
			return quietClient(&http.Transport{}), "https://" + rawServer(t, "\x00\x01\x02\x03\x04 not TLS") + "/x"
		},
		is: as[tls.RecordHeaderError]},
	{name: "TLS alert from the server, real: client certificate required",
		next: func(t *testing.T, _ context.CancelFunc) (httpx.Doer, string) {
			srv := tlsServer(t, &tls.Config{ClientAuth: tls.RequireAnyClientCert}, new(atomic.Int64))
			return quietClient(srv.Client().Transport.(*http.Transport).Clone()), srv.URL + "/x"
		},
		is: func(err error) bool { return strings.Contains(err.Error(), "certificate required") }},
	{name: "TLS alert", next: failWith(tls.AlertError(40))},
	{name: "DNS no such host",
		next: failWith(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}})},
	{name: "DNS temporary failure (timed out)",
		next: failWith(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "i/o timeout", Name: "api.example.invalid", IsTimeout: true, IsTemporary: true}})},
	{name: "dial error of another kind (too many open files)",
		next: failWith(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)})},
	{name: "unknown error", next: failWith(errors.New("something else went wrong"))},
}

// TestTransportErrorsRetriedOnlyWhenTransient takes the kinds of transport
// failure one by one, for a GET and a POST, and counts the attempts:
// MaxRetries+1 for what is retried, 1 for the rest.
func TestTransportErrorsRetriedOnlyWhenTransient(t *testing.T) {
	const maxRetries = 2
	for _, tc := range errorCases {
		for _, method := range []string{"GET", "POST"} {
			t.Run(tc.name+"/"+method, func(t *testing.T) {
				run := func(t *testing.T) {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					if tc.callerTimeout > 0 {
						ctx, cancel = context.WithTimeout(ctx, tc.callerTimeout)
						defer cancel()
					}
					next, target := tc.next(t, cancel)
					attempts := 0
					counted := httpx.DoerFunc(func(req *http.Request) (*http.Response, error) {
						attempts++
						return next.Do(req)
					})
					var sl testutil.SleepRecorder
					d := wrapDoer(counted, Policy{MaxRetries: maxRetries, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond,
						AttemptTimeout: tc.attemptTimeout, Sleep: sl.Sleep})
					var body io.Reader
					if method == "POST" {
						body = strings.NewReader(`{"a":1}`)
					}
					req, err := http.NewRequestWithContext(ctx, method, target, body)
					if err != nil {
						t.Fatal(err)
					}
					resp, err := d.Do(req)
					if err == nil {
						resp.Body.Close()
						t.Fatalf("got %d, want an error", resp.StatusCode)
					}
					if tc.is != nil && !tc.is(err) {
						t.Fatalf("the error is not the kind this case is about: %v", err)
					}
					retried := tc.get
					if method == "POST" {
						retried = tc.post
					}
					want := 1
					if retried {
						want = maxRetries + 1
					}
					if tc.callerTimeout > 0 && tc.attemptTimeout > 0 {
						// The caller's deadline falls inside the second attempt.
						want = min(want, int(tc.callerTimeout/tc.attemptTimeout)+1)
					}
					if attempts != want {
						t.Errorf("attempts: got %d, want %d (last error: %v)", attempts, want, err)
					}
					if got := len(sl.Waits()); got != attempts-1 {
						t.Errorf("waits: got %d, want %d", got, attempts-1)
					}
				}
				if tc.bubble {
					synctest.Test(t, run)
				} else {
					run(t)
				}
			})
		}
	}
}

// TestTLSFailureNeverReachesTheServer checks, for a real certificate
// failure, the other side of "never retried": the server sees nothing.
func TestTLSFailureNeverReachesTheServer(t *testing.T) {
	var hits atomic.Int64
	srv := tlsServer(t, nil, &hits)
	var sl testutil.SleepRecorder
	d := wrapDoer(quietClient(&http.Transport{}), Policy{MaxRetries: 2, Sleep: sl.Sleep})
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	if _, err := d.Do(req); !as[*tls.CertificateVerificationError](err) {
		t.Fatalf("got %v, want a certificate verification error", err)
	}
	if hits.Load() != 0 || len(sl.Waits()) != 0 {
		t.Errorf("server hits %d, waits %v; want none", hits.Load(), sl.Waits())
	}
}

// TestClassification pins Transient and NotSent on the exported side, for
// callers that decide by themselves.
func TestClassification(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	dns := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, tc := range []struct {
		name               string
		err                error
		transient, notSent bool
	}{
		{"nil", nil, false, false},
		{"refused", refused, true, true},
		{"DNS", dns, false, false},
		{"reset", reset, true, false},
		{"x509", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false, false},
		{"cancelled", context.Canceled, false, false},
	} {
		if got := Transient(tc.err); got != tc.transient {
			t.Errorf("%s: Transient = %v, want %v", tc.name, got, tc.transient)
		}
		if got := NotSent(tc.err); got != tc.notSent {
			t.Errorf("%s: NotSent = %v, want %v", tc.name, got, tc.notSent)
		}
	}
}
