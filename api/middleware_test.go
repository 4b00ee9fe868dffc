package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/retry"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// trace records what middlewares see, in order.
type trace struct {
	mu     sync.Mutex
	events []string
}

func (tr *trace) add(format string, args ...any) {
	tr.mu.Lock()
	tr.events = append(tr.events, fmt.Sprintf(format, args...))
	tr.mu.Unlock()
}

func (tr *trace) all() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.events)
}

// named is a middleware that records entering and leaving, with the
// attempt's status.
func (tr *trace) named(name string) api.Middleware {
	return func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			tr.add("%s> %s %s", name, req.Method, req.URL.Path)
			resp, err := next.Do(req)
			if err != nil {
				tr.add("<%s error", name)
				return nil, err
			}
			tr.add("<%s %d", name, resp.StatusCode)
			return resp, nil
		})
	}
}

// TestMiddlewareOrderAndAttempts: middlewares run in the order given (the
// first outermost), inside the retry loop: a GET answered 503 then 200
// goes through both twice.
func TestMiddlewareOrderAndAttempts(t *testing.T) {
	srv := newScripted(t, reply{status: 503}, reply{status: 200, body: "[]"})
	var tr trace
	var rec testutil.SleepRecorder
	c := newClient(t, srv.URL, api.WithMiddleware(tr.named("A")), api.WithMiddleware(tr.named("B")), api.WithRetrySleep(rec.Sleep))
	if err := listCall(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"A> GET " + configsPath, "B> GET " + configsPath, "<B 503", "<A 503",
		"A> GET " + configsPath, "B> GET " + configsPath, "<B 200", "<A 200",
	}
	if got := tr.all(); !slices.Equal(got, want) {
		t.Errorf("trace:\n got %q\nwant %q", got, want)
	}
}

// TestMiddlewareSeesTheTokenFetch: with partner credentials, partner
// authentication goes through the middleware like any call, before the
// call that needed it.
func TestMiddlewareSeesTheTokenFetch(t *testing.T) {
	srv := newTokenServer(t, false)
	hs := newServer(t, srv.ServeHTTP)
	var tr trace
	c := newPartnerClient(t, hs.URL, api.WithMiddleware(tr.named("A")))
	if err := listCall(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	want := []string{"A> POST " + tokenPath, "<A 200", "A> GET " + configsPath, "<A 200"}
	if got := tr.all(); !slices.Equal(got, want) {
		t.Errorf("trace:\n got %q\nwant %q", got, want)
	}
}

// TestMiddlewareSeesCredentialsAndBody: a middleware sees the request as
// sent (credentials and User-Agent set, the body readable through
// GetBody) and the response with its body, which it may read without
// taking it from the caller.
func TestMiddlewareSeesCredentialsAndBody(t *testing.T) {
	srv := newScripted(t, reply{status: 201, body: configJSON})
	var header http.Header
	var reqBody, respBody []byte
	var attempt int
	mw := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			header = req.Header.Clone()
			attempt = retry.Attempt(req.Context())
			if req.GetBody != nil {
				if rc, err := req.GetBody(); err == nil {
					reqBody, _ = io.ReadAll(rc)
				}
			}
			resp, err := next.Do(req)
			if err == nil {
				respBody, err = io.ReadAll(resp.Body)
			}
			return resp, err
		})
	}
	cfg, err := newClient(t, srv.URL, api.WithMiddleware(mw)).Configurations.Create(context.Background(), configParams)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, wantConfig) {
		t.Errorf("caller got %+v after the middleware read the body, want %+v", cfg, wantConfig)
	}
	if header.Get("Finicity-App-Key") != testKey || header.Get("Finicity-App-Token") != testToken || header.Get("User-Agent") != wantUserAgent {
		t.Errorf("middleware saw headers %v", header)
	}
	if string(reqBody) != configParamsJSON || string(respBody) != configJSON {
		t.Errorf("middleware saw request %q, response %q", reqBody, respBody)
	}
	if attempt != 1 {
		t.Errorf("attempt: got %d", attempt)
	}
}

