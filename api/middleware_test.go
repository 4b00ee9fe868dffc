package api_test

import (
	"context"
	"encoding/json"
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
	"testing/synctest"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/retry"
	"github.com/finicity-go/connect-components/internal/spec"
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
	synctest.Test(t, func(t *testing.T) {
		get := pick(t, kindGET)
		_, hc := inProcess(reply{status: 503}, get.okReply())
		var tr trace
		c := newClient(t, "http://127.0.0.1", api.WithHTTPClient(hc), api.WithMiddleware(tr.named("A")), api.WithMiddleware(tr.named("B")))
		if err := get.call(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		line, ok := "GET "+get.urlPath(), fmt.Sprint(get.okReply().status)
		want := []string{
			"A> " + line, "B> " + line, "<B 503", "<A 503",
			"A> " + line, "B> " + line, "<B " + ok, "<A " + ok,
		}
		if got := tr.all(); !slices.Equal(got, want) {
			t.Errorf("trace:\n got %q\nwant %q", got, want)
		}
	})
}

// TestMiddlewareSeesTheTokenFetch: with partner credentials, partner
// authentication goes through the middleware like any call, before the
// call that needed it.
func TestMiddlewareSeesTheTokenFetch(t *testing.T) {
	srv := newTokenServer(t, false)
	hs := newServer(t, srv.ServeHTTP)
	var tr trace
	c := newPartnerClient(t, hs.URL, api.WithMiddleware(tr.named("A")))
	get := pick(t, kindGET)
	if err := get.call(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	want := []string{"A> POST " + tokenPath, "<A 200", "A> GET " + get.urlPath(), fmt.Sprintf("<A %d", get.okReply().status)}
	if got := tr.all(); !slices.Equal(got, want) {
		t.Errorf("trace:\n got %q\nwant %q", got, want)
	}
}

// TestMiddlewareSeesCredentialsAndBody: a middleware sees the request as
// sent (credentials and User-Agent set, the body readable through
// GetBody) and the response with its body, which it may read without
// taking it from the caller.
func TestMiddlewareSeesCredentialsAndBody(t *testing.T) {
	post := pick(t, kindPOST)
	srv := newScripted(t, post.okReply())
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
	got, err := post.result(context.Background(), newClient(t, srv.URL, api.WithMiddleware(mw)))
	if err != nil {
		t.Fatal(err)
	}
	// What the caller got after the middleware read the body.
	checkResult(t, post.op, post.ok, got, post.answerValue)
	if header.Get("Finicity-App-Key") != testKey || header.Get("Finicity-App-Token") != testToken || header.Get("User-Agent") != wantUserAgent {
		t.Errorf("middleware saw headers %v", header)
	}
	post.checkBody(t, reqBody)
	if string(respBody) != post.answer {
		t.Errorf("middleware saw the response %q, want %q", respBody, post.answer)
	}
	if attempt != 1 {
		t.Errorf("attempt: got %d", attempt)
	}
}

// TestMiddlewareReadingTheBodyTakesNothing: a middleware that reads the
// body and hands the response up as it came leaves the body whole for the
// middleware before it, and for the caller.
func TestMiddlewareReadingTheBodyTakesNothing(t *testing.T) {
	get := pick(t, kindGET)
	srv := newScripted(t, get.okReply())
	var read []string
	reader := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err == nil {
				body, _ := io.ReadAll(resp.Body)
				read = append(read, string(body))
			}
			return resp, err
		})
	}
	got, err := get.result(context.Background(), newClient(t, srv.URL, api.WithMiddleware(reader, reader)))
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, get.op, get.ok, got, get.answerValue)
	if want := []string{get.answer, get.answer}; !slices.Equal(read, want) {
		t.Errorf("the middleware read %q, want the whole body twice", read)
	}
}

