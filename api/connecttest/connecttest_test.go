package connecttest_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

var agreed = api.ServiceAgreement{Language: "en", AcceptedDate: time.Date(2024, 11, 28, 18, 25, 32, 0, time.UTC)}

// fakeT stands in for a test's testing.TB, so a test can see the kit
// fail a test, and with which message. Cleanup and the rest go to the
// real test.
type fakeT struct {
	testing.TB
	mu             sync.Mutex
	errors, fatals []string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}

func (f *fakeT) reported() (errors, fatals []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...), append([]string(nil), f.fatals...)
}

// wire is what a test compares of a recorded request: no headers, the
// body as text.
type wire struct {
	Method, Path, Operation, Body, Violation string
}

func wireOf(reqs []connecttest.Request) []wire {
	out := []wire{}
	for _, r := range reqs {
		out = append(out, wire{r.Method, r.Path, r.Operation, string(r.Body), r.Violation})
	}
	return out
}

// TestJourney runs every operation in process and checks what the kit
// recorded: each request, in order, with its operation and body, the
// client's credentials in its headers, and no violation.
func TestJourney(t *testing.T) {
	srv := connecttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()

	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking"}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Configurations.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []api.Configuration{*cfg}; !reflect.DeepEqual(list, want) {
		t.Errorf("list: got %#v, want %#v", list, want)
	}
	got, err := c.Configurations.Get(ctx, cfg.ID)
	if err != nil || !reflect.DeepEqual(got, cfg) {
		t.Errorf("get: got %#v, %v; want %#v", got, err, cfg)
	}
	form, err := c.LoginForms.Create(ctx, 101732, api.LoginFormParams{CustomerID: "1005061234", Language: "fr", ConfigurationID: cfg.ID, ServiceAgreement: agreed})
	if err != nil {
		t.Fatal(err)
	}
	if len(form.Elements) != 2 || form.Elements[0].Label != "Nom d'utilisateur" {
		t.Errorf("login form: %#v", form)
	}
	o, err := c.OAuthURLs.Create(ctx, 101732, api.OAuthURLParams{CustomerID: "1005061234", RedirectURI: "https://partner.example/done", ServiceAgreement: agreed})
	if err != nil {
		t.Fatal(err)
	}
	// The OAuth page is served in process too.
	resp, err := srv.HTTPClient().Get(o.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://partner.example/done" {
		t.Errorf("OAuth page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	r, err := c.Reconnections.Create(ctx, "1005061234", 7008461431, api.ReconnectionParams{})
	if err != nil || r.LoginForm == nil {
		t.Errorf("reconnection: %#v, %v", r, err)
	}
	if err := c.Configurations.Delete(ctx, cfg.ID); err != nil {
		t.Fatal(err)
	}

	cfgPath := "/connect-components/configurations/" + cfg.ID.String()
	want := []wire{
		{"POST", "/connect-components/configurations", "Configurations.Create", `{"filterAccounts":["Checking"]}`, ""},
		{"GET", "/connect-components/configurations", "Configurations.List", "", ""},
		{"GET", cfgPath, "Configurations.Get", "", ""},
		{"POST", "/connect-components/institutions/101732/login-forms", "LoginForms.Create",
			`{"configurationId":"` + cfg.ID.String() + `","customerId":"1005061234","language":"fr","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"en"}}`, ""},
		{"POST", "/connect-components/institutions/101732/oauth-urls", "OAuthURLs.Create",
			`{"customerId":"1005061234","redirectURI":"https://partner.example/done","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"en"}}`, ""},
		{"GET", "/oauth/" + o.ID.String(), "", "", ""},
		{"POST", "/connect-components/customers/1005061234/institution-login-ids/7008461431/reconnections", "Reconnections.Create", "{}", ""},
		{"DELETE", cfgPath, "Configurations.Delete", "", ""},
	}
	reqs := srv.Requests()
	if got := wireOf(reqs); !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n%q\nwant:\n%q", got, want)
	}
	for _, r := range reqs[:5] {
		if r.Header.Get("Finicity-App-Key") != connecttest.AppKey || r.Header.Get("Finicity-App-Token") != connecttest.Token {
			t.Errorf("%s: sent without the kit's credentials", r)
		}
	}
	var sent api.LoginFormParams
	if err := reqs[3].DecodeBody(&sent); err != nil {
		t.Fatal(err)
	}
	if want := (api.LoginFormParams{CustomerID: "1005061234", Language: "fr", ConfigurationID: cfg.ID, ServiceAgreement: agreed}); !reflect.DeepEqual(sent, want) {
		t.Errorf("decoded body: got %#v, want %#v", sent, want)
	}
	// Requests hands out copies.
	reqs[0].Header.Set("Finicity-App-Key", "changed")
	reqs[0].Body[0] = '['
	if again := srv.Requests(); again[0].Header.Get("Finicity-App-Key") != connecttest.AppKey || again[0].Body[0] != '{' {
		t.Error("changing what Requests returned changed the record")
	}
	if err := reqs[1].DecodeBody(new(any)); err == nil || err.Error() != "connecttest: GET /connect-components/configurations has no body" {
		t.Errorf("DecodeBody of a GET: %v", err)
	}
}

