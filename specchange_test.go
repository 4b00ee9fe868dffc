package connectcomponents_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/internal/spec"
)

// Parts of TestSpecChange that depend on work outside the generator: each
// is a subtest, skipped while its switch is off. Turn one on once main has
// the work it checks.
const (
	// The sandbox (and so api/connecttest) stores and returns request
	// fields without copying them one by one, and answers an operation
	// with no declared behaviour from its documented example. (On: the
	// spec-driven sandbox is on main.)
	specChangeSandbox = true
	// The CLI's commands and flags come from the spec: a new body field is
	// a flag, a new operation a command, runnable against --sandbox. (On:
	// the spec-driven CLI is on main.)
	specChangeCLI = true
	// Every test of the module that fails after the change is listed in
	// specChangeFailures and names the new field or operation and the file
	// to edit: the whole suite on the copy, instead of the generator's own
	// packages (the root and api) only.
	specChangeSuite = true
)

// specChangeNames are the names a failure after the change must show, one
// at least: a new field, and the new operation's operationId or api
// method.
var specChangeNames = []string{"experience", "channel", "GetConfigurationUsage", "Configurations.Usage", "ConfigurationsService_Usage"}

// specChangeFailures are the tests that must fail after the change, each
// with the file its message must name (the one to edit) and why no
// generator can do it. Any other failing test fails TestSpecChange, and so
// does a listed one that passes; but an Example whose output changed is
// accepted when a listed failure of its package names it (an Example can
// only print: the listed test says what to edit).
var specChangeFailures = []struct{ pkg, test, file, why string }{
	{"api", "TestEveryMethodHasExample", "api/example_test.go",
		"a new method needs a runnable Example, written by hand for pkg.go.dev's readers"},
	{"api", "TestExamplesSetRequiredFields", "api/example_test.go",
		"the Examples that create a configuration must set its new required field: they are written by hand for pkg.go.dev's readers"},
}

// specChangePending are the packages whose tests other work is making
// follow the spec (the test kit's): until it is on main, their failures
// after the change are logged, not counted. A listed package that no
// longer fails fails TestSpecChange: take it out here.
var specChangePending = map[string]string{}

// specChangePendingTests are single tests other work is making follow
// the spec: their failures after the change are logged, not counted, and
// only theirs (any other failure of their package counts). A listed test
// that no longer fails fails TestSpecChange: take it out here.
var specChangePendingTests = []struct{ pkg, test, why string }{}

// specChange is the edit a user makes to openapi.yaml: an optional field
// on the configuration and its create body, a required field (with its
// value in the operation's and the schema's examples) on the create body,
// and a new operation with an optional query parameter, an optional
// header parameter (neither with an extension: generation makes them
// pointers) and a new response schema (with a nullable required
// field, an optional pointer field and a nested model, so that every
// branch of the generated checks compiles).
var specChange = []struct {
	anchor, insert string
	after          bool // insert after the anchor, not before
}{
	{ // the field, on the configuration and on its create body
		anchor: "    Configuration:\n      type: object\n      description: Changes the behaviour of the login flow. Returned by create, get and list.\n      properties:\n",
		insert: "        experience:\n          type: string\n          description: Name of the Connect experience to show the end user.\n",
		after:  true,
	},
	{
		anchor: "        All optional; an empty object is valid.\n      properties:\n",
		insert: "        experience:\n          type: string\n          description: Name of the Connect experience to show the end user.\n" +
			"        channel:\n          type: string\n          minLength: 1\n          description: The channel the login flow runs in.\n",
		after: true,
	},
	{ // the required field: required, and in both examples of the body
		anchor: "        All optional; an empty object is valid.\n",
		insert: "      required: [channel]\n",
		after:  true,
	},
	{
		anchor: "              aoRequired: false\n      responses:\n",
		insert: "              channel: web\n",
	},
	{
		anchor: "        aoRequired: false\n    ServiceAgreement:\n",
		insert: "        channel: web\n",
	},
	{ // the operation, before the login-forms path
		anchor: "  /connect-components/institutions/{institution_id}/login-forms:\n",
		insert: `  /connect-components/configurations/{configuration_id}/usage:
    parameters:
      - $ref: "#/components/parameters/ConfigurationId"
    get:
      tags: [Data Connect Components]
      operationId: GetConfigurationUsage
      x-sdk:
        service: Configurations
        method: Usage
      summary: Get Configuration Usage
      description: How often the configuration was used in login flows.
      parameters:
        - name: since
          in: query
          required: false
          description: Count only the uses from this time on.
          schema:
            type: string
            format: date-time
        - name: X-Request-Id
          in: header
          required: false
          description: An identifier the API echoes in its logs.
          schema:
            type: string
      responses:
        "200":
          description: The usage of the configuration
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/ConfigurationUsage"
              example:
                configurationId: 605543e1-f507-48ad-8127-95c40566597b
                loginForms: 3
                note: null
        "401":
          $ref: "#/components/responses/Unauthorized"
        "404":
          $ref: "#/components/responses/NotFound"
`,
	},
	{ // the response schema, after the last one
		anchor: "      example:\n        token: example-token-value\n",
		insert: `    ConfigurationUsage:
      type: object
      description: How often a configuration was used.
      required: [configurationId, loginForms, note]
      properties:
        configurationId:
          $ref: "#/components/schemas/Uuid"
        loginForms:
          type: integer
          description: Login forms created with the configuration.
        note:
          type: string
          nullable: true
          description: A remark, or null.
        lastUsed:
          type: string
          format: date-time
          x-go-type-skip-optional-pointer: false
          description: When it was last used, if ever.
        agreement:
          $ref: "#/components/schemas/ServiceAgreement"
      example:
        configurationId: 605543e1-f507-48ad-8127-95c40566597b
        loginForms: 3
        note: null
`,
		after: true,
	},
}

