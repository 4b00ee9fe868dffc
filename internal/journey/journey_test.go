package journey_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/getkin/kin-openapi/openapi3"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/spec"
)

const (
	specFile = "../../openapi.yaml"
	testFile = "internal/journey/journey_test.go"
)

// model is the spec model of openapi.yaml, with edits: each replaces its
// anchor, which must appear once, by the anchor and the text after it.
func model(t *testing.T, edits ...[2]string) *spec.Model {
	t.Helper()
	data, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, e := range edits {
		if strings.Count(s, e[0]) != 1 {
			t.Fatalf("openapi.yaml changed: the anchor %q no longer appears once; update %s", e[0], testFile)
		}
		s = strings.Replace(s, e[0], e[0]+e[1], 1)
	}
	m, err := spec.Parse("openapi.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// op returns the operation id of m, failing naming the test file when the
// spec lacks it.
func op(t *testing.T, m *spec.Model, id string) *spec.Operation {
	t.Helper()
	o, ok := m.Operation(id)
	if !ok {
		t.Fatalf("openapi.yaml has no operation %s, which %s follows: update the test", id, testFile)
	}
	return o
}

var fixedNow = func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 8, time.UTC) }

// credentials are the values of the token operation's body.
var credentials = map[string]any{"partner-id": "p-1", "partner-secret": "s3cr3t-value"}

// sent is one call the fake sender received.
type sent struct {
	op, route    string
	path         []string
	params, body string
}

// fakeAPI answers every step: a create with a fresh id (or id, when
// given), anything else 200 with an empty object; each call is recorded.
type fakeAPI struct {
	calls  []sent
	id     string
	answer func(s *journey.Step) journey.Outcome
	ctxErr []error // each call's context error
}

func (f *fakeAPI) send(ctx context.Context, s *journey.Step, r *journey.Request) journey.Outcome {
	c := sent{op: s.Op.ID, route: r.Route, params: string(r.Params), body: string(r.Body)}
	for _, p := range r.Path {
		c.path = append(c.path, string(p))
	}
	f.calls = append(f.calls, c)
	f.ctxErr = append(f.ctxErr, ctx.Err())
	if f.answer != nil {
		if out := f.answer(s); out.Status != 0 || out.Stop != "" || out.Err != nil {
			return out
		}
	}
	if s.Kind == journey.Create {
		id := f.id
		if id == "" {
			id = "11111111-2222-4333-8444-555555555555"
		}
		return journey.Outcome{Status: 201, Body: []byte(`{"id":"` + id + `"}`)}
	}
	return journey.Outcome{Status: 200, Body: []byte(`{}`)}
}

func (f *fakeAPI) call(t *testing.T, id string) sent {
	t.Helper()
	for _, c := range f.calls {
		if c.op == id {
			return c
		}
	}
	t.Fatalf("%s was not called; calls: %+v", id, f.calls)
	return sent{}
}

func plan(t *testing.T, m *spec.Model, opts journey.Options) *journey.Plan {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	p, err := journey.New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// known keeps the entries of got whose operation one of want's names: a
// spec that grows an operation keeps the journey of the others as it was
// (the new one is checked to be a step, and how it runs, elsewhere).
func known(got, want []string) []string {
	ops := map[string]bool{}
	for _, w := range want {
		ops[strings.Fields(w)[0]] = true
	}
	var out []string
	for _, g := range got {
		if ops[strings.Fields(g)[0]] {
			out = append(out, g)
		}
	}
	return out
}

func steps(p *journey.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, s.Op.ID+" "+s.Kind.String())
	}
	return out
}

