package connectcomponents_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
	// Every test of the module that fails after the change names the new
	// field or operation: the whole suite on the copy (slow), instead of
	// the generator's own packages (the root and api). Off: on main at
	// 08:45 UTC, tests of api/connecttest (a golden operation list,
	// connecttest_test.go:503), cmd/finicity-connect (conformance_test.go,
	// proxy_test.go) and internal/conformance use "experience" as their
	// example of a field the spec lacks, or list the operations, and fail
	// without naming the change.
	specChangeSuite = false
)

// specChange is the edit a user makes to openapi.yaml: an optional field
// on the configuration, and a new operation with an optional query
// parameter, an optional header parameter and a new response schema (with
// a nullable required field, an optional pointer field and a nested model,
// so that every branch of the generated checks compiles).
var specChange = []struct {
	anchor, insert string
	after          bool // insert after the anchor, not before
}{
	{ // the field, on the configuration and on its create body
		anchor: "        aoRequired:\n          type: boolean\n          x-go-name: AORequired\n          default: false\n          description: |\n",
		insert: "        experience:\n          type: string\n          description: Name of the Connect experience to show the end user.\n",
	},
	{
		anchor: "        aoRequired:\n          type: boolean\n          x-go-name: AORequired\n          default: false\n          description: As in Configuration.\n",
		insert: "        experience:\n          type: string\n          description: As in Configuration.\n",
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
            x-go-type-skip-optional-pointer: false
        - name: X-Request-Id
          in: header
          required: false
          description: An identifier the API echoes in its logs.
          schema:
            type: string
            x-go-type-skip-optional-pointer: false
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

// TestSpecChange makes the change above to a copy of the module in a temp
// dir, runs the generators (`go generate`, as `make generate` does) and
// nothing else, then checks that the module builds and vets, that go doc
// shows the new method and field, and that the generated client sends the
// new operation with its query and header parameters (oapi-codegen's own
// client: the first query or header parameter used to break generation).
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
	spec := string(b)
	for _, c := range specChange {
		if strings.Count(spec, c.anchor) != 1 {
			t.Fatalf("openapi.yaml changed: the anchor %q no longer appears once; update specChange in specchange_test.go", c.anchor)
		}
		if c.after {
			spec = strings.Replace(spec, c.anchor, c.anchor+c.insert, 1)
		} else {
			spec = strings.Replace(spec, c.anchor, c.insert+c.anchor, 1)
		}
	}
	if err := os.WriteFile(specPath, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}

	run := func(t *testing.T, name string, args ...string) string {
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
	run(t, "go", "generate", "./...")

	t.Run("builds and vets", func(t *testing.T) {
		run(t, "go", "build", "./...")
		run(t, "go", "vet", "./...")
	})
	t.Run("go doc shows the method and the field", func(t *testing.T) {
		for _, c := range []struct{ symbol, want string }{
			{"ConfigurationsService.Usage", "func (s *ConfigurationsService) Usage(ctx context.Context, configurationID UUID, params ConfigurationsUsageParams, opts ...CallOption) (*ConfigurationUsage, error)"},
			{"ConfigurationsUsageParams", "Since (since, *time.Time, optional): Count only the uses from this time on."},
			{"ConfigurationsUsageParams", "XRequestID (X-Request-Id, *string, optional)"},
			{"ConfigurationUsage", "LoginForms (loginForms, int, required): Login forms created with the configuration."},
			{"ConfigurationParams", "Experience (experience, string, optional): As in Configuration."},
			{"Configuration", "Experience (experience, string, optional): Name of the Connect experience"},
		} {
			// go doc rewraps comment text: compare with spaces collapsed.
			if out := run(t, "go", "doc", "./api", c.symbol); !strings.Contains(strings.Join(strings.Fields(out), " "), c.want) {
				t.Errorf("go doc api.%s lacks %q:\n%s", c.symbol, c.want, out)
			}
		}
	})
	t.Run("the client sends the operation and the field", func(t *testing.T) {
		writeFile(t, filepath.Join(dir, "api", "zz_specchange_test.go"), specChangeClientTest)
		run(t, "go", "test", "-count=1", "-run", "^TestSpecChange", "./api")
	})
	t.Run("the sandbox stores the field and answers the operation", func(t *testing.T) {
		if !specChangeSandbox {
			t.Skip("specChangeSandbox is off: turn it on once the spec-driven sandbox is on main")
		}
		writeFile(t, filepath.Join(dir, "api", "connecttest", "zz_specchange_test.go"), specChangeSandboxTest)
		run(t, "go", "test", "-count=1", "-run", "^TestSpecChange", "./api/connecttest")
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
		out := run(t, bin, "configurations", "create", "--sandbox", "--experience", "x")
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
	t.Run("failing tests name the change", func(t *testing.T) {
		// The packages this generator's work is tested in; with
		// specChangeSuite, every package of the module.
		pkgs := []string{".", "./api"}
		if specChangeSuite {
			pkgs = []string{"./..."}
		}
		cmd := exec.Command("go", append([]string{"test", "-short", "-count=1"}, pkgs...)...)
		cmd.Dir = dir
		// The docs are not beside the copy: their tests skip, not fail.
		cmd.Env = append(os.Environ(), "CI=")
		out, err := cmd.CombinedOutput()
		if err == nil {
			return
		}
		named := 0
		for _, line := range strings.Split(string(out), "\n") {
			line = strings.TrimSpace(line)
			if !strings.Contains(line, "_test.go:") || strings.HasPrefix(line, "---") {
				continue
			}
			if strings.Contains(line, "experience") || strings.Contains(line, "GetConfigurationUsage") || strings.Contains(line, "Usage") {
				named++
				continue
			}
			t.Errorf("a failure after the spec change names neither the field nor the operation:\n%s", line)
		}
		if named == 0 {
			t.Errorf("go test failed with no message naming the change:\n%s", out)
		}
		t.Logf("%d failure messages, each naming the change (tests asking for a case or an example of the new operation)", named)
	})
}

// specChangeClientTest runs in the copy's package api: the new operation
// goes out with its path, query and header parameters and its answer is
// decoded; the new field is sent.
const specChangeClientTest = `package api_test

import (
	"context"
	"encoding/json"
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
	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{Experience: "x"})
	if err != nil || cfg.Experience != "x" {
		t.Fatalf("Create: %+v, %v", cfg, err)
	}
	want := []string{
		"GET /connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b/usage?since=2024-11-28T18%3A25%3A32Z req-1 ",
		"GET /connect-components/configurations/605543e1-f507-48ad-8127-95c40566597b/usage  ",
		` + "`" + `POST /connect-components/configurations  {"experience":"x"}` + "`" + `,
	}
	if b, _ := json.Marshal(got); string(b) != mustJSON(want) {
		t.Errorf("requests:\n got %s\nwant %s", b, mustJSON(want))
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }
`

// specChangeSandboxTest runs in the copy's package connecttest: the field
// round-trips through the sandbox, and the operation answers there.
const specChangeSandboxTest = `package connecttest_test

import (
	"context"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
)

func TestSpecChange(t *testing.T) {
	srv := connecttest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{Experience: "x"})
	if err != nil || cfg.Experience != "x" {
		t.Fatalf("Create: %+v, %v", cfg, err)
	}
	got, err := c.Configurations.Get(ctx, cfg.ID)
	if err != nil || got.Experience != "x" {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	if _, err := c.Configurations.Usage(ctx, cfg.ID, api.ConfigurationsUsageParams{}); err != nil {
		t.Fatalf("Usage: %v", err)
	}
}
`

// copyModule copies the module (its files, without .git, nested modules
// and build output) into a temp dir, so generation there changes nothing
// here.
func copyModule(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, path), 0o755)
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, path), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
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
