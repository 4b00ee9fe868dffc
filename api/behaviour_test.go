package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/spectest"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// Distinctive credential values, so that a leak is a plain substring.
const (
	leakKey     = "appkey-LEAK-0f3b9d"
	leakID      = "partner-1234583871234"
	leakSecret  = "secret-LEAK-77a1c4"
	tokenPrefix = "token-LEAK-"
)

const (
	configsPath = "/connect-components/configurations"
	tokenPath   = "/aggregation/v2/partners/authentication"
)

// scriptServer answers the n-th request (0-based) with steps[n] (the last
// step repeats). A step is a status with an optional body and headers, or
// "reset" to drop the connection without answering.
type step struct {
	status int
	body   string
	header map[string]string
	reset  bool
	delay  time.Duration
}

type scriptServer struct {
	*httptest.Server
	count  atomic.Int64
	mu     sync.Mutex
	bodies []string
}

func newScriptServer(t *testing.T, steps ...step) *scriptServer {
	t.Helper()
	s := &scriptServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.count.Add(1)) - 1
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies = append(s.bodies, string(b))
		s.mu.Unlock()
		st := steps[min(n, len(steps)-1)]
		if st.reset {
			hj, ok := w.(http.Hijacker)
			if !ok {
				t.Error("server cannot hijack")
				return
			}
			conn, _, err := hj.Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		if st.delay > 0 {
			select {
			case <-time.After(st.delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range st.header {
			w.Header().Set(k, v)
		}
		if st.body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(st.status)
		io.WriteString(w, st.body)
	}))
	t.Cleanup(s.Close)
	return s
}

const errorJSON = `{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"%s","Description":"desc","Recoverable":false,"Details":"details"}]}}`

func TestRetriesOverTheWire(t *testing.T) {
	cfg := `{"id":"605543e1-f507-48ad-8127-95c40566597b","aoRequired":true}`
	tests := []struct {
		name       string
		steps      []step
		call       func(context.Context, *api.Client) error
		wantSent   int
		wantStatus int // of the *api.Error, 0 for success
		wantWaits  []time.Duration
	}{
		{name: "GET connection reset then success", steps: []step{{reset: true}, {status: 200, body: "[]"}},
			call: getConfigs, wantSent: 2, wantWaits: []time.Duration{time.Millisecond}},
		{name: "GET 503 then 200", steps: []step{{status: 503}, {status: 200, body: "[]"}},
			call: getConfigs, wantSent: 2, wantWaits: []time.Duration{time.Millisecond}},
		{name: "GET 429 with Retry-After", steps: []step{{status: 429, header: map[string]string{"Retry-After": "3"}}, {status: 200, body: "[]"}},
			call: getConfigs, wantSent: 2, wantWaits: []time.Duration{3 * time.Second}},
		{name: "GET Retry-After capped at max backoff", steps: []step{{status: 503, header: map[string]string{"Retry-After": "3600"}}, {status: 200, body: "[]"}},
			call: getConfigs, wantSent: 2, wantWaits: []time.Duration{8 * time.Second}},
		{name: "GET 502 504 503 gives up after 2 retries", steps: []step{{status: 502}, {status: 504}, {status: 503, body: fmt.Sprintf(errorJSON, "x")}},
			call: getConfigs, wantSent: 3, wantStatus: 503, wantWaits: []time.Duration{time.Millisecond, 2 * time.Millisecond}},
		{name: "DELETE 502 then 204", steps: []step{{status: 502}, {status: 204}},
			call: func(ctx context.Context, c *api.Client) error {
				return c.DeleteConfigurationsConfigurationId(ctx, cfgID)
			}, wantSent: 2, wantWaits: []time.Duration{time.Millisecond}},
		{name: "GET 404 is not retried", steps: []step{{status: 404, body: fmt.Sprintf(errorJSON, "4041")}},
			call: func(ctx context.Context, c *api.Client) error {
				_, err := c.GetConfigurationsConfigurationId(ctx, cfgID)
				return err
			}, wantSent: 1, wantStatus: 404},
		{name: "POST answered 503 is sent exactly once", steps: []step{{status: 503}, {status: 201, body: cfg}},
			call: func(ctx context.Context, c *api.Client) error {
				_, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
				return err
			}, wantSent: 1, wantStatus: 503},
		{name: "POST answered 429 is sent exactly once", steps: []step{{status: 429, header: map[string]string{"Retry-After": "1"}}, {status: 201, body: cfg}},
			call: func(ctx context.Context, c *api.Client) error {
				_, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
				return err
			}, wantSent: 1, wantStatus: 429},
		{name: "POST connection reset is sent exactly once", steps: []step{{reset: true}, {status: 201, body: cfg}},
			call: func(ctx context.Context, c *api.Client) error {
				_, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
				return err
			}, wantSent: 1, wantStatus: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScriptServer(t, tc.steps...)
			var rec testutil.SleepRecorder
			c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL),
				api.WithRetryBackoff(time.Millisecond, 8*time.Second),
				api.WithRetrySleep(rec.Sleep), api.WithRetryJitter(func(d time.Duration) time.Duration { return d }))
			if err != nil {
				t.Fatal(err)
			}
			err = tc.call(context.Background(), c)
			if got := int(srv.count.Load()); got != tc.wantSent {
				t.Errorf("requests sent: got %d, want %d", got, tc.wantSent)
			}
			var apiErr *api.Error
			switch {
			case tc.wantStatus == 0 && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantStatus > 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tc.wantStatus):
				t.Fatalf("error: got %v, want *api.Error %d", err, tc.wantStatus)
			case tc.wantStatus < 0 && (err == nil || errors.As(err, &apiErr)):
				t.Fatalf("error: got %v, want a transport error", err)
			}
			if got := rec.Waits(); fmt.Sprint(got) != fmt.Sprint(tc.wantWaits) && !(len(got) == 0 && len(tc.wantWaits) == 0) {
				t.Errorf("waits: got %v, want %v", got, tc.wantWaits)
			}
		})
	}
}