var callerAt = regexp.MustCompile(`^connecttest_test\.go:[0-9]+: connecttest: `)

// TestRequestChecks: a request off the spec fails the test with a
// message naming the operation and the field (never a credential), and
// gets the API's documented error; with AllowInvalidRequests it is only
// recorded.
func TestRequestChecks(t *testing.T) {
	badOAuth := func(c *api.Client, _ *connecttest.Server) error {
		_, err := c.OAuthURLs.Create(context.Background(), 101732, api.OAuthURLParams{CustomerID: "1005061234", RedirectURI: "not a uri", ServiceAgreement: agreed})
		return err
	}
	rawRequest := func(method, path, body string) func(*api.Client, *connecttest.Server) error {
		return func(_ *api.Client, srv *connecttest.Server) error {
			req, err := http.NewRequest(method, connecttest.InProcessURL+path, strings.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Finicity-App-Key", connecttest.AppKey)
			req.Header.Set("Finicity-App-Token", connecttest.Token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.HTTPClient().Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("%d %s", resp.StatusCode, b)
		}
	}
	cases := []struct {
		name      string
		send      func(*api.Client, *connecttest.Server) error
		message   string // the whole message of the failure
		violation string // Request.Violation
		answer    string // the client's error, a prefix
	}{
		{"body field", badOAuth,
			"connecttest: OAuthURLs.Create (post_institutions_institution_id_oauth_urls): request breaks the API spec: body redirectURI: must be an absolute URI\n" +
				"\t(POST /connect-components/institutions/{institution_id}/oauth-urls; the server answered with the API's documented error; NewServer(t, connecttest.AllowInvalidRequests()) accepts invalid requests sent on purpose)",
			"body redirectURI: must be an absolute URI",
			"finicity: POST /connect-components/institutions/101732/oauth-urls: 400 Bad Request, reason 10010"},
		{"body type", rawRequest("POST", "/connect-components/configurations", `{"filterAccounts":"Checking"}`),
			"connecttest: Configurations.Create (post_configurations): request breaks the API spec: body filterAccounts: value must be an array\n" +
				"\t(POST /connect-components/configurations; the server answered with the API's documented error; NewServer(t, connecttest.AllowInvalidRequests()) accepts invalid requests sent on purpose)",
			"body filterAccounts: value must be an array",
			"400 "},
		{"unknown path", rawRequest("GET", "/connect-components/configuration", ""),
			"connecttest: request outside the API spec: no operation of the spec for GET /connect-components/configuration",
			"no operation of the spec for GET /connect-components/configuration",
			"404 "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{TB: t}
			srv := connecttest.NewServer(ft)
			err := tc.send(srv.Client(), srv)
			if err == nil || !strings.HasPrefix(err.Error(), tc.answer) {
				t.Errorf("answer: got %v, want %s…", err, tc.answer)
			}
			errs, fatals := ft.reported()
			// The message names the line of this file that sent the
			// request (the kit computes it: the first frame outside the
			// SDK proper).
			for i, m := range errs {
				if !callerAt.MatchString(m) {
					t.Errorf("message %q names no line of connecttest_test.go", m)
				}
				errs[i] = callerAt.ReplaceAllString(m, "connecttest: ")
			}
			if want := []string{tc.message}; !reflect.DeepEqual(errs, want) || fatals != nil {
				t.Errorf("reported:\n%q\n%q\nwant:\n%q", errs, fatals, want)
			}
			for _, m := range errs {
				if strings.Contains(m, connecttest.AppKey) || strings.Contains(m, connecttest.Token) {
					t.Errorf("the message holds a credential: %s", m)
				}
			}
			if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Violation != tc.violation {
				t.Errorf("recorded: %v", reqs)
			}

			// The same request, allowed: recorded, not reported.
			ft = &fakeT{TB: t}
			srv = connecttest.NewServer(ft, connecttest.AllowInvalidRequests())
			if err := tc.send(srv.Client(), srv); err == nil || !strings.HasPrefix(err.Error(), tc.answer) {
				t.Errorf("allowed: answer %v, want %s…", err, tc.answer)
			}
			if errs, fatals := ft.reported(); errs != nil || fatals != nil {
				t.Errorf("allowed: reported %q %q", errs, fatals)
			}
			if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Violation != tc.violation {
				t.Errorf("allowed: recorded %v", reqs)
			}
		})
	}
}

// TestClientTokens: Client's token source is the kit's unless the
// options give one; with token checking on it is the server's partner
// credentials; two sources fail the test naming them.
func TestClientTokens(t *testing.T) {
	ctx := context.Background()
	// token returns the token and the operations of the requests sent by
	// a List through c.
	token := func(t *testing.T, srv *connecttest.Server, c *api.Client) (string, []string) {
		t.Helper()
		if c == nil {
			return "", nil
		}
		if _, err := c.Configurations.List(ctx); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		var ops []string
		for _, r := range reqs {
			ops = append(ops, r.Operation)
		}
		return reqs[len(reqs)-1].Header.Get("Finicity-App-Token"), ops
	}
	t.Run("default", func(t *testing.T) {
		srv := connecttest.NewServer(t)
		if tok, ops := token(t, srv, srv.Client()); tok != connecttest.Token || len(ops) != 1 {
			t.Errorf("got %q after %v, want the kit's token and no authentication", tok, ops)
		}
	})
	t.Run("app token given", func(t *testing.T) {
		srv := connecttest.NewServer(t)
		if tok, _ := token(t, srv, srv.Client(api.WithAppToken("my-token"))); tok != "my-token" {
			t.Errorf("got %q, want my-token", tok)
		}
	})
	t.Run("partner credentials given", func(t *testing.T) {
		srv := connecttest.NewServer(t, connecttest.WithTokenCheck(), connecttest.WithPartnerCredentials("p-1", "s-1"), connecttest.WithPartnerCredentials("p-2", "s-2"))
		tok, ops := token(t, srv, srv.Client(api.WithPartnerCredentials("p-2", "s-2")))
		if tok == "" || !reflect.DeepEqual(ops, []string{"Partners.Authenticate", "Configurations.List"}) {
			t.Errorf("got %q after %v", tok, ops)
		}
		var creds api.PartnerCredentials
		if err := srv.Requests()[0].DecodeBody(&creds); err != nil || creds.PartnerID != "p-2" || creds.PartnerSecret.Reveal() != "s-2" {
			t.Errorf("authenticated as %q (%v), want p-2 with its secret", creds.PartnerID, err)
		}
	})
	t.Run("token check", func(t *testing.T) {
		srv := connecttest.NewServer(t, connecttest.WithTokenCheck(), connecttest.WithPartnerCredentials("p-1", "s-1"))
		tok, ops := token(t, srv, srv.Client())
		if tok == "" || tok == connecttest.Token || !reflect.DeepEqual(ops, []string{"Partners.Authenticate", "Configurations.List"}) {
			t.Errorf("got %q after %v, want an issued token", tok, ops)
		}
		var creds api.PartnerCredentials
		if err := srv.Requests()[0].DecodeBody(&creds); err != nil || creds.PartnerID != "p-1" || creds.PartnerSecret.Reveal() != "s-1" {
			t.Errorf("authenticated as %q (%v), want the server's first credentials", creds.PartnerID, err)
		}
		// The kit's fixed token is no token of this server.
		_, err := srv.Client(api.WithAppToken(connecttest.Token)).Configurations.List(ctx)
		if e, ok := errors.AsType[*api.Error](err); !ok || e.StatusCode != 401 || e.ReasonCode != "10022" {
			t.Errorf("a token the server did not issue: got %v, want 401 10022", err)
		}
	})
	t.Run("two token sources", func(t *testing.T) {
		ft := &fakeT{TB: t}
		srv := connecttest.NewServer(ft)
		if c := srv.Client(api.WithAppToken("a"), api.WithPartnerCredentials("p", "s")); c != nil {
			t.Error("got a client")
		}
		_, fatals := ft.reported()
		want := []string{"connecttest: finicity: both WithAppToken and WithPartnerCredentials give the Finicity-App-Token: keep one"}
		if !reflect.DeepEqual(fatals, want) {
			t.Errorf("got %q, want %q", fatals, want)
		}
	})
	t.Run("an invalid token option", func(t *testing.T) {
		ft := &fakeT{TB: t}
		srv := connecttest.NewServer(ft)
		srv.Client(api.WithAppToken(" "))
		_, fatals := ft.reported()
		if len(fatals) != 1 || !strings.HasPrefix(fatals[0], "connecttest: finicity: WithAppToken: token is empty") {
			t.Errorf("got %q", fatals)
		}
	})
}

// TestClientForKey: app keys own separate configurations, and the state
// accessors show them.
func TestClientForKey(t *testing.T) {
	srv := connecttest.NewServer(t)
	ctx := context.Background()
	a, b := srv.Client(), srv.ClientForKey("other-app-key")
	cfgA, err := a.Configurations.Create(ctx, api.ConfigurationParams{AORequired: true})
	if err != nil {
		t.Fatal(err)
	}
	cfgB, err := b.Configurations.Create(ctx, api.ConfigurationParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Configurations.Get(ctx, cfgA.ID); !api.IsNotFound(err) {
		t.Errorf("another key's configuration: %v, want a 404", err)
	}
	if got, want := srv.AppKeys(), []string{connecttest.AppKey, "other-app-key"}; !reflect.DeepEqual(got, want) {
		t.Errorf("AppKeys: got %q, want %q", got, want)
	}
	if got, want := srv.Configurations(connecttest.AppKey), []api.Configuration{*cfgA}; !reflect.DeepEqual(got, want) {
		t.Errorf("Configurations(AppKey): got %#v, want %#v", got, want)
	}
	if got, want := srv.Configurations("other-app-key"), []api.Configuration{*cfgB}; !reflect.DeepEqual(got, want) {
		t.Errorf("Configurations(other): got %#v, want %#v", got, want)
	}
	if got := srv.Configurations("nobody"); got == nil || len(got) != 0 {
		t.Errorf("Configurations(nobody): got %#v, want empty", got)
	}
}

// TestReset: Reset empties configurations, OAuth sessions, the record
// and the scripts, and keeps the tokens, so a client keeps working.
func TestReset(t *testing.T) {
	srv := connecttest.NewServer(t, connecttest.WithTokenCheck())
	c := srv.Client()
	ctx := context.Background()
	if _, err := c.Configurations.Create(ctx, api.ConfigurationParams{}); err != nil {
		t.Fatal(err)
	}
	o, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{CustomerID: "c", RedirectURI: "https://partner.example/done", ServiceAgreement: agreed})
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject("Configurations.List", 1, connecttest.Status(503))
	srv.NextReconnection(connecttest.MFAText)

	srv.Reset()
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("requests after Reset: %v", reqs)
	}
	if keys := srv.AppKeys(); len(keys) != 0 {
		t.Errorf("app keys after Reset: %q", keys)
	}
	list, err := c.Configurations.List(ctx) // same token, no 503
	if err != nil || len(list) != 0 {
		t.Errorf("list after Reset: %v, %v; want [] and no error", list, err)
	}
	r, err := c.Reconnections.Create(ctx, "c", 7008461431, api.ReconnectionParams{})
	if err != nil || r.NeedsMFA() {
		t.Errorf("reconnection after Reset: %+v, %v; want the login form of the id's last digit", r, err)
	}
	resp, err := srv.HTTPClient().Get(o.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("OAuth page after Reset: %d, want 404", resp.StatusCode)
	}
	if ops := wireOf(srv.Requests()); len(ops) != 3 || ops[0].Operation != "Configurations.List" {
		t.Errorf("requests after Reset: %v, want no new authentication", ops)
	}
}

