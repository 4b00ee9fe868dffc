package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

func TestWords(t *testing.T) {
	for in, want := range map[string]string{
		"redirectURI":          "redirect-uri",
		"customerId":           "customer-id",
		"configuration_id":     "configuration-id",
		"MFAType":              "mfa-type",
		"aoRequired":           "ao-required",
		"eventStreamId":        "event-stream-id",
		"LoginForms":           "login-forms",
		"institution_login_id": "institution-login-id",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
	if got := serviceCommand("OAuthURLs", "/connect-components/institutions/{institution_id}/oauth-urls"); got != "oauth-urls" {
		t.Errorf("serviceCommand(OAuthURLs) = %q", got)
	}
}

// flagsOf walks a body schema as the spec has it and returns the flag
// each property must have: the kebab case of its wire path.
func flagsOf(prefix string, s *openapi3.Schema) []string {
	var out []string
	for name, ref := range s.Properties {
		p := ref.Value
		flag := kebab(name)
		if prefix != "" {
			flag = prefix + "-" + flag
		}
		if p.Type.Is(openapi3.TypeObject) && len(p.Properties) > 0 {
			out = append(out, flagsOf(flag, p)...)
			continue
		}
		out = append(out, flag)
	}
	return out
}

// TestEveryOperationIsACommand: every operation of the embedded spec has
// a command whose help shows a flag for each of its parameters and body
// properties, and the operation's description. Counts and names come from
// the spec, not from a list here.
func TestEveryOperationIsACommand(t *testing.T) {
	doc, err := specdoc.Doc()
	if err != nil {
		t.Fatal(err)
	}
	byOp := map[string]command{}
	for _, c := range allCommands() {
		if c.op != "" {
			byOp[c.op] = c
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			c, ok := byOp[op.OperationID]
			if !ok {
				t.Errorf("operation %s (%s %s) has no command: check its x-sdk names in openapi.yaml", op.OperationID, method, path)
				continue
			}
			if c.name == "token" {
				continue // written by hand: the body is the partner credentials
			}
			help := cliRun(t, nil, append(strings.Fields(c.name), "--help")...).stdout
			var want []string
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				want = append(want, kebab(p.Value.Name))
			}
			if rb := op.RequestBody; rb != nil {
				want = append(want, "body")
				want = append(want, flagsOf("", rb.Value.Content.Get("application/json").Schema.Value)...)
			}
			for _, f := range want {
				if !strings.Contains(help, "\n  --"+f+" ") && !strings.Contains(help, "\n  --"+f+"\n") {
					t.Errorf("%s --help (operation %s) has no --%s flag", c.name, op.OperationID, f)
				}
			}
			// A default taken from another flag names one this command has
			// (the agreement's language follows --language only where
			// there is one).
			for _, m := range regexp.MustCompile(`default: --([a-z0-9-]+)`).FindAllStringSubmatch(help, -1) {
				if !strings.Contains(help, "\n  --"+m[1]+" ") {
					t.Errorf("%s --help: a default from --%s, which the command does not have", c.name, m[1])
				}
			}
			if first := strings.Fields(op.Description); len(first) > 0 && !strings.Contains(help, first[0]) {
				t.Errorf("%s --help does not show the operation's description", c.name)
			}
		}
	}
}

