package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
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
			o := cliRun(t, clirun.FreshState(t), withRequired(t, tc.args...)...)
			o.Expect(t, tc.code, tc.stdout, nil)
			if o.Stderr != tc.stderr {
				t.Errorf("stderr:\ngot  %q\nwant %q", o.Stderr, tc.stderr)
			}
		})
	}
}

// TestTokenCommand fetches a token from a sandbox server with token
// checking on, and uses it.
func TestTokenCommand(t *testing.T) {
	env := clirun.With(clirun.SandboxServer(t), EnvAppToken, "", EnvPartnerID, "sandbox-partner", EnvPartnerSecret, "sandbox-secret")
	var tok api.AccessToken
	o := cliRun(t, env, "token")
	o.Expect(t, 0, nil, []string{""})
	o.Decode(t, &tok)
	if len(tok.Token.Reveal()) < 40 {
		t.Fatalf("token: %q", tok.Token)
	}
	o = cliRun(t, clirun.With(env, EnvAppToken, "stale-token"), "token", "--output", "table")
	o.Expect(t, 0, nil, []string{""})
	if line := strings.TrimSpace(o.Stdout); len(line) < 40 || line == "stale-token" || line == tok.Token.Reveal() {
		t.Errorf("token --output table: want a fresh bare token, got %q", o.Stdout)
	}
	// Partner credentials also work for every other command, tokens being
	// fetched by the client.
	cliRun(t, env, "configurations", "list").Expect(t, 0, []string{"[]"}, []string{""})
}

// TestHelp: every API command has --help with an example, the
// connection flags and the exit codes, on stdout, exit 0; the top-level
// help lists the commands.
func TestHelp(t *testing.T) {
	for _, c := range allCommands() {
		t.Run(c.Name, func(t *testing.T) {
			args := append(strings.Fields(c.Name), "--help")
			o := cliRun(t, nil, args...)
			o.Expect(t, 0, []string{c.Summary, "Usage:\n  finicity-connect " + c.Name, "Example:\n  finicity-connect ", "Exit codes:", "3  network failure"}, []string{""})
			if c.API {
				o.Expect(t, 0, []string{"\n  --sandbox\n", "\n  --output string\n", "\n  --verbose\n", "\n  --validate\n", "\n  --timeout duration\n", "FINICITY_APP_KEY"}, nil)
			}
			// Flags are written --name everywhere, as in the README:
			// no line of the help starts a flag with a single dash.
			if single := regexp.MustCompile(`(?m)^\s+-[a-z]`).FindString(o.Stdout); single != "" {
				t.Errorf("help shows a flag with a single dash: %q in\n%s", single, o.Stdout)
			}
		})
	}
	// The flag list, exactly, for one command: names, types, defaults.
	o := cliRun(t, nil, "configurations", "list", "--help")
	wantFlags := "Flags:\n" +
		"  --app-key string\n        Finicity-App-Key (default $FINICITY_APP_KEY)\n" +
		"  --app-token string\n        Finicity-App-Token (default $FINICITY_APP_TOKEN)\n" +
		"  --base-url string\n        API endpoint (default $FINICITY_BASE_URL, else https://api.finicity.com)\n" +
		"  --output string\n        output format: json or table (default \"json\")\n" +
		"  --partner-id string\n        partner id, to fetch tokens instead of --app-token (default $FINICITY_PARTNER_ID)\n" +
		"  --partner-secret string\n        partner secret (default $FINICITY_PARTNER_SECRET; prefer the variable: flags show in process lists)\n" +
		"  --retries int\n        retries of a GET or DELETE after a network error or a 429, 502, 503 or 504 answer (default 2)\n" +
		"  --sandbox\n        run against an in-process sandbox: no credentials, no network; what it stores is kept in a state file between runs\n" +
		"  --sandbox-state string\n        the --sandbox state file (default $FINICITY_SANDBOX_STATE, else <user cache dir>/finicity-connect/sandbox-state.json); 'finicity-connect sandbox reset' empties it\n" +
		"  --timeout duration\n        give up on the call after this long (default 30s)\n" +
		"  --validate\n        check the request against the OpenAPI spec before sending it\n" +
		"  --verbose\n        print each HTTP attempt on stderr: request and response lines, headers and bodies, credentials masked\n" +
		"\nCredentials: FINICITY_APP_KEY with FINICITY_APP_TOKEN, or with FINICITY_PARTNER_ID and FINICITY_PARTNER_SECRET; endpoint FINICITY_BASE_URL.\n" +
		"\nExit codes:\n  0  success\n"
	o.Expect(t, 0, []string{wantFlags}, []string{""})
	o = cliRun(t, nil, "--help")
	o.Expect(t, 0, []string{"Usage:\n  finicity-connect <command> [flags] [arguments]\n\nCommands:\n", "\n  configurations create    ", "\n  reconnections create     ", "\n  token                    ",
		"FINICITY_PARTNER_SECRET", "\nExit codes:\n  0  success\n"}, []string{""})
	cliRun(t, nil).Expect(t, 2, []string{"Usage:"}, []string{""})
}

// TestSecretsNeverPrinted: with --verbose, on success and on failure,
// neither the app key nor the token (given, or fetched by the client) nor
// the partner secret reaches the output; the verbose dump shows where
// they were, masked.
func TestSecretsNeverPrinted(t *testing.T) {
	srv := clirun.SandboxServer(t, sandbox.WithPartnerCredentials("sandbox-partner", "SECRET-s3cr3t-3"))
	env := clirun.With(srv, EnvAppKey, "KEY-s3cr3t-1", EnvAppToken, "TOKEN-s3cr3t-2")
	partner := clirun.With(env, EnvAppToken, "", EnvPartnerID, "sandbox-partner", EnvPartnerSecret, "SECRET-s3cr3t-3")
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
		{"wrong partner secret", cliRun(t, clirun.With(partner, EnvPartnerSecret, "SECRET-s3cr3t-3x"), "configurations", "list", "--verbose"), 1,
			[]string{`"partnerSecret":"[REDACTED]"`, "< HTTP/1.1 401 Unauthorized\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.o.Expect(t, tc.code, nil, tc.stderr)
			for _, secret := range append(secrets, "SECRET-s3cr3t-3x") {
				if strings.Contains(tc.o.Stdout+tc.o.Stderr, secret) {
					t.Errorf("prints %s:\n%s%s", secret, tc.o.Stdout, tc.o.Stderr)
				}
			}
		})
	}
	// The token the client fetched is a credential too: only the token
	// command prints one, on stdout, as asked; never in the dump.
	var tok api.AccessToken
	cases[3].o.Decode(t, &tok)
	if tok.Token.IsZero() || strings.Contains(cases[3].o.Stderr, tok.Token.Reveal()) {
		t.Errorf("token %q: empty, or in the verbose dump:\n%s", tok.Token, cases[3].o.Stderr)
	}
}
