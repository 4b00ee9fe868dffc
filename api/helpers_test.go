package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// Fake credentials. Distinct, so that a test can tell which one leaked or
// which one the server saw.
const (
	testKey       = "test-app-key-3f9c"
	testToken     = "test-app-token-81d2"
	testPartnerID = "test-partner-1234"
	testSecret    = "test-partner-secret-77a1"
)

// wantUserAgent is the User-Agent every request carries.
const wantUserAgent = "finicity-connect-go/" + api.Version

// wantAccept is the Accept header requests carry: none today, since the
// generated client sets none. One place to change if it ever does.
const wantAccept = ""

// tokenPath is partner authentication's path, which the client
// (internal/auth.TokenPath) sends WithPartnerCredentials' token fetch to
// with the app key alone.
const tokenPath = "/aggregation/v2/partners/authentication"

// errorBody is an error answer in the documented shape, written by hand so
// that its exact bytes (spacing, trailing newline) can be compared with
// Error.Body.
func errorBody(reason, description, details string, recoverable bool) string {
	rec := "false"
	if recoverable {
		rec = "true"
	}
	return `{"Errors": {"Error": [{"Source": "Connect-Components", "ReasonCode": "` + reason +
		`", "Description": "` + description + `", "Recoverable": ` + rec + `, "Details": "` + details + `"}]}}` + "\n"
}