// TestMiddlewareMayReplaceTheBody: a body a middleware puts in place is
// the one the caller decodes.
func TestMiddlewareMayReplaceTheBody(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: "[]"})
	mw := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err == nil {
				resp.Body = io.NopCloser(strings.NewReader("[" + configJSON + "]"))
			}
			return resp, err
		})
	}
	got, err := newClient(t, srv.URL, api.WithMiddleware(mw)).Configurations.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []api.Configuration{*wantConfig}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

// TestMiddlewareErrorIsReturned: an error from a middleware fails the
// call, once prefixed, unwrappable.
func TestMiddlewareErrorIsReturned(t *testing.T) {
	srv, hits := countingServer(t)
	blocked := errors.New("blocked by policy")
	mw := func(api.Doer) api.Doer {
		return api.DoerFunc(func(*http.Request) (*http.Response, error) { return nil, blocked })
	}
	err := createCall(context.Background(), newClient(t, srv.URL, api.WithMiddleware(mw)))
	if !errors.Is(err, blocked) {
		t.Errorf("got %v, want it to wrap the middleware's error", err)
	}
	if !strings.HasPrefix(err.Error(), "finicity: ") || strings.Count(err.Error(), "finicity: ") != 1 {
		t.Errorf("message: %q", err)
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent", hits.Load())
	}
}

// TestRequestEditor: editors run when the request is built, after the
// User-Agent is set and before the credentials are, in the order given:
// they can add headers, cannot replace the credentials, and an editor's
// error fails the call before anything is sent.
func TestRequestEditor(t *testing.T) {
	var tr trace
	first := func(_ context.Context, req *http.Request) error {
		tr.add("1 ua=%s key=%q token=%q", req.Header.Get("User-Agent"), req.Header.Get("Finicity-App-Key"), req.Header.Get("Finicity-App-Token"))
		req.Header.Set("X-Trace-Id", "trace-1")
		req.Header.Set("Finicity-App-Key", "editor-key")
		req.Header.Set("Finicity-App-Token", "editor-token")
		return nil
	}
	second := func(_ context.Context, req *http.Request) error {
		tr.add("2 trace=%s", req.Header.Get("X-Trace-Id"))
		return nil
	}
	var seen http.Header
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen = r.Header.Clone()
		writeReply(w, reply{status: 200, body: "[]"})
	})
	c := newClient(t, srv.URL, api.WithRequestEditor(first), api.WithRequestEditor(second))
	if err := listCall(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	want := []string{`1 ua=` + wantUserAgent + ` key="" token=""`, "2 trace=trace-1"}
	if got := tr.all(); !slices.Equal(got, want) {
		t.Errorf("editors saw:\n got %q\nwant %q", got, want)
	}
	if seen.Get("X-Trace-Id") != "trace-1" {
		t.Errorf("the editor's header did not reach the server: %v", seen)
	}
	if got := seen.Values("Finicity-App-Key"); !slices.Equal(got, []string{testKey}) {
		t.Errorf("Finicity-App-Key: got %q, want the client's", got)
	}
	if got := seen.Values("Finicity-App-Token"); !slices.Equal(got, []string{testToken}) {
		t.Errorf("Finicity-App-Token: got %q, want the client's", got)
	}

	t.Run("error", func(t *testing.T) {
		srv, hits := countingServer(t)
		refuse := errors.New("no trace context")
		c := newClient(t, srv.URL, api.WithRequestEditor(func(context.Context, *http.Request) error { return refuse }))
		err := listCall(context.Background(), c)
		if !errors.Is(err, refuse) || err.Error() != "finicity: no trace context" {
			t.Errorf("got %v, want the editor's error, prefixed once", err)
		}
		if hits.Load() != 0 {
			t.Errorf("%d requests sent", hits.Load())
		}
	})
}