func getConfigs(ctx context.Context, c *api.Client) error {
	_, err := c.GetConfigurations(ctx)
	return err
}

func TestCancelledContextStopsRetryWait(t *testing.T) {
	srv := newScriptServer(t, step{status: 503})
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL), api.WithRetryBackoff(time.Hour, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.GetConfigurations(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("returned %v after start; the wait was not interrupted", el)
	}
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		t.Errorf("a cancelled call must not look like an API error: %v", err)
	}
}

func TestAttemptTimeoutRetriesSlowGET(t *testing.T) {
	srv := newScriptServer(t, step{status: 200, body: "[]", delay: 5 * time.Second}, step{status: 200, body: "[]"})
	var rec testutil.SleepRecorder
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL), api.WithAttemptTimeout(100*time.Millisecond), api.WithRetrySleep(rec.Sleep))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetConfigurations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 || srv.count.Load() != 2 {
		t.Errorf("got %v after %d requests, want [] after 2", got, srv.count.Load())
	}
}

// partnerServer is a spec-validating server that issues tokens and
// answers GetConfigurations and PostConfigurations for a valid token.
type partnerServer struct {
	*spectest.Server
	fetches atomic.Int64 // CreateToken calls
	calls   atomic.Int64 // other calls
	reject  bool         // answer CreateToken 401
	delay   time.Duration
	mu      sync.Mutex
	valid   map[string]bool
	seen    map[string]int // token -> calls made with it
}

func newPartnerServer(t *testing.T, reject bool, delay time.Duration) *partnerServer {
	p := &partnerServer{reject: reject, delay: delay, valid: map[string]bool{}, seen: map[string]int{}}
	p.Server = spectest.New(t, func(r *spectest.Request) spectest.Response {
		if r.OperationID == "CreateToken" {
			n := p.fetches.Add(1)
			if got := r.Header.Get("Finicity-App-Token"); got != "" {
				t.Errorf("CreateToken sent with a Finicity-App-Token")
			}
			if r.Header.Get("Finicity-App-Key") != leakKey || !strings.Contains(string(r.Body), leakSecret) {
				t.Errorf("CreateToken: wrong key or body")
			}
			time.Sleep(p.delay)
			if p.reject {
				return spectest.Response{Status: 401, Body: []byte(fmt.Sprintf(errorJSON, "10024"))}
			}
			tok := fmt.Sprintf("%s%d", tokenPrefix, n)
			p.mu.Lock()
			p.valid[tok] = true
			p.mu.Unlock()
			return spectest.Response{Status: 200, Body: map[string]string{"token": tok}}
		}
		p.calls.Add(1)
		tok := r.Header.Get("Finicity-App-Token")
		p.mu.Lock()
		ok := p.valid[tok]
		p.seen[tok]++
		p.mu.Unlock()
		if !ok {
			return spectest.Response{Status: 401, Body: []byte(fmt.Sprintf(errorJSON, "10023"))}
		}
		if r.OperationID == "PostConfigurations" {
			if string(r.Body) != `{"aoRequired":true}` {
				t.Errorf("PostConfigurations body: got %s", r.Body)
			}
			return spectest.Response{Status: 201, Body: configurationBody}
		}
		return spectest.Response{Status: 200, Body: []any{configurationBody}}
	})
	return p
}