// newClient returns a client of srvURL authenticated with the fake key and
// a fixed token, plus opts.
func newClient(t testing.TB, srvURL string, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(testKey, append([]api.Option{api.WithAppToken(testToken), api.WithBaseURL(srvURL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newPartnerClient returns a client that fetches its token with the fake
// partner credentials.
func newPartnerClient(t testing.TB, srvURL string, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(testKey, append([]api.Option{api.WithPartnerCredentials(testPartnerID, testSecret), api.WithBaseURL(srvURL)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newServer starts an httptest server on 127.0.0.1 for the test.
func newServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// countingServer is a server that counts and fails nothing: for the tests
// where no request may arrive.
func countingServer(t testing.TB) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTeapot)
	})
	return srv, &hits
}

// reply is one scripted answer.
type reply struct {
	status int
	header map[string]string
	body   string
	// hangUp drops the connection without answering.
	hangUp bool
}

// scripted answers the n-th request with replies[n] (the last one
// repeats), recording every request and when it arrived. newScripted
// serves it on 127.0.0.1; inProcess serves it without a socket, for a
// synctest bubble.
type scripted struct {
	*httptest.Server
	replies []reply
	mu      sync.Mutex
	reqs    []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	body         string
	at           time.Time
}

func newScripted(t testing.TB, replies ...reply) *scripted {
	t.Helper()
	s := &scripted{replies: replies}
	s.Server = newServer(t, s.ServeHTTP)
	return s
}

// inProcess returns a scripted server and a client that hands it every
// request in process (handlerTransport).
func inProcess(replies ...reply) (*scripted, *http.Client) {
	s := &scripted{replies: replies}
	return s, handlerTransport(s)
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, recorded{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: string(body), at: time.Now()})
	s.mu.Unlock()
	rp := s.replies[min(n, len(s.replies)-1)]
	if rp.hangUp {
		// The server drops the connection without answering.
		panic(http.ErrAbortHandler)
	}
	writeReply(w, rp)
}

// gaps returns the time between each request and the one before it.
func (s *scripted) gaps() []time.Duration {
	reqs := s.requests()
	var out []time.Duration
	for i := 1; i < len(reqs); i++ {
		out = append(out, reqs[i].at.Sub(reqs[i-1].at))
	}
	return out
}

func writeReply(w http.ResponseWriter, rp reply) {
	if rp.body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	for k, v := range rp.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rp.status)
	_, _ = io.WriteString(w, rp.body)
}

func (s *scripted) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func (s *scripted) count() int { return len(s.requests()) }

// expectation is the exact request a handler must receive.
type expectation struct {
	method, path string
	// token is the Finicity-App-Token expected; "" means the header must
	// be absent (partner authentication).
	token string
	// body is the exact body expected; "" means none.
	body string
}

// checkRequest asserts that r is exactly want: request line, every header
// the client sets (and no other but the transport's own), and the body byte
// for byte.
func checkRequest(t testing.TB, r *http.Request, want expectation) {
	t.Helper()
	if r.Method != want.method || r.URL.Path != want.path {
		t.Errorf("request line: got %s %s, want %s %s", r.Method, r.URL.Path, want.method, want.path)
	}
	if r.URL.RawQuery != "" {
		t.Errorf("query: got %q, want none", r.URL.RawQuery)
	}
	wantHeader := map[string][]string{
		"Finicity-App-Key": {testKey},
		"User-Agent":       {wantUserAgent},
	}
	if want.token != "" {
		wantHeader["Finicity-App-Token"] = []string{want.token}
	}
	if want.body != "" {
		wantHeader["Content-Type"] = []string{"application/json"}
	}
	if wantAccept != "" {
		wantHeader["Accept"] = []string{wantAccept}
	}
	for name, vals := range wantHeader {
		if got := r.Header.Values(name); !slices.Equal(got, vals) {
			t.Errorf("header %s: got %q, want %q", name, got, vals)
		}
	}
	// Added by net/http itself, not by the client.
	transport := map[string]bool{"Accept-Encoding": true, "Content-Length": true}
	for name := range r.Header {
		if _, ok := wantHeader[name]; !ok && !transport[name] {
			t.Errorf("unexpected header %s: %q", name, r.Header.Values(name))
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read body: %v", err)
	}
	if string(body) != want.body {
		t.Errorf("body:\n got %s\nwant %s", body, want.body)
	}
}

// errorFields copies the exported fields of e, so that a whole *api.Error
// can be compared with reflect.DeepEqual against an expected value built
// in the test (the unexported masking function is left out).
func errorFields(e *api.Error) *api.Error {
	if e == nil {
		return nil
	}
	return &api.Error{
		StatusCode:  e.StatusCode,
		ReasonCode:  e.ReasonCode,
		Description: e.Description,
		Details:     e.Details,
		Source:      e.Source,
		Recoverable: e.Recoverable,
		Items:       e.Items,
		Body:        e.Body,
		Method:      e.Method,
		Path:        e.Path,
	}
}

// transportFunc is an http.RoundTripper made of a function.
type transportFunc func(*http.Request) (*http.Response, error)

func (f transportFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// handlerTransport serves requests with h in process: no socket, so it can
// run inside a synctest bubble, where a handler blocking on a channel is
// durably blocked. A handler that aborts (panic(http.ErrAbortHandler)),
// as one dropping the connection does, gives the error net/http's client
// reports for a connection closed before the answer: io.EOF.
func handlerTransport(h http.Handler) *http.Client {
	return &http.Client{Transport: transportFunc(func(req *http.Request) (resp *http.Response, err error) {
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		in := req.Clone(req.Context())
		if in.Body == nil {
			in.Body = http.NoBody
		}
		defer func() {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			if r := recover(); r != nil {
				if r != http.ErrAbortHandler {
					panic(r)
				}
				resp, err = nil, io.EOF
			}
		}()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, in)
		resp = rec.Result()
		resp.Request = req
		return resp, nil
	})}
}

// randomSecret returns a realistic credential: 32 random hex characters
// with a prefix naming it, so a leak is a plain substring.
func randomSecret(name string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

// quickRetries makes the waits between retries a millisecond at most, for
// the tests against a real server, where the clock is real too.
var quickRetries = api.WithRetryBackoff(time.Millisecond, time.Millisecond)

// mustContainNone fails t if text contains any of secrets.
func mustContainNone(t testing.TB, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s contains the credential %q:\n%s", where, s, text)
		}
	}
}

// scriptedTokens is a TokenSource handing out tokens in order: tokens[i]
// until Invalidate reports it, then the next; the last one stays. It
// records every call.
type scriptedTokens struct {
	mu          sync.Mutex
	tokens      []string
	i           int
	err         error // returned by Token when set
	tokenCalls  int
	invalidated []string
}

func (s *scriptedTokens) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenCalls++
	if s.err != nil {
		return "", s.err
	}
	return s.tokens[min(s.i, len(s.tokens)-1)], nil
}

func (s *scriptedTokens) Invalidate(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, token)
	if s.i < len(s.tokens) && s.tokens[s.i] == token {
		s.i++
	}
}

func (s *scriptedTokens) calls() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls, slices.Clone(s.invalidated)
}
