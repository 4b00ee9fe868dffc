package usermodule

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
)

// lineOf returns "file:N" for the line of file that holds marker.
func lineOf(t *testing.T, file, marker string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), marker) {
			return file + ":" + strconv.Itoa(n)
		}
	}
	t.Fatalf("%s holds no %q", file, marker)
	return ""
}

// nextLine returns "file:N" of the line after its caller's.
func nextLine() string {
	_, file, line, _ := runtime.Caller(1)
	return file[strings.LastIndexByte(file, '/')+1:] + ":" + strconv.Itoa(line+1)
}

func legacy(srv *connecttest.Server) *LegacyLoginForm {
	return &LegacyLoginForm{HTTP: srv.HTTPClient(), BaseURL: connecttest.InProcessURL, AppKey: connecttest.AppKey, Token: connecttest.Token}
}

// TestMisspelledFieldFails: the legacy code's configurationID is not the
// spec's configurationId. The API would ignore it (and the form would
// silently lose its configuration); the kit fails the test, naming the
// field and the app's own line that sent it.
func TestMisspelledFieldFails(t *testing.T) {
	rt := &recordingT{TB: t}
	srv := connecttest.NewServer(rt)
	cfg, err := srv.Client().Configurations.Create(context.Background(), api.ConfigurationParams{})
	if err != nil {
		t.Fatal(err)
	}
	status, err := legacy(srv).Create(context.Background(), 101732, "1005061234", cfg.ID.String(), accepted)
	if err != nil || status != http.StatusCreated {
		t.Errorf("the app got %d, %v; want the API's 201 (it ignores unknown fields)", status, err)
	}
	failures := rt.recorded()
	if len(failures) != 1 {
		t.Fatalf("the kit reported %d failures, want 1: %q", len(failures), failures)
	}
	for _, want := range []string{
		lineOf(t, "legacy.go", "legacy-do") + ": connecttest: ",
		"LoginForms.Create (post_institutions_institution_id_login_forms)",
		"body configurationID: unknown field: not defined by the spec (names are exact and case-sensitive)",
	} {
		if !strings.Contains(failures[0], want) {
			t.Errorf("failure %q does not hold %q", failures[0], want)
		}
	}
	if strings.Contains(failures[0], cfg.ID.String()) || strings.Contains(failures[0], connecttest.Token) {
		t.Errorf("failure %q shows a value", failures[0])
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Status != http.StatusCreated || !strings.HasPrefix(last.Violation, "body configurationID: unknown field") {
		t.Errorf("recorded: %v", last)
	}
}

// TestUnknownFieldsAllowed: a test that sends extra fields on purpose
// says so; the other rules still hold.
func TestUnknownFieldsAllowed(t *testing.T) {
	rt := &recordingT{TB: t}
	srv := connecttest.NewServer(rt, connecttest.AllowUnknownFields())
	cfg, err := srv.Client().Configurations.Create(context.Background(), api.ConfigurationParams{})
	if err != nil {
		t.Fatal(err)
	}
	if status, err := legacy(srv).Create(context.Background(), 101732, "1005061234", cfg.ID.String(), accepted); err != nil || status != 201 {
		t.Fatalf("got %d, %v", status, err)
	}
	if failures := rt.recorded(); failures != nil {
		t.Errorf("allowed, yet reported: %q", failures)
	}
	if r := srv.Requests()[1]; r.Violation != "" || r.Status != 201 || !bytes.Contains(r.Body, []byte(`"configurationID"`)) {
		t.Errorf("recorded: %v", r)
	}
	// Every other rule still holds.
	o := &Onboarding{Client: srv.Client(), RedirectURI: "not absolute", Now: fixedNow}
	if _, _, err := o.Start(context.Background(), "1005061234", 200003, true); err == nil {
		t.Error("an invalid redirect URI went through")
	}
	if failures := rt.recorded(); len(failures) != 1 || !strings.Contains(failures[0], "body redirectURI: must be an absolute URI") {
		t.Errorf("reported: %q", failures)
	}
}

// TestHeaderChecks: header values net/http would refuse on a socket (a
// newline, a CR, a NUL) or send changed (leading or trailing space) fail
// the test in process too, at the line of the call.
func TestHeaderChecks(t *testing.T) {
	for _, value := range []string{"abc\n", "a\rb", "a\x00b", " abc", "abc "} {
		t.Run(strconv.Quote(value), func(t *testing.T) {
			rt := &recordingT{TB: t}
			srv := connecttest.NewServer(rt)
			c := srv.Client(api.WithRequestEditor(func(_ context.Context, req *http.Request) error {
				req.Header["X-Request-Id"] = []string{value}
				return nil
			}))
			o := &Onboarding{Client: c, Now: fixedNow}
			at := nextLine()
			_, _ = o.Configured(context.Background())
			failures := rt.recorded()
			if len(failures) != 1 {
				t.Fatalf("reported %q, want one failure", failures)
			}
			for _, want := range []string{"connecttest: ", "Configurations.List (get_configurations)", "header X-Request-Id: value "} {
				if !strings.Contains(failures[0], want) {
					t.Errorf("failure %q does not hold %q", failures[0], want)
				}
			}
			// The app's line: the first frame outside the SDK, here
			// Configured's call of the client.
			if want := lineOf(t, "onboarding.go", "o.Client.Configurations.List(ctx)"); !strings.Contains(failures[0], want) {
				t.Errorf("failure %q names not %s (the test's call is at %s)", failures[0], want, at)
			}
			if strings.Contains(failures[0], "abc") {
				t.Errorf("failure %q shows the value", failures[0])
			}
		})
	}
}

// postJSON is a request of the app's own making, with the kit's
// credentials: code that does not use package api.
func postJSON(t *testing.T, path, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, connecttest.InProcessURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Finicity-App-Key", connecttest.AppKey)
	req.Header.Set("Finicity-App-Token", connecttest.Token)
	return req
}

// TestInvalidUTF8: a JSON string that is not valid UTF-8 would reach the
// API changed (decoders replace the bytes); the kit fails the test.
func TestInvalidUTF8(t *testing.T) {
	rt := &recordingT{TB: t}
	srv := connecttest.NewServer(rt)
	req := postJSON(t, "/connect-components/configurations", "{\"filterAccounts\":[\"Checking\",\"Sav\xffings\"]}")
	at := nextLine()
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	failures := rt.recorded()
	if len(failures) != 1 {
		t.Fatalf("reported %q, want one failure", failures)
	}
	for _, want := range []string{at + ": connecttest: ", "Configurations.Create (post_configurations)", "body filterAccounts.1: not valid UTF-8"} {
		if !strings.Contains(failures[0], want) {
			t.Errorf("failure %q does not hold %q", failures[0], want)
		}
	}
}

// TestRequestsRecordStatus: each request comes with the status it was
// answered with, scripted faults included.
func TestRequestsRecordStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := connecttest.NewServer(t)
		o := &Onboarding{Client: srv.Client(), Now: fixedNow}
		srv.Inject("Configurations.List", 1, connecttest.Status(503))
		if _, err := o.Configured(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := o.Start(context.Background(), "1005061234", 101732, false); err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, r := range srv.Requests() {
			got = append(got, r.Status)
		}
		if want := []int{503, 200, 201, 201}; !reflect.DeepEqual(got, want) {
			t.Errorf("statuses %v, want %v", got, want)
		}
	})
}

