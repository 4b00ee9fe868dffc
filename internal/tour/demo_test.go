package tour_test

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/tour"
)

// demoStep is one step of the demo's narration.
type demoStep struct {
	n                              int
	title, method, verb, route, op string
	lines                          string // what was sent, the answer
}

var demoStepRe = regexp.MustCompile(`(?m)^ *(\d+)\. (.*)\n    c\.(\S+): (\S+) (\S+) \((\w+)\)\n((?:    .*\n)*)`)

func demoSteps(out string) []demoStep {
	var steps []demoStep
	for _, m := range demoStepRe.FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		steps = append(steps, demoStep{n: n, title: m[2], method: m[3], verb: m[4], route: m[5], op: m[6], lines: m[7]})
	}
	return steps
}

// demo runs the demo against sb in process, as the demo command does
// (the client validates what it sends; the command's sandbox checks
// tokens), and returns what it narrated.
func demo(t *testing.T, sb *sandbox.Sandbox, opts ...api.Option) (string, error) {
	t.Helper()
	opts = append([]api.Option{api.WithBaseURL(sandbox.InProcessURL), api.WithHTTPClient(sb.HTTPClient()),
		api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret), api.WithRequestValidation()}, opts...)
	c, err := api.NewClient(sandbox.DefaultAppKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := journey.New(specdoc.MustModel(), journey.Options{Recheck: true,
		Values: map[string]any{"partner-id": sandbox.DefaultPartnerID, "partner-secret": sandbox.DefaultPartnerSecret}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = tour.Demo(context.Background(), c, plan, &out)
	return out.String(), err
}

// TestDemo: the demo runs green and narrates every operation of the
// spec, none skipped, each with its Go method, route and operationId,
// what was sent and the answer, in the journey's order: the token first;
// the configuration created before the steps that use its id, which is
// in their routes and bodies; the delete last, then the get again,
// answered 404. Secrets are masked.
func TestDemo(t *testing.T) {
	m := specdoc.MustModel()
	out, err := demo(t, sandbox.New(sandbox.WithTokenCheck(true)))
	if err != nil || !strings.Contains(out, "\nDone: ") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	steps := demoSteps(out)
	at := map[string][]demoStep{}
	for i, s := range steps {
		if s.n != i+1 {
			t.Errorf("step %d is numbered %d", i+1, s.n)
		}
		at[s.op] = append(at[s.op], s)
		if strings.Contains(s.lines, "skipped") || !strings.Contains(s.lines, "    answer  ") {
			t.Errorf("step %d (%s) did not run:\n%s", s.n, s.op, s.lines)
		}
	}
	for _, op := range m.Operations {
		got := at[op.ID]
		if len(got) == 0 {
			t.Errorf("the demo does not run operation %s (%s %s, openapi.yaml#%s)", op.ID, op.Method, op.Path, op.Pointer)
			continue
		}
		if s := got[0]; s.method != op.Qualified() || s.verb != op.Method || s.title != op.Summary {
			t.Errorf("step of %s: %+v", op.ID, s)
		}
	}
	// The journey this spec makes, named by operationId.
	first := func(id string) demoStep {
		t.Helper()
		if len(at[id]) == 0 {
			t.Fatalf("openapi.yaml has no operation %s, which TestDemo (internal/tour/demo_test.go) follows: update the test", id)
		}
		return at[id][0]
	}
	token, create, get, del := first("CreateToken"), first("PostConfigurations"), first("GetConfigurationsConfigurationID"), first("DeleteConfigurationsConfigurationID")
	form := first("PostInstitutionsInstitutionIDLoginForms")
	if token.n != 1 || !(create.n < get.n && create.n < form.n && get.n < del.n && form.n < del.n) || del.n != len(steps)-1 {
		t.Errorf("order: token %d, create %d, get %d, login form %d, delete %d of %d", token.n, create.n, get.n, form.n, del.n, len(steps))
	}
	if !strings.Contains(token.lines, `"partnerSecret":"[REDACTED]"`) || !strings.Contains(token.lines, `{"token":"[REDACTED]"}`) {
		t.Errorf("token step:\n%s", token.lines)
	}
	var created struct {
		ID string `json:"id"`
	}
	if i := strings.Index(create.lines, "            {"); i < 0 || json.Unmarshal([]byte(strings.TrimSpace(strings.SplitN(create.lines[i:], "\n", 2)[0])), &created) != nil || created.ID == "" {
		t.Fatalf("create step shows no answer with an id:\n%s", create.lines)
	}
	if !strings.HasSuffix(get.route, "/"+created.ID) || !strings.HasSuffix(del.route, "/"+created.ID) || !strings.Contains(form.lines, `"configurationId":"`+created.ID+`"`) {
		t.Errorf("the created id %s is not in the get (%s), the delete (%s) or the login form:\n%s", created.ID, get.route, del.route, form.lines)
	}
	if !strings.Contains(del.lines, "answer  204 No Content") {
		t.Errorf("delete:\n%s", del.lines)
	}
	again := at["GetConfigurationsConfigurationID"]
	if len(again) != 2 || again[1].n != len(steps) || !strings.Contains(again[1].lines, "answer  404 Not Found, reason code 4041") || !strings.Contains(again[1].lines, "expected: it is gone") {
		t.Errorf("the get after the delete: %+v", again)
	}
	if strings.Contains(out, sandbox.DefaultPartnerSecret) {
		t.Errorf("the demo prints the partner secret")
	}
}

// TestDemoStopsAtAFailure: a step answered otherwise than expected ends
// the demo with an error naming it, after narrating it; the steps after
// it are not run.
func TestDemoStopsAtAFailure(t *testing.T) {
	sb := sandbox.New()
	if err := sb.Inject("PostConfigurations", 1, sandbox.Fault{Status: 500}); err != nil {
		t.Fatal(err)
	}
	out, err := demo(t, sb, api.WithRetries(0))
	if err == nil || !strings.HasPrefix(err.Error(), "demo: Configurations.Create (PostConfigurations): ") {
		t.Errorf("demo: %v", err)
	}
	if strings.Contains(out, "Done: ") || !strings.Contains(out, "stopped  a step before failed") {
		t.Errorf("narration:\n%s", out)
	}
}
