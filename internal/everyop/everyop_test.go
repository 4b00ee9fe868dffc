// Package everyop proves that every operation of the spec works end to
// end with nothing written by hand: the journey (internal/journey) walks
// them all, in an order the spec's resource relations give, with values
// from the spec's examples, three times: through the client against the
// sandbox, through the test kit (which holds every request to the spec),
// and through the CLI with --sandbox. Every step must run and answer 2xx
// (or the status it expects). `make test` runs it on openapi.yaml;
// `make test-spec-scale` runs it on a copy of the module whose spec has
// the large fixture merged in.
package everyop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/tour"
)

// cli is the finicity-connect binary TestMain builds.
var cli string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "everyop-")
	if err != nil {
		panic(err)
	}
	cli = filepath.Join(dir, "finicity-connect")
	if out, err := exec.Command("go", "build", "-o", cli, "../../cmd/finicity-connect").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "everyop: building the CLI: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// plan is the journey through every operation. Credentials never come
// from examples: the sandbox's partner credentials go to partner
// authentication, and any other secret field gets a value made from its
// schema.
func plan(t *testing.T) (*spec.Model, *journey.Plan) {
	t.Helper()
	m := specdoc.MustModel()
	values := map[string]any{}
	for _, o := range m.Operations {
		if o.Body == nil {
			continue
		}
		for _, f := range o.Body.Fields {
			flag := spec.Kebab(strings.Join(f.Path, " "))
			name := f.Path[len(f.Path)-1]
			switch {
			case strings.EqualFold(name, "partnerSecret"):
				values[flag] = sandbox.DefaultPartnerSecret
			case strings.EqualFold(name, "partnerId"):
				values[flag] = sandbox.DefaultPartnerID
			case m.Secrets.IsField(name):
				if v, ok := spec.Synthesize(f.Schema, false); ok {
					values[flag] = v
				}
			}
		}
	}
	p, err := journey.New(m, journey.Options{Values: values})
	if err != nil {
		t.Fatal(err)
	}
	return m, p
}

// walk runs the journey with send and fails for each step that did not
// run or did not get the answer it expects, naming the operation's place
// in the spec.
func walk(t *testing.T, m *spec.Model, p *journey.Plan, send journey.Send) {
	t.Helper()
	results := p.Run(t.Context(), send, nil)
	ran := map[string]bool{}
	for _, r := range results {
		o := r.Step.Op
		switch {
		case r.Skipped != "":
			t.Errorf("%s (%s#%s) did not run: %s", o.Name(), m.File, o.Pointer, r.Skipped)
		case !r.OK():
			t.Errorf("%s (%s#%s) %s: answered %d, %v\n%s", o.Name(), m.File, o.Pointer, r.Request.Route, r.Status, r.Err, r.Body)
		default:
			ran[o.ID] = true
		}
	}
	var missed []string
	for _, o := range m.Operations {
		if !ran[o.ID] {
			missed = append(missed, o.ID)
		}
	}
	sort.Strings(missed)
	t.Logf("%d of %d operations answered as expected", len(m.Operations)-len(missed), len(m.Operations))
}

// byClient sends each step through the typed method of the client.
func byClient(c *api.Client) journey.Send {
	send := tour.Send(c)
	return func(ctx context.Context, s *journey.Step, r *journey.Request) journey.Outcome {
		out := send(ctx, s, r)
		err := out.Err
		var apiErr *api.Error
		if errors.As(err, &apiErr) && r != nil && s.Expect == apiErr.StatusCode {
			out.Err = nil
		}
		return out
	}
}

func TestClient(t *testing.T) {
	m, p := plan(t)
	srv := httptest.NewServer(sandbox.New())
	defer srv.Close()
	c, err := api.NewClient("everyop-app-key", api.WithBaseURL(srv.URL), api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	if err != nil {
		t.Fatal(err)
	}
	walk(t, m, p, byClient(c))
}

func TestKit(t *testing.T) {
	m, p := plan(t)
	srv := connecttest.NewServer(t)
	walk(t, m, p, byClient(srv.Client()))
}

// TestCLI runs each step as a command of the CLI against its --sandbox:
// the path parameters as arguments, the query and header parameters as
// flags, the body as --body.
func TestCLI(t *testing.T) {
	m, p := plan(t)
	state := filepath.Join(t.TempDir(), "state.json")
	walk(t, m, p, func(ctx context.Context, s *journey.Step, r *journey.Request) journey.Outcome {
		args := strings.Fields(s.Op.Command)
		for _, raw := range r.Path {
			args = append(args, text(raw))
		}
		if len(r.Params) > 0 {
			var params map[string]json.RawMessage
			_ = json.Unmarshal(r.Params, &params)
			names := make([]string, 0, len(params))
			for k := range params {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				// --name=value: a boolean parameter is a flag that
				// takes no separate argument.
				args = append(args, "--"+spec.Kebab(k)+"="+text(params[k]))
			}
		}
		if r.Body != nil && s.Op.Command != "token" {
			args = append(args, "--body", string(r.Body))
		}
		args = append(args, "--sandbox", "--sandbox-state", state)
		cmd := exec.CommandContext(ctx, cli, args...)
		cmd.Env = append(os.Environ(), "FINICITY_PARTNER_ID="+sandbox.DefaultPartnerID, "FINICITY_PARTNER_SECRET="+sandbox.DefaultPartnerSecret,
			"FINICITY_APP_KEY=everyop-app-key", "FINICITY_APP_TOKEN=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			if s.Expect != 0 {
				// The CLI exits 1 on an API error: the status is on
				// stderr.
				if strings.Contains(stderr.String(), fmt.Sprint(s.Expect)) {
					return journey.Outcome{Status: s.Expect}
				}
			}
			return journey.Outcome{Err: fmt.Errorf("finicity-connect %s: %v\n%s", strings.Join(args, " "), err, stderr.String())}
		}
		return journey.Outcome{Status: http.StatusOK, Body: stdout.Bytes()}
	})
}

// text is a JSON value as a command line writes it: a string as it is, a
// list comma-separated, anything else as JSON.
func text(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			data, _ := json.Marshal(e)
			parts[i] = text(data)
		}
		return strings.Join(parts, ",")
	}
	return string(raw)
}