// expireAll makes every token issued so far expired.
func (p *partnerServer) expireAll() {
	p.mu.Lock()
	p.valid = map[string]bool{}
	p.mu.Unlock()
}

func partnerClient(t *testing.T, url string, opts ...api.Option) *api.Client {
	t.Helper()
	opts = append([]api.Option{api.WithBaseURL(url), api.WithPartnerCredentials(leakID, leakSecret)}, opts...)
	c, err := api.NewClient(leakKey, "", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConcurrentCallsShareOneTokenFetch(t *testing.T) {
	// A plain server: 1000 spec validations on the server side would only
	// measure the validator. The exchanges themselves are covered by the
	// spec-validating partnerServer tests.
	var fetches, calls, wrongToken atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == tokenPath {
			fetches.Add(1)
			time.Sleep(50 * time.Millisecond) // let callers pile up behind the fetch
			io.WriteString(w, `{"token":"`+tokenPrefix+`shared"}`)
			return
		}
		calls.Add(1)
		if r.Header.Get("Finicity-App-Token") != tokenPrefix+"shared" {
			wrongToken.Add(1)
		}
		io.WriteString(w, "[]")
	}))
	defer srv.Close()
	// Bounded connections: 1000 goroutines, not 1000 sockets.
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 16, MaxIdleConnsPerHost: 16}}
	c := partnerClient(t, srv.URL, api.WithHTTPClient(hc))
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := c.GetConfigurations(context.Background())
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := fetches.Load(); got != 1 {
		t.Errorf("token fetches: got %d, want 1", got)
	}
	if got := calls.Load(); got != n {
		t.Errorf("calls: got %d, want %d", got, n)
	}
	if got := wrongToken.Load(); got != 0 {
		t.Errorf("%d calls carried another token", got)
	}
}

func TestTokenExpiringMidRunRefreshesOnceAndReplaysOnce(t *testing.T) {
	srv := newPartnerServer(t, false, 0)
	var logs bytes.Buffer
	c := partnerClient(t, srv.URL, api.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := c.GetConfigurations(ctx); err != nil {
			t.Fatal(err)
		}
	}
	srv.expireAll()

	// A POST too: its body must be replayed byte for byte.
	ao := true
	if _, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{AoRequired: &ao}); err != nil {
		t.Fatalf("call across expiry: %v", err)
	}
	if _, err := c.GetConfigurations(ctx); err != nil {
		t.Fatal(err)
	}
	if got := srv.fetches.Load(); got != 2 {
		t.Errorf("token fetches: got %d, want 2 (first use and one refresh)", got)
	}
	// 3 calls, then the POST twice (refused, replayed), then 1 call.
	if got := srv.calls.Load(); got != 6 {
		t.Errorf("calls: got %d, want 6", got)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.seen[tokenPrefix+"1"] != 4 || srv.seen[tokenPrefix+"2"] != 2 {
		t.Errorf("calls per token: got %v", srv.seen)
	}
	if !strings.Contains(logs.String(), "replaying once") {
		t.Errorf("replay not logged:\n%s", logs.String())
	}
}

