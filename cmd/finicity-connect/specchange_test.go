package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
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
func changedSpec(t *testing.T) *spec.Model {
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
	for _, o := range specdoc.MustModel().Operations {
		if o.Path == changedOpPath || o.ID == changedOpID || o.Qualified() == "Configurations."+changedOpMethod {
			t.Fatalf("openapi.yaml has %s (%s, %s, at %s): rename the changedOp constants in cmd/finicity-connect/specchange_test.go to an operation it lacks",
				o.ID, o.Path, o.Qualified(), o.Pointer)
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
	m, err := spec.New("openapi.yaml", doc)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSpecChangeReachesTheCLI: with the changed spec, the new field is a
// flag of configurations create, and the new operation a command whose
// path parameter is an argument and whose query parameter is a flag, with
// an example in its help. This build has no typed method for the new
// operation (that takes make generate, which the root TestSpecChange
// runs on a copy of the module): the command says so, and exits 2,
// having sent nothing.
func TestSpecChangeReachesTheCLI(t *testing.T) {
	m := changedSpec(t)
	var create, usage *opSpec // usage: the new operation
	for _, o := range opsOf(m) {
		switch o.op.ID {
		case "PostConfigurations":
			create = o
		case changedOpID:
			usage = o
		}
	}
	if create == nil || usage == nil {
		t.Fatalf("commands: create %v, usage %v", create != nil, usage != nil)
	}
	hasFlag := func(fields []*specField, name string) bool {
		return slices.ContainsFunc(fields, func(f *specField) bool { return f.flag == name })
	}
	if !hasFlag(create.bodyFields, "connect-theme") {
		t.Errorf("configurations create has no --connect-theme flag (for %s)", changedField)
	}
	if usage.name() != "configurations "+spec.Kebab(changedOpMethod) || len(usage.pathParams) != 1 || usage.pathParams[0].flag != "configuration-id" || !hasFlag(usage.queryParams, "since") {
		t.Errorf("%s: path %v, query %v", usage.name(), usage.pathParams, usage.queryParams)
	}
	cmd := specCommand(usage)
	if want := "finicity-connect configurations " + spec.Kebab(changedOpMethod) + " 9082affa-d965-40be-a3ed-a320bb3467ff"; cmd.example != want {
		t.Errorf("example %q, want %q", cmd.example, want)
	}

	env, received := fakeAPI(t, reply(200, `{}`))
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var stdout, stderr bytes.Buffer
	in := &invocation{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, env: func(k string) string { return env[k] }, conn: &connection{}}
	in.conn.register(fs)
	action := cmd.setup(fs)
	positional, err := parseInterspersed(fs, []string{"605543e1-f507-48ad-8127-95c40566597b", "--since", "2024-11-28T18:25:32Z"})
	if err != nil {
		t.Fatal(err)
	}
	in.args = positional
	o := outcome{code: execute(context.Background(), &cmd, in, action), stdout: stdout.String(), stderr: stderr.String()}
	o.expect(t, exitUsage, []string{""}, []string{"operation " + changedOpID + " is in the spec but not in this build of finicity-connect: run make generate"})
	if got := received(); len(got) != 0 {
		t.Errorf("sent %+v", got)
	}
}
