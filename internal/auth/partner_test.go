package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/internal/testutil"
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

func TestPartnerTokenSharesOneFetch(t *testing.T) {
	c := &counter{gate: make(chan struct{})}
	p := NewPartnerToken(c.fetch, 0, nil)
	const n = 1000
	var wg sync.WaitGroup
	toks := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := p.Token(context.Background())
			if err != nil {
				t.Error(err)
			}
			toks <- tok
		}()
	}
	time.Sleep(20 * time.Millisecond) // let callers queue behind the fetch
	close(c.gate)
	wg.Wait()
	close(toks)
	for tok := range toks {
		if tok != "tok-1" {
			t.Fatalf("got %q, want tok-1", tok)
		}
	}
	if c.n.Load() != 1 {
		t.Errorf("fetches: got %d, want 1", c.n.Load())
	}
}

func TestPartnerTokenMaxAge(t *testing.T) {
	clock := testutil.NewClock(time.Unix(0, 0))
	c := &counter{}
	p := NewPartnerToken(c.fetch, 0, clock.Now)
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
		clock.Advance(s.advance)
		got, err := p.Token(ctx)
		if err != nil || got != s.want {
			t.Fatalf("step %d: got %q, %v; want %q", i, got, err, s.want)
		}
	}
}

func TestPartnerTokenInvalidateOnlyTheFailedToken(t *testing.T) {
	c := &counter{}
	p := NewPartnerToken(c.fetch, time.Hour, nil)
	ctx := context.Background()
	first, _ := p.Token(ctx)
	p.Invalidate("some-other-token")
	p.Invalidate("")
	if got, _ := p.Token(ctx); got != first || c.n.Load() != 1 {
		t.Fatalf("stale invalidation refreshed: got %q after %d fetches", got, c.n.Load())
	}
	// 50 holders of the failed token report it: one new fetch.
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Invalidate(first)
			if tok, err := p.Token(ctx); err != nil || tok == first {
				t.Errorf("got %q, %v after invalidation", tok, err)
			}
		}()
	}
	wg.Wait()
	if c.n.Load() != 2 {
		t.Errorf("fetches: got %d, want 2", c.n.Load())
	}
}

func TestPartnerTokenRemembersRejection(t *testing.T) {
	apiErr := errors.New("401 reason 10024")
	c := &counter{err: func(int64) error { return &RejectedError{Err: apiErr} }}
	p := NewPartnerToken(c.fetch, 0, nil)
	for i := 0; i < 5; i++ {
		_, err := p.Token(context.Background())
		if !errors.Is(err, ErrRejected) || !errors.Is(err, apiErr) {
			t.Fatalf("call %d: got %v", i, err)
		}
	}
	p.Invalidate("anything")
	if _, err := p.Token(context.Background()); !errors.Is(err, ErrRejected) {
		t.Fatalf("after Invalidate: got %v", err)
	}
	if c.n.Load() != 1 {
		t.Errorf("fetches: got %d, want 1", c.n.Load())
	}
}

func TestPartnerTokenTransientErrorIsNotRemembered(t *testing.T) {
	c := &counter{err: func(n int64) error {
		if n == 1 {
			return errors.New("connection reset")
		}
		return nil
	}}
	p := NewPartnerToken(c.fetch, 0, nil)
	if _, err := p.Token(context.Background()); err == nil {
		t.Fatal("want the first error")
	}
	if tok, err := p.Token(context.Background()); err != nil || tok != "tok-2" {
		t.Fatalf("got %q, %v", tok, err)
	}
}

func TestPartnerTokenEmptyTokenIsAnError(t *testing.T) {
	p := NewPartnerToken(func(context.Context) (string, error) { return "", nil }, 0, nil)
	if _, err := p.Token(context.Background()); err == nil {
		t.Fatal("want an error for an empty token")
	}
}

// TestPartnerTokenWaiterLeavesOnCancel: a caller whose context ends stops
// waiting at once, while the shared fetch completes for the others.
func TestPartnerTokenWaiterLeavesOnCancel(t *testing.T) {
	c := &counter{gate: make(chan struct{})}
	p := NewPartnerToken(c.fetch, 0, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := p.Token(ctx); done <- err }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled caller still waiting")
	}
	close(c.gate)
	if tok, err := p.Token(context.Background()); err != nil || tok != "tok-1" {
		t.Fatalf("got %q, %v; the fetch should have survived the cancelled caller", tok, err)
	}
}