// TestInjectStatus: the client meets scripted statuses as from the API:
// GETs are retried (honouring Retry-After), POSTs not; under synctest the
// waits cost nothing.
func TestInjectStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := connecttest.NewServer(t)
		c := srv.Client()
		ctx := context.Background()

		srv.Inject("get_configurations", 1, connecttest.Status(429).WithRetryAfter(3*time.Second))
		srv.Inject("Configurations.List", 1, connecttest.Status(503))
		start := time.Now()
		if _, err := c.Configurations.List(ctx); err != nil {
			t.Fatalf("list after a 429 and a 503: %v", err)
		}
		// 3 s of Retry-After, then the jittered backoff (0.5 to 1 s).
		if d := time.Since(start); d < 3500*time.Millisecond || d > 4*time.Second {
			t.Errorf("waited %v, want Retry-After's 3s and one backoff", d)
		}

		srv.Inject("Configurations.Create", 1, connecttest.Status(502))
		_, err := c.Configurations.Create(ctx, api.ConfigurationParams{})
		e, ok := errors.AsType[*api.Error](err)
		if !ok || e.StatusCode != 502 || e.ReasonCode != "502" || !e.Recoverable || e.Details != "Answer scripted by the test." {
			t.Errorf("create: got %v, want the 502, not retried", err)
		}
		srv.Inject("Configurations.Get", 3, connecttest.Status(500))
		_, err = c.Configurations.Get(ctx, api.MustParseUUID("9082affa-d965-40be-a3ed-a320bb3467ff"))
		if e, ok := errors.AsType[*api.Error](err); !ok || e.StatusCode != 500 || e.Recoverable {
			t.Errorf("get: got %v, want the 500, not retried", err)
		}

		var ops []string
		for _, r := range srv.Requests() {
			ops = append(ops, r.Operation)
		}
		want := []string{"Configurations.List", "Configurations.List", "Configurations.List", "Configurations.Create", "Configurations.Get"}
		if !reflect.DeepEqual(ops, want) {
			t.Errorf("requests: %q, want %q", ops, want)
		}
	})
}

