package api_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestNoRedirectIsFollowed: a 3xx from the API (to another origin here)
// is an *Error carrying Location; nothing reaches the other origin, for
// partner authentication and for API calls, with the default client and
// with the caller's own *http.Client, which is left unchanged.
func TestNoRedirectIsFollowed(t *testing.T) {
	var elsewhere atomic.Int64
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		writeReply(w, reply{status: 200, body: tokenJSON})
	})
	auth, get, post := pick(t, kindAuth), pick(t, kindGET), pick(t, kindPOST)
	calls := []struct {
		name string
		opts []api.Option
		call func(context.Context, *api.Client) error
		path string
	}{
		{"partner authentication " + auth.name(), nil, auth.send, auth.urlPath()},
		{"GET " + get.name(), nil, get.send, get.urlPath()},
		{"POST " + post.name(), nil, post.send, post.urlPath()},
		{"token fetch of WithPartnerCredentials", []api.Option{api.WithPartnerCredentials(testPartnerID, testSecret)}, get.send, auth.urlPath()},
	}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, tc := range calls {
			for _, own := range []bool{false, true} {
				t.Run(fmt.Sprintf("%d/%s/own client %v", status, tc.name, own), func(t *testing.T) {
					srv := newScripted(t, reply{status: status, header: map[string]string{"Location": other.URL + tc.path}})
					opts := []api.Option{api.WithBaseURL(srv.URL)}
					var hc *http.Client
					if own {
						hc = &http.Client{Timeout: time.Minute}
						opts = append(opts, api.WithHTTPClient(hc))
					}
					if tc.opts == nil {
						opts = append(opts, api.WithAppToken(testToken))
					}
					c, err := api.NewClient(testKey, append(opts, tc.opts...)...)
					if err != nil {
						t.Fatal(err)
					}
					err = tc.call(context.Background(), c)
					apiErr, ok := errors.AsType[*api.Error](err)
					if !ok || apiErr.StatusCode != status || apiErr.Location != other.URL+tc.path || apiErr.Header.Get("Location") != other.URL+tc.path {
						t.Fatalf("got %v, want a %d *api.Error with its Location", err, status)
					}
					if !strings.Contains(err.Error(), "redirect to "+other.URL+tc.path+" not followed") {
						t.Errorf("message %q does not say the redirect was not followed", err)
					}
					if n := elsewhere.Load(); n != 0 {
						t.Fatalf("%d requests reached the other origin", n)
					}
					if srv.count() != 1 {
						t.Errorf("requests: got %d, want 1 (a redirect is not retried)", srv.count())
					}
					if own && hc.CheckRedirect != nil {
						t.Error("the caller's *http.Client was changed")
					}
				})
			}
		}
	}
}

// TestSwitchingProtocolsIsAnError: a 101 answer, whose body is the raw
// connection, fails the call at once instead of blocking it forever.
func TestSwitchingProtocolsIsAnError(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n")
		_ = buf.Flush()
		<-release
	})
	c := newClient(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := listCall(ctx, c)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1xx") {
		t.Fatalf("got %v, want the 101 refused at once", err)
	}
	if !strings.HasPrefix(err.Error(), "finicity: ") {
		t.Errorf("message %q lacks the prefix", err)
	}
}

// stalledBody is a body that is the raw connection of a server that went
// quiet: reads block until it is closed.
type stalledBody struct{ closed chan struct{} }

func (b *stalledBody) Read([]byte) (int, error) { <-b.closed; return 0, io.ErrClosedPipe }
func (b *stalledBody) Close() error {
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
	return nil
}

// stalledTransport answers with headers at once and a body that never
// comes, ignoring the request's context as a broken transport would.
func stalledTransport(sent *atomic.Int64) *http.Client {
	return &http.Client{Transport: transportFunc(func(req *http.Request) (*http.Response, error) {
		sent.Add(1)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: &stalledBody{closed: make(chan struct{})}, ContentLength: 100, Request: req}, nil
	})}
}