func TestConcurrentExpiryCausesOneRefresh(t *testing.T) {
	srv := newPartnerServer(t, false, 20*time.Millisecond)
	c := partnerClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.GetConfigurations(ctx); err != nil {
		t.Fatal(err)
	}
	srv.expireAll()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetConfigurations(ctx); err != nil {
				failed.Add(1)
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := srv.fetches.Load(); got != 2 {
		t.Errorf("token fetches: got %d, want 2", got)
	}
}

func TestExpiredTokenIsReplayedAtMostOnce(t *testing.T) {
	// A server that calls every token expired: one refresh, one replay, then
	// the 401 is returned instead of looping.
	var fetches, calls atomic.Int64
	srv := spectest.New(t, func(r *spectest.Request) spectest.Response {
		if r.OperationID == "CreateToken" {
			fetches.Add(1)
			return spectest.Response{Status: 200, Body: map[string]string{"token": tokenPrefix + "x"}}
		}
		calls.Add(1)
		return spectest.Response{Status: 401, Body: []byte(fmt.Sprintf(errorJSON, "10023"))}
	})
	c := partnerClient(t, srv.URL)
	_, err := c.GetConfigurations(context.Background())
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.ReasonCode != "10023" {
		t.Fatalf("got %v, want *api.Error 401/10023", err)
	}
	if fetches.Load() != 2 || calls.Load() != 2 {
		t.Errorf("fetches %d, calls %d; want 2 and 2", fetches.Load(), calls.Load())
	}
}

func TestStaticTokenExpiryIsNotReplayed(t *testing.T) {
	srv := newScriptServer(t, step{status: 401, body: fmt.Sprintf(errorJSON, "10023")})
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetConfigurations(context.Background())
	if !api.IsUnauthorized(err) || srv.count.Load() != 1 {
		t.Errorf("got %v after %d requests, want a 401 after 1", err, srv.count.Load())
	}
}

func TestUnreplayableBodyIsNotReplayed(t *testing.T) {
	srv := newPartnerServer(t, false, 0)
	c := partnerClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.Token(ctx); err != nil {
		t.Fatal(err)
	}
	srv.expireAll()
	// A reader the client cannot rewind: the 401 must come back as is.
	body := io.MultiReader(strings.NewReader(`{"aoRequired":true}`))
	r, err := c.PostConfigurationsWithBodyWithResponse(ctx, "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode() != 401 || srv.calls.Load() != 1 || srv.fetches.Load() != 1 {
		t.Errorf("status %d, calls %d, fetches %d; want 401, 1, 1", r.StatusCode(), srv.calls.Load(), srv.fetches.Load())
	}
}

func TestInvalidPartnerCredentialsCauseOneAuthenticationCall(t *testing.T) {
	srv := newPartnerServer(t, true, 0)
	c := partnerClient(t, srv.URL)
	ctx := context.Background()
	var errs []error
	for i := 0; i < 3; i++ {
		_, err := c.GetConfigurations(ctx)
		errs = append(errs, err)
	}
	_, err := c.Token(ctx)
	errs = append(errs, err)
	for _, err := range errs {
		var apiErr *api.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.ReasonCode != "10024" {
			t.Errorf("got %v, want an error wrapping *api.Error 401/10024", err)
		}
		if !errors.Is(err, api.ErrCredentialsRejected) {
			t.Errorf("got %v, want errors.Is ErrCredentialsRejected", err)
		}
	}
	if got := srv.fetches.Load(); got != 1 {
		t.Errorf("authentication calls: got %d, want 1", got)
	}
	if got := srv.calls.Load(); got != 0 {
		t.Errorf("operation calls: got %d, want 0", got)
	}
}

func TestTransientAuthenticationFailureIsNotRemembered(t *testing.T) {
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == tokenPath {
			if fetches.Add(1) == 1 {
				w.WriteHeader(503)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"token":"`+tokenPrefix+`t"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "[]")
	}))
	defer srv.Close()
	c := partnerClient(t, srv.URL)
	ctx := context.Background()
	_, err := c.GetConfigurations(ctx)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || errors.Is(err, api.ErrCredentialsRejected) {
		t.Fatalf("first call: got %v, want a 503 *api.Error", err)
	}
	if fetches.Load() != 1 {
		t.Fatalf("a POST to authentication was retried: %d calls", fetches.Load())
	}
	if _, err := c.GetConfigurations(ctx); err != nil {
		t.Fatalf("second call: %v", err)
	}
	if fetches.Load() != 2 {
		t.Errorf("fetches: got %d, want 2", fetches.Load())
	}
}

func TestTokenMaxAge(t *testing.T) {
	srv := newPartnerServer(t, false, 0)
	clk := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	clock, advance := clk.Now, clk.Advance
	tests := []struct {
		name    string
		maxAge  []api.Option
		advance time.Duration
		want    int64
	}{
		{"default 90m: 89m reuses", nil, 89 * time.Minute, 1},
		{"default 90m: 90m refreshes", nil, 90 * time.Minute, 2},
		{"configured 10m: 11m refreshes", []api.Option{api.WithTokenMaxAge(10 * time.Minute)}, 11 * time.Minute, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.fetches.Load()
			c := partnerClient(t, srv.URL, append(tc.maxAge, api.WithClock(clock))...)
			first, err := c.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			advance(tc.advance)
			second, err := c.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := srv.fetches.Load() - before; got != tc.want {
				t.Errorf("fetches: got %d, want %d", got, tc.want)
			}
			if (first == second) != (tc.want == 1) {
				t.Errorf("tokens %q then %q", first, second)
			}
		})
	}
}