// TestInjectDelayAndReset: a delay takes the bubble's time and is cut by
// the client's attempt timeout; a reset is a transport error a GET is
// retried past.
func TestInjectDelayAndReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := connecttest.NewServer(t)
		c := srv.Client(api.WithAttemptTimeout(10 * time.Second))
		ctx := context.Background()

		srv.Inject("Configurations.Create", 1, connecttest.Delay(4*time.Second))
		start := time.Now()
		if _, err := c.Configurations.Create(ctx, api.ConfigurationParams{}); err != nil || time.Since(start) != 4*time.Second {
			t.Errorf("delayed create: %v after %v, want success after 4s", err, time.Since(start))
		}
		srv.Inject("Configurations.Create", 1, connecttest.Status(504).WithDelay(time.Minute))
		start = time.Now()
		_, err := c.Configurations.Create(ctx, api.ConfigurationParams{})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Second {
			t.Errorf("create past the attempt timeout: %v after %v, want a deadline after 10s", err, time.Since(start))
		}
		if n := len(srv.Configurations(connecttest.AppKey)); n != 1 {
			t.Errorf("configurations: %d, want 1", n)
		}

		srv.Inject("Configurations.Create", 1, connecttest.ConnectionReset())
		if _, err := c.Configurations.Create(ctx, api.ConfigurationParams{}); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("reset create: %v, want ECONNRESET", err)
		}
		srv.Inject("Configurations.List", 1, connecttest.ConnectionReset())
		if list, err := c.Configurations.List(ctx); err != nil || len(list) != 1 {
			t.Errorf("list past a reset: %v, %v", list, err)
		}
	})
}

