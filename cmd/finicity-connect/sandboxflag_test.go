package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
)

// TestSandboxFlag: every API command runs with --sandbox and no
// environment but a fresh state file.
func TestSandboxFlag(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stdout []string
		stderr string // exact; "" for none
	}{
		{[]string{"configurations", "create", "--sandbox", "--filter-accounts", "Checking", "--ao-required"}, 0, []string{`"filterAccounts": [`, `"Checking"`, `"aoRequired": true`}, ""},
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
			o := cliRun(t, freshState(t), withRequired(t, tc.args...)...)
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
	if len(tok.Token.Reveal()) < 40 {
		t.Fatalf("token: %q", tok.Token)
	}
	o = cliRun(t, with(env, envAppToken, "stale-token"), "token", "--output", "table")
	o.expect(t, 0, nil, []string{""})
	if line := strings.TrimSpace(o.stdout); len(line) < 40 || line == "stale-token" || line == tok.Token.Reveal() {
		t.Errorf("token --output table: want a fresh bare token, got %q", o.stdout)
	}
	// Partner credentials also work for every other command, tokens being
	// fetched by the client.
	cliRun(t, env, "configurations", "list").expect(t, 0, []string{"[]"}, []string{""})
}

// TestHelp: every command has --help with an example and the exit codes,
// on stdout, exit 0.
func TestHelp(t *testing.T) {
	for _, c := range allCommands() {
		t.Run(c.name, func(t *testing.T) {
			args := append(strings.Fields(c.name), "--help")
			o := cliRun(t, nil, args...)
			o.expect(t, 0, []string{c.summary, "Usage:\n  finicity-connect " + c.name, "Example:\n  finicity-connect ", "Exit codes:", "3  network failure"}, []string{""})
			if c.api {
				o.expect(t, 0, []string{"\n  --sandbox\n", "\n  --output string\n", "\n  --verbose\n", "\n  --validate\n", "\n  --timeout duration\n", "FINICITY_APP_KEY"}, nil)
			}
			// Flags are written --name everywhere, as in the README:
			// no line of the help starts a flag with a single dash.
			if single := regexp.MustCompile(`(?m)^\s+-[a-z]`).FindString(o.stdout); single != "" {
				t.Errorf("help shows a flag with a single dash: %q in\n%s", single, o.stdout)
			}
		})
	}
	// The flag list, exactly, for one command: names, types, defaults.
	o := cliRun(t, nil, "sandbox", "--help")
	wantFlags := "Flags:\n" +
		"  --addr string\n        address to listen on (default \"127.0.0.1:4010\")\n" +
		"  --check-tokens\n        accept only tokens this sandbox issued (partner authentication), expiring after --token-lifetime\n" +
		"  --header-timeout duration\n        close a connection whose request line and headers take longer (default 10s)\n" +
		"  --idle-timeout duration\n        close a keep-alive connection idle this long (default 1m0s)\n" +
		"  --max-body-bytes int\n        largest request body accepted (default 65536)\n" +
		"  --max-connections int\n        connections served at once; more wait until one closes (default 256)\n" +
		"  --max-state-bytes int\n        byte budget of the stored state; a create past it is refused (400, reason 10010); a --state file over it plus a quarter is refused (default 67108864)\n" +
		"  --read-timeout duration\n        close a connection whose whole request, body included, takes longer (default 30s)\n" +
		"  --shutdown-grace duration\n        on SIGINT/SIGTERM, let requests in flight finish this long, then close their connections (default 5s)\n" +
		"  --state string\n        load the sandbox's state from this file at start and save it there after each change (as --sandbox does); default: in memory only\n" +
		"  --strict\n        refuse every request off the spec with 400 and reason code 10010, what the API would ignore (a field it does not define) included\n" +
		"  --token-lifetime duration\n        lifetime of issued tokens (default 2h0m0s)\n" +
		"  --write-timeout duration\n        give up writing an answer after this long (default 30s)\n" +
		"\nExit codes:"
	o.expect(t, 0, []string{wantFlags}, []string{""})
	o = cliRun(t, nil, "--help")
	o.expect(t, 0, []string{"configurations create", "reconnections create", "demo", "version", "FINICITY_PARTNER_SECRET", "Exit codes:"}, []string{""})
	cliRun(t, nil).expect(t, 2, []string{"Usage:"}, []string{""})
}

