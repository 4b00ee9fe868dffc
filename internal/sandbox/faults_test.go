package sandbox_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// inbound is what a test keeps of a sandbox.Inbound.
type inbound struct {
	method, path string
	operationID  string // "" when Route is nil
	body         string
	violation    string // "" when nil
}

// hookRecorder collects what WithRequestHook hands over.
type hookRecorder struct {
	mu  sync.Mutex
	got []inbound
}

func (h *hookRecorder) hook(in sandbox.Inbound) {
	rec := inbound{method: in.Request.Method, path: in.Request.URL.EscapedPath(), body: string(in.Body)}
	if in.Route != nil {
		rec.operationID = in.Route.Operation.OperationID
	}
	if in.Violation != nil {
		rec.violation = in.Violation.Error()
	}
	h.mu.Lock()
	h.got = append(h.got, rec)
	h.mu.Unlock()
}

func (h *hookRecorder) all() []inbound {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]inbound(nil), h.got...)
}

// TestRequestHook: the hook sees every request once, before its answer,
// with its operation, its body and how it breaks the spec; the answers are
// the ones the sandbox gives without a hook.
func TestRequestHook(t *testing.T) {
	var h hookRecorder
	_, srv := newSandbox(t, sandbox.WithRequestHook(h.hook))
	cfg, login := cfgPath(t), loginPath(t)
	create, list, form := specOp(t, opCreate).ID, specOp(t, opList).ID, specOp(t, opLoginForm).ID
	createBody, loginBody := bodyText(t, opCreate, nil), bodyText(t, opLoginForm, nil)
	noCustomer := bodyText(t, opLoginForm, map[string]any{"customerId": absent})
	reqs := []struct {
		req    raw
		status int
		want   inbound
	}{
		{raw{method: "POST", path: cfg, key: keyA, token: anyTok, body: createBody}, 201,
			inbound{"POST", cfg, create, createBody, ""}},
		{raw{method: "GET", path: cfg, key: keyA, token: anyTok}, 200,
			inbound{"GET", cfg, list, "", ""}},
		{raw{method: "POST", path: login, key: keyA, token: anyTok, body: noCustomer}, 400,
			inbound{"POST", login, form, noCustomer, "body customerId: value is required but missing"}},
		// Credentials are answered first, yet the body is still read and
		// checked for the hook.
		{raw{method: "POST", path: login, body: loginBody}, 401,
			inbound{"POST", login, form, loginBody, "header Finicity-App-Key: value is required but missing"}},
		{raw{method: "GET", path: "/connect-components/nowhere", key: keyA, token: anyTok}, 404,
			inbound{"GET", "/connect-components/nowhere", "", "", "no operation of the spec for GET /connect-components/nowhere"}},
		{raw{method: "GET", path: "/oauth/9082affa-d965-40be-a3ed-a320bb3467ff"}, 404,
			inbound{"GET", "/oauth/9082affa-d965-40be-a3ed-a320bb3467ff", "", "", ""}},
	}
	var want []inbound
	for _, r := range reqs {
		if status, body := r.req.send(t, srv); status != r.status {
			t.Errorf("%s %s: got %d %s, want %d", r.req.method, r.req.path, status, body, r.status)
		}
		want = append(want, r.want)
	}
	if got := h.all(); !reflect.DeepEqual(got, want) {
		t.Errorf("hook saw:\n%q\nwant:\n%q", got, want)
	}
}

// do sends a request, with credentials when key is set, and returns the
// status, the Retry-After header and the body.
func do(t *testing.T, srv *httptest.Server, method, path, key string) (int, string, []byte) {
	t.Helper()
	r := raw{method: method, path: path, key: key}
	if key != "" {
		r.token = anyTok
	}
	resp, body := r.exchange(t, srv)
	return resp.StatusCode, resp.Header.Get("Retry-After"), body
}

// TestInjectStatus: a scripted status is answered with the API's error
// body, reason code the status, Recoverable for the statuses worth a
// retry, and Retry-After in whole seconds rounded up.
func TestInjectStatus(t *testing.T) {
	cases := []struct {
		fault       sandbox.Fault
		retryAfter  string
		description string
		recoverable bool
	}{
		{sandbox.Fault{Status: 429, RetryAfter: 1500 * time.Millisecond}, "2", "Too Many Requests.", true},
		{sandbox.Fault{Status: 500}, "", "Internal Server Error.", false},
		{sandbox.Fault{Status: 502}, "", "Bad Gateway.", true},
		{sandbox.Fault{Status: 503, RetryAfter: 3 * time.Second}, "3", "Service Unavailable.", true},
		{sandbox.Fault{Status: 504}, "", "Gateway Timeout.", true},
		{sandbox.Fault{Status: 404}, "", "Not Found.", false},
	}
	for _, tc := range cases {
		sb, srv := newSandbox(t)
		if err := sb.Inject(specOp(t, opList).ID, 1, tc.fault); err != nil {
			t.Fatal(err)
		}
		status, retryAfter, body := do(t, srv, "GET", cfgPath(t), keyA)
		if status != tc.fault.Status || retryAfter != tc.retryAfter {
			t.Errorf("%d: got status %d, Retry-After %q; want %d, %q", tc.fault.Status, status, retryAfter, tc.fault.Status, tc.retryAfter)
		}
		want := gen.ErrorItem{Source: "Connect-Components", ReasonCode: strconv.Itoa(tc.fault.Status),
			Description: tc.description, Details: "Answer scripted by the test.", Recoverable: tc.recoverable}
		if got := errorItem(t, body); !reflect.DeepEqual(got, want) {
			t.Errorf("%d: got %#v, want %#v", tc.fault.Status, got, want)
		}
		// One call only: the next one is answered normally.
		if status, _, body := do(t, srv, "GET", cfgPath(t), keyA); status != 200 || string(body) != "[]" {
			t.Errorf("%d: the call after: got %d %s, want 200 []", tc.fault.Status, status, body)
		}
	}
}