// specOperations lists the operations of the embedded spec as the kit
// names them, sorted: the api method from x-sdk and, in parentheses, the
// docs' name or else the operationId ("Configurations.List
// (get_configurations)"). Derived, so a new operation is in the list.
func specOperations(t *testing.T) []string {
	t.Helper()
	doc, err := specdoc.Doc()
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			sdk, _ := op.Extensions["x-sdk"].(map[string]any)
			service, _ := sdk["service"].(string)
			name, _ := sdk["method"].(string)
			docs, _ := sdk["docs"].(string)
			if service == "" || name == "" {
				t.Fatalf("%s %s (%s) has no x-sdk service and method in openapi.yaml", method, path, op.OperationID)
			}
			ops = append(ops, service+"."+name+" ("+cmp.Or(docs, op.OperationID)+")")
		}
	}
	slices.Sort(ops)
	return ops
}

// TestInjectRefused: unknown operations, counts and statuses fail the
// test at once, the first listing the operations.
func TestInjectRefused(t *testing.T) {
	ft := &fakeT{TB: t}
	srv := connecttest.NewServer(ft)
	srv.Inject("Configurations.Lis", 1, connecttest.Status(503))
	srv.Inject("Configurations.List", 0, connecttest.Status(503))
	srv.Inject("Configurations.List", 1, connecttest.Status(200))
	srv.NextReconnection(connecttest.MFAText, connecttest.Reconnection(0))
	_, fatals := ft.reported()
	want := []string{
		`connecttest: Inject: no operation "Configurations.Lis"; the operations are: ` + strings.Join(specOperations(t), ", "),
		`connecttest: Inject("Configurations.List"): sandbox: inject into GetConfigurations: 0 calls, want 1 or more`,
		`connecttest: Inject("Configurations.List"): Status(200): want an error status, 400 to 599`,
		"connecttest: NextReconnection: 0 is not a Reconnection; use LoginForm, MFAText, MFAChoice, MFAMulti, MFAImage or MFATextThenChoice",
	}
	if !reflect.DeepEqual(fatals, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(fatals, "\n"), strings.Join(want, "\n"))
	}
	// Nothing was queued: every call is answered normally.
	c := srv.Client()
	if _, err := c.Configurations.List(context.Background()); err != nil {
		t.Error(err)
	}
	if r, err := c.Reconnections.Create(context.Background(), "c", 7008461431, api.ReconnectionParams{}); err != nil || r.NeedsMFA() {
		t.Errorf("reconnection: %+v, %v", r, err)
	}
}

