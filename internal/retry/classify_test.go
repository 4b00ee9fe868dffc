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
)

// doFunc sends one request: an *http.Client's Do, or a stand-in.
type doFunc func(*http.Request) (*http.Response, error)

// errorCase is one kind of transport failure, produced for real where
// practical and otherwise built the way package net, crypto/tls or
// net/http build it.
type errorCase struct {
	name string
	// next returns what sends the request and the URL to call. cancel
	// cancels the caller's context.
	next func(t *testing.T, cancel context.CancelFunc) (doFunc, string)
	// is confirms the error that comes out is the kind the row is about.
	is func(error) bool
	// Optional: the attempt's time limit, a deadline on the caller's
	// context, and whether the row needs synctest's clock for them.
	attemptTimeout, callerTimeout time.Duration
	bubble                        bool
	// Whether a GET and a POST are retried.
	get, post bool
}

// failWith fails every attempt with err, wrapped in a *url.Error as
// http.Client.Do wraps transport errors.
func failWith(err error) func(*testing.T, context.CancelFunc) (doFunc, string) {
	return func(*testing.T, context.CancelFunc) (doFunc, string) {
		return func(req *http.Request) (*http.Response, error) {
			return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: err}
		}, "http://127.0.0.1/x"
	}
}

// untilDone's attempts wait for their context to end, as a request to a
// server that never answers does.
func untilDone(*testing.T, context.CancelFunc) (doFunc, string) {
	return func(req *http.Request) (*http.Response, error) {
		<-req.Context().Done()
		return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: req.Context().Err()}
	}, "http://127.0.0.1/x"
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
		next: func(t *testing.T, _ context.CancelFunc) (doFunc, string) {
			return quietClient(&http.Transport{}).Do, "http://" + refusedAddr(t) + "/x"
		},
		is: func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }},
	{name: "connection refused, as net reports it", get: true, post: true,
		next: failWith(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})},
	{name: "connection refused, text only (a dialer outside net)", get: true, post: true,
		next: failWith(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")})},
	{name: "dial timeout, real dial past its deadline", get: true, post: true,
		next: func(t *testing.T, _ context.CancelFunc) (doFunc, string) {
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
		next: func(t *testing.T, _ context.CancelFunc) (doFunc, string) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			}))
			t.Cleanup(srv.Close)
			return quietClient(&http.Transport{}).Do, srv.URL + "/x"
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
	{name: "caller's context cancelled",
		next: func(t *testing.T, cancel context.CancelFunc) (doFunc, string) {
			return func(req *http.Request) (*http.Response, error) {
				cancel()
				return nil, &url.Error{Op: req.Method, URL: req.URL.String(), Err: req.Context().Err()}
			}, "http://127.0.0.1/x"
		},
		is: func(err error) bool { return errors.Is(err, context.Canceled) }},
	{name: "x509 unknown authority, real handshake",
		next: func(t *testing.T, _ context.CancelFunc) (doFunc, string) {
			srv := tlsServer(t, nil, new(atomic.Int64))
			return quietClient(&http.Transport{}).Do, srv.URL + "/x"
		},
		is: func(err error) bool {
			return as[*tls.CertificateVerificationError](err) && as[x509.UnknownAuthorityError](err)
		}},
	{name: "x509 hostname mismatch, real handshake",
		next: func(t *testing.T, _ context.CancelFunc) (doFunc, string) {
			srv := tlsServer(t, nil, new(atomic.Int64))
			tr := srv.Client().Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.ServerName = "wrong.example"
			return quietClient(tr).Do, srv.URL + "/x"
		},
		is: as[x509.HostnameError]},
	{name: "x509 certificate expired, real handshake",
		next: func(t *testing.T, _ context.CancelFunc) (doFunc, string) {
			srv := tlsServer(t, nil, new(atomic.Int64))
			tr := srv.Client().Transport.(*http.Transport).Clone()
			tr.TLSClientConfig.Time = func() time.Time { return time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) }
			return quietClient(tr).Do, srv.URL + "/x"
		},
		is: as[x509.CertificateInvalidError]},
	{name: "TLS record header, real: the server does not speak TLS",
		next: func(t *testing.T, _ context.CancelFunc) (doFunc, string) {
			return quietClient(&http.Transport{}).Do, "https://" + rawServer(t, "\x00\x01\x02\x03\x04 not TLS") + "/x"
		},
		is: as[tls.RecordHeaderError]},
	{name: "TLS alert from the server, real: client certificate required",
		next: func(t *testing.T, _ context.CancelFunc) (doFunc, string) {
			srv := tlsServer(t, &tls.Config{ClientAuth: tls.RequireAnyClientCert}, new(atomic.Int64))
			return quietClient(srv.Client().Transport.(*http.Transport).Clone()).Do, srv.URL + "/x"
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
// failure one by one, for a GET and a POST: the attempt fails, and Next
// says whether it is sent again.
func TestTransportErrorsRetriedOnlyWhenTransient(t *testing.T) {
	p := Policy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
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
					do, target := tc.next(t, cancel)
					var body io.Reader
					if method == "POST" {
						body = strings.NewReader(`{"a":1}`)
					}
					req, err := http.NewRequestWithContext(ctx, method, target, body)
					if err != nil {
						t.Fatal(err)
					}
					attempt := req
					if tc.attemptTimeout > 0 {
						actx, stop := context.WithTimeout(ctx, tc.attemptTimeout)
						defer stop()
						attempt = req.WithContext(actx)
					}
					resp, err := do(attempt)
					if err == nil {
						resp.Body.Close()
						t.Fatalf("got %d, want an error", resp.StatusCode)
					}
					if tc.is != nil && !tc.is(err) {
						t.Fatalf("the error is not the kind this case is about: %v", err)
					}
					want := tc.get
					if method == "POST" {
						want = tc.post
					}
					if wait, retried := p.Next(req, 1, 0, nil, err); retried != want || (retried && wait > time.Millisecond) {
						t.Errorf("Next: retried %v after %v, want %v (error: %v)", retried, wait, want, err)
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
	req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
	_, err := quietClient(&http.Transport{}).Do(req)
	if !as[*tls.CertificateVerificationError](err) {
		t.Fatalf("got %v, want a certificate verification error", err)
	}
	if _, retried := Default().Next(req, 1, 0, nil, err); retried || hits.Load() != 0 {
		t.Errorf("retried %v, server hits %d; want neither", retried, hits.Load())
	}
}

// TestClassification pins the three kinds of failure: never retried,
// retried when repeating the request is harmless, retried as never sent.
func TestClassification(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	dns := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	for _, tc := range []struct {
		name string
		err  error
		want failure
	}{
		{"nil", nil, permanent},
		{"refused", refused, unsent},
		{"DNS", dns, permanent},
		{"reset", reset, transient},
		{"x509", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, permanent},
		{"cancelled", context.Canceled, permanent},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("%s: classify = %d, want %d", tc.name, got, tc.want)
		}
	}
}
