package tour_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil/drift"
	"github.com/finicity-go/connect-components/internal/tour"
	"github.com/finicity-go/connect-components/internal/validation"
)

// conformance runs the safe journey (with the partner credentials and
// the values given) with c, and returns the report and the secrets it
// masked with.
func conformance(t *testing.T, ctx context.Context, c *api.Client, secrets []string, values map[string]any) (*tour.ConformanceReport, *redact.Set) {
	t.Helper()
	plan, err := journey.New(specdoc.MustModel(), journey.Options{Values: values, Live: true, CleanupTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checker, err := specdoc.Validator()
	if err != nil {
		t.Fatal(err)
	}
	set := &redact.Set{}
	set.Add(secrets...)
	run := &tour.Conformance{Client: c, Checker: checker, Secrets: set}
	return run.Run(ctx, plan), set
}

// partner is the journey's values of partner credentials.
func partner(id, secret string, more ...string) map[string]any {
	v := map[string]any{"partner-id": id, "partner-secret": secret}
	for i := 0; i+1 < len(more); i += 2 {
		v[more[i]] = more[i+1]
	}
	return v
}

func newClient(t *testing.T, key string, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(key, append([]api.Option{api.WithRetries(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// kindsByOperation gathers a report's finding kinds per api method.
func kindsByOperation(rep *tour.ConformanceReport) map[string][]string {
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

// text is the report as JSON and as a table.
func text(t *testing.T, rep *tour.ConformanceReport) string {
	t.Helper()
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	rep.Table(&table)
	return string(data) + "\n" + table.String()
}

// TestConformanceSandbox: against the sandbox every step runs and keeps
// to the spec, in the journey's order: the token first, the create
// before what uses its id, the delete last; each step is named by its
// CLI command. An operation the spec grows is a step too, and runs
// clean, unless the live journey never runs it (it would change data it
// cannot restore), which it says. Without the ids of a reconnection, it
// is skipped, saying why.
func TestConformanceSandbox(t *testing.T) {
	sb := sandbox.New(sandbox.WithTokenCheck(true))
	c := newClient(t, "sandbox-app-key", api.WithBaseURL(sandbox.InProcessURL), api.WithHTTPClient(sb.HTTPClient()),
		api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	ops := len(specdoc.MustModel().Operations)
	rep, _ := conformance(t, context.Background(), c, []string{sandbox.DefaultPartnerSecret},
		partner(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret, "customer-id", "1005061234", "institution-login-id", "7008461434"))
	want := []string{"token", "configurations create", "configurations list", "configurations get", "login-forms create", "oauth-urls create", "reconnections create", "configurations delete"}
	var steps []string
	// The conformance run is the live journey: an operation with effects
	// it cannot undo that no value given opts into (one an imported spec
	// brings) is skipped, saying so; every other step runs clean.
	neverLive := 0
	for _, s := range rep.Operations {
		if slices.Contains(want, s.Step) {
			steps = append(steps, s.Step)
		}
		if strings.HasSuffix(s.Skipped, "not run against a live API (it runs against the sandbox)") && !slices.Contains(want, s.Step) {
			neverLive++
			continue
		}
		if s.Status/100 != 2 || len(s.Findings) != 0 || s.Error != "" || s.Skipped != "" {
			t.Errorf("%s: %+v", s.Step, s)
		}
	}
	if !reflect.DeepEqual(steps, want) || len(rep.Operations) != ops || rep.Totals.Operations != ops-neverLive || rep.Totals.Findings != 0 {
		t.Errorf("steps %q, totals %+v (%d never run live)", steps, rep.Totals, neverLive)
	}
	if outcome, msg := rep.Outcome(); outcome != tour.Conformed || msg != "" {
		t.Errorf("outcome %v %q", outcome, msg)
	}
	drift.AssertNoSecrets(t, "the report", text(t, rep))

	// Served, without the reconnection's ids.
	srv := httptest.NewServer(sandbox.New())
	defer srv.Close()
	c = newClient(t, drift.AppKey, api.WithBaseURL(srv.URL), api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	rep, _ = conformance(t, context.Background(), c, []string{drift.AppKey, sandbox.DefaultPartnerSecret}, partner(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	var table strings.Builder
	rep.Table(&table)
	// Without ids, the reconnection (and any other action on an id only
	// the caller knows) is skipped too.
	needIDs := 0
	for _, s := range rep.Operations {
		if strings.HasPrefix(s.Skipped, "needs --") {
			needIDs++
		}
	}
	skipped := needIDs + neverLive
	if needIDs < 1 || rep.Totals.Operations != ops-skipped || rep.Totals.Skipped != skipped || !strings.Contains(table.String(), "skipped: needs --customer-id and --institution-login-id") ||
		!strings.HasSuffix(table.String(), fmt.Sprintf("\nTOTAL\t%d operation(s), %d skipped, 0 departure(s), 0 informational\n", ops-skipped, skipped)) {
		t.Errorf("totals %+v, table:\n%s", rep.Totals, table.String())
	}
	for _, line := range strings.Split(table.String(), "\n") {
		if f := strings.Split(line, "\t"); len(f) == 5 && f[0] == "configurations delete" && (f[1] != "Configurations.Delete (delete_configurations_configuration_id)" || f[2] != "204") {
			t.Errorf("delete line: %q", line)
		}
	}
	drift.AssertNoSecrets(t, "the report", text(t, rep))
}

// TestConformanceDrift: against a drifted API each departure is named at
// its operation, none on the documented answers, the outcome is a
// departure, the configuration is deleted although some steps failed,
// and the token the API issued masks the report like any credential.
func TestConformanceDrift(t *testing.T) {
	d := drift.NewServer(t)
	c := newClient(t, drift.AppKey, api.WithBaseURL(d.URL), api.WithPartnerCredentials(drift.PartnerID, drift.PartnerSecret))
	rep, secrets := conformance(t, context.Background(), c, []string{drift.AppKey, drift.PartnerSecret},
		partner(drift.PartnerID, drift.PartnerSecret, "customer-id", "1005061234", "institution-login-id", "7008461434"))
	drift.ExpectKinds(t, kindsByOperation(rep), true)
	if rep.Totals.Departures != 4 || rep.Totals.Informational != 1 {
		t.Errorf("totals %+v", rep.Totals)
	}
	if outcome, msg := rep.Outcome(); outcome != tour.Departed || msg != "4 departure(s) from the spec (1 informational finding(s))" {
		t.Errorf("outcome %v %q", outcome, msg)
	}
	if !slices.Contains(d.Requests(), "DELETE /connect-components/configurations/"+drift.ConfigID) {
		t.Errorf("the configuration was not deleted: %q", d.Requests())
	}
	for _, s := range rep.Operations {
		for _, f := range s.Findings {
			if f.Operation != s.Operation || f.Status != s.Status || f.Rule == "" {
				t.Errorf("%s: finding %+v", s.Step, f)
			}
		}
	}
	if !slices.Contains(secrets.All(), drift.IssuedToken) {
		t.Errorf("the token issued is not among the secrets: %q", secrets.All())
	}
	all := text(t, rep)
	drift.AssertNoSecrets(t, "the report", all)
	// The table names each departure.
	for _, want := range []string{"FINDINGS", "response (status 200): type: body aoRequired", "response (status 200): undocumented status",
		"response (status 201): missing required: body eventStreamId", "response (status 200): format: body 0.id",
		"response (status 201): unknown field: body " + drift.Field} {
		if !strings.Contains(all, want) {
			t.Errorf("the table lacks %q:\n%s", want, all)
		}
	}
	// Only the run given its ids started a reconnection.
	second, _ := conformance(t, context.Background(), c, nil, partner(drift.PartnerID, drift.PartnerSecret))
	for _, s := range second.Operations {
		if s.Step == "reconnections create" && !strings.Contains(s.Skipped, "needs --customer-id") {
			t.Errorf("the reconnection without its ids: %+v", s)
		}
	}
	var reconnections, deletes int
	for _, r := range d.Requests() {
		reconnections += strings.Count(r, "/reconnections")
		deletes += strings.Count(r, "DELETE ")
	}
	if reconnections != 1 || deletes != 2 {
		t.Errorf("upstream saw %d reconnection(s), %d delete(s), want 1 and 2: %q", reconnections, deletes, d.Requests())
	}
}

// TestConformanceFailures: no answer stops the journey (its outcome
// says so, naming the URL); credentials the API rejects stop it too.
func TestConformanceFailures(t *testing.T) {
	t.Run("network", func(t *testing.T) {
		d := drift.NewServer(t)
		gone := d.URL
		d.Close() // nothing listens there any more
		c := newClient(t, drift.AppKey, api.WithBaseURL(gone), api.WithAppToken(drift.AppToken))
		rep, _ := conformance(t, context.Background(), c, []string{drift.AppKey, drift.AppToken}, nil)
		outcome, msg := rep.Outcome()
		if outcome != tour.NoAnswer || msg != "no answer from "+gone+": the journey stopped (see the report)" {
			t.Errorf("outcome %v %q", outcome, msg)
		}
		if s := firstRun(rep); s.Status != 0 || s.Error == "" {
			t.Errorf("the first step run: %+v", s)
		}
		drift.AssertNoSecrets(t, "the report", text(t, rep))
	})
	t.Run("credentials rejected", func(t *testing.T) {
		srv := httptest.NewServer(sandbox.New())
		defer srv.Close()
		c := newClient(t, drift.AppKey, api.WithBaseURL(srv.URL), api.WithPartnerCredentials(sandbox.DefaultPartnerID, drift.PartnerSecret))
		rep, _ := conformance(t, context.Background(), c, []string{drift.AppKey, drift.PartnerSecret}, partner(sandbox.DefaultPartnerID, drift.PartnerSecret))
		outcome, msg := rep.Outcome()
		if outcome != tour.CredentialsRejected || msg != "the API rejected the credentials: nothing past that call was checked" {
			t.Errorf("outcome %v %q", outcome, msg)
		}
		if s := rep.Operations[0]; s.Step != "token" || s.Status != http.StatusUnauthorized || s.Error == "" {
			t.Errorf("the token step: %+v", s)
		}
		drift.AssertNoSecrets(t, "the report", text(t, rep))
	})
	t.Run("errors worded by the caller", func(t *testing.T) {
		d := drift.NewServer(t)
		gone := d.URL
		d.Close()
		plan, err := journey.New(specdoc.MustModel(), journey.Options{Live: true})
		if err != nil {
			t.Fatal(err)
		}
		checker, _ := specdoc.Validator()
		set := &redact.Set{}
		set.Add(drift.AppToken)
		run := &tour.Conformance{Client: newClient(t, drift.AppKey, api.WithBaseURL(gone), api.WithAppToken(drift.AppToken)), Checker: checker, Secrets: set,
			Describe: func(err error) string { return "worded: " + drift.AppToken }}
		if s := firstRun(run.Run(context.Background(), plan)); s.Error != "worded: [REDACTED]" {
			t.Errorf("the step's error: %q, want the caller's wording, masked", s.Error)
		}
	})
}

// firstRun is the first step of rep that was not skipped.
func firstRun(rep *tour.ConformanceReport) tour.ConformanceStep {
	for _, s := range rep.Operations {
		if s.Skipped == "" {
			return s
		}
	}
	return tour.ConformanceStep{}
}

// TestConformanceInterrupted: interrupted while a step waits for its
// answer, the journey stops (no answer) and still deletes the
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
	c := newClient(t, drift.AppKey, api.WithBaseURL(up.URL), api.WithAppToken(drift.AppToken))
	rep, _ := conformance(t, ctx, c, []string{drift.AppKey, drift.AppToken}, nil)
	if outcome, _ := rep.Outcome(); outcome != tour.NoAnswer {
		t.Errorf("outcome %v, want no answer", outcome)
	}
	// The list ran before the get, which was interrupted (and not
	// recorded); the delete ran after the interrupt.
	want := []string{"POST /connect-components/configurations", "GET /connect-components/configurations", "DELETE /connect-components/configurations/" + drift.ConfigID}
	if got := d.Requests(); !reflect.DeepEqual(got, want) {
		t.Errorf("upstream saw %q, want %q", got, want)
	}
	drift.AssertNoSecrets(t, "the report", text(t, rep))
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
	c := newClient(t, drift.AppKey, api.WithBaseURL(up.URL), api.WithAppToken(drift.AppToken))
	rep, _ := conformance(t, context.Background(), c, []string{drift.AppKey, drift.AppToken}, nil)
	if outcome, _ := rep.Outcome(); outcome != tour.Departed {
		t.Errorf("outcome %v, want a departure", outcome)
	}
	var del *tour.ConformanceStep
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