// TestMiddlewareMayReplaceTheBody: a body a middleware puts in place is
// the one the caller decodes.
func TestMiddlewareMayReplaceTheBody(t *testing.T) {
	get := pick(t, kindGET)
	srv := newScripted(t, reply{status: get.ok.Code, body: wrongKind(get.ok.Schema)})
	mw := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err == nil {
				resp.Body = io.NopCloser(strings.NewReader(get.answer))
			}
			return resp, err
		})
	}
	got, err := get.result(context.Background(), newClient(t, srv.URL, api.WithMiddleware(mw)))
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, get.op, get.ok, got, get.answerValue)
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
		writeReply(w, getOK())
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
	cases := invalidFields(t)
	if len(cases) == 0 {
		t.Skip("no body field of the spec has a format or a maxLength a string can break")
	}
	for _, tc := range cases {
		t.Run(tc.sc.name()+"/"+tc.field+"/"+tc.value[:min(len(tc.value), 20)], func(t *testing.T) {
			srv, hits := countingServer(t)
			err := tc.sc.call(context.Background(), newClient(t, srv.URL, api.WithRequestValidation()))
			ve, ok := errors.AsType[*api.ValidationError](err)
			if !ok {
				t.Fatalf("got %T %v, want *api.ValidationError", err, err)
			}
			kind := "bounds"
			if tc.format != "" {
				kind = "format"
			}
			want := api.ValidationError{Method: tc.sc.op.Method, Path: tc.sc.urlPath(), Location: "body", Field: tc.field,
				Pointer: spec.Pointer(strings.Split(tc.field, ".")...), Kind: kind, Reason: ve.Reason}
			if *ve != want || ve.Reason == "" {
				t.Errorf("got %+v, want %+v with a reason", *ve, want)
			}
			if tc.format != "" && !strings.Contains(ve.Reason, spec.FormatRule(tc.format)) {
				t.Errorf("reason %q does not say the rule %q", ve.Reason, spec.FormatRule(tc.format))
			}
			if strings.Contains(err.Error(), tc.value) {
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
		err := cases[0].sc.call(context.Background(), newClient(t, srv.URL))
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
	get := pick(t, kindGET)
	tests := []struct {
		name    string
		reply   reply
		wantAPI bool
	}{
		{"2xx of another kind", reply{status: get.ok.Code, body: wrongKind(get.ok.Schema)}, false},
		{"undocumented 5xx", reply{status: undocumented(get.op), header: map[string]string{"Content-Type": "text/html"}, body: "<html>oops</html>"}, true},
	}
	if bad, ok := offFormat(get.ok.Schema, get.answerValue); ok {
		tests = append(tests, struct {
			name    string
			reply   reply
			wantAPI bool
		}{"2xx off a format", reply{status: get.ok.Code, body: string(mustJSON(bad))}, false})
	}
	for _, r := range get.op.Errors() {
		if r.Code != 0 && r.JSON && r.Schema != nil {
			tests = append(tests, struct {
				name    string
				reply   reply
				wantAPI bool
			}{"documented " + r.Status + " with a malformed body", reply{status: r.Code, body: wrongKind(r.Schema)}, true})
			break
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, tc.reply)
			got, err := get.result(context.Background(), newClient(t, srv.URL, api.WithResponseValidation(), api.WithRetries(0)))
			if got != nil {
				t.Errorf("value with an error: %v", got)
			}
			ve, ok := errors.AsType[*api.ValidationError](err)
			if !ok {
				t.Fatalf("got %T %v, want *api.ValidationError", err, err)
			}
			if !ve.Response || ve.StatusCode != tc.reply.status || ve.Method != get.op.Method || ve.Path != get.urlPath() || ve.Reason == "" {
				t.Errorf("got %+v", *ve)
			}
			wantPrefix := fmt.Sprintf("finicity: invalid response %d to %s %s: ", tc.reply.status, get.op.Method, get.urlPath())
			if !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("message %q, want prefix %q", err, wantPrefix)
			}
			apiErr, isAPI := errors.AsType[*api.Error](err)
			if isAPI != tc.wantAPI {
				t.Fatalf("errors.As *api.Error: got %v, want %v", isAPI, tc.wantAPI)
			}
			if isAPI {
				want := &api.Error{StatusCode: tc.reply.status, Body: []byte(tc.reply.body), Method: get.op.Method, Path: get.urlPath()}
				if got := errorFields(apiErr); !reflect.DeepEqual(got, want) {
					t.Errorf("*api.Error: got %+v, want %+v", got, want)
				}
			}
		})
	}
}

