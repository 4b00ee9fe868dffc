package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
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
// spec change would bring them. The field goes into the parsed document,
// where the create's body is, so that no wording of the spec's text is
// an anchor; the operation goes after the "paths:" line.
func changedSpec(t *testing.T) *spec.Model {
	t.Helper()
	data, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	const op = "paths:\n"
	if strings.Count(s, op) != 1 {
		t.Fatal("openapi.yaml changed shape: it has not one \"paths:\" line; update changedSpec in internal/cli/specchange_test.go")
	}
	if where, err := specdoc.PropertyDefined(changedField); err != nil || where != "" {
		t.Fatalf("openapi.yaml defines the field %q (at %s, %v): rename changedField in internal/cli/specchange_test.go to one it lacks", changedField, where, err)
	}
	for _, o := range specdoc.MustModel().Operations {
		if o.Path == changedOpPath || o.ID == changedOpID || o.Qualified() == "Configurations."+changedOpMethod {
			t.Fatalf("openapi.yaml has %s (%s, %s, at %s): rename the changedOp constants in internal/cli/specchange_test.go to an operation it lacks",
				o.ID, o.Path, o.Qualified(), o.Pointer)
		}
	}
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
	theme := openapi3.NewStringSchema()
	theme.Description = "The Connect theme to use."
	return withBodyProperty(t, doc, specexample.CreateConfiguration, changedField, theme, "internal/cli/specchange_test.go")
}

// withBodyProperty adds an optional property to the body schema of
// operation id in doc (the parsed document: no text of the spec is an
// anchor) and returns the model of the changed document. A spec whose
// operation has no object body fails t, naming the spec location and
// testFile.
func withBodyProperty(t *testing.T, doc *openapi3.T, id, name string, schema *openapi3.Schema, testFile string) *spec.Model {
	t.Helper()
	m, err := spec.New("openapi.yaml", doc)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := m.Operation(id)
	if !ok {
		t.Fatalf("openapi.yaml#/paths has no operation %s, which %s adds a body field to: update the test", id, testFile)
	}
	if o.Body == nil || o.Body.Schema == nil || o.Body.Schema.Value == nil || !o.Body.Schema.Value.Type.Is(openapi3.TypeObject) {
		t.Fatalf("openapi.yaml#%s: %s has no object body, which %s adds a field to: update the test", o.Pointer, o.Name(), testFile)
	}
	if o.Body.Schema.Value.Properties == nil {
		o.Body.Schema.Value.Properties = openapi3.Schemas{}
	}
	o.Body.Schema.Value.Properties[name] = openapi3.NewSchemaRef("", schema)
	changed, err := spec.New("openapi.yaml", doc)
	if err != nil {
		t.Fatal(err)
	}
	return changed
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
		case specexample.CreateConfiguration:
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
	if want := "finicity-connect configurations " + spec.Kebab(changedOpMethod) + " 9082affa-d965-40be-a3ed-a320bb3467ff"; cmd.Example != want {
		t.Errorf("example %q, want %q", cmd.Example, want)
	}

	env, received := clirun.FakeAPI(t, clirun.Reply(200, `{}`))
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var stdout, stderr bytes.Buffer
	in := &Invocation{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Env: func(k string) string { return env[k] }, conn: &connection{}}
	in.conn.register(fs)
	action := cmd.Setup(fs)
	positional, err := parseInterspersed(fs, []string{"605543e1-f507-48ad-8127-95c40566597b", "--since", "2024-11-28T18:25:32Z"})
	if err != nil {
		t.Fatal(err)
	}
	in.Args = positional
	o := outcome{Code: execute(context.Background(), &cmd, in, action), Stdout: stdout.String(), Stderr: stderr.String()}
	o.Expect(t, ExitUsage, []string{""}, []string{"operation " + changedOpID + " is in the spec but not in this build of finicity-connect: run make generate"})
	if got := received(); len(got) != 0 {
		t.Errorf("sent %+v", got)
	}
}

