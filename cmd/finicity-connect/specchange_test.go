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
	s = strings.Replace(s, "        aoRequired:\n          type: boolean\n          x-go-name: AORequired\n          default: false\n          description: As in Configuration.\n",
		"        aoRequired:\n          type: boolean\n          x-go-name: AORequired\n          default: false\n          description: As in Configuration.\n"+
			"        experience:\n          type: string\n          description: The Connect experience to use.\n", 1)
	s = strings.Replace(s, op, op+`  /connect-components/configurations/{configuration_id}/usage:
    parameters:
      - $ref: "#/components/parameters/ConfigurationId"
    get:
      operationId: GetConfigurationUsage
      x-sdk:
        service: Configurations
        method: Usage
      summary: Get Configuration Usage
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
                x-go-name: ConfigurationUsage
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
	var create, usage *opSpec
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			o := newOpSpec(method, path, item, op)
			switch o.name {
			case "configurations create":
				create = o
			case "configurations usage":
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
	if !hasFlag(create.bodyFields, "experience") {
		t.Errorf("configurations create has no --experience flag")
	}
	if len(usage.pathParams) != 1 || usage.pathParams[0].flag != "configuration-id" || !hasFlag(usage.queryParams, "since") {
		t.Errorf("configurations usage: path %v, query %v", usage.pathParams, usage.queryParams)
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
	if len(got) != 1 || got[0].Method != http.MethodGet || got[0].Path != "/connect-components/configurations/"+id+"/usage" ||
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
	if want := " 1. Get Configuration Usage (from the spec's examples)\n    c.Configurations.Usage: GET /connect-components/configurations/{configuration_id}/usage (GetConfigurationUsage)\n    answer  200 OK\n"; out.String() != "\n"+want {
		t.Errorf("demo step:\n%s\nwant\n%s", out.String(), want)
	}
	if got := received(); got[len(got)-1].Path != "/connect-components/configurations/9082affa-d965-40be-a3ed-a320bb3467ff/usage" {
		t.Errorf("demo request: %+v", got[len(got)-1])
	}
}