// TestRequestValidation: with WithRequestValidation, a request off the
// spec is refused with a *ValidationError naming the field and the rule,
// and no request reaches the server.
func TestRequestValidation(t *testing.T) {
	tests := []struct {
		name        string
		redirectURI string
	}{
		{"not absolute", "not a uri"},
		{"relative", "/oauth/complete"},
		{"too long", "https://partner.example.com/" + strings.Repeat("a", 1100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, hits := countingServer(t)
			p := oauthParams
			p.RedirectURI = tc.redirectURI
			_, err := newClient(t, srv.URL, api.WithRequestValidation()).OAuthURLs.Create(context.Background(), 170716, p)
			ve, ok := errors.AsType[*api.ValidationError](err)
			if !ok {
				t.Fatalf("got %T %v, want *api.ValidationError", err, err)
			}
			if ve.Response || ve.StatusCode != 0 || ve.Method != "POST" || ve.Path != oauthPath || ve.Location != "body" || ve.Field != "redirectURI" || ve.Reason == "" {
				t.Errorf("got %+v", *ve)
			}
			if strings.Contains(err.Error(), tc.redirectURI) {
				t.Errorf("the error quotes the value: %v", err)
			}
			if _, ok := errors.AsType[*api.Error](err); ok {
				t.Error("a refused request looks like an API answer")
			}
			if hits.Load() != 0 {
				t.Errorf("%d requests reached the server", hits.Load())
			}
		})
	}
	t.Run("off by default", func(t *testing.T) {
		srv := newScripted(t, reply{status: 400, body: badRequestJSON})
		p := oauthParams
		p.RedirectURI = "not a uri"
		_, err := newClient(t, srv.URL).OAuthURLs.Create(context.Background(), 170716, p)
		if _, ok := errors.AsType[*api.Error](err); !ok || srv.count() != 1 {
			t.Errorf("got %v after %d requests; want the server's 400", err, srv.count())
		}
	})
}

// TestResponseValidation: with WithResponseValidation, a 2xx off the spec
// is a *ValidationError (not an *api.Error), and a non-2xx off the spec is
// a *ValidationError that errors.As also finds as the *api.Error, with the
// exact body.
func TestResponseValidation(t *testing.T) {
	tests := []struct {
		name    string
		reply   reply
		wantAPI bool
	}{
		{"2xx with a bad uuid", reply{status: 200, body: `[{"id":"not-a-uuid"}]`}, false},
		{"2xx with an object for a list", reply{status: 200, body: configJSON}, false},
		{"undocumented 500", reply{status: 500, header: map[string]string{"Content-Type": "text/html"}, body: "<html>oops</html>"}, true},
		{"documented 401 with a malformed body", reply{status: 401, body: `{"message":"no"}`}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, tc.reply)
			got, err := newClient(t, srv.URL, api.WithResponseValidation(), api.WithRetries(0)).Configurations.List(context.Background())
			if got != nil {
				t.Errorf("value with an error: %v", got)
			}
			ve, ok := errors.AsType[*api.ValidationError](err)
			if !ok {
				t.Fatalf("got %T %v, want *api.ValidationError", err, err)
			}
			if !ve.Response || ve.StatusCode != tc.reply.status || ve.Method != "GET" || ve.Path != configsPath || ve.Reason == "" {
				t.Errorf("got %+v", *ve)
			}
			wantPrefix := fmt.Sprintf("finicity: invalid response %d to GET %s: ", tc.reply.status, configsPath)
			if !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("message %q, want prefix %q", err, wantPrefix)
			}
			apiErr, isAPI := errors.AsType[*api.Error](err)
			if isAPI != tc.wantAPI {
				t.Fatalf("errors.As *api.Error: got %v, want %v", isAPI, tc.wantAPI)
			}
			if isAPI {
				want := &api.Error{StatusCode: tc.reply.status, Body: []byte(tc.reply.body), Method: "GET", Path: configsPath}
				if got := errorFields(apiErr); !reflect.DeepEqual(got, want) {
					t.Errorf("*api.Error: got %+v, want %+v", got, want)
				}
			}
		})
	}
}