// TestNewParameterTypes: parameters and body fields of every JSON type
// (a boolean and a number in the path, an integer list and an object in
// the query, a header, a nested object and a list of objects in the body)
// make flags and an example with every required one, and a command line
// that uses them all gets as far as the call (which this build does not
// have: exit 2, saying so), with no panic.
func TestNewParameterTypes(t *testing.T) {
	data, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(data), "paths:\n") != 1 {
		t.Fatal("openapi.yaml changed shape: update TestNewParameterTypes in internal/cli/specchange_test.go")
	}
	changed := strings.Replace(string(data), "paths:\n", `paths:
  /connect-components/probes/{enabled}/{ratio}:
    post:
      operationId: PostProbe
      x-sdk: {service: Probes, method: Create}
      summary: Create Probe
      parameters:
        - {name: enabled, in: path, required: true, schema: {type: boolean}}
        - {name: ratio, in: path, required: true, schema: {type: number}}
        - {name: ids, in: query, required: true, schema: {type: array, items: {type: integer}}}
        - {name: filter, in: query, schema: {type: object, additionalProperties: true}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [limits, tags, rules]
              properties:
                limits:
                  type: object
                  required: [max]
                  properties:
                    max: {type: integer, format: int32, minimum: 1}
                tags: {type: array, items: {type: string}}
                rules: {type: array, items: {type: object, properties: {name: {type: string}}}}
      responses:
        "204":
          description: Done
`, 1)
	probe := changedCommand(t, changed, "PostProbe")
	cmd := specCommand(probe)
	words := shellWords(t, cmd.Example)
	for _, flag := range []string{"--ids", "--x-trace", "--limits-max", "--tags", "--rules"} {
		if !slices.ContainsFunc(words, func(w string) bool { return w == flag || strings.HasPrefix(w, flag+"=") }) {
			t.Errorf("example %q lacks %s", cmd.Example, flag)
		}
	}
	env, received := clirun.FakeAPI(t, clirun.Reply(204, ``))
	args := []string{"true", "0.5", "--ids", "1,2", "--filter", `{"a":1}`, "--x-trace", "t-1", "--limits-max", "3", "--tags", "a,b", "--rules", `[{"name":"r"}]`}
	fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var stdout, stderr bytes.Buffer
	in := &Invocation{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Env: func(k string) string { return env[k] }, conn: &connection{}}
	in.conn.register(fs)
	action := cmd.Setup(fs)
	positional, err := parseInterspersed(fs, args)
	if err != nil {
		t.Fatal(err)
	}
	in.Args = positional
	o := outcome{Code: execute(context.Background(), &cmd, in, action), Stdout: stdout.String(), Stderr: stderr.String()}
	o.Expect(t, ExitUsage, []string{""}, []string{"operation PostProbe is in the spec but not in this build"})
	if got := received(); len(got) != 0 {
		t.Errorf("sent %+v", got)
	}
	// A list of objects is written as JSON.
	v, err := fieldJSON(fieldByFlag(t, probe, "rules", "internal/cli/specchange_test.go"), "--rules", `[{"name":"r"}]`)
	if err != nil || !reflect.DeepEqual(v, []any{map[string]any{"name": "r"}}) {
		t.Errorf("--rules: %#v, %v", v, err)
	}
}