// TestDefaultAttemptTimeout: with no deadline from the caller and no
// option, each attempt has 30 s (DefaultAttemptTimeout), reading its body
// included; a timed-out GET is retried (after the backoff's jittered
// 0.5 s and 1 s), a POST is not.
func TestDefaultAttemptTimeout(t *testing.T) {
	if api.DefaultAttemptTimeout != 30*time.Second {
		t.Fatalf("DefaultAttemptTimeout = %v, want the documented 30s", api.DefaultAttemptTimeout)
	}
	for _, tc := range []struct {
		name      string
		call      func(context.Context, *api.Client) error
		wantSent  int64
		wantSpent span
		opts      []api.Option
	}{
		{"GET", callOf(kindGET), 3, span{90*time.Second + 750*time.Millisecond, 91*time.Second + 500*time.Millisecond}, nil},
		{"POST", callOf(kindPOST), 1, exactly(30 * time.Second), nil},
		{"GET with WithAttemptTimeout", callOf(kindGET), 1, exactly(2 * time.Second), []api.Option{api.WithAttemptTimeout(2 * time.Second), api.WithRetries(0)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var sent atomic.Int64
				c := newClient(t, "http://127.0.0.1", append([]api.Option{api.WithHTTPClient(stalledTransport(&sent))}, tc.opts...)...)
				start := time.Now()
				err := tc.call(context.Background(), c)
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("got %v, want the attempt's deadline", err)
				}
				if spent := time.Since(start); spent < tc.wantSpent.min || spent > tc.wantSpent.max {
					t.Errorf("the call took %v, want between %v and %v", spent, tc.wantSpent.min, tc.wantSpent.max)
				}
				if sent.Load() != tc.wantSent {
					t.Errorf("attempts: got %d, want %d", sent.Load(), tc.wantSent)
				}
			})
		})
	}
}

// TestAnnouncedLengthIsNotAllocated: fifty answers announcing 10 MiB and
// sending one byte cost what arrived, not 500 MiB.
func TestAnnouncedLengthIsNotAllocated(t *testing.T) {
	hc := &http.Client{Transport: transportFunc(func(req *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("[")), ContentLength: 10 << 20, Request: req}, nil
	})}
	c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(hc), api.WithRetries(0))
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			for range 50 {
				_ = listCall(context.Background(), c)
			}
		}
	})
	if per := res.AllocedBytesPerOp(); per > 4<<20 {
		t.Errorf("50 short answers announcing 10 MiB allocated %d bytes; want what arrived", per)
	}
}

// wrapBody is a middleware that wraps every answer's body in a reader of
// its own (as a tracing or metrics middleware does).
func wrapBody(next api.Doer) api.Doer {
	return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{bufio.NewReader(resp.Body), resp.Body}
		return resp, nil
	})
}

// TestPipelineWhateverTheMiddlewareDoes: token replay on 10023 and
// response validation work with a per-attempt time limit, and with a
// middleware that wraps the body or replaces the response.
func TestPipelineWhateverTheMiddlewareDoes(t *testing.T) {
	replace := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err != nil {
				return nil, err
			}
			body, _ := io.ReadAll(resp.Body)
			return &http.Response{StatusCode: resp.StatusCode, Header: resp.Header.Clone(), Body: io.NopCloser(strings.NewReader(string(body))), Request: req}, nil
		})
	}
	setups := []struct {
		name string
		opts []api.Option
	}{
		{"WithAttemptTimeout", []api.Option{api.WithAttemptTimeout(5 * time.Second)}},
		{"body-wrapping middleware", []api.Option{api.WithMiddleware(wrapBody)}},
		{"response-replacing middleware", []api.Option{api.WithMiddleware(replace)}},
		{"all three", []api.Option{api.WithAttemptTimeout(5 * time.Second), api.WithMiddleware(wrapBody, replace, wrapBody)}},
	}
	get := pick(t, kindGET)
	for _, setup := range setups {
		t.Run(setup.name+"/replay", func(t *testing.T) {
			srv := newScripted(t, reply{status: 401, body: expiredJSON}, get.okReply())
			tokens := &scriptedTokens{tokens: []string{"tok-1", "tok-2"}}
			c := newTokenSourceClient(t, srv.URL, tokens, setup.opts...)
			got, err := get.result(context.Background(), c)
			if err != nil {
				t.Fatalf("got %v; want the answer after one replay", err)
			}
			checkResult(t, get.op, get.ok, got, get.answerValue)
			reqs := srv.requests()
			if len(reqs) != 2 || reqs[0].header.Get("Finicity-App-Token") != "tok-1" || reqs[1].header.Get("Finicity-App-Token") != "tok-2" {
				t.Errorf("requests: %+v; want tok-1 then tok-2", reqs)
			}
		})
		t.Run(setup.name+"/response validation", func(t *testing.T) {
			srv := newScripted(t, get.okReply())
			c := newClient(t, srv.URL, append(setup.opts, api.WithResponseValidation())...)
			got, err := get.result(context.Background(), c)
			if err != nil {
				t.Fatalf("got %v; want the valid answer decoded", err)
			}
			checkResult(t, get.op, get.ok, got, get.answerValue)
			// And an invalid one is still refused.
			bad := newScripted(t, reply{status: get.ok.Code, body: wrongKind(get.ok.Schema)})
			err = get.call(context.Background(), newClient(t, bad.URL, append(setup.opts, api.WithResponseValidation())...))
			if ve, ok := errors.AsType[*api.ValidationError](err); !ok || !ve.Response {
				t.Errorf("got %v, want a response *ValidationError", err)
			}
		})
	}
}