func TestNewClientCredentialChoices(t *testing.T) {
	tests := []struct {
		name  string
		token string
		opts  []api.Option
		want  string
	}{
		{"token and credentials", testToken, []api.Option{api.WithPartnerCredentials(leakID, leakSecret)}, "both an app token and partner credentials"},
		{"neither", "", nil, "app token is empty"},
		{"empty partner id", "", []api.Option{api.WithPartnerCredentials("", leakSecret)}, "must both be set"},
		{"empty partner secret", "", []api.Option{api.WithPartnerCredentials(leakID, " ")}, "must both be set"},
		{"negative retries", testToken, []api.Option{api.WithRetries(-1)}, "negative"},
		{"backoff max below base", testToken, []api.Option{api.WithRetryBackoff(time.Second, time.Millisecond)}, "base <= max"},
		{"zero backoff", testToken, []api.Option{api.WithRetryBackoff(0, time.Second)}, "base <= max"},
		{"negative attempt timeout", testToken, []api.Option{api.WithAttemptTimeout(-time.Second)}, "negative"},
		{"zero token max age", "", []api.Option{api.WithPartnerCredentials(leakID, leakSecret), api.WithTokenMaxAge(0)}, "not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := api.NewClient(leakKey, tc.token, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
			for _, s := range []string{leakKey, leakSecret, testToken} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error leaks a credential: %v", err)
				}
			}
		})
	}
	c, err := api.NewClient(leakKey, testToken, api.WithRetries(0), api.WithAttemptTimeout(0), api.WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := c.Token(context.Background()); err != nil || tok != testToken {
		t.Errorf("Token with a fixed token: got %q, %v", tok, err)
	}
}

// TestPOSTRetriedOnlyWhenNeverSent: a POST whose connection could not even
// be dialled is retried (nothing reached the server); the server then sees
// it exactly once.
func TestPOSTRetriedOnlyWhenNeverSent(t *testing.T) {
	srv := newScriptServer(t, step{status: 201, body: `{"id":"605543e1-f507-48ad-8127-95c40566597b"}`})
	var dials atomic.Int64
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	var rec testutil.SleepRecorder
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL), api.WithHTTPClient(hc), api.WithRetrySleep(rec.Sleep))
	if err != nil {
		t.Fatal(err)
	}
	ao := true
	if _, err := c.PostConfigurations(context.Background(), api.PostConfigurationsRequest{AoRequired: &ao}); err != nil {
		t.Fatal(err)
	}
	if srv.count.Load() != 1 || dials.Load() != 2 || len(rec.Waits()) != 1 {
		t.Errorf("server saw %d, transport %d, waits %v; want 1, 2, one wait", srv.count.Load(), dials.Load(), rec.Waits())
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.bodies[0] != `{"aoRequired":true}` {
		t.Errorf("body: %q", srv.bodies[0])
	}
}

// TestValidationReadsBodiesWhole checks the validation layer's exact-size
// reads keep a body that is longer or shorter than its Content-Length
// announces intact or refused, never truncated.
func TestValidationReadsBodiesWhole(t *testing.T) {
	raw, err := json.Marshal(loginFormBody)
	if err != nil {
		t.Fatal(err)
	}
	loginFormJSON := string(raw)
	for _, tc := range []struct {
		name    string
		length  int64
		wantErr bool
	}{
		{"exact", int64(len(loginFormJSON)), false},
		{"unknown", -1, false},
		{"announced shorter", 10, false},
		{"announced longer", int64(len(loginFormJSON)) + 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 201, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(strings.NewReader(loginFormJSON)), ContentLength: tc.length, Request: r}, nil
			})}
			c, err := api.NewClient(testKey, testToken, api.WithBaseURL("https://api.example.com"), api.WithHTTPClient(hc),
				api.WithRequestValidation(), api.WithResponseValidation())
			if err != nil {
				t.Fatal(err)
			}
			form, err := c.PostInstitutionsInstitutionIdLoginForms(context.Background(), 170716, loginFormRequest)
			if tc.wantErr {
				if err == nil {
					t.Fatal("truncated body accepted")
				}
				return
			}
			if err != nil || form.Id != formID {
				t.Fatalf("got %v, %v", form, err)
			}
		})
	}
}
