package main

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
	"github.com/finicity-go/connect-components/internal/testutil/drift"
	"github.com/finicity-go/connect-components/internal/tour"
)

// TestConformanceCommand: conformance runs the journey (internal/tour,
// whose tests cover the report) against the endpoint of the usual
// credentials or --sandbox, prints the report as JSON or a table, and
// exits as its outcome says: 0 clean, 1 on a departure, 2 for a usage
// error or credentials the API rejected, 3 when a call got no answer; no
// secret is printed.
func TestConformanceCommand(t *testing.T) {
	ops := len(specdoc.MustModel().Operations)
	// What the live journey does not run with the values given (its
	// policy is internal/journey's to test): the reconnection without its
	// ids, and whatever an imported spec brings that it never runs live.
	skips := func(t *testing.T, values map[string]any) map[string]string {
		t.Helper()
		values["partner-id"], values["partner-secret"] = "sandbox-partner", "sandbox-secret"
		p, err := journey.New(specdoc.MustModel(), journey.Options{Values: values, Live: true})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, s := range p.Steps {
			if s.Skip != "" {
				out[s.Op.Command] = s.Skip
			}
		}
		return out
	}
	t.Run("sandbox", func(t *testing.T) {
		o := cliRun(t, clirun.FreshState(t), "conformance", "--sandbox", "--customer-id", "1005061234", "--institution-login-id", "7008461434")
		o.Expect(t, cli.ExitOK, nil, []string{""})
		var rep tour.ConformanceReport
		o.Decode(t, &rep)
		skipped := skips(t, map[string]any{"customer-id": "1005061234", "institution-login-id": "7008461434"})
		if _, ok := skipped["reconnections create"]; ok {
			t.Errorf("the reconnection is skipped with its ids given: %q", skipped["reconnections create"])
		}
		if len(rep.Operations) != ops || rep.Totals.Operations != ops-len(skipped) || rep.Totals.Findings != 0 || rep.BaseURL != "http://127.0.0.1" {
			t.Errorf("report %+v, want %d operations of which %d skipped (%q)", rep, ops, len(skipped), skipped)
		}
		for _, s := range rep.Operations {
			if s.Skipped != skipped[s.Step] {
				t.Errorf("%s: skipped %q, want %q", s.Step, s.Skipped, skipped[s.Step])
			}
		}
		drift.AssertNoSecrets(t, "stdout", o.Stdout)
	})
	t.Run("served, as a table", func(t *testing.T) {
		env := clirun.With(clirun.SandboxServer(t), cli.EnvAppKey, drift.AppKey, cli.EnvAppToken, "", cli.EnvPartnerID, "sandbox-partner", cli.EnvPartnerSecret, "sandbox-secret")
		o := cliRun(t, env, "conformance", "--output", "table")
		n := len(skips(t, map[string]any{}))
		o.Expect(t, cli.ExitOK, []string{"STEP", "token  ", "skipped: needs --customer-id and --institution-login-id",
			fmt.Sprintf("%d operation(s), %d skipped, 0 departure(s), 0 informational", ops-n, n)}, []string{""})
		drift.AssertNoSecrets(t, "stdout", o.Stdout)
	})
	t.Run("drift", func(t *testing.T) {
		d := drift.NewServer(t)
		env := map[string]string{cli.EnvAppKey: drift.AppKey, cli.EnvPartnerID: drift.PartnerID, cli.EnvPartnerSecret: drift.PartnerSecret, cli.EnvBaseURL: d.URL}
		o := cliRun(t, env, "conformance", "--retries", "0", "--output", "table")
		o.Expect(t, cli.ExitAPI, []string{"FINDINGS", "response (status 200): type: body aoRequired"},
			[]string{"finicity-connect conformance: 4 departure(s) from the spec (1 informational finding(s))\n"})
		drift.AssertNoSecrets(t, "stdout", o.Stdout)
		drift.AssertNoSecrets(t, "stderr", o.Stderr)
	})
	t.Run("network", func(t *testing.T) {
		d := drift.NewServer(t)
		url := d.URL
		d.Close() // nothing listens there any more
		env := map[string]string{cli.EnvAppKey: drift.AppKey, cli.EnvAppToken: drift.AppToken, cli.EnvBaseURL: url}
		o := cliRun(t, env, "conformance", "--retries", "0")
		// The step's error is worded as the CLI words errors.
		o.Expect(t, cli.ExitNetwork, []string{`"error": "network failure, no usable answer: finicity: Post \"` + url + `/connect-components/configurations\"`},
			[]string{"finicity-connect conformance: no answer from " + url + ": the journey stopped (see the report)\n"})
		drift.AssertNoSecrets(t, "stdout", o.Stdout)
		drift.AssertNoSecrets(t, "stderr", o.Stderr)
	})
	t.Run("usage", func(t *testing.T) {
		o := cliRun(t, clirun.FreshState(t), "conformance", "--sandbox", "--institution-login-id", "5")
		o.Expect(t, cli.ExitUsage, []string{""}, []string{"--institution-login-id needs --customer-id"})
	})
	t.Run("credentials rejected", func(t *testing.T) {
		env := clirun.With(clirun.SandboxServer(t), cli.EnvAppToken, "", cli.EnvPartnerID, "sandbox-partner", cli.EnvPartnerSecret, drift.PartnerSecret)
		o := cliRun(t, env, "conformance")
		o.Expect(t, cli.ExitUsage, []string{`"status": 401`, `"error": "API error: status 401 Unauthorized, reason code 10024`},
			[]string{"finicity-connect conformance: the API rejected the credentials: nothing past that call was checked\n"})
		drift.AssertNoSecrets(t, "stdout", o.Stdout)
	})
}

