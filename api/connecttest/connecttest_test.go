package connecttest_test

import (
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

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/tour"
)

// wire is what a test compares of a recorded request: no headers, the
// body as text.
type recordedWire struct {
	Method, Path, Operation, Body, Violation string
	Status                                   int
}

func wireOf(reqs []connecttest.Request) []recordedWire {
	out := []recordedWire{}
	for _, r := range reqs {
		out = append(out, recordedWire{r.Method, r.Path, r.Operation, string(r.Body), r.Violation, r.Status})
	}
	return out
}

// TestJourney runs the journey through every operation of the spec in
// process (internal/journey: the token, each create before what uses its
// id, the deletes last, each deleted resource got again) and checks what
// the kit recorded: each request, in order, with its operation, its body
// exactly as the client sent it, the status it was answered with, the
// client's credentials, and no violation.
func TestJourney(t *testing.T) {
	srv := connecttest.NewServer(t)
	var mu sync.Mutex
	var sent [][]byte
	c := srv.Client(api.WithRequestEditor(func(_ context.Context, r *http.Request) error {
		var b []byte
		if r.GetBody != nil {
			rc, _ := r.GetBody()
			b, _ = io.ReadAll(rc)
		}
		mu.Lock()
		sent = append(sent, b)
		mu.Unlock()
		return nil
	}))
	plan, err := journey.New(model(), journey.Options{Recheck: true,
		Values: map[string]any{"partner-id": connecttest.PartnerID, "partner-secret": connecttest.PartnerSecret}})
	if err != nil {
		t.Fatalf("%v (%s)", err, testFile())
	}
	ctx := context.Background()
	results := plan.Run(ctx, tour.Send(c), nil)
	var want []recordedWire
	for _, res := range results {
		if !res.OK() {
			t.Errorf("%s (%s): %d %v %s", res.Step.Op.Name(), at(res.Step.Op.Pointer), res.Status, res.Err, res.Skipped)
			continue
		}
		method, path, _ := strings.Cut(res.Request.Route, " ")
		want = append(want, recordedWire{Method: method, Path: path, Operation: res.Step.Op.Qualified(), Status: res.Status})
	}
	reqs := srv.Requests()
	if len(reqs) != len(want) || len(sent) != len(want) {
		t.Fatalf("recorded %d requests, the client sent %d, the journey made %d:\n%v", len(reqs), len(sent), len(want), reqs)
	}
	for i := range want {
		want[i].Body = string(sent[i])
		if r := reqs[i]; r.Header.Get("Finicity-App-Key") != connecttest.AppKey || (r.Operation != tokenOp(t).Qualified() && r.Header.Get("Finicity-App-Token") != connecttest.Token) {
			t.Errorf("%s: sent without the kit's credentials", r)
		}
	}
	if got := wireOf(reqs); !reflect.DeepEqual(got, want) {
		t.Errorf("requests:\n%+v\nwant:\n%+v", got, want)
	}
	// Requests hands out copies.
	reqs[0].Header.Set("Finicity-App-Key", "changed")
	reqs[0].Body[0] = '['
	if again := srv.Requests(); again[0].Header.Get("Finicity-App-Key") != connecttest.AppKey || again[0].Body[0] != '{' {
		t.Error("changing what Requests returned changed the record")
	}
	list := callOf(t, listOp(t))
	if err := list.do(ctx, c); err != nil {
		t.Fatal(err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if err := last.DecodeBody(new(any)); err == nil || err.Error() != "connecttest: GET "+list.path()+" has no body" {
		t.Errorf("DecodeBody of a GET: %v", err)
	}
}

// TestOAuthPage: the OAuth URL the server answers is served in process
// too, and redirects to the redirect URI the request gave.
func TestOAuthPage(t *testing.T) {
	srv := connecttest.NewServer(t)
	op := handlerOp(t, "oauthURL")
	oc := withRefs(t, srv.Client(), callOf(t, op))
	res, err := oc.result(context.Background(), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	o, ok := res.(*api.OAuthURL)
	if !ok {
		t.Fatalf("%s answers %T, not the *api.OAuthURL %s expects", at(op.Pointer), res, testFile())
	}
	redirect, _ := oc.args.Body.(map[string]any)["redirectURI"].(string)
	resp, err := srv.HTTPClient().Get(o.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || redirect == "" || resp.Header.Get("Location") != redirect {
		t.Errorf("OAuth page: %d to %q, want 302 to the example's redirectURI %q", resp.StatusCode, resp.Header.Get("Location"), redirect)
	}
}

// callerAt is the start of a failure's message: the line of a test file
// of this package that sent the request (the kit computes it: the first
// frame outside the SDK proper), then the kit's name.
var callerAt = regexp.MustCompile(`^[a-z_]+_test\.go:[0-9]+: connecttest: `)

// formatField is a string body field with a format the SDK checks, held
// in a Go string (not a UUID or a time), so that the typed client can send
// it off its format.
func formatField(f *spec.Field) bool {
	s := f.Schema.Value
	_, checked := spec.StringFormats()[s.Format]
	return s.Type.Is("string") && checked && !slices.Contains([]string{"uuid", "date-time", "date"}, s.Format) && len(f.Path) == 1
}

// withRefs is c with each body property that refers to a configuration
// (x-sandbox refs) set to one that client creates first.
func withRefs(t *testing.T, client *api.Client, c call) call {
	t.Helper()
	if c.op.Sandbox == nil {
		return c
	}
	for _, name := range c.op.Sandbox.RefNames() {
		if coll := c.op.Sandbox.Refs[name]; coll != "configurations" {
			t.Fatalf("%s: %s refers to %s, which %s cannot create", at(c.op.Sandbox.Pointer), name, coll, testFile())
		}
		c = c.withBody(setField(c.args.Body, []string{name}, created(t, client).ID.String(), false))
	}
	return c
}

// TestRequestChecks: a request off the spec fails the test with a
// message naming the line that sent it, the operation and the field
// (never a credential), and gets the API's documented error; with
// AllowInvalidRequests it is only recorded.
func TestRequestChecks(t *testing.T) {
	badFormat, ff := objectBody(t, "a string field with a format", formatField)
	badFormat = badFormat.withBody(setField(badFormat.args.Body, ff.Path, "not a "+ff.Schema.Value.Format, false))
	format := strings.Join(ff.Path, ".")
	badType, tf := objectBody(t, "an array field", func(f *spec.Field) bool { return f.Schema.Value.Type.Is("array") && len(f.Path) == 1 })
	typeField := strings.Join(tf.Path, ".")
	list := callOf(t, listOp(t))
	cases := []struct {
		name      string
		send      func(*testing.T, *connecttest.Server) string // the answer, as the app sees it
		message   string                                       // the whole message of the failure, after callerAt
		violation string                                       // Request.Violation
		answer    string                                       // what the app got, a prefix
	}{
		{"body format", func(t *testing.T, srv *connecttest.Server) string {
			return fmt.Sprint(badFormat.do(context.Background(), srv.Client()))
		},
			badFormat.op.Name() + ": request breaks the API spec: body " + format + ": " + spec.FormatRule(ff.Schema.Value.Format) + "\n" +
				"\t(" + badFormat.op.Method + " " + badFormat.op.Path + "; the server answered with the API's documented error; NewServer(t, connecttest.AllowInvalidRequests()) accepts invalid requests sent on purpose)",
			"body " + format + ": " + spec.FormatRule(ff.Schema.Value.Format),
			"finicity: " + badFormat.op.Method + " " + badFormat.path() + ": 400 Bad Request, reason 10010"},
		{"body type", func(t *testing.T, srv *connecttest.Server) string {
			status, _ := send(t, srv, badType.request(t, mustJSON(setField(badType.args.Body, tf.Path, "a string", false))))
			return fmt.Sprint(status)
		},
			badType.op.Name() + ": request breaks the API spec: body " + typeField + ": value must be an array\n" +
				"\t(" + badType.op.Method + " " + badType.op.Path + "; the server answered with the API's documented error; NewServer(t, connecttest.AllowInvalidRequests()) accepts invalid requests sent on purpose)",
			"body " + typeField + ": value must be an array", "400"},
		{"unknown path", func(t *testing.T, srv *connecttest.Server) string {
			req := list.request(t, nil)
			req.URL.Path += "x"
			status, _ := send(t, srv, req)
			return fmt.Sprint(status)
		},
			"request outside the API spec: no operation of the spec for GET " + list.path() + "x",
			"no operation of the spec for GET " + list.path() + "x", "404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{TB: t}
			srv := connecttest.NewServer(ft)
			if got := tc.send(t, srv); !strings.HasPrefix(got, tc.answer) {
				t.Errorf("answer: got %s, want %s…", got, tc.answer)
			}
			errs, fatals := ft.reported()
			for i, m := range errs {
				if !callerAt.MatchString(m) {
					t.Errorf("message %q names no line of a test file", m)
				}
				errs[i] = callerAt.ReplaceAllString(m, "")
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
			if got := tc.send(t, srv); !strings.HasPrefix(got, tc.answer) {
				t.Errorf("allowed: answer %s, want %s…", got, tc.answer)
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
	list := callOf(t, listOp(t))
	auth := tokenOp(t).Qualified()
	// token returns the token and the operations of the requests sent by
	// a list through c.
	token := func(t *testing.T, srv *connecttest.Server, c *api.Client) (string, []string) {
		t.Helper()
		if err := list.do(ctx, c); err != nil {
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
		if tok == "" || !reflect.DeepEqual(ops, []string{auth, list.op.Qualified()}) {
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
		if tok == "" || tok == connecttest.Token || !reflect.DeepEqual(ops, []string{auth, list.op.Qualified()}) {
			t.Errorf("got %q after %v, want an issued token", tok, ops)
		}
		var creds api.PartnerCredentials
		if err := srv.Requests()[0].DecodeBody(&creds); err != nil || creds.PartnerID != "p-1" || creds.PartnerSecret.Reveal() != "s-1" {
			t.Errorf("authenticated as %q (%v), want the server's first credentials", creds.PartnerID, err)
		}
		// The kit's fixed token is no token of this server.
		err := list.do(ctx, srv.Client(api.WithAppToken(connecttest.Token)))
		if e, ok := errors.AsType[*api.Error](err); !ok || e.StatusCode != 401 || e.ReasonCode != api.ReasonInvalidToken {
			t.Errorf("a token the server did not issue: got %v, want 401 %s", err, api.ReasonInvalidToken)
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

// created creates a configuration with c, from the spec's example.
func created(t *testing.T, c *api.Client) *api.Configuration {
	t.Helper()
	res, err := callOf(t, actionOp(t, "create")).result(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	cfg, ok := res.(*api.Configuration)
	if !ok {
		t.Fatalf("%s answers %T, not the *api.Configuration the kit's Configurations returns (%s)", at(actionOp(t, "create").Pointer), res, testFile())
	}
	return cfg
}

// getOf is the get of the configuration id.
func getOf(t *testing.T, id uuid.UUID) call {
	t.Helper()
	get := callOf(t, actionOp(t, "get"))
	return get.withPath(len(get.args.Path)-1, id.String())
}

// TestClientForKey: app keys own separate configurations, and the state
// accessors show them.
func TestClientForKey(t *testing.T) {
	srv := connecttest.NewServer(t)
	ctx := context.Background()
	a, b := srv.Client(), srv.ClientForKey("other-app-key")
	cfgA, cfgB := created(t, a), created(t, b)
	if err := getOf(t, cfgA.ID).do(ctx, b); !api.IsNotFound(err) {
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

// reconnect calls the reconnection with c and returns the answer's shape:
// "form", or each challenge's type and number of choices.
func reconnect(t *testing.T, c *api.Client, rc call) []string {
	t.Helper()
	res, err := rc.result(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := res.(*api.Reconnection)
	if !ok {
		t.Fatalf("%s answers %T, not the *api.Reconnection %s expects", at(rc.op.Pointer), res, testFile())
	}
	answer := []string{}
	if r.LoginForm != nil {
		answer = append(answer, "form")
	}
	for _, ch := range r.Challenges() {
		answer = append(answer, fmt.Sprintf("%s/%d", ch.MFAType, len(ch.ChoiceIDs)))
	}
	return answer
}

// reconnection is the reconnection's call, with an institution login id
// whose last digit is digit (the server's default answer goes by it).
func reconnection(t *testing.T, digit int) call {
	t.Helper()
	rc := callOf(t, handlerOp(t, "reconnection"))
	for i, p := range rc.op.PathParams {
		if p.Schema.Value.Type.Is("integer") {
			n := int64(rc.args.Path[i].(float64))
			return rc.withPath(i, float64(n-n%10+int64(digit)))
		}
	}
	t.Fatalf("%s: the reconnection has no integer path parameter, whose last digit %s sets", at(rc.op.Pointer), testFile())
	return rc
}

// TestReset: Reset empties configurations, OAuth sessions, the record
// and the scripts, and keeps the tokens, so a client keeps working.
func TestReset(t *testing.T) {
	srv := connecttest.NewServer(t, connecttest.WithTokenCheck())
	c := srv.Client()
	ctx := context.Background()
	res, err := withRefs(t, c, callOf(t, handlerOp(t, "oauthURL"))).result(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	list := callOf(t, listOp(t))
	srv.Inject(list.op.Qualified(), 1, connecttest.Status(503))
	srv.NextReconnection(connecttest.MFAText)

	srv.Reset()
	if reqs := srv.Requests(); len(reqs) != 0 {
		t.Errorf("requests after Reset: %v", reqs)
	}
	if keys := srv.AppKeys(); len(keys) != 0 {
		t.Errorf("app keys after Reset: %q", keys)
	}
	got, err := list.result(ctx, c) // same token, no 503
	if err != nil || !reflect.ValueOf(got).IsValid() || reflect.ValueOf(got).Len() != 0 {
		t.Errorf("list after Reset: %v, %v; want an empty list and no error", got, err)
	}
	if got := reconnect(t, c, reconnection(t, 1)); !slices.Equal(got, []string{"form"}) {
		t.Errorf("reconnection after Reset: %q; want the login form of the id's last digit", got)
	}
	resp, err := srv.HTTPClient().Get(res.(*api.OAuthURL).URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("OAuth page after Reset: %d, want 404", resp.StatusCode)
	}
	if ops := wireOf(srv.Requests()); len(ops) != 3 || ops[0].Operation != list.op.Qualified() || ops[1].Operation != handlerOp(t, "reconnection").Qualified() {
		t.Errorf("requests after Reset: %v, want no new authentication", ops)
	}
}

// TestInjectStatus: the client meets scripted statuses as from the API:
// GETs are retried (honouring Retry-After), POSTs not; under synctest the
// waits cost nothing.
func TestInjectStatus(t *testing.T) {
	list, create := callOf(t, listOp(t)), callOf(t, actionOp(t, "create"))
	get := getOf(t, uuid.MustParse("9082affa-d965-40be-a3ed-a320bb3467ff"))
	synctest.Test(t, func(t *testing.T) {
		srv := connecttest.NewServer(t)
		c := srv.Client()
		ctx := context.Background()

		srv.Inject(list.op.Docs, 1, connecttest.Status(429).WithRetryAfter(3*time.Second))
		srv.Inject(list.op.Qualified(), 1, connecttest.Status(503))
		start := time.Now()
		if err := list.do(ctx, c); err != nil {
			t.Fatalf("list after a 429 and a 503: %v", err)
		}
		// 3 s of Retry-After, then the jittered backoff (0.5 to 1 s).
		if d := time.Since(start); d < 3500*time.Millisecond || d > 4*time.Second {
			t.Errorf("waited %v, want Retry-After's 3s and one backoff", d)
		}

		srv.Inject(create.op.Qualified(), 1, connecttest.Status(502))
		err := create.do(ctx, c)
		e, ok := errors.AsType[*api.Error](err)
		if !ok || e.StatusCode != 502 || e.ReasonCode != "502" || !e.Recoverable || e.Details != "Answer scripted by the test." {
			t.Errorf("create: got %v, want the 502, not retried", err)
		}
		srv.Inject(get.op.Qualified(), 3, connecttest.Status(500))
		err = get.do(ctx, c)
		if e, ok := errors.AsType[*api.Error](err); !ok || e.StatusCode != 500 || e.Recoverable {
			t.Errorf("get: got %v, want the 500, not retried", err)
		}

		var ops []string
		for _, r := range srv.Requests() {
			ops = append(ops, r.Operation)
		}
		want := []string{list.op.Qualified(), list.op.Qualified(), list.op.Qualified(), create.op.Qualified(), get.op.Qualified()}
		if !reflect.DeepEqual(ops, want) {
			t.Errorf("requests: %q, want %q", ops, want)
		}
	})
}

// TestInjectDelayAndReset: a delay takes the bubble's time and is cut by
// the client's attempt timeout; a reset is a transport error a GET is
// retried past.
func TestInjectDelayAndReset(t *testing.T) {
	list, create := callOf(t, listOp(t)), callOf(t, actionOp(t, "create"))
	synctest.Test(t, func(t *testing.T) {
		srv := connecttest.NewServer(t)
		c := srv.Client(api.WithAttemptTimeout(10 * time.Second))
		ctx := context.Background()

		srv.Inject(create.op.Qualified(), 1, connecttest.Delay(4*time.Second))
		start := time.Now()
		if err := create.do(ctx, c); err != nil || time.Since(start) != 4*time.Second {
			t.Errorf("delayed create: %v after %v, want success after 4s", err, time.Since(start))
		}
		srv.Inject(create.op.Qualified(), 1, connecttest.Status(504).WithDelay(time.Minute))
		start = time.Now()
		err := create.do(ctx, c)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Second {
			t.Errorf("create past the attempt timeout: %v after %v, want a deadline after 10s", err, time.Since(start))
		}
		if n := len(srv.Configurations(connecttest.AppKey)); n != 1 {
			t.Errorf("configurations: %d, want 1", n)
		}

		srv.Inject(create.op.Qualified(), 1, connecttest.ConnectionReset())
		if err := create.do(ctx, c); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("reset create: %v, want ECONNRESET", err)
		}
		srv.Inject(list.op.Qualified(), 1, connecttest.ConnectionReset())
		if got, err := list.result(ctx, c); err != nil || reflect.ValueOf(got).Len() != 1 {
			t.Errorf("list past a reset: %v, %v", got, err)
		}
	})
}

// specOperations lists the operations of the spec as the kit names them,
// sorted: the api method and, in parentheses, the docs' name or else the
// operationId ("Configurations.List (get_configurations)").
func specOperations() []string {
	var ops []string
	for _, op := range model().Operations {
		ops = append(ops, op.Name())
	}
	slices.Sort(ops)
	return ops
}

// TestInjectRefused: unknown operations, counts and statuses fail the
// test at once, the first listing the operations.
func TestInjectRefused(t *testing.T) {
	list := listOp(t)
	typo := list.Qualified()[:len(list.Qualified())-1]
	ft := &fakeT{TB: t}
	srv := connecttest.NewServer(ft)
	srv.Inject(typo, 1, connecttest.Status(503))
	srv.Inject(list.Qualified(), 0, connecttest.Status(503))
	srv.Inject(list.Qualified(), 1, connecttest.Status(200))
	srv.NextReconnection(connecttest.MFAText, connecttest.Reconnection(0))
	_, fatals := ft.reported()
	want := []string{
		fmt.Sprintf(`connecttest: Inject: no operation %q; the operations are: %s`, typo, strings.Join(specOperations(), ", ")),
		fmt.Sprintf(`connecttest: Inject(%q): sandbox: inject into %s: 0 calls, want 1 or more`, list.Qualified(), list.ID),
		fmt.Sprintf(`connecttest: Inject(%q): Status(200): want an error status, 400 to 599`, list.Qualified()),
		"connecttest: NextReconnection: 0 is not a Reconnection; use LoginForm, MFAText, MFAChoice, MFAMulti, MFAImage or MFATextThenChoice",
	}
	if !reflect.DeepEqual(fatals, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(fatals, "\n"), strings.Join(want, "\n"))
	}
	// Nothing was queued: every call is answered normally.
	c := srv.Client()
	if err := callOf(t, list).do(context.Background(), c); err != nil {
		t.Error(err)
	}
	if got := reconnect(t, c, reconnection(t, 1)); !slices.Equal(got, []string{"form"}) {
		t.Errorf("reconnection: %q", got)
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
		got = append(got, reconnect(t, c, reconnection(t, 3)))
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
	list := callOf(t, listOp(t))
	if err := list.do(ctx, c); err != nil {
		t.Fatal(err)
	}
	clock.Advance(59 * time.Minute)
	if err := list.do(ctx, c); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if err := list.do(ctx, c); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	var ops, tokens []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
		tokens = append(tokens, r.Header.Get("Finicity-App-Token"))
	}
	auth, l := tokenOp(t).Qualified(), list.op.Qualified()
	want := []string{auth, l, l, l, auth, l}
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
	create := callOf(t, actionOp(t, "create"))
	cfg := created(t, served)
	if err := getOf(t, cfg.ID).do(ctx, srv.Client()); err != nil {
		t.Errorf("in process, the served configuration: %v", err)
	}
	// A POST: net/http itself would resend a GET whose reused
	// connection was reset.
	srv.Inject(create.op.Qualified(), 1, connecttest.ConnectionReset())
	if err := create.do(ctx, served); !errors.Is(err, syscall.ECONNRESET) {
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
	create := callOf(t, actionOp(t, "create"))
	bad, ff := objectBody(t, "a string field with a format", formatField)
	bad = bad.withBody(setField(bad.args.Body, ff.Path, "not a "+ff.Schema.Value.Format, false))
	ft := &fakeT{TB: t}
	srv := connecttest.NewServer(ft)
	c := srv.Client()
	const workers, calls = 8, 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range calls {
				if w%2 == 0 {
					_ = create.do(context.Background(), c)
					continue
				}
				// Invalid: reported from this goroutine.
				_ = bad.do(context.Background(), c)
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

// TestServedStatus: served requests record their status too, and a reset
// none; a client of the user's own keeps its settings over the served
// transport.
func TestServedStatus(t *testing.T) {
	srv := connecttest.NewServer(t)
	hc := &http.Client{Timeout: time.Minute}
	c := srv.ServedClient(api.WithHTTPClient(hc), api.WithRetries(0))
	list := callOf(t, listOp(t))
	srv.Inject(list.op.Qualified(), 1, connecttest.ConnectionReset())
	if err := list.do(context.Background(), c); err == nil {
		t.Fatal("the reset call succeeded")
	}
	if err := list.do(context.Background(), c); err != nil {
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
