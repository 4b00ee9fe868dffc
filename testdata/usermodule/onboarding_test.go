package usermodule

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
)

var accepted = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return accepted }

// operations lists the operation of each request the server received.
func operations(srv *connecttest.Server) []string {
	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
	}
	return ops
}

// TestJourney runs the whole journey in process: onboarding by login form
// and by OAuth, the OAuth page's redirect, a reconnection needing MFA,
// and the clean-up, checking what the server received and stores.
func TestJourney(t *testing.T) {
	srv := connecttest.NewServer(t)
	c := srv.Client()
	o := &Onboarding{Client: c, RedirectURI: "https://app.example/back", Now: fixedNow}
	ctx := context.Background()

	form, oauthURL, err := o.Start(ctx, "1005061234", 101732, false)
	if err != nil || form == nil || oauthURL != "" {
		t.Fatalf("login form: %v, %q, %v", form, oauthURL, err)
	}
	_, oauthURL, err = o.Start(ctx, "1005061234", 200003, true)
	if err != nil || oauthURL == "" {
		t.Fatalf("OAuth: %q, %v", oauthURL, err)
	}
	resp, err := srv.HTTPClient().Get(oauthURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Location"); resp.StatusCode != 302 || got != o.RedirectURI {
		t.Errorf("OAuth page: %d to %q, want 302 to %q", resp.StatusCode, got, o.RedirectURI)
	}

	srv.NextReconnection(connecttest.MFAChoice)
	r, err := c.Reconnections.Create(ctx, "1005061234", 7008461430, api.ReconnectionParams{})
	if err != nil || !r.NeedsMFA() || r.Challenges()[0].MFAType != "TFA_CHOICE" {
		t.Errorf("reconnection: %+v, %v; want a TFA_CHOICE challenge", r, err)
	}

	stored := srv.Configurations(connecttest.AppKey)
	if len(stored) != 2 {
		t.Fatalf("stored: %d configurations, want 2", len(stored))
	}
	for _, cfg := range stored {
		if err := c.Configurations.Delete(ctx, cfg.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := o.Configured(ctx); err != nil || n != 0 {
		t.Errorf("after the clean-up: %d, %v", n, err)
	}

	want := []string{
		"Configurations.Create", "LoginForms.Create",
		"Configurations.Create", "OAuthURLs.Create", "", // the OAuth page is outside the API
		"Reconnections.Create",
		"Configurations.Delete", "Configurations.Delete", "Configurations.List",
	}
	if got := operations(srv); !reflect.DeepEqual(got, want) {
		t.Errorf("requests: %q, want %q", got, want)
	}
	// What the app sent for its login form, decoded.
	var sent api.LoginFormParams
	if err := srv.Requests()[1].DecodeBody(&sent); err != nil {
		t.Fatal(err)
	}
	wantSent := api.LoginFormParams{CustomerID: "1005061234", Language: "en", ConfigurationID: stored[0].ID,
		ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: accepted}}
	if !reflect.DeepEqual(sent, wantSent) {
		t.Errorf("login form request: got %+v, want %+v", sent, wantSent)
	}
}

// recordingT is a testing.TB that records failures instead of failing,
// so this test can check that the kit fails a test, and how.
type recordingT struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingT) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingT) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// TestSpecViolationFailsTheTest: a redirect URI that is not absolute
// breaks the spec; the kit fails the test naming the operation and the
// field, and the app gets the API's 400.
func TestSpecViolationFailsTheTest(t *testing.T) {
	rt := &recordingT{TB: t}
	srv := connecttest.NewServer(rt)
	o := &Onboarding{Client: srv.Client(), RedirectURI: "app.example/back", Now: fixedNow}

	_, _, err := o.Start(context.Background(), "1005061234", 200003, true)
	apiErr, ok := errors.AsType[*api.Error](err)
	if !ok || apiErr.StatusCode != 400 || apiErr.ReasonCode != "10010" {
		t.Errorf("the app got %v, want the API's 400 with reason 10010", err)
	}
	failures := rt.recorded()
	if len(failures) != 1 {
		t.Fatalf("the kit reported %d failures, want 1: %q", len(failures), failures)
	}
	for _, want := range []string{
		"OAuthURLs.Create (post_institutions_institution_id_oauth_urls)",
		"body redirectURI: must be an absolute URI",
	} {
		if !strings.Contains(failures[0], want) {
			t.Errorf("failure %q does not name %q", failures[0], want)
		}
	}
	if strings.Contains(failures[0], connecttest.AppKey) || strings.Contains(failures[0], connecttest.Token) {
		t.Errorf("failure %q shows a credential", failures[0])
	}

	// A test that sends it on purpose says so; the request is still on
	// record, with its violation.
	rt = &recordingT{TB: t}
	srv = connecttest.NewServer(rt, connecttest.AllowInvalidRequests())
	o.Client = srv.Client()
	if _, _, err := o.Start(context.Background(), "1005061234", 200003, true); err == nil {
		t.Error("the invalid request succeeded")
	}
	if failures := rt.recorded(); failures != nil {
		t.Errorf("allowed, yet reported: %q", failures)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Violation != "body redirectURI: must be an absolute URI" {
		t.Errorf("recorded violation: %q", last.Violation)
	}
}

// TestRetried503: a scripted 503 with Retry-After is retried by the
// client (a GET), and the app never sees it. In a synctest bubble the
// retry's wait takes no real time.
func TestRetried503(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := connecttest.NewServer(t)
		o := &Onboarding{Client: srv.Client(), Now: fixedNow}
		srv.Inject("Configurations.List", 1, connecttest.Status(503).WithRetryAfter(2*time.Second))

		start := time.Now()
		n, err := o.Configured(context.Background())
		if err != nil || n != 0 {
			t.Fatalf("got %d, %v; want 0 and no error", n, err)
		}
		if waited := time.Since(start); waited != 2*time.Second {
			t.Errorf("waited %v, want the 2s of Retry-After", waited)
		}
		if got, want := operations(srv), []string{"Configurations.List", "Configurations.List"}; !reflect.DeepEqual(got, want) {
			t.Errorf("requests: %q, want %q", got, want)
		}

		// Past the client's retries (2 by default), the app sees the 503.
		srv.Inject("get_configurations", 3, connecttest.Status(503))
		_, err = o.Configured(context.Background())
		if apiErr, ok := errors.AsType[*api.Error](err); !ok || apiErr.StatusCode != 503 || !apiErr.Recoverable {
			t.Errorf("after three 503s: %v", err)
		}
	})
}

