package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
)

// TestJourneyAgainstSandboxServer runs every API subcommand, in the order
// a partner would, against one sandbox served on 127.0.0.1, with
// credentials from the environment.
func TestJourneyAgainstSandboxServer(t *testing.T) {
	env := clirun.SandboxServer(t)

	var cfg api.Configuration
	o := cliRun(t, env, withRequired(t, "configurations", "create", "--filter-accounts", "Checking, Savings", "--account-classification-type", "personal,business", "--ao-required")...)
	o.Expect(t, 0, []string{`"filterAccounts": [`, `"aoRequired": true`}, []string{""})
	o.Decode(t, &cfg)
	if cfg.ID == (api.UUID{}) || strings.Join(cfg.FilterAccounts, "|") != "Checking|Savings" || strings.Join(cfg.AccountClassificationType, "|") != "personal|business" {
		t.Fatalf("created: %+v", cfg)
	}
	id := cfg.ID.String()

	var got api.Configuration
	o = cliRun(t, env, "configurations", "get", id)
	o.Expect(t, 0, []string{id}, []string{""})
	o.Decode(t, &got)
	if got.ID != cfg.ID || !got.AORequired {
		t.Errorf("get: %+v", got)
	}
	cliRun(t, env, "configurations", "get", "--id", id, "--output", "table").Expect(t, 0,
		[]string{"ID", "FILTER ACCOUNTS", id + "  personal,business", "Checking,Savings", "true"}, []string{""})

	var list []api.Configuration
	o = cliRun(t, env, "configurations", "list")
	o.Expect(t, 0, nil, []string{""})
	o.Decode(t, &list)
	if len(list) != 1 || list[0].ID != cfg.ID {
		t.Errorf("list: %s", o.Stdout)
	}

	var form api.LoginForm
	o = cliRun(t, env, withRequired(t, "login-forms", "create", "--institution-id", "170716", "--customer-id", "1005061234", "--language", "es", "--configuration-id", id, "--accepted-date", "2024-11-28T18:25:32Z")...)
	o.Expect(t, 0, []string{`"eventStreamId"`, `"label": "Usuario"`}, []string{""})
	o.Decode(t, &form)
	cliRun(t, env, withRequired(t, "login-forms", "create", "170716", "--customer-id", "1005061234", "--output", "table")...).Expect(t, 0,
		[]string{"LOGIN FORM", "ELEMENT ID", "Username", "Password"}, []string{""})

	var oauth api.OAuthURL
	o = cliRun(t, env, withRequired(t, "oauth-urls", "create", "--institution-id", "170716", "--customer-id", "1005061234", "--redirect-uri", "https://partner.example.com/done", "--configuration-id", id)...)
	o.Expect(t, 0, []string{env[EnvBaseURL] + "/oauth/", "redirectURI=https%3A%2F%2Fpartner.example.com%2Fdone"}, []string{""})
	o.Decode(t, &oauth)

	cliRun(t, env, "reconnections", "create", "--customer-id", "1005061234", "--institution-login-id", "7008461431").Expect(t, 0,
		[]string{`"status": 201`, `"loginForm": {`}, []string{""})
	cliRun(t, env, "reconnections", "create", "1005061234", "7008461433").Expect(t, 0,
		[]string{`"status": 203`, `"mfaChallenges": [`, `"mfaType": "TFA_TEXT"`}, []string{""})
	cliRun(t, env, "reconnections", "create", "1005061234", "7008461434", "--output", "table", "--body", "null").Expect(t, 0,
		[]string{"203: MFA challenges to answer", "TFA_CHOICE", "Which city were you born in"}, []string{""})

	cliRun(t, env, "configurations", "delete", id).Expect(t, 0, []string{`"id": "` + id + `"`, `"deleted": true`}, []string{""})
	cliRun(t, env, "configurations", "delete", id).Expect(t, 1, []string{""},
		[]string{"finicity-connect configurations delete: API error: status 404 Not Found, reason code 4041: The requested entity was not found. (No configuration with that id for this partner.)\n"})
	cliRun(t, env, "configurations", "get", id).Expect(t, 1, []string{""},
		[]string{"finicity-connect configurations get: API error: status 404 Not Found, reason code 4041: The requested entity was not found. (No configuration with that id for this partner.)\n"})
	cliRun(t, env, "configurations", "list").Expect(t, 0, []string{"[]\n"}, []string{""})
}

