package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// The names changedSpec adds: a field and an operation openapi.yaml does
// not have (changedSpec proves it), so that a real spec change, which may
// add a field or an operation of its own, never collides with them.
const (
	changedField     = "connectTheme" // its flag: --connect-theme
	changedOpID      = "GetConfigurationActivity"
	changedOpMethod  = "Activity" // Configurations.Activity: configurations activity
	changedOpPath    = "/connect-components/configurations/{configuration_id}/activity"
	changedOpSummary = "Get Configuration Activity"
)

// changedSpec is openapi.yaml with an optional field added to the
// configuration's request body and a new operation with a path
// parameter, a query parameter and a response schema of its own, as a
// spec change would bring them.
func changedSpec(t *testing.T) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	field := "      x-go-name: ConfigurationParams\n"
	op := "paths:\n"
	if !strings.Contains(s, field) || !strings.Contains(s, op) {
		t.Fatal("openapi.yaml changed shape: update changedSpec in cmd/finicity-connect/specchange_test.go")
	}
	if where, err := specdoc.PropertyDefined(changedField); err != nil || where != "" {
		t.Fatalf("openapi.yaml defines the field %q (at %s, %v): rename changedField in cmd/finicity-connect/specchange_test.go to one it lacks", changedField, where, err)
	}
	if doc, err := specdoc.Doc(); err != nil {
		t.Fatal(err)
	} else {
		for path, item := range doc.Paths.Map() {
			for _, o := range item.Operations() {
				sdk, _ := o.Extensions["x-sdk"].(map[string]any)
				if path == changedOpPath || o.OperationID == changedOpID || (sdk["service"] == "Configurations" && sdk["method"] == changedOpMethod) {
					t.Fatalf("openapi.yaml has %s (%s, x-sdk %v): rename the changedOp constants in cmd/finicity-connect/specchange_test.go to an operation it lacks",
						o.OperationID, path, o.Extensions["x-sdk"])
				}
			}
		}
	}
	const bodyProps = "        All optional; an empty object is valid.\n      properties:\n" // PostConfigurationsRequest's
	if strings.Count(s, bodyProps) != 1 {
		t.Fatalf("openapi.yaml changed: the anchor %q no longer appears once; update cmd/finicity-connect/specchange_test.go", bodyProps)
	}
	s = strings.Replace(s, bodyProps, bodyProps+"        "+changedField+":\n          type: string\n          description: The Connect theme to use.\n", 1)
	s = strings.Replace(s, op, op+`  `+changedOpPath+`:
    parameters:
      - $ref: "#/components/parameters/ConfigurationId"
    get:
      operationId: `+changedOpID+`
      x-sdk:
        service: Configurations
        method: `+changedOpMethod+`
      summary: `+changedOpSummary+`
      description: How often the configuration was used.
      parameters:
        - name: since
          in: query
          description: Count uses from this date-time on.
          schema:
            type: string
            format: date-time
      responses:
        "200":
          description: The usage
          content:
            application/json:
              schema:
                type: object
                x-go-name: ConfigurationActivity
                properties:
                  id:
                    $ref: "#/components/schemas/Uuid"
                  uses:
                    type: integer
`, 1)
	doc, err := openapi3.NewLoader().LoadFromData([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestSpecChangeReachesTheCLI: with the changed spec, the new field is a
// flag of configurations create, and the new operation a command whose
// path parameter is an argument and whose query parameter is a flag. The
// command runs (through the generated client's layers, as it has no typed
// method in this build) and prints the answer, as JSON and as a table.
func TestSpecChangeReachesTheCLI(t *testing.T) {
	doc := changedSpec(t)
	var create, usage *opSpec // usage: the new operation
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			o := newOpSpec(method, path, item, op)
			switch o.name {
			case "configurations create":
				create = o
			case "configurations " + kebab(changedOpMethod):
				usage = o
			}
		}
	}
	if create == nil || usage == nil {
		t.Fatalf("commands: create %v, usage %v", create != nil, usage != nil)
	}
	hasFlag := func(fields []*specField, name string) bool {
		for _, f := range fields {
			if f.flag == name {
				return true
			}
		}
		return false
	}
	if !hasFlag(create.bodyFields, "connect-theme") {
		t.Errorf("configurations create has no --connect-theme flag (for %s)", changedField)
	}
	if len(usage.pathParams) != 1 || usage.pathParams[0].flag != "configuration-id" || !hasFlag(usage.queryParams, "since") {
		t.Errorf("%s: path %v, query %v", usage.name, usage.pathParams, usage.queryParams)
	}

	id := "605543e1-f507-48ad-8127-95c40566597b"
	env, received := fakeAPI(t, reply(200, `{"id":"`+id+`","uses":3}`))
	runOp := func(o *opSpec, args ...string) outcome {
		cmd := specCommand(o)
		fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var stdout, stderr bytes.Buffer
		in := &invocation{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, env: func(k string) string { return env[k] }, conn: &connection{}}
		in.conn.register(fs)
		action := cmd.setup(fs)
		positional, err := parseInterspersed(fs, args)
		if err != nil && !errors.Is(err, flag.ErrHelp) {
			t.Fatal(err)
		}
		in.args = positional
		code := execute(context.Background(), &cmd, in, action)
		return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	}
	o := runOp(usage, id, "--since", "2024-11-28T18:25:32Z")
	o.expect(t, 0, []string{`"uses": 3`}, []string{""})
	got := received()
	if len(got) != 1 || got[0].Method != http.MethodGet || got[0].Path != strings.Replace(changedOpPath, "{configuration_id}", id, 1) ||
		got[0].Header.Get("Finicity-App-Key") != "fake-app-key" || got[0].Header.Get("Finicity-App-Token") != "fake-app-token" {
		t.Errorf("request: %+v", got)
	}
	runOp(usage, id, "--output", "table").expect(t, 0, []string{"ID                                    USES\n" + id + "  3\n"}, []string{""})
	runOp(usage, "--since", "yesterday", id).expect(t, 2, []string{""}, []string{`invalid --since "yesterday": must be an RFC 3339 date-time`})

	// The demo runs the new operation too, from the spec's examples.
	c, err := api.NewClient("fake-app-key", api.WithBaseURL(env[envBaseURL]), api.WithAppToken("fake-app-token"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	d := &narrator{w: &out, ran: map[string]bool{}}
	for _, o := range []*opSpec{create} {
		d.ran[o.id] = true
	}
	if err := d.others(context.Background(), c, []*opSpec{create, usage}); err != nil {
		t.Fatal(err)
	}
	if want := " 1. " + changedOpSummary + " (from the spec's examples)\n    c.Configurations." + changedOpMethod + ": GET " + changedOpPath + " (" + changedOpID + ")\n    answer  200 OK\n"; out.String() != "\n"+want {
		t.Errorf("demo step:\n%s\nwant\n%s", out.String(), want)
	}
	if got := received(); got[len(got)-1].Path != strings.Replace(changedOpPath, "{configuration_id}", "9082affa-d965-40be-a3ed-a320bb3467ff", 1) {
		t.Errorf("demo request: %+v", got[len(got)-1])
	}
}