// TestTokenExpiry: the app authenticates with its partner credentials;
// the kit's clock moves past the token's lifetime, the API answers 10023,
// and the client renews its token and succeeds.
func TestTokenExpiry(t *testing.T) {
	clock := connecttest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	srv := connecttest.NewServer(t,
		connecttest.WithTokenCheck(),
		connecttest.WithPartnerCredentials("my-partner-id", "my-partner-secret"),
		connecttest.WithClock(clock.Now))
	c := srv.Client(api.WithPartnerCredentials("my-partner-id", "my-partner-secret"))
	o := &Onboarding{Client: c, Now: fixedNow}
	ctx := context.Background()

	if _, err := o.Configured(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(connecttest.DefaultTokenLifetime)
	if _, err := o.Configured(ctx); err != nil {
		t.Fatalf("after the token's lifetime: %v", err)
	}

	reqs := srv.Requests()
	want := []string{"Partners.Authenticate", "Configurations.List", "Configurations.List", "Partners.Authenticate", "Configurations.List"}
	if got := operations(srv); !reflect.DeepEqual(got, want) {
		t.Fatalf("requests: %q, want %q", got, want)
	}
	first, expired, renewed := reqs[1].Header.Get("Finicity-App-Token"), reqs[2].Header.Get("Finicity-App-Token"), reqs[4].Header.Get("Finicity-App-Token")
	if first == "" || expired != first || renewed == first {
		t.Error("want the first token sent until it expired, then a new one")
	}
	var creds api.PartnerCredentials
	if err := reqs[3].DecodeBody(&creds); err != nil || creds.PartnerID != "my-partner-id" {
		t.Errorf("renewal: %+v, %v", creds, err)
	}
}

// TestReset: one server for several subtests, emptied between them;
// the client, and its token, keep working.
func TestReset(t *testing.T) {
	srv := connecttest.NewServer(t, connecttest.WithTokenCheck())
	o := &Onboarding{Client: srv.Client(), Now: fixedNow}
	for _, institution := range []int64{101732, 102105} {
		t.Run(fmt.Sprint(institution), func(t *testing.T) {
			srv.Reset()
			if _, _, err := o.Start(context.Background(), "1005061234", institution, false); err != nil {
				t.Fatal(err)
			}
			if got := srv.AppKeys(); !reflect.DeepEqual(got, []string{connecttest.AppKey}) {
				t.Errorf("app keys: %q", got)
			}
			if n, err := o.Configured(context.Background()); err != nil || n != 1 {
				t.Errorf("configurations: %d, %v; want 1 (Reset emptied the last subtest's)", n, err)
			}
		})
	}
}