// TestOrder: the token first; the create before the operations that use
// its id (get, list, the bodies that refer to it); the others; the
// deletes last, and with Recheck the get of the deleted resource after
// them. Every operation of the spec is a step.
func TestOrder(t *testing.T) {
	m := model(t)
	p := plan(t, m, journey.Options{Values: credentials, Recheck: true})
	want := []string{
		"CreateToken token",
		"PostConfigurations create",
		"GetConfigurations use",
		"GetConfigurationsConfigurationID use",
		"PostInstitutionsInstitutionIDLoginForms use",
		"PostInstitutionsInstitutionIDOauthUrls use",
		"PostReconnections other",
		"DeleteConfigurationsConfigurationID delete",
		"GetConfigurationsConfigurationID recheck",
	}
	if got := known(steps(p), want); !reflect.DeepEqual(got, want) {
		t.Errorf("steps:\n%q\nwant\n%q", got, want)
	}
	for _, o := range m.Operations {
		found := false
		for _, s := range p.Steps {
			found = found || s.Op == o
		}
		if !found {
			t.Errorf("%s (openapi.yaml#%s) is not a step", o.ID, o.Pointer)
		}
	}
}

// example is the body example of operation id as JSON, with the
// properties of set (by dotted path) replaced.
func example(t *testing.T, m *spec.Model, id string, set map[string]any) string {
	t.Helper()
	o := op(t, m, id)
	if o.Body == nil {
		t.Fatalf("%s (openapi.yaml#%s) has no body, which %s expects", id, o.Pointer, testFile)
	}
	v, ok := o.Body.Example()
	if !ok {
		t.Fatalf("%s (openapi.yaml#%s) has no example of its body that its schema accepts, which %s expects", id, o.Body.Pointer, testFile)
	}
	data, _ := json.Marshal(v)
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		t.Fatalf("%s: the body example (openapi.yaml#%s) is not an object, which %s expects", id, o.Body.Pointer, testFile)
	}
	for path, val := range set {
		cur := obj
		keys := strings.Split(path, ".")
		for _, k := range keys[:len(keys)-1] {
			next, ok := cur[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[k] = next
			}
			cur = next
		}
		cur[keys[len(keys)-1]] = val
	}
	data, _ = json.Marshal(obj)
	return string(data)
}