// TestMiddlewareReplacesTheAnswer: what the middleware returns is what the
// caller gets, status and body.
func TestMiddlewareReplacesTheAnswer(t *testing.T) {
	srv := newScripted(t, reply{status: 503})
	notFound := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			if _, err := next.Do(req); err != nil {
				return nil, err
			}
			return &http.Response{StatusCode: 404, Header: http.Header{"X-From": {"mw"}}, Body: io.NopCloser(strings.NewReader(notFoundJSON))}, nil
		})
	}
	err := listCall(context.Background(), newClient(t, srv.URL, api.WithMiddleware(notFound)))
	apiErr, ok := errors.AsType[*api.Error](err)
	if !ok || apiErr.StatusCode != 404 || apiErr.ReasonCode != api.ReasonNotFound || apiErr.Header.Get("X-From") != "mw" {
		t.Fatalf("got %v, want the middleware's 404", err)
	}
}

// TestErrorsMaskedWhereverTheyComeFrom: an error carrying a credential,
// from a middleware, a TokenSource, a request editor or the transport,
// through the typed methods and Generated, comes out once prefixed and
// masked, and still wraps the original.
func TestErrorsMaskedWhereverTheyComeFrom(t *testing.T) {
	key, tok := randomSecret("key"), randomSecret("tok")
	leak := errors.New("upstream said key=" + key + " token «" + tok + "»")
	get := pick(t, kindGET)
	srv := newScripted(t, get.okReply())
	mw := api.WithMiddleware(func(api.Doer) api.Doer {
		return api.DoerFunc(func(*http.Request) (*http.Response, error) { return nil, leak })
	})
	failingTransport := api.WithHTTPClient(&http.Client{Transport: transportFunc(func(*http.Request) (*http.Response, error) { return nil, leak })})
	editor := api.WithRequestEditor(func(context.Context, *http.Request) error { return leak })
	cases := []struct {
		name string
		make func() (*api.Client, error)
	}{
		{"middleware", func() (*api.Client, error) {
			return api.NewClient(key, api.WithAppToken(tok), api.WithBaseURL(srv.URL), mw)
		}},
		{"transport", func() (*api.Client, error) {
			return api.NewClient(key, api.WithAppToken(tok), api.WithBaseURL(srv.URL), failingTransport, api.WithRetries(0))
		}},
		{"request editor", func() (*api.Client, error) {
			return api.NewClient(key, api.WithAppToken(tok), api.WithBaseURL(srv.URL), editor)
		}},
		{"TokenSource", func() (*api.Client, error) {
			// A source that handed out tok once, then fails quoting it.
			ts := &scriptedTokens{tokens: []string{tok}}
			c, err := api.NewClient(key, api.WithTokenSource(ts), api.WithBaseURL(srv.URL))
			if err == nil {
				err = listCall(context.Background(), c)
			}
			ts.mu.Lock()
			ts.err = leak
			ts.mu.Unlock()
			return c, err
		}},
	}
	for _, tc := range cases {
		c, err := tc.make()
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"typed", "Generated"} {
			var err error
			if path == "typed" {
				err = listCall(context.Background(), c)
			} else {
				_, err = get.generated(context.Background(), c, "WithResponse")
			}
			if !errors.Is(err, leak) {
				t.Errorf("%s/%s: got %v, want it to wrap the original", tc.name, path, err)
				continue
			}
			for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%s", err)} {
				mustContainNone(t, tc.name+"/"+path, text, key, tok)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "finicity: ") || strings.Count(msg, "finicity: ") != 1 || !strings.Contains(msg, "«[REDACTED]»") {
				t.Errorf("%s/%s: message %q", tc.name, path, msg)
			}
		}
	}
}