// specChangeClashes are the places specChange adds to that m already
// has: its fields on the two schemas it changes, its operation, path and
// schema.
func specChangeClashes(m *spec.Model) []string {
	var out []string
	schemas := m.Doc.Components.Schemas
	for schema, fields := range map[string][]string{"Configuration": {"experience"}, "PostConfigurationsRequest": {"experience", "channel"}} {
		if ref := schemas[schema]; ref != nil && ref.Value != nil {
			for _, f := range fields {
				if ref.Value.Properties[f] != nil {
					out = append(out, "the field "+f+" of "+schema)
				}
			}
		}
	}
	if _, ok := m.Operation("GetConfigurationUsage"); ok {
		out = append(out, "the operation GetConfigurationUsage")
	}
	if _, ok := schemas["ConfigurationUsage"]; ok {
		out = append(out, "the schema ConfigurationUsage")
	}
	if m.Doc.Paths.Find("/connect-components/configurations/{configuration_id}/usage") != nil {
		out = append(out, "the path /connect-components/configurations/{configuration_id}/usage")
	}
	slices.Sort(out)
	return out
}

// TestSpecChange makes the change above to a copy of the module in a temp
// dir, runs the generators (`go generate`, as `make generate` does) and
// nothing else, then checks that the module builds and vets, that go doc
// shows the new method and field, and that the generated client sends the
// new operation with its query and header parameters and refuses the
// create body without its new required field (oapi-codegen's own client:
// the first query or header parameter used to break generation); that
// from another module (testdata/usermodule) the field round-trips through
// the kit's sandbox and the operation answers there; that the CLI has the
// flags and the command; and that the whole suite of the copy fails only
// in specChangeFailures (and the Examples they name), each naming the
// change and the file to edit, beside the packages of specChangePending
// and the tests of specChangePendingTests.
// About 45-60 s on two cores, most of it generation and the suite (the
// log says how long each took); -short skips it.
func TestSpecChange(t *testing.T) {
	if testing.Short() {
		t.Skip("copies the module, regenerates and rebuilds it")
	}
	dir := copyModule(t)
	specPath := filepath.Join(dir, "openapi.yaml")
	b, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	// The change adds names the spec must not have yet where it adds them
	// (the same name elsewhere, as an imported spec has, is no clash):
	// once a real change brings them, pick others here.
	for _, clash := range specChangeClashes(loadModel(t)) {
		t.Fatalf("openapi.yaml already has %s, which specChange adds: give specChange (and specChangeNames) other names, in specchange_test.go", clash)
	}
	for _, c := range specChange {
		if strings.Count(text, c.anchor) != 1 {
			t.Fatalf("openapi.yaml changed: the anchor %q no longer appears once; update specChange in specchange_test.go", c.anchor)
		}
		if c.after {
			text = strings.Replace(text, c.anchor, c.anchor+c.insert, 1)
		} else {
			text = strings.Replace(text, c.anchor, c.insert+c.anchor, 1)
		}
	}
	if err := os.WriteFile(specPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}

	runIn := func(t *testing.T, dir, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run := func(t *testing.T, name string, args ...string) string {
		t.Helper()
		return runIn(t, dir, name, args...)
	}
	start := time.Now()
	run(t, "go", "generate", "./...")
	t.Logf("go generate: %v", time.Since(start).Round(time.Millisecond))
	// The client's test of the new operation and field runs with the
	// copy's suite (one build of api's tests, not two).
	writeFile(t, filepath.Join(dir, "api", "zz_specchange_test.go"), specChangeClientTest)

	t.Run("builds and vets", func(t *testing.T) {
		// vet type-checks every package and its tests; the suite below
		// compiles and links them.
		run(t, "go", "vet", "./...")
	})

	// The packages this generator's work is tested in; with
	// specChangeSuite, every package of the module. -short skips this
	// test in the copy, and the two others that build a tool or a binary
	// of their own (TestSpecDiff, the served sandbox's flood); -vet=off,
	// since vet ran above. The suite runs while the checks below do, and
	// its events are read at the end.
	pkgs := []string{".", "./api"}
	if specChangeSuite {
		pkgs = []string{"./..."}
	}
	suite := startSuite(t, dir, pkgs)
	t.Run("go doc shows the method and the field", func(t *testing.T) {
		for _, c := range []struct{ symbol, want string }{
			{"ConfigurationsService.Usage", "func (s *ConfigurationsService) Usage(ctx context.Context, configurationID UUID, params ConfigurationsUsageParams, opts ...CallOption) (*ConfigurationUsage, error)"},
			{"ConfigurationsUsageParams", "Since (since, *time.Time, optional): Count only the uses from this time on."},
			{"ConfigurationsUsageParams", "XRequestID (X-Request-Id, *string, optional)"},
			{"ConfigurationUsage", "LoginForms (loginForms, int, required): Login forms created with the configuration."},
			{"ConfigurationParams", "Experience (experience, string, optional): Name of the Connect experience to show the end user."},
			{"ConfigurationParams", "Channel (channel, string, required): The channel the login flow runs in."},
			{"Configuration", "Experience (experience, string, optional): Name of the Connect experience"},
		} {
			// go doc rewraps comment text: compare with spaces collapsed.
			if out := run(t, "go", "doc", "./api", c.symbol); !strings.Contains(strings.Join(strings.Fields(out), " "), c.want) {
				t.Errorf("go doc api.%s lacks %q:\n%s", c.symbol, c.want, out)
			}
		}
	})
	t.Run("from another module, the kit's sandbox stores the field and answers the operation", func(t *testing.T) {
		if !specChangeSandbox {
			t.Skip("specChangeSandbox is off: turn it on once the spec-driven sandbox is on main")
		}
		// testdata/usermodule, a module of its own (its go.mod replaces
		// this one by ../..), imports the copy as a user's module does.
		// Its own tests are a user's code written before the change: the
		// required field they do not set is refused, as the change means
		// for every user; only this test runs.
		user := filepath.Join(dir, "testdata", "usermodule")
		copyTree(t, filepath.Join("testdata", "usermodule"), user)
		writeFile(t, filepath.Join(user, "zz_specchange_test.go"), specChangeSandboxTest)
		runIn(t, user, "go", "vet", "./...")
		runIn(t, user, "go", "test", "-count=1", "-run", "^TestSpecChange$", "./...")
	})
	t.Run("the CLI has the flag and the command", func(t *testing.T) {
		if !specChangeCLI {
			t.Skip("specChangeCLI is off: turn it on once the spec-driven CLI is on main")
		}
		bin := filepath.Join(t.TempDir(), "finicity-connect")
		run(t, "go", "build", "-o", bin, "./cmd/finicity-connect")
		if out := run(t, bin, "configurations", "create", "--help"); !strings.Contains(out, "--experience") {
			t.Errorf("configurations create --help has no --experience:\n%s", out)
		}
		// --sandbox keeps its state in this file between the two runs.
		t.Setenv("FINICITY_SANDBOX_STATE", filepath.Join(t.TempDir(), "state.json"))
		out := run(t, bin, "configurations", "create", "--sandbox", "--experience", "x", "--channel", "web")
		if !strings.Contains(out, `"experience": "x"`) && !strings.Contains(out, `"experience":"x"`) {
			t.Errorf("configurations create --sandbox --experience x did not return the field:\n%s", out)
		}
		var created struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(out), &created); err != nil || created.ID == "" {
			t.Fatalf("configurations create printed no id: %v\n%s", err, out)
		}
		if out := run(t, bin, "configurations", "usage", "--help"); !strings.Contains(out, "--since") {
			t.Errorf("configurations usage --help has no --since:\n%s", out)
		}
		// The new command runs against --sandbox: its query and header
		// parameters are flags, typed through the new method's params.
		out = run(t, bin, "configurations", "usage", "--sandbox", created.ID,
			"--since", "2024-11-28T18:25:32Z", "--x-request-id", "req-1", "--output", "table")
		if !strings.Contains(out, "LOGIN FORMS") {
			t.Errorf("configurations usage (--sandbox, table) did not show the answer's columns:\n%s", out)
		}
	})
	events, suiteErr := suite.wait()
	t.Logf("the copy's suite: %v", suite.elapsed().Round(time.Millisecond))
	t.Run("the client sends the operation and the field", func(t *testing.T) {
		if out, ok := testOutcome(events, "api", "TestSpecChange"); !ok {
			t.Errorf("api/zz_specchange_test.go's TestSpecChange did not pass in the copy's suite:\n%s%s", out, suite.stderr.String())
		}
	})
	t.Run("failing tests name the change", func(t *testing.T) {
		checkSpecChangeFailures(t, events)
		if t.Failed() {
			t.Logf("go test: %v\n%s", suiteErr, suite.stderr.String())
		}
	})
}

