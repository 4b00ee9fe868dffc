package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil/drift"
	"github.com/finicity-go/connect-components/internal/validation"
)

// kindsByOperation gathers a report's finding kinds per api method.
func kindsByOperation(rep conformanceReport) map[string][]string {
	out := map[string][]string{}
	for _, s := range rep.Operations {
		var kinds []string
		for _, f := range s.Findings {
			kinds = append(kinds, string(f.Kind))
		}
		if s.Skipped == "" {
			out[s.Operation.Method] = kinds
		}
	}
	return out
}

func TestConformanceSandbox(t *testing.T) {
	t.Run("in process", func(t *testing.T) {
		o := cliRun(t, map[string]string{envSandboxState: t.TempDir() + "/state.json"}, "conformance", "--sandbox",
			"--customer-id", "1005061234", "--institution-login-id", "7008461434")
		o.expect(t, exitOK, nil, []string{""})
		var rep conformanceReport
		o.decode(t, &rep)
		// The token first, the create before what uses its id, the
		// delete last; each step is named by its CLI command. An
		// operation the spec grows is a step too, and runs clean.
		want := []string{"token", "configurations create", "configurations list", "configurations get", "login-forms create", "oauth-urls create", "reconnections create", "configurations delete"}
		var steps []string
		for _, s := range rep.Operations {
			if slices.Contains(want, s.Step) {
				steps = append(steps, s.Step)
			}
			if s.Status/100 != 2 || len(s.Findings) != 0 || s.Error != "" || s.Skipped != "" {
				t.Errorf("%s: %+v", s.Step, s)
			}
		}
		ops := len(specdoc.MustModel().Operations)
		if !reflect.DeepEqual(steps, want) || len(rep.Operations) != ops || rep.Totals.Operations != ops || rep.Totals.Findings != 0 {
			t.Errorf("steps %q, totals %+v", steps, rep.Totals)
		}
		drift.AssertNoSecrets(t, "stdout", o.stdout)
	})
	t.Run("served", func(t *testing.T) {
		env := with(sandboxServer(t), envAppKey, drift.AppKey, envAppToken, "", envPartnerID, "sandbox-partner", envPartnerSecret, "sandbox-secret")
		o := cliRun(t, env, "conformance", "--output", "table")
		o.expect(t, exitOK, []string{"STEP", "token  ", "skipped: needs --customer-id and --institution-login-id",
			fmt.Sprintf("%d operation(s), 1 skipped, 0 departure(s), 0 informational", len(specdoc.MustModel().Operations)-1)}, []string{""})
		for _, line := range strings.Split(o.stdout, "\n") {
			if f := strings.Fields(line); len(f) > 4 && f[1] == "delete" && (f[3] != "(delete_configurations_configuration_id)" || f[4] != "204") {
				t.Errorf("delete line: %q", line)
			}
		}
		drift.AssertNoSecrets(t, "stdout", o.stdout)
	})
}

// TestConformanceDrift: against a drifted API each departure is named at
// its operation, none on the documented answers, the exit is 1, and the
// configuration is deleted although some steps failed.
func TestConformanceDrift(t *testing.T) {
	d := drift.NewServer(t)
	env := map[string]string{envAppKey: drift.AppKey, envPartnerID: drift.PartnerID, envPartnerSecret: drift.PartnerSecret, envBaseURL: d.URL}
	o := cliRun(t, env, "conformance", "--retries", "0", "--customer-id", "1005061234", "--institution-login-id", "7008461434")
	if o.code != exitAPI {
		t.Fatalf("exit %d, want %d\n%s\n%s", o.code, exitAPI, o.stdout, o.stderr)
	}
	var rep conformanceReport
	o.decode(t, &rep)
	drift.ExpectKinds(t, kindsByOperation(rep), true)
	if rep.Totals.Departures != 4 || rep.Totals.Informational != 1 {
		t.Errorf("totals %+v", rep.Totals)
	}
	if !slices.Contains(d.Requests(), "DELETE /connect-components/configurations/"+drift.ConfigID) {
		t.Errorf("the configuration was not deleted: %q", d.Requests())
	}
	if !strings.Contains(o.stderr, "4 departure(s) from the spec (1 informational finding(s))") {
		t.Errorf("stderr: %s", o.stderr)
	}
	for _, s := range rep.Operations {
		for _, f := range s.Findings {
			if f.Operation != s.Operation || f.Status != s.Status || f.Rule == "" {
				t.Errorf("%s: finding %+v", s.Step, f)
			}
		}
	}
	drift.AssertNoSecrets(t, "stdout", o.stdout)
	drift.AssertNoSecrets(t, "stderr", o.stderr)

	// The table names each departure.
	o = cliRun(t, env, "conformance", "--retries", "0", "--output", "table")
	o.expect(t, exitAPI, []string{"FINDINGS", "response (status 200): type: body aoRequired", "response (status 200): undocumented status",
		"response (status 201): missing required: body eventStreamId", "response (status 200): format: body 0.id",
		"response (status 201): unknown field: body " + drift.Field}, nil)
	drift.AssertNoSecrets(t, "stdout", o.stdout)
	// Only the first run, given its ids, started a reconnection; both
	// deleted their configuration.
	var reconnections, deletes int
	for _, r := range d.Requests() {
		reconnections += strings.Count(r, "/reconnections")
		deletes += strings.Count(r, "DELETE ")
	}
	if reconnections != 1 || deletes != 2 {
		t.Errorf("upstream saw %d reconnection(s), %d delete(s), want 1 and 2: %q", reconnections, deletes, d.Requests())
	}
}