// TestPrintedValuesShowNoSecret: every error the package returns, and the
// *api.Error it wraps, printed with %v, %+v, %#v and %s, shows no
// credential, though its fields (Body) keep what the server sent.
func TestPrintedValuesShowNoSecret(t *testing.T) {
	key, tok, fresh := randomSecret("key"), randomSecret("tok"), randomSecret("fresh")
	ctx := context.Background()
	var errs []error
	// A 200 that does not decode, holding a fresh token: *DecodeError.
	// The object is the answer where a list is documented, else in a
	// list: an object schema with no required field takes any object.
	holder := `{"token":"` + fresh + `","echo":"` + tok + `"}`
	if get := pick(t, kindGET); !schemaOf(get.ok.Schema).Type.Is("array") {
		holder = "[" + holder + "]"
	}
	srv := newScripted(t, reply{status: 200, body: holder})
	c, _ := api.NewClient(key, api.WithAppToken(tok), api.WithBaseURL(srv.URL))
	err := listCall(ctx, c)
	if de, ok := errors.AsType[*api.DecodeError](err); !ok || !strings.Contains(string(de.Body), fresh) {
		t.Fatalf("got %v, want a *DecodeError keeping the body", err)
	}
	errs = append(errs, err)
	// An *Error quoting the credentials back, in its body and a header.
	srv = newScripted(t, reply{status: 400, header: map[string]string{"X-Echo": key}, body: errorBody("10010", "Bad key "+key, "token "+tok, false)})
	c, _ = api.NewClient(key, api.WithAppToken(tok), api.WithBaseURL(srv.URL))
	errs = append(errs, listCall(ctx, c))
	// A rejection, remembered.
	srv = newScripted(t, reply{status: 401, body: errorBody("10024", "Invalid partner credentials.", "secret "+testSecret, false)})
	errs = append(errs, listCall(ctx, newPartnerClient(t, srv.URL)))
	for i, err := range errs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			mustContainNone(t, fmt.Sprintf("error %d, %s", i, verb), fmt.Sprintf(verb, err), key, tok, fresh, testSecret)
		}
		if apiErr, ok := errors.AsType[*api.Error](err); ok {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
				mustContainNone(t, fmt.Sprintf("error %d, *api.Error, %s", i, verb), fmt.Sprintf(verb, apiErr), key, tok, fresh, testSecret)
			}
		}
	}
}

// TestBaseURLRefused: a query, a fragment or user info in the base URL is
// refused by NewClient, and the error never shows the password.
func TestBaseURLRefused(t *testing.T) {
	const password = "pa55-w0rd-secret"
	for _, tc := range []struct{ url, want string }{
		{"https://api.example.com/?x=1", "query"},
		{"https://api.example.com/base?", "query"},
		{"https://api.example.com/#frag", "fragment"},
		{"https://api.example.com/#", "fragment"},
		{"https://user:" + password + "@api.example.com/", "user info"},
		{"https://user@api.example.com/", "user info"},
		{"https://user:" + password + "@api.example.com/%zz", "not a URL"},
		{"http://user:" + password + "@127.0.0.1:1/", "user info"},
	} {
		_, err := api.NewClient(testKey, api.WithAppToken(testToken), api.WithBaseURL(tc.url))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "finicity: base URL") {
			t.Errorf("%s: got %v, want a base URL error about its %s", tc.url, err, tc.want)
			continue
		}
		mustContainNone(t, tc.url, err.Error(), password)
		mustContainNone(t, tc.url, fmt.Sprintf("%#v", err), password)
	}
}