// suiteRun is the copy's test suite, running.
type suiteRun struct {
	cmd            *exec.Cmd
	stdout, stderr strings.Builder
	done           bool
	start, end     time.Time
}

// elapsed is how long the suite ran, for the log.
func (s *suiteRun) elapsed() time.Duration { return s.end.Sub(s.start) }

// startSuite starts `go test -short -json` on pkgs in dir; the test's
// cleanup ends it if wait was not reached.
func startSuite(t *testing.T, dir string, pkgs []string) *suiteRun {
	t.Helper()
	s := &suiteRun{cmd: exec.Command("go", append([]string{"test", "-short", "-count=1", "-vet=off", "-json"}, pkgs...)...)}
	s.cmd.Dir = dir
	// The docs are not beside the copy: their tests skip, not fail.
	s.cmd.Env = append(os.Environ(), "CI=", "GOFLAGS=-mod=readonly")
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.stderr
	s.start = time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !s.done {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
	})
	return s
}

// wait returns the suite's events; a failing test exits 1, so the error
// is for the log: the events tell.
func (s *suiteRun) wait() ([]byte, error) {
	err := s.cmd.Wait()
	s.done, s.end = true, time.Now()
	return []byte(s.stdout.String()), err
}

// testOutcome reads go test -json's events: the output of test in pkg
// (relative to the module), and whether it passed.
func testOutcome(events []byte, pkg, test string) (string, bool) {
	type event struct{ Action, Package, Test, Output string }
	const module = "github.com/finicity-go/connect-components"
	var out strings.Builder
	passed := false
	dec := json.NewDecoder(strings.NewReader(string(events)))
	for {
		var e event
		if dec.Decode(&e) != nil {
			break
		}
		if e.Package != module+"/"+pkg || (e.Test != test && !strings.HasPrefix(e.Test, test+"/")) {
			continue
		}
		out.WriteString(e.Output)
		if e.Test == test && e.Action == "pass" {
			passed = true
		}
	}
	return out.String(), passed
}

