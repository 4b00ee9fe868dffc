package connecttest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// A whole test: the code under test gets a client of the kit's server;
// the test scripts a 503, checks the client got past it, and looks at
// what was sent. t stands for the *testing.T of a real test (an example
// has none).
func Example() {
	t := newExampleT()
	defer t.cleanup()

	srv := connecttest.NewServer(t)
	// No retry wait in an example; in a test, run it in a synctest bubble
	// instead.
	c := srv.Client(api.WithRetryBackoff(time.Millisecond, time.Millisecond))
	ctx := context.Background()

	srv.Inject("Configurations.List", 1, connecttest.Status(503))
	list, err := c.Configurations.List(ctx)
	fmt.Println("list:", len(list), err)

	// The code under test builds its requests; here, from the spec's
	// examples.
	cfg, _ := c.Configurations.Create(ctx, specBody[api.ConfigurationParams]("Configurations.Create"))
	params := specBody[api.OAuthURLParams]("OAuthURLs.Create")
	params.ConfigurationID = cfg.ID
	params.RedirectURI = "partner.example/done" // not absolute: the test fails
	_, err = c.OAuthURLs.Create(ctx, specArg[int64]("OAuthURLs.Create", "institution_id"), params)
	if apiErr, ok := errors.AsType[*api.Error](err); ok {
		fmt.Println("answer:", apiErr.StatusCode, apiErr.ReasonCode)
	}

	for _, r := range srv.Requests() {
		fmt.Println(r)
	}
	fmt.Println("stored:", len(srv.Configurations(connecttest.AppKey)))
	// Output:
	// list: 0 <nil>
	// test failed: example_test.go:42: connecttest: OAuthURLs.Create (post_institutions_institution_id_oauth_urls): request breaks the API spec: body redirectURI: must be an absolute URI
	// 	(POST /connect-components/institutions/{institution_id}/oauth-urls; the server answered with the API's documented error; NewServer(t, connecttest.AllowInvalidRequests()) accepts invalid requests sent on purpose)
	// answer: 400 10010
	// GET /connect-components/configurations (Configurations.List) -> 503
	// GET /connect-components/configurations (Configurations.List) -> 200
	// POST /connect-components/configurations (Configurations.Create) -> 201
	// POST /connect-components/institutions/170716/oauth-urls (OAuthURLs.Create) -> 400 [invalid: body redirectURI: must be an absolute URI]
	// stored: 1
}

// Reconnections answer what the test picks, whatever the ids.
func ExampleServer_NextReconnection() {
	t := newExampleT()
	defer t.cleanup()

	srv := connecttest.NewServer(t)
	srv.NextReconnection(connecttest.MFAChoice, connecttest.LoginForm)
	c := srv.Client()
	// The spec's example of a reconnection: its ids, its body.
	customer, login := specArg[string]("Reconnections.Create", "customer_id"), specArg[int64]("Reconnections.Create", "institution_login_id")
	for range 2 {
		r, err := c.Reconnections.Create(context.Background(), customer, login, specBody[api.ReconnectionParams]("Reconnections.Create"))
		if err != nil {
			panic(err)
		}
		if r.NeedsMFA() {
			ch := r.Challenges()[0]
			fmt.Println("203", ch.MFAType, len(ch.ChoiceIDs), "choices")
		} else {
			fmt.Println("201, a login form with", len(r.LoginForm.Elements), "fields")
		}
	}
	// Output:
	// 203 TFA_CHOICE 3 choices
	// 201, a login form with 2 fields
}

// Token expiry driven by the kit's clock: the client with partner
// credentials renews its token on the API's 10023 answer.
func ExampleWithClock() {
	t := newExampleT()
	defer t.cleanup()

	clock := connecttest.NewClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))
	srv := connecttest.NewServer(t, connecttest.WithTokenCheck(), connecttest.WithClock(clock.Now))
	c := srv.Client() // partner credentials, with token checking on
	ctx := context.Background()

	_, err := c.Configurations.List(ctx)
	fmt.Println("first call:", err)
	clock.Advance(connecttest.DefaultTokenLifetime)
	_, err = c.Configurations.List(ctx)
	fmt.Println("after the token's lifetime:", err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Operation)
	}
	// Output:
	// first call: <nil>
	// after the token's lifetime: <nil>
	// Partners.Authenticate
	// Configurations.List
	// Configurations.List
	// Partners.Authenticate
	// Configurations.List
}

// A body field the spec does not define fails the test, names being
// exact: configurationID is not configurationId. Code that builds its own
// requests meets it most; a test that sends extra fields on purpose says
// so with AllowUnknownFields.
func ExampleAllowUnknownFields() {
	t := newExampleT()
	defer t.cleanup()

	// The spec's example of a configuration, and a field of it again
	// under a misspelt name.
	body := specBody[map[string]any]("Configurations.Create")
	body["filterAcounts"] = body["filterAccounts"]
	text, _ := json.Marshal(body)
	send := func(srv *connecttest.Server) {
		req, _ := http.NewRequest("POST", connecttest.InProcessURL+"/connect-components/configurations", bytes.NewReader(text))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Finicity-App-Key", connecttest.AppKey)
		req.Header.Set("Finicity-App-Token", connecttest.Token)
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		r := srv.Requests()[0]
		fmt.Println(r.Status, r.Violation)
	}
	send(connecttest.NewServer(t))
	send(connecttest.NewServer(t, connecttest.AllowUnknownFields()))
	// Output:
	// test failed: example_test.go:137: connecttest: Configurations.Create (post_configurations): request breaks the API spec: body filterAcounts: unknown field: not defined by the spec (names are exact and case-sensitive)
	// 	(POST /connect-components/configurations; the server answered it as if it were valid, as the API would; NewServer(t, connecttest.AllowUnknownFields()) accepts fields and query parameters the spec does not define, sent on purpose)
	// 201 body filterAcounts: unknown field: not defined by the spec (names are exact and case-sensitive)
	// 201
}

// specBody is the spec's example of an operation's request body, as T:
// a body as the code under test builds it.
func specBody[T any](operation string) T {
	op, ok := specdoc.MustModel().Lookup(operation)
	if !ok || op.Body == nil {
		panic("openapi.yaml has no operation " + operation + " with a body, which api/connecttest/example_test.go sends")
	}
	v, ok := op.Body.Example()
	if !ok {
		panic("openapi.yaml#" + op.Body.Pointer + ": the body of " + operation + " has no valid example, which api/connecttest/example_test.go sends")
	}
	var out T
	if err := json.Unmarshal(mustJSON(v), &out); err != nil {
		panic(err)
	}
	return out
}

// specArg is the spec's example of an operation's path parameter, as T.
func specArg[T any](operation, param string) T {
	op, _ := specdoc.MustModel().Lookup(operation)
	for i, p := range op.PathParams {
		if p.Name == param {
			args, _ := op.ExampleArgs()
			var out T
			if err := json.Unmarshal(mustJSON(args.Path[i]), &out); err != nil {
				panic(err)
			}
			return out
		}
	}
	panic("openapi.yaml has no path parameter " + param + " of " + operation + ", which api/connecttest/example_test.go sends")
}

// exampleT is the little of a testing.TB the kit uses (Helper, Cleanup,
// Errorf, Fatalf), printing failures, for examples, which get no
// *testing.T. Tests pass their own t instead.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func newExampleT() *exampleT { return &exampleT{} }

func (t *exampleT) Helper()          {}
func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Errorf(format string, args ...any) {
	fmt.Printf("test failed: "+format+"\n", args...)
}
func (t *exampleT) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