// TestRun: each request is the one the spec's examples make, with the
// created id in the paths that name it and the bodies that refer to it,
// the caller's values (credentials) where given, and "now" for a
// date-time whose x-cli default says so. The recheck expects 404. An
// operation the spec grows runs too, with nothing skipped.
func TestRun(t *testing.T) {
	m := model(t)
	f := &fakeAPI{answer: func(s *journey.Step) journey.Outcome {
		if s.Kind == journey.Recheck {
			return journey.Outcome{Status: 404, Body: []byte(`{"Errors":{"Error":[]}}`)}
		}
		return journey.Outcome{}
	}}
	var seen []journey.Result
	results := plan(t, m, journey.Options{Values: credentials, Recheck: true}).Run(context.Background(), f.send, func(r journey.Result) { seen = append(seen, r) })
	if !reflect.DeepEqual(seen, results) || len(results) != len(m.Operations)+1 {
		t.Fatalf("done saw %d results, Run returned %d, for %d operations and a recheck", len(seen), len(results), len(m.Operations))
	}
	for _, r := range results {
		if !r.OK() {
			t.Errorf("%s: %+v", r.Step.Op.ID, r)
		}
	}
	const created = "11111111-2222-4333-8444-555555555555"
	id := `"` + created + `"`
	now := "2025-03-04T05:06:07Z"
	session := map[string]any{"configurationId": created, "serviceAgreement.acceptedDate": now}
	want := []sent{
		{op: "CreateToken", route: "POST /aggregation/v2/partners/authentication", body: example(t, m, "CreateToken", map[string]any{"partnerId": "p-1", "partnerSecret": "s3cr3t-value"})},
		{op: "PostConfigurations", route: "POST /connect-components/configurations", body: example(t, m, "PostConfigurations", nil)},
		{op: "GetConfigurations", route: "GET /connect-components/configurations"},
		{op: "GetConfigurationsConfigurationID", route: "GET /connect-components/configurations/" + created, path: []string{id}},
		{op: "PostInstitutionsInstitutionIDLoginForms", route: "POST /connect-components/institutions/170716/login-forms", path: []string{"170716"},
			body: example(t, m, "PostInstitutionsInstitutionIDLoginForms", session)},
		{op: "PostInstitutionsInstitutionIDOauthUrls", route: "POST /connect-components/institutions/170716/oauth-urls", path: []string{"170716"},
			body: example(t, m, "PostInstitutionsInstitutionIDOauthUrls", session)},
		{op: "PostReconnections", route: "POST /connect-components/customers/1005061234/institution-login-ids/7008461438/reconnections", path: []string{`"1005061234"`, "7008461438"}, body: `{}`},
		{op: "DeleteConfigurationsConfigurationID", route: "DELETE /connect-components/configurations/" + created, path: []string{id}},
		{op: "GetConfigurationsConfigurationID", route: "GET /connect-components/configurations/" + created, path: []string{id}},
	}
	ops := map[string]bool{}
	for _, w := range want {
		ops[w.op] = true
	}
	var got []sent
	for _, c := range f.calls {
		if ops[c.op] {
			got = append(got, c)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls:\n%+v\nwant\n%+v", got, want)
	}
	if last := results[len(results)-1]; last.Step.Expect != 404 || !last.OK() {
		t.Errorf("recheck: %+v", last)
	}
}

// TestCredentialsOnlyFromValues: without the caller's credentials the
// token step is skipped, saying what it needs: the example's secret is
// never sent.
func TestCredentialsOnlyFromValues(t *testing.T) {
	m := model(t)
	f := &fakeAPI{}
	results := plan(t, m, journey.Options{}).Run(context.Background(), f.send, nil)
	if r := results[0]; r.Step.Op.ID != "CreateToken" || r.Skipped != "needs the partner secret (--partner-secret): the spec's example is not a credential" || r.Request != nil {
		t.Errorf("token step: %+v", r)
	}
	for _, c := range f.calls {
		if strings.Contains(c.body, "example-partner-secret") || c.op == "CreateToken" {
			t.Errorf("sent %+v", c)
		}
	}
}

// TestNewRequiredFieldReachesTheJourney: a required field added to the
// configuration's create body, with its value in the example, is in the
// request; one whose example lacks it (the example then breaks its
// schema) gets a value made from the schema instead.
func TestNewRequiredFieldReachesTheJourney(t *testing.T) {
	for _, tc := range []struct {
		name    string
		example bool
		want    string
	}{
		{"with its example", true, `"journeyTheme":"dark"`},
		{"without", false, `"journeyTheme":"string"`}, // made from the schema
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The create body of a collection's create gets a new
			// required field, in the parsed document.
			doc, err := openapi3.NewLoader().LoadFromFile(specFile)
			if err != nil {
				t.Fatal(err)
			}
			base, err := spec.New("openapi.yaml", doc)
			if err != nil {
				t.Fatal(err)
			}
			var create *spec.Operation
			for _, o := range base.Operations {
				if o.Sandbox != nil && o.Sandbox.Action == "create" && o.Body != nil && o.Body.JSON {
					create = o
					break
				}
			}
			if create == nil {
				t.Fatalf("openapi.yaml has no x-sandbox create with a JSON body, which %s follows: update the test", testFile)
			}
			body := create.Body.Schema.Value
			body.Properties["journeyTheme"] = openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}, MinLength: 3})
			body.Required = append(body.Required, "journeyTheme")
			mt := create.Raw.RequestBody.Value.Content.Get(create.Body.ContentType)
			for _, ex := range []*any{&mt.Example, &body.Example} {
				if obj, ok := (*ex).(map[string]any); ok {
					if tc.example {
						obj["journeyTheme"] = "dark"
					}
				}
			}
			m, err := spec.New("openapi.yaml", doc)
			if err != nil {
				t.Fatal(err)
			}
			f := &fakeAPI{}
			plan(t, m, journey.Options{Values: credentials}).Run(context.Background(), f.send, nil)
			if c := f.call(t, create.ID); !strings.Contains(c.body, tc.want) {
				t.Errorf("body of %s: %s, want it to hold %s", create.ID, c.body, tc.want)
			}
		})
	}
}

