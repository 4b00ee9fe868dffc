package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestSecretsNeverInLogsOrErrors drives the client through every path that
// logs or fails (success, retry, transport error, expiry and replay,
// rejected and transient authentication, validation of both sides, a
// server quoting the credentials back) and checks that neither the debug
// log nor any error string contains the app key, the partner secret or a
// token.
func TestSecretsNeverInLogsOrErrors(t *testing.T) {
	var logs testutil.SyncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tokenSeq := 0
	var mu sync.Mutex
	mode := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		m := mode
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == tokenPath {
			switch m {
			case "reject":
				// A hostile server quoting every credential back.
				w.WriteHeader(401)
				fmt.Fprintf(w, `{"Errors":{"Error":[{"ReasonCode":"10024","Description":"bad secret %s","Details":"key %s body %s","Recoverable":false,"Source":"x"}]}}`,
					leakSecret, leakKey, strings.ReplaceAll(string(body), `"`, `'`))
			case "auth503":
				w.WriteHeader(503)
				fmt.Fprintf(w, `{"Errors":{"Error":[{"ReasonCode":"1","Description":"%s"}]}}`, leakSecret)
			default:
				mu.Lock()
				tokenSeq++
				tok := fmt.Sprintf("%s%d", tokenPrefix, tokenSeq)
				mu.Unlock()
				fmt.Fprintf(w, `{"token":%q}`, tok)
			}
			return
		}
		switch m {
		case "expire":
			w.WriteHeader(401)
			fmt.Fprintf(w, errorJSON, "10023")
		case "503":
			w.WriteHeader(503)
		case "reset":
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case "badbody":
			io.WriteString(w, `[{"id":"not-a-uuid"}]`)
		case "echo":
			// An error quoting the request's own headers back.
			w.WriteHeader(404)
			fmt.Fprintf(w, `{"Errors":{"Error":[{"ReasonCode":"4041","Description":"key %s token %s"}]}}`,
				r.Header.Get("Finicity-App-Key"), r.Header.Get("Finicity-App-Token"))
		default:
			io.WriteString(w, "[]")
		}
	}))
	defer srv.Close()
	setMode := func(m string) { mu.Lock(); mode = m; mu.Unlock() }

	newClient := func(extra ...api.Option) *api.Client {
		opts := append([]api.Option{api.WithBaseURL(srv.URL), api.WithPartnerCredentials(leakID, leakSecret), api.WithLogger(logger),
			api.WithRetrySleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })}, extra...)
		c, err := api.NewClient(leakKey, "", opts...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	var errs []error
	record := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	c := newClient()
	for _, m := range []string{"", "503", "reset", "expire", "echo", "badbody"} {
		setMode(m)
		_, err := c.GetConfigurations(ctx)
		record(err)
		_, err = c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
		record(err)
		_, err = c.GetConfigurationsConfigurationId(ctx, cfgID)
		record(err)
	}
	setMode("badbody")
	record(func() error { _, err := newClient(api.WithResponseValidation()).GetConfigurations(ctx); return err }())
	setMode("")
	record(func() error {
		_, err := newClient(api.WithRequestValidation()).PostInstitutionsInstitutionIdOauthUrls(ctx, 1, api.PostInstitutionsInstitutionIdOauthUrlsRequest{})
		return err
	}())
	for _, m := range []string{"reject", "auth503"} {
		setMode(m)
		rc := newClient()
		_, err := rc.GetConfigurations(ctx)
		record(err)
		_, err = rc.Token(ctx)
		record(err)
	}
	setMode("")
	_, err := newClient().CreateToken(ctx, api.PartnerCredentials{PartnerId: leakID, PartnerSecret: leakSecret})
	record(err)
	// A dead server: transport errors.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	dc, _ := api.NewClient(leakKey, "", api.WithBaseURL(dead.URL), api.WithPartnerCredentials(leakID, leakSecret), api.WithLogger(logger),
		api.WithRetrySleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	_, err = dc.GetConfigurations(ctx)
	record(err)

	if len(errs) < 15 {
		t.Fatalf("only %d errors produced; the scenarios did not run", len(errs))
	}
	var text strings.Builder
	for _, err := range errs {
		fmt.Fprintf(&text, "%v\n%+v\n%s\n", err, err, err.Error())
		var rej *api.Error
		if errors.As(err, &rej) && strings.HasSuffix(rej.Path, tokenPath) {
			fmt.Fprintf(&text, "%s %s %s\n", rej.Body, rej.Description, rej.Details)
		}
	}
	out := logs.String() + text.String()
	for _, secret := range []string{leakKey, leakSecret, tokenPrefix} {
		if strings.Contains(out, secret) {
			t.Errorf("output contains %q:\n%s", secret, out)
		}
	}
	// The log does carry what one needs to debug.
	for _, want := range []string{"method=GET", "path=" + configsPath, "status=200", "status=503", "attempt=2", "duration=", "finicity: retrying", "replaying once", "request failed"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestLoggingIsOffByDefaultAndQuietAboveDebug(t *testing.T) {
	var logs testutil.SyncBuffer
	srv := newScriptServer(t, step{status: 200, body: "[]"})
	c, err := api.NewClient(testKey, testToken, api.WithBaseURL(srv.URL),
		api.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetConfigurations(context.Background()); err != nil {
		t.Fatal(err)
	}
	if logs.String() != "" {
		t.Errorf("info-level logger got debug records: %s", logs.String())
	}
}