// TestGenerated: the generated client (Generated) goes through the same
// layers: for every operation of the spec called with its examples, the
// request is exactly the one the typed method sends (credentials and
// User-Agent included), and every documented status decodes without an
// error, the body kept exactly and its JSON<status> field holding the
// example; validation and token replay apply.
func TestGenerated(t *testing.T) {
	for _, op := range specModel(t).Operations {
		sc, err := newSpecCall(op, true)
		if err != nil {
			t.Errorf("%v (%s)", err, testFile())
			continue
		}
		for _, r := range op.Responses {
			status := statusOf(r)
			if status == 0 || r.Code == 0 {
				continue
			}
			value, body, err := answerOf(op, r, true)
			if err != nil {
				t.Errorf("%v (%s)", err, testFile())
				continue
			}
			t.Run(sc.name()+"/"+r.Status, func(t *testing.T) {
				var hits atomic.Int64
				srv := newServer(t, func(w http.ResponseWriter, req *http.Request) {
					hits.Add(1)
					sent, _ := io.ReadAll(req.Body)
					sc.checkSent(t, req, sent, testToken)
					writeReply(w, reply{status: status, header: map[string]string{"Content-Type": r.ContentType}, body: body})
				})
				resp, err := sc.generated(context.Background(), newClient(t, srv.URL), "WithResponse")
				if err != nil {
					t.Fatalf("the documented %s answer is an error: %v", r.Status, err)
				}
				if hits.Load() != 1 || genStatus(resp) != status || string(genField(resp, "Body").Bytes()) != body {
					t.Errorf("%d requests; got %d %q, want %d %q", hits.Load(), genStatus(resp), genField(resp, "Body").Bytes(), status, body)
				}
				if f := genField(resp, "JSON"+r.Status); f.IsValid() && value != nil {
					if f.IsNil() {
						t.Fatalf("JSON%s is nil", r.Status)
					}
					var got any
					_ = json.Unmarshal(mustJSON(f.Interface()), &got)
					if d := diffJSON(r.Schema, got, value, ""); d != "" {
						t.Errorf("JSON%s holds another value (%s):\n got %s\nwant %s", r.Status, d, mustJSON(got), mustJSON(value))
					}
				}
			})
		}
	}
	t.Run("request validation", func(t *testing.T) {
		srv, hits := countingServer(t)
		bad := invalidFormat(t, "not a value of its format")
		_, err := bad.sc.generated(context.Background(), newClient(t, srv.URL, api.WithRequestValidation()), "WithResponse")
		if ve, ok := errors.AsType[*api.ValidationError](err); !ok || ve.Field != bad.field {
			t.Errorf("got %v, want a *ValidationError on %s", err, bad.field)
		}
		if hits.Load() != 0 {
			t.Errorf("%d requests sent", hits.Load())
		}
	})
	t.Run("token replay", func(t *testing.T) {
		get := pick(t, kindGET)
		srv := newScripted(t, reply{status: 401, body: expiredJSON}, get.okReply())
		ts := &scriptedTokens{tokens: []string{"tok-1", "tok-2"}}
		r, err := get.generated(context.Background(), newTokenSourceClient(t, srv.URL, ts), "WithResponse")
		if err != nil || genStatus(r) != get.okReply().status || srv.count() != 2 {
			t.Errorf("got %v after %d requests; want %d after the replay", err, srv.count(), get.okReply().status)
		}
	})
}

// TestGeneratedAfterMiddlewareReadsTheBody: the generated client reads the
// body itself; a middleware that read it first (as Middleware's
// documentation allows) must not leave it empty.
func TestGeneratedAfterMiddlewareReadsTheBody(t *testing.T) {
	get := pick(t, kindGET)
	srv := newScripted(t, get.okReply())
	mw := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
			}
			return resp, err
		})
	}
	r, err := get.generated(context.Background(), newClient(t, srv.URL, api.WithMiddleware(mw)), "WithResponse")
	if err != nil {
		t.Fatalf("got %v, want the answer decoded", err)
	}
	f := genField(r, "JSON"+get.ok.Status)
	if string(genField(r, "Body").Bytes()) != get.answer || !f.IsValid() || f.IsNil() {
		t.Fatalf("got body %q, JSON%s %v; want the answer", genField(r, "Body").Bytes(), get.ok.Status, f)
	}
	var got any
	_ = json.Unmarshal(mustJSON(f.Interface()), &got)
	if d := diffJSON(get.ok.Schema, got, get.answerValue, ""); d != "" {
		t.Errorf("JSON%s holds another value: %s", get.ok.Status, d)
	}
}