// TestLive: against a live API an operation with effects the journey
// cannot undo runs only with all its path parameters given: skipped,
// naming them, when none is; refused, when only one that nothing else
// uses is; run with the values given otherwise. Values are checked
// against the schemas.
func TestLive(t *testing.T) {
	m := model(t)
	op(t, m, "PostReconnections")
	reconnection := func(p *journey.Plan) *journey.Step {
		for _, s := range p.Steps {
			if s.Op.ID == "PostReconnections" {
				return s
			}
		}
		t.Fatal("no reconnection step")
		return nil
	}
	p := plan(t, m, journey.Options{Values: credentials, Live: true})
	if s := reconnection(p); s.Skip != "needs --customer-id and --institution-login-id" {
		t.Errorf("skip %q", s.Skip)
	}
	// --customer-id alone is the login form's: no error.
	p = plan(t, m, journey.Options{Values: map[string]any{"customer-id": "c-9"}, Live: true})
	if s := reconnection(p); s.Skip == "" {
		t.Error("the reconnection runs with one of its ids")
	}
	_, err := journey.New(m, journey.Options{Values: map[string]any{"institution-login-id": "7"}, Live: true})
	var optIn *journey.OptInError
	if !errors.As(err, &optIn) || err.Error() != "--institution-login-id needs --customer-id: reconnections create takes both" {
		t.Errorf("error %v", err)
	}
	f := &fakeAPI{}
	p = plan(t, m, journey.Options{Values: map[string]any{"institution-login-id": "7008461434", "customer-id": "c-9", "institution-id": "101732"}, Live: true})
	p.Run(context.Background(), f.send, nil)
	if c := f.call(t, "PostReconnections"); !reflect.DeepEqual(c.path, []string{`"c-9"`, "7008461434"}) {
		t.Errorf("reconnection path %q", c.path)
	}
	if c := f.call(t, "PostInstitutionsInstitutionIDLoginForms"); !reflect.DeepEqual(c.path, []string{"101732"}) || !strings.Contains(c.body, `"customerId":"c-9"`) {
		t.Errorf("login form %+v", c)
	}
	_, err = journey.New(m, journey.Options{Values: map[string]any{"institution-id": "x"}})
	var bad *journey.ValueError
	if !errors.As(err, &bad) || err.Error() != "invalid --institution-id: must be an integer" {
		t.Errorf("error %v", err)
	}
}

// TestInputs: the values a caller may give are the path parameters no
// create fills, each with the commands it serves (its body fields of the
// same name included) and those that need it. An operation the spec
// grows is left out of the comparison (knownCommands), as known does for
// steps: TestLiveNeverDeletesWhatItDidNotCreate checks how one runs.
func TestInputs(t *testing.T) {
	want := []string{
		`customer-id ["reconnections create" "login-forms create" "oauth-urls create"] ["reconnections create"]`,
		`institution-id ["login-forms create" "oauth-urls create"] []`,
		`institution-login-id ["reconnections create"] ["reconnections create"]`,
	}
	commands := map[string]bool{"reconnections create": true, "login-forms create": true, "oauth-urls create": true}
	m := model(t)
	for c := range commands {
		if _, ok := m.Lookup(c); !ok {
			t.Fatalf("openapi.yaml has no command %q, which %s expects: update the test", c, testFile)
		}
	}
	var got []string
	for _, in := range journey.Inputs(m) {
		got = append(got, fmt.Sprintf("%s %q %q", in.Name, knownCommands(in.Commands, commands), knownCommands(in.OptIn, commands)))
	}
	if got = known(got, want); !reflect.DeepEqual(got, want) {
		t.Errorf("inputs:\n%q\nwant\n%q", got, want)
	}
}