// TestErrors asserts the exact message and exit code of each kind of
// failure: usage (2), API (1) and network (3).
func TestErrors(t *testing.T) {
	env := clirun.SandboxServer(t)
	strictEnv := clirun.SandboxServer(t, sandbox.WithTokenCheck(true))
	hangUp := hangUpServer(t)
	silent := silentServer(t)
	uuidHint := `must be a UUID such as 605543e1-f507-48ad-8127-95c40566597b`
	cases := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string // exact
	}{
		{"bad uuid", env, []string{"configurations", "get", "not-a-uuid"}, 2,
			"finicity-connect configurations get: invalid configuration id \"not-a-uuid\": " + uuidHint + "\nRun 'finicity-connect configurations get --help' for usage.\n"},
		{"bad uuid on delete", env, []string{"configurations", "delete", "--id", "605543e1f50748ad812795c40566597b"}, 2,
			"finicity-connect configurations delete: invalid configuration id \"605543e1f50748ad812795c40566597b\": " + uuidHint + "\nRun 'finicity-connect configurations delete --help' for usage.\n"},
		{"bad configuration id flag", env, []string{"login-forms", "create", "1", "--customer-id", "c", "--configuration-id", "x"}, 2,
			"finicity-connect login-forms create: invalid --configuration-id \"x\": " + uuidHint + "\nRun 'finicity-connect login-forms create --help' for usage.\n"},
		{"missing id", env, []string{"configurations", "get"}, 2,
			"finicity-connect configurations get: missing required configuration id: pass it as an argument or with --configuration-id\nRun 'finicity-connect configurations get --help' for usage.\n"},
		{"id twice", env, []string{"configurations", "get", "--id", "a", "b"}, 2,
			"finicity-connect configurations get: give the configuration id once: as an argument or with --id, not both\nRun 'finicity-connect configurations get --help' for usage.\n"},
		{"missing --customer-id", env, []string{"login-forms", "create", "--institution-id", "170716"}, 2,
			"finicity-connect login-forms create: missing required flag --customer-id\nRun 'finicity-connect login-forms create --help' for usage.\n"},
		{"missing --redirect-uri", env, []string{"oauth-urls", "create", "--institution-id", "170716", "--customer-id", "c"}, 2,
			"finicity-connect oauth-urls create: missing required flag --redirect-uri\nRun 'finicity-connect oauth-urls create --help' for usage.\n"},
		{"missing institution id", env, []string{"oauth-urls", "create", "--customer-id", "c", "--redirect-uri", "https://x.example"}, 2,
			"finicity-connect oauth-urls create: missing required institution id: pass it as an argument or with --institution-id\nRun 'finicity-connect oauth-urls create --help' for usage.\n"},
		{"missing reconnection ids", env, []string{"reconnections", "create"}, 2,
			"finicity-connect reconnections create: missing required customer id: pass it as an argument or with --customer-id\nRun 'finicity-connect reconnections create --help' for usage.\n"},
		{"bad login id", env, []string{"reconnections", "create", "c", "12x"}, 2,
			"finicity-connect reconnections create: invalid institution login id \"12x\": must be an integer\nRun 'finicity-connect reconnections create --help' for usage.\n"},
		{"bad --body", env, []string{"reconnections", "create", "c", "1", "--body", "[1]"}, 2,
			"finicity-connect reconnections create: invalid --body: must be a JSON object or null\nRun 'finicity-connect reconnections create --help' for usage.\n"},
		{"bad --accepted-date", env, []string{"login-forms", "create", "1", "--customer-id", "c", "--accepted-date", "today"}, 2,
			"finicity-connect login-forms create: invalid --accepted-date \"today\": must be an RFC 3339 date-time such as 2024-11-28T18:25:32Z\nRun 'finicity-connect login-forms create --help' for usage.\n"},
		{"unknown flag", env, []string{"configurations", "list", "--colour"}, 2,
			"finicity-connect configurations list: flag provided but not defined: --colour\nRun 'finicity-connect configurations list --help' for usage.\n"},
		{"bad --output", env, []string{"configurations", "list", "--output", "yaml"}, 2,
			"finicity-connect configurations list: invalid --output \"yaml\": use json or table\nRun 'finicity-connect configurations list --help' for usage.\n"},
		{"extra argument", env, []string{"configurations", "list", "extra"}, 2,
			"finicity-connect configurations list: unexpected argument \"extra\"\nRun 'finicity-connect configurations list --help' for usage.\n"},
		{"unknown command", env, []string{"configurations", "purge"}, 2,
			"finicity-connect: unknown command \"configurations purge\"\nRun 'finicity-connect --help' for the list of commands.\n"},
		{"missing credentials", map[string]string{}, []string{"configurations", "list"}, 2,
			"finicity-connect configurations list: missing credentials (FINICITY_APP_KEY is not set): set FINICITY_APP_KEY and FINICITY_APP_TOKEN (or FINICITY_PARTNER_ID and FINICITY_PARTNER_SECRET), or pass --sandbox to use the local sandbox\nRun 'finicity-connect configurations list --help' for usage.\n"},
		{"missing token", map[string]string{EnvAppKey: "k", EnvPartnerID: "p"}, []string{"configurations", "list"}, 2,
			"finicity-connect configurations list: missing credentials (no token: FINICITY_APP_TOKEN is not set, nor both FINICITY_PARTNER_ID and FINICITY_PARTNER_SECRET): set FINICITY_APP_KEY and FINICITY_APP_TOKEN (or FINICITY_PARTNER_ID and FINICITY_PARTNER_SECRET), or pass --sandbox to use the local sandbox\nRun 'finicity-connect configurations list --help' for usage.\n"},
		{"token without partner credentials", clirun.With(env, EnvPartnerID, "", EnvPartnerSecret, ""), []string{"token"}, 2,
			"finicity-connect token: missing credentials (a fresh token needs partner credentials): set FINICITY_APP_KEY, FINICITY_PARTNER_ID and FINICITY_PARTNER_SECRET, or pass --sandbox to use the local sandbox\nRun 'finicity-connect token --help' for usage.\n"},
		{"plain http to a remote host", clirun.With(env, EnvBaseURL, "http://api.example.com"), []string{"configurations", "list"}, 2,
			"finicity-connect configurations list: base URL \"http://api.example.com\" uses plain http for a host that is not loopback: the app key and token would travel in clear; use https\nRun 'finicity-connect configurations list --help' for usage.\n"},
		{"API 400 names the field", env, []string{"oauth-urls", "create", "1", "--customer-id", "c", "--redirect-uri", "no-scheme"}, 1,
			"finicity-connect oauth-urls create: API error: status 400 Bad Request, reason code 10010: All request parameters could not be validated. (body redirectURI: must be an absolute URI)\n"},
		{"--validate refuses before sending", env, []string{"oauth-urls", "create", "1", "--customer-id", "c", "--redirect-uri", "no-scheme", "--validate"}, 2,
			"finicity-connect oauth-urls create: request refused before sending: body redirectURI: must be an absolute URI\n"},
		{"API 401 unknown token", strictEnv, []string{"configurations", "list"}, 1,
			"finicity-connect configurations list: API error: status 401 Unauthorized, reason code 10022: Invalid Finicity-App-Token. (The Finicity-App-Token was not issued by this sandbox for this Finicity-App-Key.)\n"},
		{"API 401 wrong partner secret", clirun.With(env, EnvAppToken, "", EnvPartnerID, "sandbox-partner", EnvPartnerSecret, "wrong"), []string{"token"}, 1,
			"finicity-connect token: API error: status 401 Unauthorized, reason code 10024: Invalid partner credentials. (The partnerId or partnerSecret is not valid.)\n"},
		{"API 404 unknown configuration id", env, []string{"login-forms", "create", "1", "--customer-id", "c", "--configuration-id", "605543e1-f507-48ad-8127-95c40566597b"}, 1,
			"finicity-connect login-forms create: API error: status 404 Not Found, reason code 4041: The requested entity was not found. (body configurationId: no configuration with that id for this partner.)\n"},
		{"network failure", clirun.With(env, EnvBaseURL, hangUp), []string{"configurations", "list", "--retries", "0"}, 3,
			"finicity-connect configurations list: network failure, no usable answer: finicity: Get \"" + hangUp + "/connect-components/configurations\": EOF\n"},
		{"timeout", clirun.With(env, EnvBaseURL, silent), []string{"configurations", "list", "--retries", "0", "--timeout", "50ms"}, 3,
			"finicity-connect configurations list: network failure: no answer within --timeout\n"},
		{"network failure on a POST", clirun.With(env, EnvBaseURL, hangUp), []string{"configurations", "create"}, 3,
			"finicity-connect configurations create: network failure, no usable answer: finicity: Post \"" + hangUp + "/connect-components/configurations\": EOF\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			// A field the spec grows does not change the case; withRequired
			// refuses the unknown flag this case is about.
			if !strings.HasPrefix(tc.name, "missing") && tc.name != "unknown flag" {
				args = withRequired(t, args...)
			}
			o := cliRun(t, tc.env, args...)
			if o.Code != tc.code {
				t.Errorf("exit code: got %d, want %d (stderr %q)", o.Code, tc.code, o.Stderr)
			}
			if o.Stdout != "" {
				t.Errorf("stdout: want nothing on failure, got %q", o.Stdout)
			}
			if o.Stderr != tc.stderr {
				t.Errorf("stderr:\ngot  %q\nwant %q", o.Stderr, tc.stderr)
			}
		})
	}
}

// hangUpServer serves on 127.0.0.1 and hangs up on every request once it
// has been read, without answering: the client sees the connection end
// (EOF), a network failure, every time. A port closed earlier would be
// racy instead: anything may listen on it by the time the CLI dials.
func hangUpServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// silentServer serves on 127.0.0.1 and never answers: each handler waits
// until the client gives up on the request.
func silentServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