// TestInjectOrder: faults apply to the next calls of their operation
// only, in the order injected, whatever the request: one without
// credentials meets the gateway's fault before the API's 401.
func TestInjectOrder(t *testing.T) {
	sb, srv := newSandbox(t)
	list, cfg := specOp(t, opList).ID, cfgPath(t)
	for _, f := range []struct {
		n      int
		status int
	}{{2, 503}, {1, 500}} {
		if err := sb.Inject(list, f.n, sandbox.Fault{Status: f.status}); err != nil {
			t.Fatal(err)
		}
	}
	var got []int
	for range 2 {
		status, _, _ := do(t, srv, "POST", cfg, keyA) // another operation: untouched
		got = append(got, status)
	}
	status, _, _ := do(t, srv, "GET", cfg, "") // no app key: still scripted
	got = append(got, status)
	for range 3 {
		status, _, _ := do(t, srv, "GET", cfg, keyA)
		got = append(got, status)
	}
	// The POSTs carry no body: 400, as without faults.
	if want := []int{400, 400, 503, 503, 500, 200}; !reflect.DeepEqual(got, want) {
		t.Errorf("statuses: got %v, want %v", got, want)
	}
}

// TestInjectRefused: Inject refuses what cannot be a fault, and queues
// nothing then.
func TestInjectRefused(t *testing.T) {
	sb, srv := newSandbox(t)
	list := specOp(t, opList).ID
	unknown := list + "Typo"
	if _, ok := sandbox.SpecModel(t).Operation(unknown); ok {
		t.Fatalf("%s has an operation %s, which %s takes for one it has not: update the test", sandbox.At("/paths"), unknown, "internal/sandbox/faults_test.go")
	}
	cases := []struct {
		id   string
		n    int
		f    sandbox.Fault
		want string
	}{
		{unknown, 1, sandbox.Fault{Status: 503}, `sandbox: no operation "` + unknown + `" in the spec`},
		{list, 0, sandbox.Fault{Status: 503}, "sandbox: inject into " + list + ": 0 calls, want 1 or more"},
		{list, 1, sandbox.Fault{Status: 42}, "sandbox: inject into " + list + ": status 42 is not an HTTP status"},
	}
	for _, tc := range cases {
		if err := sb.Inject(tc.id, tc.n, tc.f); err == nil || err.Error() != tc.want {
			t.Errorf("Inject(%q, %d, %+v): got %v, want %q", tc.id, tc.n, tc.f, err, tc.want)
		}
	}
	if status, _, _ := do(t, srv, "GET", cfgPath(t), keyA); status != 200 {
		t.Errorf("after refused injections: got %d, want 200", status)
	}
}

// TestInjectDelay: a delay waits on a timer (the bubble's, under synctest:
// no real wait), then answers, or answers nothing to a client that gave
// up, which then changes nothing.
func TestInjectDelay(t *testing.T) {
	create, list := specOp(t, opCreate).ID, specOp(t, opList).ID
	params := typedBody[api.ConfigurationParams](t, opCreate, nil)
	synctest.Test(t, func(t *testing.T) {
		sb := sandbox.New()
		c := inProcessClient(t, sb, keyA, anyTok, api.WithRetries(0))
		ctx := context.Background()

		if err := sb.Inject(create, 1, sandbox.Fault{Delay: 5 * time.Second}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if _, err := c.Configurations.Create(ctx, params); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("delayed create took %v, want 5s", d)
		}

		if err := sb.Inject(create, 1, sandbox.Fault{Delay: time.Minute}); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		start = time.Now()
		_, err := c.Configurations.Create(short, params)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 2*time.Second {
			t.Errorf("create given up after %v: %v, want context.DeadlineExceeded after 2s", time.Since(start), err)
		}
		if n := len(mustList(t, c)); n != 1 {
			t.Errorf("configurations: %d, want 1 (the abandoned create made none)", n)
		}

		if err := sb.Inject(list, 1, sandbox.Fault{Status: 503, Delay: 3 * time.Second}); err != nil {
			t.Fatal(err)
		}
		start = time.Now()
		_, err = c.Configurations.List(ctx)
		if e := apiError(t, err); e.StatusCode != 503 || time.Since(start) != 3*time.Second {
			t.Errorf("delayed 503: got %d after %v", e.StatusCode, time.Since(start))
		}
	})
}

