// Package connecttest runs a stand-in for the Data Connect Components API
// inside your own tests, as net/http/httptest runs an HTTP server: no
// credentials, no network, no process to start.
//
// NewServer(t) returns a Server for the test; Client returns an api.Client
// that talks to it in process. The server keeps configurations per app key
// and answers every operation as the API documents, so the code you test
// runs unchanged against it:
//
//	func TestOnboarding(t *testing.T) {
//		srv := connecttest.NewServer(t)
//		c := srv.Client()
//
//		// The code under test, here inline: it builds a login form.
//		ctx := context.Background()
//		cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking"}})
//		if err != nil {
//			t.Fatal(err)
//		}
//		form, err := c.LoginForms.Create(ctx, 101732, api.LoginFormParams{
//			CustomerID:       "1005061234",
//			Language:         "en",
//			ConfigurationID:  cfg.ID,
//			ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: time.Now()},
//		})
//		if err != nil {
//			t.Fatal(err)
//		}
//		if len(form.Elements) == 0 {
//			t.Error("a login form without fields")
//		}
//
//		// What was sent, for assertions.
//		reqs := srv.Requests()
//		var sent api.LoginFormParams
//		if err := reqs[1].DecodeBody(&sent); err != nil || sent.ConfigurationID != cfg.ID {
//			t.Errorf("%s: configurationId %v, want %v (%v)", reqs[1], sent.ConfigurationID, cfg.ID, err)
//		}
//	}
//
// # Request checks
//
// Every request the server receives is checked, strictly, against the
// API's OpenAPI document, the one package api is generated from, with the
// same checker as the client's api.WithRequestValidation and
// finicity-connect's proxy and validate commands, which word each rule the
// same way. A request that does not match fails the test (from whichever
// goroutine sent it) with a message that starts with the line of your
// code that sent it, as go test shows a failure of your own, then names
// the operation, the field and the rule, never a value:
//
//	onboarding.go:42: connecttest: OAuthURLs.Create (post_institutions_institution_id_oauth_urls): request breaks the API spec: body redirectURI: must be an absolute URI
//
// The line is the first frame outside this SDK (its dependencies and the
// standard library skipped) on the goroutine that made the call: t.Helper
// cannot mark frames of code that does not call it, so the kit computes
// the line. Through your test's own *testing.T the message is written
// with that line first (t.Output) and the test marked failed (t.Fail);
// any other testing.TB gets the same text through Errorf. Served
// requests (URL) run on the listener's goroutines and name no line.
//
// Beyond the schema (types, formats, bounds, required fields), the kit
// holds requests to what the real API and a real socket would do:
//
//   - A body field or a query parameter the spec does not define is a
//     violation, names being exact and case-sensitive: configurationID
//     for configurationId, redirectUrl beside redirectURI, ?limit on an
//     operation that has none. The API ignores them, so the server
//     answers as the API would; for the caller it is almost always a bug.
//     AllowUnknownFields drops this rule for tests that mean it.
//   - A path the spec has only without a trailing slash, and a method the
//     path does not take, are named as such.
//   - A body sent to an operation that takes none (a GET), and a header
//     the spec defines given twice (two Finicity-App-Key), are
//     violations, though the API ignores them.
//   - A JSON body is one value, each member named once, every string
//     valid UTF-8: text after the value ({}x) is refused as the API
//     refuses a body that does not parse, and a member named twice is a
//     violation even when its last value (the one decoders keep) is
//     valid.
//   - Header names and values are checked as net/http checks them on a
//     socket: a newline, CR, NUL or other control character is refused
//     there, leading or trailing whitespace is trimmed (the server would
//     receive another value). In process nothing else would see them.
//
// A request the API refuses gets what the API documents (400, reason code
// 10010, naming the field), so the code under test sees the real error
// too. For tests that send invalid requests on purpose, NewServer(t,
// AllowInvalidRequests()); the failure names the narrowest option that
// allows what it found. Requests returns every request received, in
// order, with its operation, headers, body, violation, if any, and the
// status it was answered with.
//
// # Recorded answers
//
// NewServer(t, WithRecording("testdata/onboarding.har")) answers from a
// recording of the live API (finicity-connect proxy --har records one,
// secrets masked), so that your CI gets the API's real answers offline:
// each request gets the recorded answer of the same method and path, in
// the order recorded, and is still checked against the spec; a request
// with no recorded answer fails the test, naming the nearest recorded
// one.
//
// # Your own *http.Client
//
// Client(api.WithHTTPClient(hc)) keeps hc's settings (Timeout, Jar,
// CheckRedirect) and replaces only its transport, on a copy: the client
// always talks to the server in process, never to the network, and hc is
// left as it was. A Timeout of hc bounds each call as it would against
// the API (a scripted Delay longer than it makes the call fail).
//
// # Faults and scenarios
//
// Server.Inject scripts the next calls of an operation: a status (a 429
// with Retry-After, a 500, 502 or 503, with the API's error body), a delay,
// or a reset connection. Operations are named by their api method
// ("Configurations.List") or the docs' name ("get_configurations"):
//
//	srv.Inject("Configurations.List", 1, connecttest.Status(503).WithRetryAfter(time.Second))
//	srv.Inject("LoginForms.Create", 1, connecttest.ConnectionReset())
//
// Server.NextReconnection picks what the next reconnections answer: a login
// form (201) or one of the MFA challenge sets (203).
//
// # Time
//
// Token expiry follows the server's clock (WithClock, Clock): with
// WithTokenCheck, moving the clock past the token lifetime makes the API
// answer 401 with reason code 10023, which a client with partner
// credentials answers by fetching a new token.
//
// Scripted delays, and the api client's retry waits, use timers. Run the
// test in a testing/synctest bubble to have them take no real time; the
// in-process Client works there, a listener (URL, ServedClient) does not:
//
//	synctest.Test(t, func(t *testing.T) {
//		srv := connecttest.NewServer(t)
//		srv.Inject("Configurations.List", 2, connecttest.Status(503))
//		// Two retries, each after a backoff of the bubble's time: no real
//		// wait.
//		if _, err := srv.Client().Configurations.List(context.Background()); err != nil {
//			t.Fatal(err)
//		}
//	})
//
// # State
//
// Reset empties the server between subtests; AppKeys and Configurations
// show what it stores.
//
// # Served
//
// URL serves the same server on 127.0.0.1, for a client in another process
// or for code that takes a base URL; ServedClient is Client over that
// socket.
package connecttest
