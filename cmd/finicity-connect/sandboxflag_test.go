package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestSandboxFlag: every API command runs with --sandbox and no
// environment at all.
func TestSandboxFlag(t *testing.T) {
	none := map[string]string{}
	cases := []struct {
		args   []string
		code   int
		stdout []string
		stderr string // exact; "" for none
	}{
		{[]string{"configurations", "create", "--sandbox", "--filter-accounts", "Checking"}, 0, []string{`"filterAccounts": [`, `"Checking"`, `"aoRequired": false`}, ""},
		{[]string{"configurations", "list", "--sandbox"}, 0, []string{"[]\n"}, ""},
		{[]string{"configurations", "get", "--sandbox", "605543e1-f507-48ad-8127-95c40566597b"}, 1, nil,
			"finicity-connect configurations get: API error: status 404 Not Found, reason code 4041: The requested entity was not found. (No configuration with that id for this partner.)\n"},
		{[]string{"configurations", "delete", "--sandbox", "605543e1-f507-48ad-8127-95c40566597b"}, 1, nil,
			"finicity-connect configurations delete: API error: status 404 Not Found, reason code 4041: The requested entity was not found. (No configuration with that id for this partner.)\n"},
		{[]string{"login-forms", "create", "--sandbox", "--institution-id", "1", "--customer-id", "c", "--language", "fr-ca"}, 0, []string{`"label": "Mot de passe"`}, ""},
		{[]string{"oauth-urls", "create", "--sandbox", "1", "--customer-id", "c", "--redirect-uri", "https://p.example/x"}, 0, []string{`"url": "http://127.0.0.1/oauth/`}, ""},
		{[]string{"reconnections", "create", "--sandbox", "c", "5"}, 0, []string{`"status": 203`, `"mfaType": "TFA_MULTI"`}, ""},
		{[]string{"reconnections", "create", "--sandbox", "c", "7", "--output", "table"}, 0, []string{"TFA_TEXT", "TFA_CHOICE"}, ""},
		{[]string{"token", "--sandbox"}, 0, []string{`"token": "`}, ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args[:2], " "), func(t *testing.T) {
			o := cliRun(t, none, tc.args...)
			o.expect(t, tc.code, tc.stdout, nil)
			if o.stderr != tc.stderr {
				t.Errorf("stderr:\ngot  %q\nwant %q", o.stderr, tc.stderr)
			}
		})
	}
}

// TestTokenCommand fetches a token from a sandbox server with token
// checking on, and uses it.
func TestTokenCommand(t *testing.T) {
	env := with(sandboxServer(t), envAppToken, "", envPartnerID, "sandbox-partner", envPartnerSecret, "sandbox-secret")
	var tok api.AccessToken
	o := cliRun(t, env, "token")
	o.expect(t, 0, nil, []string{""})
	o.decode(t, &tok)
	if len(tok.Token) < 40 {
		t.Fatalf("token: %q", tok.Token)
	}
	o = cliRun(t, with(env, envAppToken, "stale-token"), "token", "--output", "table")
	o.expect(t, 0, nil, []string{""})
	if line := strings.TrimSpace(o.stdout); len(line) < 40 || line == "stale-token" || line == tok.Token {
		t.Errorf("token --output table: want a fresh bare token, got %q", o.stdout)
	}
	// Partner credentials also work for every other command, tokens being
	// fetched by the client.
	cliRun(t, env, "configurations", "list").expect(t, 0, []string{"[]"}, []string{""})
}

// TestHelp: every command has --help with an example and the exit codes,
// on stdout, exit 0.
func TestHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			args := append(strings.Fields(c.name), "--help")
			o := cliRun(t, nil, args...)
			o.expect(t, 0, []string{c.summary, "Usage:\n  finicity-connect " + c.name, "Example:\n  finicity-connect ", "Exit codes:", "3  network failure"}, []string{""})
			if c.api {
				o.expect(t, 0, []string{"-sandbox", "-output", "-verbose", "-validate", "FINICITY_APP_KEY"}, nil)
			}
		})
	}
	o := cliRun(t, nil, "--help")
	o.expect(t, 0, []string{"configurations create", "reconnections create", "demo", "FINICITY_PARTNER_SECRET", "Exit codes:"}, []string{""})
	cliRun(t, nil).expect(t, 2, []string{"Usage:"}, []string{""})
}