// TestOwnHTTPClient: the app's own *http.Client keeps its timeout, and
// the kit's client still never leaves the process (nothing listens on
// 127.0.0.1:80, where InProcessURL points).
func TestOwnHTTPClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := connecttest.NewServer(t)
		hc := &http.Client{Timeout: 2 * time.Second}
		o := &Onboarding{Client: srv.Client(api.WithHTTPClient(hc), api.WithRetries(0)), Now: fixedNow}
		if _, err := o.Configured(context.Background()); err != nil {
			t.Fatalf("in process: %v", err)
		}
		srv.Inject("Configurations.List", 1, connecttest.Delay(time.Minute))
		start := time.Now()
		_, err := o.Configured(context.Background())
		// net/http ends the call with its Client.Timeout timer or with the
		// deadline it puts on the request's context; in a synctest bubble
		// both fire at the same instant, so either text may win.
		if err == nil || !strings.Contains(err.Error(), "Client.Timeout") && !strings.Contains(err.Error(), "deadline exceeded") {
			t.Errorf("past the client's timeout: %v", err)
		}
		if waited := time.Since(start); waited != 2*time.Second {
			t.Errorf("waited %v, want the client's 2s timeout", waited)
		}
		if hc.Transport != nil {
			t.Error("the app's *http.Client was changed")
		}
		if reqs := srv.Requests(); len(reqs) != 2 || reqs[1].Status != 0 {
			t.Errorf("recorded %v: want the timed-out call with no status", reqs)
		}
		var netErr interface{ Timeout() bool }
		if !errors.As(err, &netErr) || !netErr.Timeout() {
			t.Errorf("%v is not a timeout", err)
		}
	})
}

// TestUnknownFieldFails: redirectUrl beside redirectURI, from code that
// builds its own body. The API ignores the extra field and answers 201;
// the kit fails the test at the line that sent it, naming the field and
// not its value. AllowUnknownFields lets it through.
func TestUnknownFieldFails(t *testing.T) {
	body := `{"redirectURI":"https://app.example/back","redirectUrl":"https://app.example/other","customerId":"1005061234",` +
		`"serviceAgreement":{"language":"en","acceptedDate":"2026-03-02T10:00:00Z"}}`
	send := func(srv *connecttest.Server) (status int, at string) {
		req := postJSON(t, "/connect-components/institutions/200003/oauth-urls", body)
		at = nextLine()
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, at
	}
	rt := &recordingT{TB: t}
	srv := connecttest.NewServer(rt)
	status, at := send(srv)
	if status != http.StatusCreated {
		t.Errorf("answered %d, want the API's 201 (it ignores unknown fields)", status)
	}
	failures := rt.recorded()
	if len(failures) != 1 {
		t.Fatalf("reported %q, want one failure", failures)
	}
	for _, want := range []string{at + ": connecttest: ", "OAuthURLs.Create (post_institutions_institution_id_oauth_urls)",
		"body redirectUrl: unknown field: not defined by the spec (names are exact and case-sensitive)"} {
		if !strings.Contains(failures[0], want) {
			t.Errorf("failure %q does not hold %q", failures[0], want)
		}
	}
	if strings.Contains(failures[0], "app.example") {
		t.Errorf("failure %q shows a value", failures[0])
	}
	if r := srv.Requests()[0]; r.Status != http.StatusCreated || !strings.Contains(r.Violation, "body redirectUrl: unknown field") {
		t.Errorf("recorded %v", r)
	}

	rt = &recordingT{TB: t}
	if status, _ := send(connecttest.NewServer(rt, connecttest.AllowUnknownFields())); status != http.StatusCreated || rt.recorded() != nil {
		t.Errorf("AllowUnknownFields: %d, reported %q", status, rt.recorded())
	}
}