// TestConformanceFlags: the journey's values from the command line reach
// the requests: --institution-id the login form's and the OAuth URL's
// path, --customer-id their bodies and the reconnection's path,
// --institution-login-id the reconnection, --redirect-uri the OAuth URL;
// the partner credentials the token request. Each body flag names a field
// of the spec.
func TestConformanceFlags(t *testing.T) {
	m := specdoc.MustModel()
	for name := range conformanceBodyFlags {
		found := false
		for _, o := range m.Operations {
			if o.Body == nil {
				continue
			}
			for _, f := range o.Body.Fields {
				found = found || spec.Kebab(strings.Join(f.Path, ".")) == name
			}
		}
		if !found {
			t.Errorf("conformanceBodyFlags names --%s, which no body field of openapi.yaml has: update it in cmd/finicity-connect/conformance.go", name)
		}
	}
	env, received := clirun.FakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/authentication") {
			clirun.Reply(200, `{"token":"fake-issued-token"}`)(w, r)
			return
		}
		clirun.Reply(201, `{"id":"605543e1-f507-48ad-8127-95c40566597b"}`)(w, r)
	})
	env = clirun.With(env, cli.EnvAppToken, "", cli.EnvPartnerID, "p-7", cli.EnvPartnerSecret, "fake-partner-secret")
	o := cliRun(t, env, "conformance", "--institution-id", "101732", "--customer-id", "c-1", "--institution-login-id", "7008461434", "--redirect-uri", "https://partner.example/back")
	if o.Code == cli.ExitUsage || o.Code == cli.ExitNetwork {
		t.Fatalf("exit %d: %s\n%s", o.Code, o.Stderr, o.Stdout)
	}
	bodies := map[string]string{}
	for _, r := range received() {
		bodies[r.Method+" "+r.Path] = r.Body
	}
	for route, want := range map[string][]string{
		"POST /aggregation/v2/partners/authentication":                                          {`"partnerId":"p-7"`, `"partnerSecret":"fake-partner-secret"`},
		"POST /connect-components/institutions/101732/login-forms":                              {`"customerId":"c-1"`},
		"POST /connect-components/institutions/101732/oauth-urls":                               {`"customerId":"c-1"`, `"redirectURI":"https://partner.example/back"`},
		"POST /connect-components/customers/c-1/institution-login-ids/7008461434/reconnections": nil,
	} {
		body, ok := bodies[route]
		if !ok {
			t.Errorf("no %s; sent %q", route, slices.Collect(maps.Keys(bodies)))
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body %s lacks %s", route, body, w)
			}
		}
	}
	for route, body := range bodies {
		if strings.Contains(body, "example-partner-secret") {
			t.Errorf("%s sent the spec's example secret", route)
		}
	}
	for _, secret := range []string{"fake-partner-secret", "fake-issued-token"} {
		if strings.Contains(o.Stdout+o.Stderr, secret) {
			t.Errorf("the output shows the secret %q", secret)
		}
	}
	cliRun(t, env, "conformance", "--institution-id", "x").Expect(t, cli.ExitUsage, []string{""}, []string{"invalid --institution-id: must be an integer"})
}