// TestSecretsNeverPrinted: with --verbose, on success and on failure,
// neither the app key nor the token nor the partner secret reaches the
// output.
func TestSecretsNeverPrinted(t *testing.T) {
	env := with(sandboxServer(t), envAppKey, "KEY-s3cr3t-1", envAppToken, "TOKEN-s3cr3t-2")
	outs := []outcome{
		cliRun(t, env, "configurations", "create", "--verbose"),
		cliRun(t, env, "configurations", "get", "--verbose", "605543e1-f507-48ad-8127-95c40566597b"),
		cliRun(t, with(env, envAppToken, "", envPartnerID, "sandbox-partner", envPartnerSecret, "SECRET-s3cr3t-3"), "configurations", "list", "--verbose"),
	}
	if !strings.Contains(outs[0].stderr, "level=DEBUG") {
		t.Errorf("--verbose: no debug log on stderr: %q", outs[0].stderr)
	}
	for i, o := range outs {
		for _, secret := range []string{"KEY-s3cr3t-1", "TOKEN-s3cr3t-2", "SECRET-s3cr3t-3"} {
			if strings.Contains(o.stdout+o.stderr, secret) {
				t.Errorf("run %d prints %s:\n%s%s", i, secret, o.stdout, o.stderr)
			}
		}
	}
}

// TestSandboxCommand serves the sandbox on a free port, talks to it with
// the CLI, follows an OAuth URL to its redirect, and stops it the way
// SIGINT does (context cancellation).
func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--check-tokens"}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	}()
	listening := regexp.MustCompile(`sandbox listening on (http://127\.0\.0\.1:\d+)`)
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no listening line: %q", stderr.String())
	}
	env := map[string]string{envAppKey: "k", envPartnerID: "sandbox-partner", envPartnerSecret: "sandbox-secret", envBaseURL: base}
	cliRun(t, env, "configurations", "create").expect(t, 0, []string{`"id"`}, []string{""})
	cliRun(t, with(env, envAppToken, "not-issued", envPartnerID, ""), "configurations", "list").expect(t, 1, nil, []string{"reason code 10022"})

	o := cliRun(t, env, "oauth-urls", "create", "1", "--customer-id", "c", "--redirect-uri", "https://partner.example/back")
	var out api.PostInstitutionsInstitutionIdOauthUrls201Response
	if err := json.Unmarshal([]byte(o.stdout), &out); err != nil || !strings.HasPrefix(out.Url, base+"/oauth/") {
		t.Fatalf("oauth url: %v %q", err, o.stdout)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(out.Url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://partner.example/back" {
		t.Errorf("oauth page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(stderr.String(), "shutting down") {
			t.Errorf("after interrupt: exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not shut down")
	}
	cliRun(t, nil, "sandbox", "--addr", "not-an-address").expect(t, 2, nil, []string{"cannot listen on --addr not-an-address"})
}

// TestDemo: the README's first command runs green and shows each step.
func TestDemo(t *testing.T) {
	o := cliRun(t, nil, "demo")
	o.expect(t, 0, []string{
		"(CreateToken)", "(PostConfigurations)", "(PostInstitutionsInstitutionIdLoginForms)", "(PostInstitutionsInstitutionIdOauthUrls)",
		"201: a login form to render", "203: MFA challenges to answer", "TFA_TEXT", "TFA_CHOICE",
		"(GetConfigurations)", "(GetConfigurationsConfigurationId)", "204: deleted", "404, reason code 4041",
		"Done: every operation of the API ran.",
	}, []string{""})
	if strings.Count(o.stdout, "(PostReconnections)") != 3 {
		t.Errorf("want three reconnections in the demo")
	}
	v := cliRun(t, nil, "demo", "--verbose")
	v.expect(t, 0, []string{"Done"}, []string{"level=DEBUG"})
}