// TestNextReconnection: each answer by explicit choice, whatever the id.
func TestNextReconnection(t *testing.T) {
	srv := connecttest.NewServer(t)
	c := srv.Client()
	all := []connecttest.Reconnection{connecttest.MFATextThenChoice, connecttest.MFAImage, connecttest.MFAMulti,
		connecttest.MFAChoice, connecttest.MFAText, connecttest.LoginForm}
	srv.NextReconnection(all...)
	var got [][]string
	for range all {
		// 3 would be MFAText by the last-digit convention.
		r, err := c.Reconnections.Create(context.Background(), "1005061234", 7008461433, api.ReconnectionParams{})
		if err != nil {
			t.Fatal(err)
		}
		answer := []string{}
		if r.LoginForm != nil {
			answer = append(answer, "form")
		}
		for _, ch := range r.Challenges() {
			answer = append(answer, fmt.Sprintf("%s/%d", ch.MFAType, len(ch.ChoiceIDs)))
		}
		got = append(got, answer)
	}
	want := [][]string{{"TFA_TEXT/0", "TFA_CHOICE/2"}, {"TFA_IMAGE/0"}, {"TFA_MULTI/4"}, {"TFA_CHOICE/3"}, {"TFA_TEXT/0"}, {"form"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTokenExpiry: with token checking and the kit's clock, moving past
// the lifetime makes the API answer 10023, and the default client fetches
// a new token and succeeds.
func TestTokenExpiry(t *testing.T) {
	clock := connecttest.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	srv := connecttest.NewServer(t, connecttest.WithTokenCheck(), connecttest.WithClock(clock.Now), connecttest.WithTokenLifetime(time.Hour))
	c := srv.Client()
	ctx := context.Background()
	if _, err := c.Configurations.List(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(59 * time.Minute)
	if _, err := c.Configurations.List(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if _, err := c.Configurations.List(ctx); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	var ops, tokens []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
		tokens = append(tokens, r.Header.Get("Finicity-App-Token"))
	}
	want := []string{"Partners.Authenticate", "Configurations.List", "Configurations.List", "Configurations.List", "Partners.Authenticate", "Configurations.List"}
	if !reflect.DeepEqual(ops, want) {
		t.Fatalf("requests: %q, want %q", ops, want)
	}
	if tokens[1] != tokens[3] || tokens[5] == tokens[3] || tokens[5] == "" {
		t.Error("want the first token until it expired, then a new one")
	}
}

// TestServed: the same server on 127.0.0.1, with a client over the
// socket, sharing state and record with the in-process one; a reset there
// is a TCP reset.
func TestServed(t *testing.T) {
	srv := connecttest.NewServer(t)
	ctx := context.Background()
	u := srv.URL()
	if !strings.HasPrefix(u, "http://127.0.0.1:") || srv.URL() != u {
		t.Errorf("URL: %q", u)
	}
	served := srv.ServedClient(api.WithRetries(0))
	cfg, err := served.Configurations.Create(ctx, api.ConfigurationParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client().Configurations.Get(ctx, cfg.ID); err != nil {
		t.Errorf("in process, the served configuration: %v", err)
	}
	// A POST: net/http itself would resend a GET whose reused
	// connection was reset.
	srv.Inject("Configurations.Create", 1, connecttest.ConnectionReset())
	if _, err := served.Configurations.Create(ctx, api.ConfigurationParams{}); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("served reset: %v, want ECONNRESET", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("requests: %d, want 3", n)
	}
	srv.Close()
	if _, err := http.Get(u); err == nil {
		t.Error("the listener answers after Close")
	}
}

// TestConcurrentRequests: requests from many goroutines are all checked
// and recorded (run with -race).
func TestConcurrentRequests(t *testing.T) {
	ft := &fakeT{TB: t}
	srv := connecttest.NewServer(ft)
	c := srv.Client()
	const workers, calls = 8, 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range calls {
				if w%2 == 0 {
					_, _ = c.Configurations.Create(context.Background(), api.ConfigurationParams{})
					continue
				}
				// Invalid: reported from this goroutine.
				_, _ = c.OAuthURLs.Create(context.Background(), int64(i+1), api.OAuthURLParams{CustomerID: "c", RedirectURI: "relative/path", ServiceAgreement: agreed})
			}
		})
	}
	wg.Wait()
	if n := len(srv.Requests()); n != workers*calls {
		t.Errorf("recorded %d requests, want %d", n, workers*calls)
	}
	errs, _ := ft.reported()
	if len(errs) != workers/2*calls {
		t.Errorf("reported %d violations, want %d", len(errs), workers/2*calls)
	}
	if n := len(srv.Configurations(connecttest.AppKey)); n != workers/2*calls {
		t.Errorf("configurations: %d, want %d", n, workers/2*calls)
	}
}

// TestStrictChecks: the rules beyond the spec's own validation, each
// failing the test with the field named: a field the spec does not define
// (exact names), a header net/http would refuse or trim, a string that is
// not UTF-8; AllowUnknownFields drops the first rule only.
func TestStrictChecks(t *testing.T) {
	post := func(srv *connecttest.Server, body string, header ...string) int {
		req, err := http.NewRequest("POST", connecttest.InProcessURL+"/connect-components/configurations", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Finicity-App-Key", connecttest.AppKey)
		req.Header.Set("Finicity-App-Token", connecttest.Token)
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header[header[i]] = []string{header[i+1]}
		}
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		name, body string
		header     []string
		violation  string
		unknown    bool // an unknown field: allowed by AllowUnknownFields
		status     int  // the sandbox's answer: 201 for what the API would take
	}{
		{"exact names", `{"filteraccounts":["Checking"]}`, nil,
			"body filteraccounts: unknown field: not defined by the spec (names are exact and case-sensitive)", true, http.StatusCreated},
		{"header newline", `{}`, []string{"X-Trace", "a\nb"},
			"header X-Trace: value holds a newline, CR, NUL or other control character: net/http refuses to send it", false, http.StatusCreated},
		{"misspelled", `{"filterAccounts":["Checking"],"configurationID":"605543e1-f507-48ad-8127-95c40566597b"}`, nil,
			"body configurationID: unknown field: not defined by the spec (names are exact and case-sensitive)", true, http.StatusCreated},
		{"header CR", `{}`, []string{"X-Trace", "a\rb"},
			"header X-Trace: value holds a newline, CR, NUL or other control character: net/http refuses to send it", false, http.StatusCreated},
		{"header NUL", `{}`, []string{"X-Trace", "a\x00b"},
			"header X-Trace: value holds a newline, CR, NUL or other control character: net/http refuses to send it", false, http.StatusCreated},
		{"header leading space", `{}`, []string{"X-Trace", " ab"},
			"header X-Trace: value has leading or trailing whitespace: net/http trims it on a socket, so the server would receive another value", false, http.StatusCreated},
		{"header space", `{}`, []string{"X-Trace", "ab "},
			"header X-Trace: value has leading or trailing whitespace: net/http trims it on a socket, so the server would receive another value", false, http.StatusCreated},
		// The sandbox refuses a string it could only store altered.
		{"utf-8", "{\"filterAccounts\":[\"\xff\"]}", nil,
			"body filterAccounts.0: not valid UTF-8: JSON decoders replace the bytes, so the server would receive another value", false, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{TB: t}
			srv := connecttest.NewServer(ft)
			if got := post(srv, tc.body, tc.header...); got != tc.status {
				t.Errorf("answered %d, want %d", got, tc.status)
			}
			errs, _ := ft.reported()
			if len(errs) != 1 || !strings.Contains(errs[0], "Configurations.Create (post_configurations): request breaks the API spec: "+tc.violation) ||
				!callerAt.MatchString(errs[0]) {
				t.Errorf("reported %q", errs)
			}
			if r := srv.Requests()[0]; r.Violation != tc.violation || r.Status != tc.status {
				t.Errorf("recorded %q, %d", r.Violation, r.Status)
			}

			ft = &fakeT{TB: t}
			srv = connecttest.NewServer(ft, connecttest.AllowUnknownFields())
			post(srv, tc.body, tc.header...)
			if errs, _ := ft.reported(); (len(errs) == 0) != tc.unknown {
				t.Errorf("AllowUnknownFields: reported %q", errs)
			}
		})
	}
}

// TestServedStatus: served requests record their status too, and a reset
// none; a client of the user's own keeps its settings over the served
// transport.
func TestServedStatus(t *testing.T) {
	srv := connecttest.NewServer(t)
	hc := &http.Client{Timeout: time.Minute}
	c := srv.ServedClient(api.WithHTTPClient(hc), api.WithRetries(0))
	srv.Inject("Configurations.List", 1, connecttest.ConnectionReset())
	if _, err := c.Configurations.List(context.Background()); err == nil {
		t.Fatal("the reset call succeeded")
	}
	if _, err := c.Configurations.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, r := range srv.Requests() {
		got = append(got, r.Status)
	}
	if want := []int{0, 200}; !reflect.DeepEqual(got, want) || hc.Transport != nil {
		t.Errorf("statuses %v, want %v; transport %v", got, want, hc.Transport)
	}
}