// TestSecretsNeverPrinted: with --verbose, on success and on failure,
// neither the app key nor the token (given, or fetched by the client) nor
// the partner secret reaches the output; the verbose dump shows where
// they were, masked.
func TestSecretsNeverPrinted(t *testing.T) {
	srv := sandboxServer(t, sandbox.WithPartnerCredentials("sandbox-partner", "SECRET-s3cr3t-3"))
	env := with(srv, envAppKey, "KEY-s3cr3t-1", envAppToken, "TOKEN-s3cr3t-2")
	partner := with(env, envAppToken, "", envPartnerID, "sandbox-partner", envPartnerSecret, "SECRET-s3cr3t-3")
	secrets := []string{"KEY-s3cr3t-1", "TOKEN-s3cr3t-2", "SECRET-s3cr3t-3"}
	cases := []struct {
		name   string
		o      outcome
		code   int
		stderr []string // fragments the verbose dump must show
	}{
		{"create", cliRun(t, env, withRequired(t, "configurations", "create", "--verbose")...), 0,
			[]string{"level=DEBUG", "> Finicity-App-Key: [REDACTED]\n", "> Finicity-App-Token: [REDACTED]\n", "< HTTP/1.1 201 Created\n"}},
		{"get 404", cliRun(t, env, "configurations", "get", "--verbose", "605543e1-f507-48ad-8127-95c40566597b"), 1,
			[]string{"> Finicity-App-Key: [REDACTED]\n", "< HTTP/1.1 404 Not Found\n", `"ReasonCode":"4041"`}},
		{"partner credentials", cliRun(t, partner, "configurations", "list", "--verbose"), 0,
			[]string{`> {"partnerId":"sandbox-partner","partnerSecret":"[REDACTED]"}` + "\n", `< {"token":"[REDACTED]"}` + "\n", "> Finicity-App-Token: [REDACTED]\n"}},
		{"token", cliRun(t, partner, "token", "--verbose"), 0,
			[]string{`"partnerSecret":"[REDACTED]"`, `< {"token":"[REDACTED]"}` + "\n"}},
		{"wrong partner secret", cliRun(t, with(partner, envPartnerSecret, "SECRET-s3cr3t-3x"), "configurations", "list", "--verbose"), 1,
			[]string{`"partnerSecret":"[REDACTED]"`, "< HTTP/1.1 401 Unauthorized\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.expect(t, tc.code, nil, tc.stderr)
			for _, secret := range append(secrets, "SECRET-s3cr3t-3x") {
				if strings.Contains(tc.o.stdout+tc.o.stderr, secret) {
					t.Errorf("prints %s:\n%s%s", secret, tc.o.stdout, tc.o.stderr)
				}
			}
		})
	}
	// The token the client fetched is a credential too: only the token
	// command prints one, on stdout, as asked; never in the dump.
	var tok api.AccessToken
	cases[3].o.decode(t, &tok)
	if tok.Token.IsZero() || strings.Contains(cases[3].o.stderr, tok.Token.Reveal()) {
		t.Errorf("token %q: empty, or in the verbose dump:\n%s", tok.Token, cases[3].o.stderr)
	}
}

// TestSandboxCommand serves the sandbox on a free port, talks to it with
// the CLI, follows an OAuth URL to its redirect, and stops it the way
// SIGINT does (context cancellation).
func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := testutil.NewWatchedWriter(`\A(.*)\n`)
	var stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--check-tokens"}, strings.NewReader(""), stdout, &stderr, func(string) string { return "" })
	}()
	var line string
	select {
	case line = <-stdout.Found:
	case code := <-done:
		t.Fatalf("sandbox exited %d before its ready line: %q", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("no ready line: %q", stderr.String())
	}
	// The ready line, whole: what a harness in any language reads.
	var ready map[string]any
	if err := json.Unmarshal([]byte(line), &ready); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	base, _ := ready["url"].(string)
	if want := map[string]any{"url": base, "pid": float64(os.Getpid()), "partnerId": "sandbox-partner", "tokenCheck": true}; !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`).MatchString(base) || !reflect.DeepEqual(ready, want) {
		t.Errorf("ready line %v, want %v", ready, want)
	}
	env := map[string]string{envAppKey: "k", envPartnerID: "sandbox-partner", envPartnerSecret: "sandbox-secret", envBaseURL: base}
	cliRun(t, env, withRequired(t, "configurations", "create")...).expect(t, 0, []string{`"id"`}, []string{""})
	cliRun(t, with(env, envAppToken, "not-issued", envPartnerID, ""), "configurations", "list").expect(t, 1, nil, []string{"reason code 10022"})

	o := cliRun(t, env, withRequired(t, "oauth-urls", "create", "1", "--customer-id", "c", "--redirect-uri", "https://partner.example/back")...)
	var out api.OAuthURL
	if err := json.Unmarshal([]byte(o.stdout), &out); err != nil || !strings.HasPrefix(out.URL, base+"/oauth/") {
		t.Fatalf("oauth url: %v %q", err, o.stdout)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(out.URL)
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
		if code != 0 || !strings.Contains(stderr.String(), "sandbox listening on "+base) || !strings.HasSuffix(stderr.String(), "shutting down\n") || stdout.String() != line+"\n" {
			t.Errorf("after interrupt: exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not shut down")
	}
	cliRun(t, nil, "sandbox", "--addr", "not-an-address").expect(t, 2, nil, []string{"cannot listen on --addr not-an-address"})
}

// TestDemo: the README's first command runs green (internal/tour's
// tests cover the narration), on stdout alone; with --verbose it dumps
// every exchange on stderr, credentials masked.
func TestDemo(t *testing.T) {
	o := cliRun(t, nil, "demo")
	o.expect(t, 0, []string{"Data Connect Components demo: ", "\n 1. ", "\nDone: "}, []string{""})
	v := cliRun(t, nil, "demo", "--verbose")
	v.expect(t, 0, []string{"Done"}, []string{"level=DEBUG", "> Finicity-App-Token: [REDACTED]\n", "< HTTP/1.1 201 Created\n",
		"> POST http://127.0.0.1/connect-components/configurations HTTP/1.1\n"})
	// The sandbox's partner secret is public, but the demo masks it like
	// any other, so the dump reads as a real one would.
	if strings.Contains(v.stderr+v.stdout, "sandbox-secret") {
		t.Errorf("demo --verbose prints the partner secret")
	}
}