// checkSpecChangeFailures reads go test -json's events: each failing test
// must be one of specChangeFailures and its output must name the change
// and the file to edit, or an Example a failing one of its package names;
// each of specChangeFailures must fail; a package must not fail outside
// its tests (a build failure, a panic in TestMain). The packages of
// specChangePending and the tests of specChangePendingTests are only
// logged, and must still fail.
func checkSpecChangeFailures(t testing.TB, events []byte) {
	t.Helper()
	type event struct{ Action, Package, ImportPath, Test, Output string }
	const module = "github.com/finicity-go/connect-components"
	output := map[string]*strings.Builder{} // by "pkg Test" (subtests in their test's) and by "pkg"
	failed := map[string]bool{}
	ran := 0 // top-level tests that passed or failed
	var order []string
	dec := json.NewDecoder(strings.NewReader(string(events)))
	for {
		var e event
		if err := dec.Decode(&e); err != nil {
			if err != io.EOF {
				t.Fatalf("go test -json: %v\n%s", err, events)
			}
			break
		}
		// A build failure's events name the package as "path [path.test]".
		pkg, _, _ := strings.Cut(cmp.Or(e.Package, e.ImportPath), " ")
		pkg = strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		key := pkg
		if e.Test != "" {
			key += " " + strings.SplitN(e.Test, "/", 2)[0]
		}
		if output[key] == nil {
			output[key] = &strings.Builder{}
		}
		output[key].WriteString(e.Output)
		if e.Test != "" && !strings.Contains(e.Test, "/") && (e.Action == "pass" || e.Action == "fail") {
			ran++
		}
		if e.Action == "fail" && !strings.Contains(e.Test, "/") && !failed[key] {
			failed[key] = true
			order = append(order, key)
		}
	}
	// A pending package's failures are logged, not counted; so are a
	// pending test's.
	all := order
	pendingFailed := map[string][]string{}
	pendingTestFailed := map[string]bool{}
	kept := order[:0:0]
	for _, key := range order {
		pkg, test, _ := strings.Cut(key, " ")
		if _, pending := specChangePending[pkg]; pending {
			pendingFailed[pkg] = append(pendingFailed[pkg], cmp.Or(test, "(outside its tests)"))
			continue
		}
		if slices.ContainsFunc(specChangePendingTests, func(p struct{ pkg, test, why string }) bool { return p.pkg == pkg && p.test == test }) {
			pendingTestFailed[key] = true
			continue
		}
		kept = append(kept, key)
	}
	order = kept
	pkgs := make([]string, 0, len(specChangePending))
	for pkg := range specChangePending {
		pkgs = append(pkgs, pkg)
	}
	slices.Sort(pkgs)
	for _, pkg := range pkgs {
		if len(pendingFailed[pkg]) == 0 {
			t.Errorf("package %s passes after the spec change, but specChangePending lists it (%s): take it out there, in specchange_test.go", pkg, specChangePending[pkg])
			continue
		}
		t.Logf("pending: package %s (%s) fails after the spec change in %d tests, not counted: %s", pkg, specChangePending[pkg], len(pendingFailed[pkg]), strings.Join(pendingFailed[pkg], " "))
	}
	for _, p := range specChangePendingTests {
		if !pendingTestFailed[p.pkg+" "+p.test] {
			t.Errorf("%s of %s passes after the spec change, but specChangePendingTests lists it (%s): take it out there, in specchange_test.go", p.test, p.pkg, p.why)
			continue
		}
		t.Logf("pending: %s of %s fails after the spec change, not counted (%s)", p.test, p.pkg, p.why)
	}

	expected := map[string]bool{}
	for _, f := range specChangeFailures {
		key := f.pkg + " " + f.test
		expected[key] = true
		if !failed[key] {
			t.Errorf("%s of %s does not fail after the spec change, but specChangeFailures lists it (%s): remove it there, in specchange_test.go", f.test, f.pkg, f.why)
			continue
		}
		text := output[key].String()
		if !slices.ContainsFunc(specChangeNames, func(n string) bool { return strings.Contains(text, n) }) || !strings.Contains(text, f.file) {
			t.Errorf("%s of %s fails after the spec change without naming it (one of %q) and %s, the file to edit:\n%s", f.test, f.pkg, specChangeNames, f.file, text)
		}
	}
	for _, key := range order {
		if expected[key] {
			continue
		}
		pkg, test, _ := strings.Cut(key, " ")
		if test == "" {
			// A package fails outside its tests only when it does not
			// build, or its TestMain or init fails: say what it printed.
			if !slices.ContainsFunc(all, func(k string) bool { return strings.HasPrefix(k, key+" ") }) {
				t.Errorf("package %s fails after the spec change outside its tests:\n%s", cmp.Or(pkg, "."), output[key])
			}
			continue
		}
		if text := output[key].String(); namesOtherSpecLocation(text) {
			// The spec already had what this test reports (an imported
			// spec's broken example, say): it names the spec location to
			// edit, not the change, as before the change.
			t.Logf("%s of %s fails naming a spec location the change did not touch (the spec's own, as before the change):\n%s", test, cmp.Or(pkg, "."), text)
			continue
		}
		if strings.HasPrefix(test, "Example") && slices.ContainsFunc(specChangeFailures, func(f struct{ pkg, test, file, why string }) bool {
			return f.pkg == pkg && failed[pkg+" "+f.test] && strings.Contains(output[pkg+" "+f.test].String(), test)
		}) {
			t.Logf("%s of %s fails after the spec change, as a listed failure of its package says", test, cmp.Or(pkg, "."))
			continue
		}
		t.Errorf("%s of %s fails after the spec change: make it derive what it checks from the spec, or, if it must fail, "+
			"name the field or operation and the file to edit and add it to specChangeFailures in specchange_test.go:\n%s", test, cmp.Or(pkg, "."), output[key])
	}
	if ran == 0 {
		t.Errorf("no test ran on the changed copy")
	}
	t.Logf("%d tests ran on the changed copy", ran)
	for _, f := range specChangeFailures {
		t.Logf("expected: %s of %s fails naming the change and %s (%s)", f.test, f.pkg, f.file, f.why)
	}
}