func mustList(t *testing.T, c *api.Client) []api.Configuration {
	t.Helper()
	list, err := c.Configurations.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestInjectResetInProcess: in process, a reset is the error a socket
// gives: a *net.OpError wrapping ECONNRESET. The client retries a GET past
// it, and never a POST, which then changed nothing.
func TestInjectResetInProcess(t *testing.T) {
	sb := sandbox.New()
	c := inProcessClient(t, sb, keyA, anyTok, api.WithRetryBackoff(time.Microsecond, time.Microsecond))
	ctx := context.Background()

	if err := sb.Inject(specOp(t, opCreate).ID, 1, sandbox.Fault{Reset: true}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Configurations.Create(ctx, typedBody[api.ConfigurationParams](t, opCreate, nil))
	var opErr *net.OpError
	if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &opErr) || opErr.Op != "read" {
		t.Fatalf("create: got %v, want a read *net.OpError wrapping ECONNRESET", err)
	}
	if n := len(mustList(t, c)); n != 0 {
		t.Errorf("configurations after the reset create: %d, want 0", n)
	}

	if err := sb.Inject(specOp(t, opList).ID, 2, sandbox.Fault{Reset: true}); err != nil {
		t.Fatal(err)
	}
	if list, err := c.Configurations.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("list after two resets (two retries): got %v, %v; want [] and no error", list, err)
	}
}

// TestInjectResetServed: served, the connection is closed with a TCP
// reset, and net/http's client reports ECONNRESET.
func TestInjectResetServed(t *testing.T) {
	sb, srv := newSandbox(t)
	if err := sb.Inject(specOp(t, opList).ID, 1, sandbox.Fault{Reset: true}); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("GET", srv.URL+cfgPath(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Finicity-App-Key", keyA)
	req.Header.Set("Finicity-App-Token", anyTok)
	resp, err := srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want a connection reset", resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("got %v, want ECONNRESET", err)
	}
	if status, _, _ := do(t, srv, "GET", cfgPath(t), keyA); status != 200 {
		t.Errorf("the next call: got %d, want 200", status)
	}
}

// TestQueueReconnections: queued answers come first, in order, whatever
// the id; then the last-digit convention again. A fault answering a
// reconnection does not use up a queued answer.
func TestQueueReconnections(t *testing.T) {
	sb, srv := newSandbox(t)
	c := apiClient(t, srv, keyA, anyTok)
	if err := sb.QueueReconnections(sandbox.ReconnectTFAChoice, sandbox.ReconnectLoginForm, sandbox.ReconnectTFATextThenChoice); err != nil {
		t.Fatal(err)
	}
	if err := sb.Inject(specOp(t, opReconnect).ID, 1, sandbox.Fault{Status: 502}); err != nil {
		t.Fatal(err)
	}
	if err := sb.QueueReconnections(sandbox.ReconnectTFAText, 0); err == nil {
		t.Error("QueueReconnections(…, 0): no error")
	}
	if err := sb.QueueReconnections(sandbox.Reconnection(7)); err == nil {
		t.Error("QueueReconnections(7): no error")
	}
	// mfa types of each answer; nil for a login form, "502" for the fault.
	var got [][]string
	params := typedBody[api.ReconnectionParams](t, opReconnect, nil)
	for _, loginID := range []int64{7008461431, 7008461431, 7008461433, 7008461431, 7008461436, 7008461431} {
		r, err := c.Reconnections.Create(context.Background(), "1005061234", loginID, params)
		if err != nil {
			got = append(got, []string{strconv.Itoa(apiError(t, err).StatusCode)})
			continue
		}
		var types []string
		for _, ch := range r.Challenges() {
			types = append(types, ch.MFAType)
		}
		if (types == nil) != (r.LoginForm != nil) {
			t.Errorf("login id %d: login form %v with challenges %v", loginID, r.LoginForm, types)
		}
		got = append(got, types)
	}
	want := [][]string{{"502"}, {"TFA_CHOICE"}, nil, {"TFA_TEXT", "TFA_CHOICE"}, {"TFA_IMAGE"}, nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("answers: got %q, want %q", got, want)
	}
}

// TestClearScripts: nothing queued survives ClearScripts.
func TestClearScripts(t *testing.T) {
	sb, srv := newSandbox(t)
	if err := sb.Inject(specOp(t, opList).ID, 5, sandbox.Fault{Status: 503}); err != nil {
		t.Fatal(err)
	}
	if err := sb.QueueReconnections(sandbox.ReconnectTFAText); err != nil {
		t.Fatal(err)
	}
	sb.ClearScripts()
	if status, _, _ := do(t, srv, "GET", cfgPath(t), keyA); status != 200 {
		t.Errorf("list: got %d, want 200", status)
	}
	r, err := apiClient(t, srv, keyA, anyTok).Reconnections.Create(context.Background(), "1005061234", 7008461431, typedBody[api.ReconnectionParams](t, opReconnect, nil))
	if err != nil || r.NeedsMFA() {
		t.Errorf("reconnection: got %+v, %v; want a login form", r, err)
	}
}