func TestConformanceFailures(t *testing.T) {
	t.Run("network", func(t *testing.T) {
		d := drift.NewServer(t)
		url := d.URL
		d.Close() // nothing listens there any more
		env := map[string]string{envAppKey: drift.AppKey, envAppToken: drift.AppToken, envBaseURL: url}
		o := cliRun(t, env, "conformance", "--retries", "0")
		o.expect(t, exitNetwork, []string{`"error": "network failure`}, []string{"no answer from"})
		drift.AssertNoSecrets(t, "stdout", o.stdout)
		drift.AssertNoSecrets(t, "stderr", o.stderr)
	})
	t.Run("usage", func(t *testing.T) {
		o := cliRun(t, nil, "conformance", "--sandbox", "--institution-login-id", "5")
		o.expect(t, exitUsage, []string{""}, []string{"--institution-login-id needs --customer-id"})
	})
	t.Run("credentials rejected", func(t *testing.T) {
		env := with(sandboxServer(t), envAppToken, "", envPartnerID, "sandbox-partner", envPartnerSecret, drift.PartnerSecret)
		o := cliRun(t, env, "conformance")
		o.expect(t, exitUsage, []string{`"status": 401`}, []string{"rejected the credentials"})
		drift.AssertNoSecrets(t, "stdout", o.stdout)
	})
}

// TestConformanceInterrupted: interrupted (SIGINT) while a step waits for
// its answer, the journey stops, exits 3, and still deletes the
// configuration it created; a reconnection is never started without its
// ids.
func TestConformanceInterrupted(t *testing.T) {
	d := drift.NewServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, drift.ConfigID) {
			cancel() // the user presses ^C while the get is on its way
			<-r.Context().Done()
			return
		}
		d.Serve(w, r)
	}))
	defer up.Close()
	env := map[string]string{envAppKey: drift.AppKey, envAppToken: drift.AppToken, envBaseURL: up.URL}
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"conformance", "--retries", "0"}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	if code != exitNetwork {
		t.Errorf("exit %d, want %d\n%s\n%s", code, exitNetwork, stdout.String(), stderr.String())
	}
	// The list ran before the get, which was interrupted (and not
	// recorded); the delete ran after the interrupt.
	want := []string{"POST /connect-components/configurations", "GET /connect-components/configurations", "DELETE /connect-components/configurations/" + drift.ConfigID}
	if got := d.Requests(); !reflect.DeepEqual(got, want) {
		t.Errorf("upstream saw %q, want %q", got, want)
	}
	drift.AssertNoSecrets(t, "stdout", stdout.String())
	drift.AssertNoSecrets(t, "stderr", stderr.String())
}

// TestConformanceCreatedWithoutID: a create answered 201 with an id that
// is not a UUID: the departure is named, and the report says the
// configuration could not be deleted rather than leaving it unmentioned.
func TestConformanceCreatedWithoutID(t *testing.T) {
	d := drift.NewServer(t)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/connect-components/configurations" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id":"cfg-1","aoRequired":false}`))
			return
		}
		d.Serve(w, r)
	}))
	defer up.Close()
	env := map[string]string{envAppKey: drift.AppKey, envAppToken: drift.AppToken, envBaseURL: up.URL}
	o := cliRun(t, env, "conformance", "--retries", "0")
	if o.code != exitAPI {
		t.Fatalf("exit %d\n%s\n%s", o.code, o.stdout, o.stderr)
	}
	var rep conformanceReport
	o.decode(t, &rep)
	var del *conformanceStep
	for i, s := range rep.Operations {
		if s.Step == "configurations delete" {
			del = &rep.Operations[i]
		}
		if s.Step == "configurations create" && !slices.ContainsFunc(s.Findings, func(f validation.Finding) bool { return f.Kind == validation.KindFormat && f.Field == "id" }) {
			t.Errorf("create: %+v", s)
		}
	}
	if del == nil || !strings.Contains(del.Skipped, "no id in UUID form") {
		t.Errorf("delete step %+v", del)
	}
	for _, r := range d.Requests() {
		if strings.HasPrefix(r, "DELETE") {
			t.Errorf("a delete was sent: %s", r)
		}
	}
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
	env, received := fakeAPI(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/authentication") {
			reply(200, `{"token":"fake-issued-token"}`)(w, r)
			return
		}
		reply(201, `{"id":"605543e1-f507-48ad-8127-95c40566597b"}`)(w, r)
	})
	env = with(env, envAppToken, "", envPartnerID, "p-7", envPartnerSecret, "fake-partner-secret")
	o := cliRun(t, env, "conformance", "--institution-id", "101732", "--customer-id", "c-1", "--institution-login-id", "7008461434", "--redirect-uri", "https://partner.example/back")
	if o.code == exitUsage || o.code == exitNetwork {
		t.Fatalf("exit %d: %s\n%s", o.code, o.stderr, o.stdout)
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
		if strings.Contains(o.stdout+o.stderr, secret) {
			t.Errorf("the output shows the secret %q", secret)
		}
	}
	cliRun(t, env, "conformance", "--institution-id", "x").expect(t, exitUsage, []string{""}, []string{"invalid --institution-id: must be an integer"})
}