// knownCommands keeps the commands of list that known names.
func knownCommands(list []string, known map[string]bool) []string {
	out := []string{}
	for _, c := range list {
		if known[c] {
			out = append(out, c)
		}
	}
	return out
}

// TestLiveNeverDeletesWhatItDidNotCreate: against a live API, an
// operation that deletes or overwrites data of an id the caller gives
// never runs, even with the id given (the reconnection it is given for
// runs), nor is it among the commands an input serves; an action on it
// (a POST) runs once its ids are given, as a reconnection does; against
// the sandbox all of them run.
func TestLiveNeverDeletesWhatItDidNotCreate(t *testing.T) {
	ops := ""
	for _, o := range []struct{ method, id string }{{"delete", "DeleteWidgetOwner"}, {"put", "ReplaceWidgetOwner"}, {"patch", "PatchWidgetOwner"}, {"post", "RefreshWidgetOwner"}} {
		ops += "    " + o.method + ":\n      operationId: " + o.id + "\n      tags: [Widget Owners]\n" +
			"      security: [{FinicityAppKey: [], FinicityAppToken: []}]\n      responses: {\"204\": {description: Done.}}\n"
	}
	m := model(t, [2]string{"paths:\n", "  /widget-owners/{customer_id}:\n    parameters:\n" +
		"      - {name: customer_id, in: path, required: true, schema: {type: string}, example: c-1}\n" + ops})
	run := func(live bool) map[string]string {
		p := plan(t, m, journey.Options{Values: map[string]any{"customer-id": "c-9", "institution-login-id": "7008461434"}, Live: live})
		skips := map[string]string{}
		for _, s := range p.Steps {
			if s.Kind != journey.Recheck {
				skips[s.Op.ID] = s.Skip
			}
		}
		return skips
	}
	live := run(true)
	for _, id := range []string{"DeleteWidgetOwner", "ReplaceWidgetOwner", "PatchWidgetOwner"} {
		if !strings.Contains(live[id], "not run against a live API") {
			t.Errorf("live, %s with its id given: skip %q, want it never run", id, live[id])
		}
	}
	for _, id := range []string{"RefreshWidgetOwner", "PostReconnections"} {
		if live[id] != "" {
			t.Errorf("live, %s with its ids given: skip %q, want it run", id, live[id])
		}
	}
	for id, skip := range run(false) {
		if skip != "" && strings.Contains(id, "Widget") {
			t.Errorf("sandbox, %s: skip %q, want it run", id, skip)
		}
	}
	for _, in := range journey.Inputs(m) {
		if in.Name != "customer-id" {
			continue
		}
		for _, c := range []string{"widget-owners delete-widget-owner", "widget-owners replace-widget-owner", "widget-owners patch-widget-owner"} {
			if slices.Contains(in.Commands, c) || slices.Contains(in.OptIn, c) {
				t.Errorf("--customer-id serves %q (%q, opt-in %q): a command it never makes run", c, in.Commands, in.OptIn)
			}
		}
		if !slices.Contains(in.OptIn, "widget-owners refresh-widget-owner") {
			t.Errorf("--customer-id: opt-in %q, want the refresh among them", in.OptIn)
		}
	}
}