// TestCallOptions: every method takes per-call options: a header, the
// number of retries, a time limit for the call and for each attempt.
func TestCallOptions(t *testing.T) {
	ctx := context.Background()
	get := pick(t, kindGET)
	t.Run("header", func(t *testing.T) {
		srv := newScripted(t, get.okReply())
		if err := get.call(ctx, newClient(t, srv.URL), api.WithCallHeader(callHeader, "r-1")); err != nil {
			t.Fatal(err)
		}
		if got := srv.requests()[0].header.Get(callHeader); got != "r-1" {
			t.Errorf("%s: got %q", callHeader, got)
		}
		for _, name := range []string{"Finicity-App-Key", "finicity-app-token", "Content-Type", "bad name"} {
			err := get.call(ctx, newClient(t, srv.URL), api.WithCallHeader(name, "x"))
			if err == nil || !strings.Contains(err.Error(), "WithCallHeader") {
				t.Errorf("WithCallHeader(%q): got %v, want it refused", name, err)
			}
		}
		if srv.count() != 1 {
			t.Errorf("a refused option sent a request")
		}
	})
	t.Run("retries", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv, hc := inProcess(reply{status: 503})
			c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(hc))
			err := listCall(ctx, c)
			if apiErr, ok := errors.AsType[*api.Error](err); !ok || apiErr.StatusCode != 503 || srv.count() != 3 {
				t.Fatalf("default: %v after %d requests", err, srv.count())
			}
			err = get.call(ctx, c, api.WithCallRetries(0))
			if srv.count() != 4 {
				t.Errorf("WithCallRetries(0): %d more requests, want 1 (%v)", srv.count()-3, err)
			}
			err = get.call(ctx, c, api.WithCallRetries(4))
			if srv.count() != 9 {
				t.Errorf("WithCallRetries(4): %d more requests, want 5 (%v)", srv.count()-4, err)
			}
		})
	})
	t.Run("timeouts", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var sent atomic.Int64
			c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(stalledTransport(&sent)))
			start := time.Now()
			err := get.call(ctx, c, api.WithCallTimeout(45*time.Second))
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 45*time.Second || sent.Load() != 2 {
				t.Errorf("WithCallTimeout(45s): %v after %v and %d attempts; want 45s, 2 attempts", err, time.Since(start), sent.Load())
			}
			// Two attempts of 1 s, and the backoff's jittered 0.5 s between.
			start = time.Now()
			err = get.call(ctx, c, api.WithCallAttemptTimeout(time.Second), api.WithCallRetries(1))
			if took := time.Since(start); !errors.Is(err, context.DeadlineExceeded) || took < 2250*time.Millisecond || took > 2500*time.Millisecond || sent.Load() != 4 {
				t.Errorf("WithCallAttemptTimeout(1s): %v after %v", err, took)
			}
		})
	})
	t.Run("invalid", func(t *testing.T) {
		srv := newScripted(t, get.okReply())
		c := newClient(t, srv.URL)
		for i, opt := range []api.CallOption{api.WithCallTimeout(0), api.WithCallRetries(-1), api.WithCallAttemptTimeout(-time.Second), api.WithResponseInto(nil), nil} {
			if err := get.call(ctx, c, opt); err == nil || !strings.HasPrefix(err.Error(), "finicity: ") {
				t.Errorf("option %d: got %v, want it refused", i, err)
			}
		}
		if srv.count() != 0 {
			t.Errorf("refused options sent %d requests", srv.count())
		}
	})
}