// recorder is a Doer that records requests and answers from a function.
type recorder struct {
	mu     sync.Mutex
	tokens []string
	keys   []string
	bodies []string
	answer func(n int, req *http.Request) *http.Response
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.tokens = append(r.tokens, req.Header.Get(HeaderAppToken))
	r.keys = append(r.keys, req.Header.Get(HeaderAppKey))
	var b []byte
	if req.Body != nil {
		b, _ = io.ReadAll(req.Body)
	}
	r.bodies = append(r.bodies, string(b))
	n := len(r.tokens)
	r.mu.Unlock()
	return r.answer(n, req), nil
}

func answer(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
}

const expiredBody = `{"Errors":{"Error":[{"ReasonCode":"10023","Description":"expired"}]}}`

func TestTransport(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		body       func() (io.Reader, bool) // reader, replayable
		static     bool
		answers    []*http.Response
		wantTokens []string
		wantStatus int
	}{
		{name: "success", method: "GET", path: "/connect-components/configurations",
			answers: []*http.Response{answer(200, "[]")}, wantTokens: []string{"tok-1"}, wantStatus: 200},
		{name: "10023 refresh and replay", method: "GET", path: "/connect-components/configurations",
			answers: []*http.Response{answer(401, expiredBody), answer(200, "[]")}, wantTokens: []string{"tok-1", "tok-2"}, wantStatus: 200},
		{name: "10023 twice returns the 401", method: "GET", path: "/connect-components/configurations",
			answers: []*http.Response{answer(401, expiredBody), answer(401, expiredBody)}, wantTokens: []string{"tok-1", "tok-2"}, wantStatus: 401},
		{name: "other 401 is not replayed", method: "GET", path: "/connect-components/configurations",
			answers: []*http.Response{answer(401, `{"Errors":{"Error":[{"ReasonCode":"10026"}]}}`)}, wantTokens: []string{"tok-1"}, wantStatus: 401},
		{name: "POST with replayable body", method: "POST", path: "/connect-components/configurations",
			body:    func() (io.Reader, bool) { return strings.NewReader(`{"a":1}`), true },
			answers: []*http.Response{answer(401, expiredBody), answer(201, "{}")}, wantTokens: []string{"tok-1", "tok-2"}, wantStatus: 201},
		{name: "POST with one-shot body", method: "POST", path: "/connect-components/configurations",
			body:    func() (io.Reader, bool) { return io.MultiReader(strings.NewReader(`{"a":1}`)), false },
			answers: []*http.Response{answer(401, expiredBody)}, wantTokens: []string{"tok-1"}, wantStatus: 401},
		{name: "static token is not refreshed", method: "GET", path: "/connect-components/configurations", static: true,
			answers: []*http.Response{answer(401, expiredBody)}, wantTokens: []string{"static"}, wantStatus: 401},
		{name: "token request carries no token", method: "POST", path: "/prefix" + TokenPath,
			body:    func() (io.Reader, bool) { return strings.NewReader(`{}`), true },
			answers: []*http.Response{answer(200, `{"token":"x"}`)}, wantTokens: []string{""}, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &counter{}
			var tokens TokenSource = NewPartnerToken(c.fetch, 0, nil)
			if tc.static {
				tokens = StaticToken("static")
			}
			rec := &recorder{answer: func(n int, _ *http.Request) *http.Response { return tc.answers[min(n, len(tc.answers))-1] }}
			replays := 0
			tr := Transport(rec, "key", tokens, func(*http.Request) { replays++ })
			var body io.Reader
			wantBody := ""
			if tc.body != nil {
				body, _ = tc.body()
				wantBody = `{"a":1}`
				if tc.path != "/connect-components/configurations" {
					wantBody = "{}"
				}
			}
			req, _ := http.NewRequest(tc.method, "http://127.0.0.1"+tc.path, body)
			req.Header.Set("X-Caller", "kept")
			resp, err := tr.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if b, _ := io.ReadAll(resp.Body); resp.StatusCode == 401 && !strings.Contains(string(b), "Errors") {
				t.Errorf("401 body not passed through: %q", b)
			}
			if fmt.Sprint(rec.tokens) != fmt.Sprint(tc.wantTokens) {
				t.Errorf("tokens sent: got %v, want %v", rec.tokens, tc.wantTokens)
			}
			for i, k := range rec.keys {
				if k != "key" {
					t.Errorf("request %d: app key %q", i, k)
				}
				if rec.bodies[i] != wantBody {
					t.Errorf("request %d: body %q, want %q", i, rec.bodies[i], wantBody)
				}
			}
			if replays != len(tc.wantTokens)-1 {
				t.Errorf("replays: got %d", replays)
			}
			// Headers are set in place (the generated client builds a
			// request per call); the caller's own headers must survive, and
			// the token on the request is the last one sent.
			if req.Header.Get("X-Caller") != "kept" {
				t.Error("the caller's header was lost")
			}
			if got, want := req.Header.Get(HeaderAppToken), tc.wantTokens[len(tc.wantTokens)-1]; got != want {
				t.Errorf("token on the request: got %q, want %q", got, want)
			}
		})
	}
}