// TestBodyFlag: --body takes JSON, a file or stdin, refuses names the
// spec does not define (exactly, so configurationID is one) and refuses
// being mixed with the body flags. The body sent is the one given.
func TestBodyFlag(t *testing.T) {
	env, received := fakeAPI(t, reply(201, `{"id":"605543e1-f507-48ad-8127-95c40566597b","filterAccounts":["Checking"],"aoRequired":true}`))
	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, []byte(`{"filterAccounts":["Checking"],"aoRequired":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(t.TempDir(), "huge.json")
	if f, err := os.Create(huge); err != nil {
		t.Fatal(err)
	} else if err := f.Truncate(maxBodyFileBytes + 1); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	want := `{"aoRequired":true,"filterAccounts":["Checking"]}`
	for _, args := range [][]string{
		{"--body", `{"filterAccounts":["Checking"],"aoRequired":true}`},
		{"--body", "@" + file},
		{"--filter-accounts", "Checking", "--ao-required"},
	} {
		o := cliRun(t, env, append([]string{"configurations", "create"}, args...)...)
		o.expect(t, 0, []string{`"aoRequired": true`}, []string{""})
		got := received()
		if body := got[len(got)-1].Body; body != want {
			t.Errorf("%q: body sent %s, want %s", args, body, want)
		}
	}
	n := len(received())
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"configurations", "create", "--body", `{"filterAccounts":[],"configurationID":"x"}`},
			"invalid --body: unknown field configurationID: not in the spec (names are case-sensitive)"},
		{[]string{"login-forms", "create", "1", "--body", `{"customerId":"c","language":"en","serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32Z","lang":"x"}}`},
			"invalid --body: unknown field serviceAgreement.lang: not in the spec"},
		{[]string{"configurations", "create", "--body", `{}`, "--ao-required"},
			"give the body once: with --body or with the body flags (--ao-required), not both"},
		{[]string{"configurations", "create", "--body", `[]`}, "invalid --body: must be a JSON object\n"},
		{[]string{"configurations", "create", "--body", "@" + file + ".missing"}, "cannot read --body @" + file + ".missing: no such file or directory"},
		{[]string{"configurations", "create", "--body", "@" + huge}, "--body @" + huge + " is larger than 16777216 bytes\n"},
		{[]string{"configurations", "create", "--body", `{"aoRequired":"yes"}`}, "invalid --body: aoRequired: a JSON string where true or false was expected\n"},
		{[]string{"configurations", "create", "--body", `{"filterAccounts":5}`}, "invalid --body: filterAccounts: a JSON number where a list was expected\n"},
		{[]string{"login-forms", "create", "1", "--body", `{"customerId":"c","language":"en","serviceAgreement":{"language":"en","acceptedDate":7}}`},
			"invalid --body: serviceAgreement.acceptedDate: value must be a string\n"},
		{[]string{"login-forms", "create", "1", "--body", `{"customerId":"c","language":"en","serviceAgreement":{"language":"en","acceptedDate":"yesterday"}}`},
			"invalid --body: serviceAgreement.acceptedDate: not of format \"date-time\"\n"},
		{[]string{"login-forms", "create", "1", "--body", `{"customerId":"c","language":"en","configurationId":[],"serviceAgreement":{"language":"en","acceptedDate":"2024-11-28T18:25:32Z"}}`},
			"invalid --body: configurationId: a JSON array where a UUID string was expected\n"},
	} {
		cliRun(t, env, tc.args...).expect(t, exitUsage, []string{""}, []string{tc.stderr})
	}
	if got := received(); len(got) != n {
		t.Errorf("a refused --body was sent: %+v", got[n:])
	}
}

// TestAliasesShareAValue: an alias sets the same field as its flag, and
// the message of a bad value names the name used.
func TestAliasesShareAValue(t *testing.T) {
	env, received := fakeAPI(t, reply(201, `{"id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137","elements":[]}`))
	for _, names := range [][2]string{{"--agreement-language", "--accepted-date"}, {"--service-agreement-language", "--service-agreement-accepted-date"}} {
		cliRun(t, env, "login-forms", "create", "1", "--customer-id", "c", "--language", "fr", names[0], "es", names[1], "2024-11-28T18:25:32Z").expect(t, 0, nil, []string{""})
		got := received()
		want := `{"customerId":"c","language":"fr","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"es"}}`
		if body := got[len(got)-1].Body; body != want {
			t.Errorf("%v: sent %s, want %s", names, body, want)
		}
	}
	// The agreement's language defaults to the form's.
	cliRun(t, env, "login-forms", "create", "1", "--customer-id", "c", "--language", "fr", "--accepted-date", "2024-11-28T18:25:32Z").expect(t, 0, nil, []string{""})
	got := received()
	if want := `{"customerId":"c","language":"fr","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"fr"}}`; got[len(got)-1].Body != want {
		t.Errorf("default agreement language: sent %s, want %s", got[len(got)-1].Body, want)
	}
	cliRun(t, env, "login-forms", "create", "1", "--customer-id", "c", "--service-agreement-accepted-date", "x").expect(t, exitUsage, nil,
		[]string{`invalid --service-agreement-accepted-date "x": must be an RFC 3339 date-time`})
	if !reflect.DeepEqual(len(received()), len(got)) {
		t.Errorf("a refused request was sent")
	}
}

// TestTypedMethodsFound: every operation with x-sdk names is sent through
// its typed method (which checks and decodes as the SDK does), not the
// raw fallback; a signature the CLI cannot fill fails here, naming it.
func TestTypedMethodsFound(t *testing.T) {
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	c, err := sandboxClient(sandbox.New())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ops {
		if o.service == "" {
			continue
		}
		if _, ok := o.typedMethod(c); !ok {
			t.Errorf("operation %s: the CLI cannot call Client.%s.%s: a missing method or a signature typedMethod (cmd/finicity-connect/speccommand.go) does not know", o.id, o.service, o.goMethod)
		}
	}
}