// namesOtherSpecLocation reports whether a failing test's output names a
// location of openapi.yaml to edit and nothing the change adds: a failure
// the spec had before the change.
func namesOtherSpecLocation(text string) bool {
	// What the test said: go test's own lines (=== RUN, --- PASS) name
	// the subtests that ran, the change's among them.
	var said strings.Builder
	for _, l := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(l); !strings.HasPrefix(t, "=== ") && !strings.HasPrefix(t, "--- ") {
			said.WriteString(l + "\n")
		}
	}
	text = said.String()
	if !strings.Contains(text, "openapi.yaml#") || strings.Contains(text, "panic:") {
		return false
	}
	for _, n := range slices.Concat(specChangeNames, []string{"ConfigurationUsage", "~1usage"}) {
		if strings.Contains(text, n) {
			return false
		}
	}
	return true
}

// TestCheckSpecChangeFailures: the reading of go test -json's events
// refuses each way a suite can fail after the change but the expected
// one: a listed test whose message does not name the change or its file,
// a test not listed (a failing subtest counts as its test), an Example no
// listed failure names, a package that does not build, a listed test that
// does not fail, a pending package or pending test that passes, and a
// failure beside a pending test in its package, a failure naming the
// spec location of the change; it accepts an Example a listed failure
// names, any failure of a pending package, a pending test's failure (with
// its package's), and a failure naming only a spec location the change
// did not touch (the spec's own).
func TestCheckSpecChangeFailures(t *testing.T) {
	const m = "github.com/finicity-go/connect-components"
	ev := func(pkg, test, action, output string) string {
		b, _ := json.Marshal(map[string]string{"Package": m + pkg, "Test": test, "Action": action, "Output": output})
		return string(b) + "\n"
	}
	pendingFail := ""
	var pending []string
	for pkg := range specChangePending {
		pending = append(pending, pkg)
		pendingFail += ev("/"+pkg, "TestAnything", "fail", "") + ev("/"+pkg, "", "fail", "")
	}
	slices.Sort(pending)
	for _, p := range specChangePendingTests {
		pendingFail += ev("/"+p.pkg, p.test+"/sub", "fail", "") + ev("/"+p.pkg, p.test, "fail", "") + ev("/"+p.pkg, "TestFine", "pass", "") + ev("/"+p.pkg, "", "fail", "")
	}
	first, second := specChangeFailures[0], specChangeFailures[1]
	events := ev("/"+first.pkg, first.test, "output", "no GetConfigurationUsage example (ExampleNamed): add it to "+first.file+"\n") +
		ev("/"+first.pkg, first.test, "fail", "") +
		ev("/"+first.pkg, "ExampleNamed", "fail", "") +
		ev("/"+first.pkg, "ExampleUnnamed", "fail", "") +
		ev("/cmd/x", "TestGolden/sub", "output", "want 8 operations\n") +
		ev("/cmd/x", "TestGolden/sub", "fail", "") +
		ev("/cmd/x", "TestGolden", "fail", "") +
		ev("/cmd/x", "TestFine", "pass", "") +
		ev("/cmd/x", "TestSpecOwn", "output", "    x_test.go:3: openapi.yaml#/paths/~1customers/get/responses/400: code: value must be an object\n") +
		ev("/cmd/x", "TestSpecOwn/GetConfigurationUsage", "output", "=== RUN   TestSpecOwn/GetConfigurationUsage\n") +
		ev("/cmd/x", "TestSpecOwn/GetConfigurationUsage", "output", "--- PASS: TestSpecOwn/GetConfigurationUsage\n") +
		ev("/cmd/x", "TestSpecOwn", "fail", "") +
		ev("/cmd/x", "TestOfTheChange", "output", "    x_test.go:3: openapi.yaml#/paths/~1connect-components~1configurations~1{configuration_id}~1usage/get: GetConfigurationUsage is broken\n") +
		ev("/cmd/x", "TestOfTheChange", "fail", "") +
		ev("/cmd/x", "", "fail", "") +
		`{"ImportPath":"` + m + `/internal/y [` + m + `/internal/y.test]","Action":"build-output","Output":"undefined: ConfigurationUsage\n"}` + "\n" +
		ev("/internal/y", "", "fail", "") +
		pendingFail
	rec := &recordingTB{TB: t}
	checkSpecChangeFailures(rec, []byte(events))
	want := []string{
		second.test + " of " + second.pkg + " does not fail",
		"ExampleUnnamed of " + first.pkg + " fails after the spec change",
		"TestGolden of cmd/x fails after the spec change",
		"TestOfTheChange of cmd/x fails after the spec change",
		"package internal/y fails after the spec change outside its tests:\nundefined: ConfigurationUsage",
	}
	if len(rec.errors) != len(want) {
		t.Fatalf("%d errors, want %d:\n%s", len(rec.errors), len(want), strings.Join(rec.errors, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(rec.errors[i], w) {
			t.Errorf("error %d:\n%s\nwant it to contain %q", i, rec.errors[i], w)
		}
	}
	if !strings.Contains(rec.errors[2], "want 8 operations") {
		t.Errorf("the unexpected failure's message lacks its output: %s", rec.errors[2])
	}

	rec = &recordingTB{TB: t}
	checkSpecChangeFailures(rec, []byte(ev("/"+second.pkg, second.test, "output", "want 3 more cases\n")+ev("/"+second.pkg, second.test, "fail", "")+pendingFail))
	if len(rec.errors) != 2 || !strings.Contains(rec.errors[0], first.test+" of "+first.pkg+" does not fail") ||
		!strings.Contains(rec.errors[1], second.test+" of "+second.pkg+" fails after the spec change without naming it") {
		t.Errorf("a listed failure not naming the change:\n%s", strings.Join(rec.errors, "\n"))
	}

	if len(pending) > 0 || len(specChangePendingTests) > 0 {
		rec = &recordingTB{TB: t}
		checkSpecChangeFailures(rec, []byte(strings.ReplaceAll(pendingFail, `"Action":"fail"`, `"Action":"pass"`)))
		errs := strings.Join(rec.errors, "\n")
		if len(pending) > 0 && !strings.Contains(errs, "package "+pending[0]+" passes after the spec change, but specChangePending lists it") {
			t.Errorf("a pending package that passes:\n%s", errs)
		}
		if p := specChangePendingTests; len(p) > 0 && !strings.Contains(errs, p[0].test+" of "+p[0].pkg+" passes after the spec change, but specChangePendingTests lists it") {
			t.Errorf("a pending test that passes:\n%s", errs)
		}
	}
	// Beside a pending test, any other failure of its package counts.
	if p := specChangePendingTests; len(p) > 0 {
		rec = &recordingTB{TB: t}
		events := pendingFail + ev("/"+first.pkg, first.test, "output", "GetConfigurationUsage: "+first.file+"\n") + ev("/"+first.pkg, first.test, "fail", "") +
			ev("/"+second.pkg, second.test, "output", "channel: "+second.file+"\n") + ev("/"+second.pkg, second.test, "fail", "") +
			ev("/"+p[0].pkg, "TestNotPending", "output", "want 3\n") + ev("/"+p[0].pkg, "TestNotPending", "fail", "")
		checkSpecChangeFailures(rec, []byte(events))
		if len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "TestNotPending of "+p[0].pkg+" fails after the spec change") {
			t.Errorf("a failure beside a pending test:\n%s", strings.Join(rec.errors, "\n"))
		}
	}
}

// recordingTB records what a check reports instead of failing the test.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Logf(string, ...any)       {}
func (r *recordingTB) Errorf(f string, a ...any) { r.errors = append(r.errors, fmt.Sprintf(f, a...)) }

// specChangeClientTest runs in the copy's package api: the new operation
// goes out with its path, query and header parameters and its answer is
// decoded; the new field is sent.
const specChangeClientTest = `package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
)

func TestSpecChange(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Request-Id")+" "+string(body))
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(201)
			_, _ = w.Write([]byte(` + "`" + `{"id":"605543e1-f507-48ad-8127-95c40566597b","experience":"x"}` + "`" + `))
			return
		}
		_, _ = w.Write([]byte(` + "`" + `{"configurationId":"605543e1-f507-48ad-8127-95c40566597b","loginForms":3,"note":null}` + "`" + `))
	}))
	defer srv.Close()
	c, err := api.NewClient("key", api.WithAppToken("token"), api.WithBaseURL(srv.URL), api.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id := api.MustParseUUID("605543e1-f507-48ad-8127-95c40566597b")
	since := time.Date(2024, 11, 28, 18, 25, 32, 0, time.UTC)
	reqID := "req-1"
	u, err := c.Configurations.Usage(ctx, id, api.ConfigurationsUsageParams{Since: &since, XRequestID: &reqID})
	if err != nil || u.LoginForms != 3 || u.ConfigurationID != id {
		t.Fatalf("Usage: %+v, %v", u, err)
	}
	if _, err := c.Configurations.Usage(ctx, id, api.ConfigurationsUsageParams{}); err != nil {
		t.Fatalf("Usage without parameters: %v", err)
	}
	if _, err := c.Configurations.Usage(ctx, api.UUID{}, api.ConfigurationsUsageParams{}); err == nil {
		t.Error("Usage with the zero configuration id was sent")
	}
	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{Experience: "x", Channel: "web"})
	if err != nil || cfg.Experience != "x" {
		t.Fatalf("Create: %+v, %v", cfg, err)
	}
	_, err = c.Configurations.Create(ctx, api.ConfigurationParams{Experience: "x"})
	if ve, ok := errors.AsType[*api.ValidationError](err); !ok || ve.Location != "body" || ve.Field != "channel" {
		t.Errorf("Create without the required channel: got %v, want it refused naming channel", err)
	}
	want := []string{
		"GET /connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b/usage?since=2024-11-28T18%3A25%3A32Z req-1 ",
		"GET /connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b/usage  ",
		` + "`" + `POST /connect-components/configurations  {"channel":"web","experience":"x"}` + "`" + `,
	}
	if b, w := zzJSON(got), zzJSON(want); b != w {
		t.Errorf("requests:\n got %s\nwant %s", b, w)
	}
}

func zzJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
`

// specChangeSandboxTest runs in the copy of testdata/usermodule, another
// module: the field round-trips through the kit's sandbox (create, get,
// list), and the operation answers there, with its documented example,
// recorded under its api method with its status.
const specChangeSandboxTest = `package usermodule

import (
	"context"
	"fmt"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
)

func TestSpecChange(t *testing.T) {
	srv := connecttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{Experience: "x", Channel: "web"})
	if err != nil || cfg.Experience != "x" {
		t.Fatalf("Create: %+v, %v", cfg, err)
	}
	got, err := c.Configurations.Get(ctx, cfg.ID)
	if err != nil || got.Experience != "x" {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	list, err := c.Configurations.List(ctx)
	if err != nil || len(list) != 1 || list[0].Experience != "x" {
		t.Fatalf("List: %+v, %v", list, err)
	}
	reqID := "req-1"
	u, err := c.Configurations.Usage(ctx, cfg.ID, api.ConfigurationsUsageParams{XRequestID: &reqID})
	if err != nil || u.LoginForms != 3 || u.Note != "" || u.ConfigurationID.String() != "605543e1-f507-48ad-8127-95c40566597b" {
		t.Fatalf("Usage: %+v, %v; want the documented example", u, err)
	}
	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Operation)
	}
	if want := "Configurations.Create Configurations.Get Configurations.List Configurations.Usage"; fmt.Sprint(ops) != "["+want+"]" {
		t.Errorf("requests %q, want %s", ops, want)
	}
}
`

// copyModule copies the module (its files, without .git, nested modules
// and build output) into a temp dir, so generation there changes nothing
// here.
func copyModule(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	copyTree(t, ".", dst)
	return dst
}

// copyTree copies the regular files under src to dst, skipping hidden
// files and directories and nested modules below src.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if rel != "." && (strings.HasPrefix(d.Name(), ".") || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