func TestTransportMasksCredentialsInErrorBodies(t *testing.T) {
	rec := &recorder{answer: func(_ int, req *http.Request) *http.Response {
		return answer(404, `{"echo":"`+req.Header.Get(HeaderAppKey)+` `+req.Header.Get(HeaderAppToken)+`"}`)
	}}
	tr := Transport(rec, "key-secret-value", StaticToken("token-secret-value"), nil)
	req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
	resp, err := tr.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(b), "secret-value") || !strings.Contains(string(b), "[REDACTED] [REDACTED]") {
		t.Errorf("body: %s", b)
	}
}

func TestTransportRefusesEmptyKeyAndToken(t *testing.T) {
	rec := &recorder{answer: func(int, *http.Request) *http.Response { return answer(200, "") }}
	req, _ := http.NewRequest("GET", "http://127.0.0.1/x", nil)
	if _, err := Transport(rec, "", StaticToken("t"), nil).Do(req); !errors.Is(err, ErrEmptyAppKey) {
		t.Errorf("empty key: got %v", err)
	}
	if _, err := Transport(rec, "k", StaticToken(""), nil).Do(req); err == nil {
		t.Error("empty token: want an error")
	}
	if len(rec.tokens) != 0 {
		t.Errorf("%d requests sent", len(rec.tokens))
	}
}

func TestHasReasonCode(t *testing.T) {
	tests := []struct {
		body string
		want bool
	}{
		{expiredBody, true},
		{`{"Errors":{"Error":[{"ReasonCode":10023}]}}`, true},
		{`{"Errors":{"Error":[{"ReasonCode":"10026"},{"ReasonCode":"10023"}]}}`, true},
		{`{"Errors":{"Error":[{"ReasonCode":"10026"}]}}`, false},
		{`{"Errors":{"Error":{}}}`, false},
		{`not json`, false},
		{``, false},
	}
	for _, tc := range tests {
		if got := HasReasonCode([]byte(tc.body), ReasonExpiredToken); got != tc.want {
			t.Errorf("HasReasonCode(%s) = %v", tc.body, got)
		}
	}
}

func FuzzHasReasonCode(f *testing.F) {
	f.Add([]byte(expiredBody))
	f.Add([]byte(`{"Errors":{"Error":[{"ReasonCode":null}]}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = HasReasonCode(body, ReasonExpiredToken)
	})
}

// TestExpiredTokenIsDroppedEvenWithoutReplay checks a 10023 on a request
// that cannot be replayed still retires the token: the next call must not
// send it again.
func TestExpiredTokenIsDroppedEvenWithoutReplay(t *testing.T) {
	c := &counter{}
	tokens := NewPartnerToken(c.fetch, 0, nil)
	rec := &recorder{answer: func(int, *http.Request) *http.Response { return answer(401, expiredBody) }}
	req, _ := http.NewRequest("POST", "http://127.0.0.1/connect-components/configurations", io.MultiReader(strings.NewReader(`{}`)))
	resp, err := Transport(rec, "key", tokens, nil).Do(req)
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("got %v, %v; want the 401", resp, err)
	}
	if len(rec.tokens) != 1 {
		t.Fatalf("sent %d times, want 1 (the body cannot be replayed)", len(rec.tokens))
	}
	next, err := tokens.Token(context.Background())
	if err != nil || next == rec.tokens[0] {
		t.Errorf("next token %q (%v): the expired %q is still cached", next, err, rec.tokens[0])
	}
}