// TestStopAndCleanUp: after a step whose outcome stops the journey, the
// steps left are skipped but the delete of what was created, which runs
// even once the context is cancelled, with a context of its own.
func TestStopAndCleanUp(t *testing.T) {
	m := model(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeAPI{answer: func(s *journey.Step) journey.Outcome {
		if s.Op.ID == "GetConfigurations" {
			cancel() // interrupted while the list was on its way
			return journey.Outcome{Err: context.Canceled, Stop: "interrupted"}
		}
		return journey.Outcome{}
	}}
	results := plan(t, m, journey.Options{Values: credentials}).Run(ctx, f.send, nil)
	var ran []string
	for _, c := range f.calls {
		ran = append(ran, c.op)
	}
	if want := []string{"CreateToken", "PostConfigurations", "GetConfigurations", "DeleteConfigurationsConfigurationID"}; !reflect.DeepEqual(ran, want) {
		t.Errorf("ran %q, want %q", ran, want)
	}
	if err := f.ctxErr[len(f.ctxErr)-1]; err != nil {
		t.Errorf("the delete ran with a cancelled context: %v", err)
	}
	for _, r := range results {
		if r.Step.Op.ID == "GetConfigurationsConfigurationID" && r.Skipped != "not run: interrupted" {
			t.Errorf("get: %+v", r)
		}
	}
}

// TestCreatedWithoutID: a create answered with an id its collection's
// parameters refuse: what uses it is skipped, and the delete says the
// resource is left, and how to find it.
func TestCreatedWithoutID(t *testing.T) {
	m := model(t)
	f := &fakeAPI{id: "cfg-1"}
	results := plan(t, m, journey.Options{Values: credentials}).Run(context.Background(), f.send, nil)
	why := map[string]string{}
	for _, r := range results {
		why[r.Step.Op.ID] = r.Skipped
	}
	if got := why["DeleteConfigurationsConfigurationID"]; got != "the create answer holds no id in UUID form to delete it by: delete it by hand (configurations list shows it)" {
		t.Errorf("delete: %q", got)
	}
	if got := why["GetConfigurationsConfigurationID"]; got != "the configuration created has no id in UUID form" {
		t.Errorf("get: %q", got)
	}
	// The login form's configurationId is optional: sent without it.
	if c := f.call(t, "PostInstitutionsInstitutionIDLoginForms"); strings.Contains(c.body, "configurationId") {
		t.Errorf("login form body %s", c.body)
	}
}

// TestWhatCannotRunIsSkipped: a new operation whose path parameter has
// no example and a schema nothing can be made for, and a new create
// whose collection nothing deletes (against a live API), are skipped with
// the reason, naming the spec location; the rest runs.
func TestWhatCannotRunIsSkipped(t *testing.T) {
	m := model(t, [2]string{"paths:\n", `  /connect-components/widgets/{widget_code}:
    get:
      operationId: GetWidget
      x-sdk: {service: Widgets, method: Get}
      summary: Get Widget
      parameters:
        - name: widget_code
          in: path
          required: true
          schema: {type: string, pattern: "^[0-9]$", minLength: 3}
      responses:
        "200":
          description: A widget
  /connect-components/widgets:
    post:
      operationId: PostWidgets
      x-sandbox: {action: create, collection: widgets}
      x-sdk: {service: Widgets, method: Create}
      summary: Create Widget
      responses:
        "201":
          description: A widget
          content:
            application/json:
              schema:
                type: object
                properties:
                  id: {type: string}
`})
	results := plan(t, m, journey.Options{Values: credentials, Live: true}).Run(context.Background(), (&fakeAPI{}).send, nil)
	why := map[string]string{}
	for _, r := range results {
		why[r.Step.Op.ID] = r.Skipped
	}
	if got, want := why["GetWidget"], "no example of path parameter widget_code (openapi.yaml#/paths/~1connect-components~1widgets~1{widget_code}/get/parameters/0) and none can be made from its schema"; got != want {
		t.Errorf("GetWidget: %q, want %q", got, want)
	}
	if got, want := why["PostWidgets"], "creates a widget that no operation of the spec deletes: not run against a live API"; got != want {
		t.Errorf("PostWidgets: %q, want %q", got, want)
	}
	if why["PostConfigurations"] != "" || why["DeleteConfigurationsConfigurationID"] != "" {
		t.Errorf("the rest: %q", why)
	}
	// Against the sandbox the create runs.
	f := &fakeAPI{}
	plan(t, m, journey.Options{Values: credentials}).Run(context.Background(), f.send, nil)
	f.call(t, "PostWidgets")
}