// TestFieldFlagsOfTakenNames: a field whose flag name is taken (a body's
// partnerId by the connection's --partner-id, a query parameter timeout
// by --timeout, a body property limit by the query parameter limit) gets
// a flag named after where it is (--body-partner-id, --query-timeout,
// --body-limit), which its help names; the connection flags stay the
// connection's. The help example gives them, a command line of it gets
// as far as the call, and without the required one it is a usage error
// naming its flag. An optional property of a body made from the schema
// shows in the example only with its schema's example; a required one
// whose example breaks its schema shows with a value made from the
// schema instead.
func TestFieldFlagsOfTakenNames(t *testing.T) {
	data, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(data), "paths:\n") != 1 {
		t.Fatal("openapi.yaml changed shape: update TestFieldFlagsOfTakenNames in internal/cli/specchange_test.go")
	}
	changed := strings.Replace(string(data), "paths:\n", `paths:
  /connect-components/links:
    post:
      operationId: PostLink
      x-sdk: {service: Links, method: Create}
      summary: Create Link
      parameters:
        - {name: timeout, in: query, required: true, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [partnerId, limit, broken]
              properties:
                partnerId: {type: string, description: Your partner ID., example: "1234583871234"}
                limit: {type: integer, example: 5}
                note: {type: string, example: hello}
                data: {type: object}
                broken: {type: integer, example: "not a number"}
      responses:
        "204":
          description: Done
`, 1)
	link := changedCommand(t, changed, "PostLink")
	flags := map[string]string{}
	for _, f := range link.fields() {
		flags[strings.Join(f.wire, ".")+" "+f.where()] = f.flag
	}
	want := map[string]string{"timeout query": "query-timeout", "limit query": "limit", "partnerId body": "body-partner-id",
		"limit body": "body-limit", "note body": "note", "data body": "data", "broken body": "broken"}
	if !reflect.DeepEqual(flags, want) {
		t.Errorf("flags %v, want %v", flags, want)
	}
	cmd := specCommand(link)
	const example = "finicity-connect links create --query-timeout 1 --broken 1 --body-limit 5 --note hello --body-partner-id 1234583871234"
	if cmd.Example != example {
		t.Errorf("example\n%q, want\n%q", cmd.Example, example)
	}

	run := func(args ...string) (outcome, *flag.FlagSet) {
		env, received := clirun.FakeAPI(t, clirun.Reply(204, ``))
		fs := flag.NewFlagSet(cmd.Name, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var stdout, stderr bytes.Buffer
		in := &Invocation{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Env: func(k string) string { return env[k] }, conn: &connection{}}
		in.conn.register(fs)
		action := cmd.Setup(fs)
		positional, err := parseInterspersed(fs, args)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		in.Args = positional
		o := outcome{Code: execute(context.Background(), &cmd, in, action), Stdout: stdout.String(), Stderr: stderr.String()}
		if got := received(); len(got) != 0 {
			t.Errorf("%q: sent %+v", args, got)
		}
		return o, fs
	}
	o, fs := run(append(shellWords(t, example)[3:], "--partner-id", "p-1")...)
	o.Expect(t, ExitUsage, []string{""}, []string{"operation PostLink is in the spec but not in this build"})
	if f := fs.Lookup("body-partner-id"); f == nil || f.Usage != "Your partner ID (partnerId of the body; required)" {
		t.Errorf("--body-partner-id: %+v", f)
	}
	if f := fs.Lookup("partner-id"); f == nil || !strings.HasPrefix(f.Usage, "partner id, to fetch tokens") || f.Value.String() != "p-1" {
		t.Errorf("--partner-id is not the connection's: %+v", f)
	}
	if f := fs.Lookup("query-timeout"); f == nil || f.Usage != "(timeout of the query; required)" {
		t.Errorf("--query-timeout: %+v", f)
	}
	o, _ = run("--query-timeout", "1", "--body-limit", "5", "--broken", "1", "--partner-id", "p-1")
	o.Expect(t, ExitUsage, []string{""}, []string{"missing required flag --body-partner-id"})
}

// changedCommand models the spec text changed and returns the command of the
// operation id, failing t when there is none.
func changedCommand(t *testing.T, changed, id string) *opSpec {
	t.Helper()
	m, err := spec.Parse("openapi.yaml", []byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opsOf(m) {
		if o.op.ID == id {
			return o
		}
	}
	t.Fatal("no command for " + id)
	return nil
}