// TestResetPartnerCredentials: a remembered rejection is cleared, and the
// next call authenticates with the new secret.
func TestResetPartnerCredentials(t *testing.T) {
	var secrets []string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == tokenPath {
			body, _ := io.ReadAll(r.Body)
			secrets = append(secrets, string(body))
			if strings.Contains(string(body), testSecret) {
				writeReply(w, reply{status: 401, body: rejectedJSON})
				return
			}
			writeReply(w, reply{status: 200, body: tokenJSON})
			return
		}
		writeReply(w, getOK())
	})
	c := newPartnerClient(t, srv.URL)
	for range 2 {
		if err := listCall(context.Background(), c); !errors.Is(err, api.ErrCredentialsRejected) {
			t.Fatalf("got %v, want the rejection", err)
		}
	}
	if len(secrets) != 1 {
		t.Fatalf("authentications: %d, want 1 (remembered)", len(secrets))
	}
	if err := c.ResetPartnerCredentials(testPartnerID, "the-new-secret-42"); err != nil {
		t.Fatal(err)
	}
	if err := listCall(context.Background(), c); err != nil {
		t.Fatalf("after ResetPartnerCredentials: %v", err)
	}
	if len(secrets) != 2 || !strings.Contains(secrets[1], "the-new-secret-42") {
		t.Errorf("authentications: %q", secrets)
	}
	if err := newClient(t, srv.URL).ResetPartnerCredentials("a", "b"); err == nil {
		t.Error("ResetPartnerCredentials on a client without partner credentials: no error")
	}
}

// TestSecretsOfEveryLengthBesideEveryQuote: a token of 1 to 20 characters
// quoted back in any style is masked in error strings and in slog
// records.
func TestSecretsOfEveryLengthBesideEveryQuote(t *testing.T) {
	const alphabet = "Zq9Xw7Vk5Jp3Hm1Gf8Rt"
	for n := 1; n <= 20; n++ {
		secret := alphabet[:n]
		quoted, masked := testutil.Quote(secret)
		text := strings.Join(quoted, " | ")
		// Error strings: the server quotes the token back in its details.
		srv := newScripted(t, reply{status: 400, body: errorBody("10010", "Bad request.", strings.ReplaceAll(text, `"`, `\"`), false)})
		var logs rawRecords
		logger := slog.New(&logs)
		// slog records: a transport error quoting it, logged per attempt.
		failing := &http.Client{Transport: transportFunc(func(req *http.Request) (*http.Response, error) {
			if req.Method == http.MethodPost {
				return nil, errors.New("proxy refused: " + text)
			}
			return http.DefaultTransport.RoundTrip(req)
		})}
		c, err := api.NewClient(testKey, api.WithAppToken(secret), api.WithBaseURL(srv.URL), api.WithLogger(logger), api.WithHTTPClient(failing))
		if err != nil {
			t.Fatal(err)
		}
		errGet := listCall(context.Background(), c)
		errPost := createCall(context.Background(), c)
		for _, where := range []struct{ name, text string }{
			{"API error", fmt.Sprint(errGet)}, {"transport error", fmt.Sprint(errPost)}, {"slog", logs.String()},
		} {
			for i, q := range quoted {
				if strings.Contains(where.text, q) {
					t.Errorf("secret of %d characters, %s, %s: %q left unmasked", n, where.name, testutil.QuotingStyles[i].Name, q)
				}
				if !strings.Contains(where.text, masked[i]) {
					t.Errorf("secret of %d characters, %s, %s: %q not found in %q", n, where.name, testutil.QuotingStyles[i].Name, masked[i], where.text)
				}
			}
		}
		if !strings.Contains(logs.String(), "REDACTED") {
			t.Errorf("secret of %d characters: the log has no masked record: %s", n, logs.String())
		}
	}
}

// rawRecords is a slog.Handler keeping every record's message and
// attribute values as they are, unescaped, so that a test sees exactly
// what any handler would be given.
type rawRecords struct {
	mu sync.Mutex
	b  strings.Builder
}

func (h *rawRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *rawRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		h.b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	h.b.WriteString("\n")
	return nil
}
func (h *rawRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *rawRecords) WithGroup(string) slog.Handler      { return h }
func (h *rawRecords) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.b.String()
}

// TestStalledBodyOnTheNetwork: a real server that sends its headers and
// one byte of an announced body, then goes quiet, fails the attempt at its
// time limit.
func TestStalledBodyOnTheNetwork(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		_, _ = w.Write([]byte("["))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newClient(t, srv.URL, api.WithAttemptTimeout(100*time.Millisecond), api.WithRetries(0))
	start := time.Now()
	err := listCall(context.Background(), c)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the attempt's deadline", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("the call took %v", el)
	}
}