// TestGenerated: the generated client goes through the same layers: the
// request carries the credentials and User-Agent, every documented status
// decodes without an error, and validation applies.
func TestGenerated(t *testing.T) {
	t.Run("headers and decoding", func(t *testing.T) {
		var n atomic.Int64
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				checkRequest(t, r, expectation{method: "GET", path: configsPath, token: testToken})
				writeReply(w, reply{status: 200, body: "[" + configJSON + "]"})
				return
			}
			checkRequest(t, r, expectation{method: "GET", path: configPath, token: testToken})
			writeReply(w, reply{status: 404, body: notFoundJSON})
		})
		g := newClient(t, srv.URL).Generated()
		list, err := g.GetConfigurationsWithResponse(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if list.StatusCode() != 200 || list.JSON200 == nil || !reflect.DeepEqual(*list.JSON200, []api.Configuration{*wantConfig}) {
			t.Errorf("got %d %+v", list.StatusCode(), list.JSON200)
		}
		one, err := g.GetConfigurationsConfigurationIDWithResponse(context.Background(), cfgID)
		if err != nil {
			t.Fatalf("a documented 404 is an error: %v", err)
		}
		if one.StatusCode() != 404 || one.JSON404 == nil || !reflect.DeepEqual(one.JSON404.Errors.Error, notFoundItem) || string(one.Body) != notFoundJSON {
			t.Errorf("got %d %+v %q", one.StatusCode(), one.JSON404, one.Body)
		}
	})
	t.Run("request validation", func(t *testing.T) {
		srv, hits := countingServer(t)
		p := oauthParams
		p.RedirectURI = "not a uri"
		_, err := newClient(t, srv.URL, api.WithRequestValidation()).Generated().PostInstitutionsInstitutionIDOauthUrlsWithResponse(context.Background(), 1, p)
		if ve, ok := errors.AsType[*api.ValidationError](err); !ok || ve.Field != "redirectURI" {
			t.Errorf("got %v, want a *ValidationError on redirectURI", err)
		}
		if hits.Load() != 0 {
			t.Errorf("%d requests sent", hits.Load())
		}
	})
	t.Run("token replay", func(t *testing.T) {
		srv := newScripted(t, reply{status: 401, body: expiredJSON}, reply{status: 200, body: "[]"})
		ts := &scriptedTokens{tokens: []string{"tok-1", "tok-2"}}
		r, err := newTokenSourceClient(t, srv.URL, ts).Generated().GetConfigurationsWithResponse(context.Background())
		if err != nil || r.StatusCode() != 200 || srv.count() != 2 {
			t.Errorf("got %v %v after %d requests; want 200 after the replay", r, err, srv.count())
		}
	})
}

// TestGeneratedAfterMiddlewareReadsTheBody: the generated client reads the
// body itself; a middleware that read it first (as Middleware's
// documentation allows) must not leave it empty.
func TestGeneratedAfterMiddlewareReadsTheBody(t *testing.T) {
	srv := newScripted(t, reply{status: 200, body: "[" + configJSON + "]"})
	mw := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
			}
			return resp, err
		})
	}
	r, err := newClient(t, srv.URL, api.WithMiddleware(mw)).Generated().GetConfigurationsWithResponse(context.Background())
	if err != nil {
		t.Fatalf("got %v, want the list decoded", err)
	}
	if r.JSON200 == nil || !reflect.DeepEqual(*r.JSON200, []api.Configuration{*wantConfig}) || string(r.Body) != "["+configJSON+"]" {
		t.Errorf("got %+v, body %q", r.JSON200, r.Body)
	}
}
