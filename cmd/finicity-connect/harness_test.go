package main

// The tests of the command end to end: through run (the whole program
// but os.Exit) or as a real process (this test binary run as the command:
// TestMain), for the exit codes, the help, the ready lines and signals.
// What each command does is tested in its package (internal/cli,
// internal/proxy, internal/servedsandbox, internal/harcheck,
// internal/tour, internal/statefile).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// The test binary runs as the command when envRunAsMain is 1 (see
// TestMain), with the arguments in envRunAsMainArgs, a JSON list.
const (
	envRunAsMain     = "FINICITY_CONNECT_TEST_AS_MAIN"
	envRunAsMainArgs = "FINICITY_CONNECT_TEST_ARGS"
)

// realHome is the environment's own HOME, XDG_CACHE_HOME and
// LocalAppData, for the go command a test runs (its build cache and
// module cache live there); realEnv is the environment with them.
var realHome []string

func realEnv() []string {
	return append(os.Environ(), realHome...)
}

// TestMain runs the test binary as the command for the tests that need a
// real process (signals, a closed pipe). Otherwise it leaves the tests no
// user cache directory, so that a test that does not name its state file
// fails ("no place for the sandbox state") rather than write to the real
// one.
func TestMain(m *testing.M) {
	if os.Getenv(envRunAsMain) == "1" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv(envRunAsMainArgs)), &args); err != nil {
			fmt.Fprintln(os.Stderr, "the arguments of the test binary run as the command:", err)
			os.Exit(1)
		}
		os.Args = append(os.Args[:1], args...)
		main()
	}
	for _, k := range []string{"HOME", "XDG_CACHE_HOME", "LocalAppData"} {
		if v, ok := os.LookupEnv(k); ok {
			realHome = append(realHome, k+"="+v)
		}
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// asProcess is a command that runs the CLI in a process of its own, with
// the state file of env.
func asProcess(t *testing.T, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	encoded, err := json.Marshal(args) // any argument, spaces included
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envRunAsMain+"=1", envRunAsMainArgs+"="+string(encoded),
		cli.EnvSandboxState+"="+env[cli.EnvSandboxState])
	return cmd
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode()
	}
	t.Fatalf("the process did not exit normally: %v", err)
	return -1
}

// outcome is what one in-process run of the CLI produced.
type outcome struct {
	code           int
	stdout, stderr string
}

// cliRun runs the CLI in process with exactly the environment env.
func cliRun(t *testing.T, env map[string]string, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// sandboxServer serves a fresh sandbox on 127.0.0.1, failing t on any
// answer that violates the spec, and returns the environment that points
// the CLI at it.
func sandboxServer(t *testing.T, opts ...sandbox.Option) map[string]string {
	t.Helper()
	opts = append([]sandbox.Option{sandbox.WithResponseValidation(func(err error) { t.Errorf("%v", err) })}, opts...)
	srv := httptest.NewServer(sandbox.New(opts...))
	t.Cleanup(srv.Close)
	return map[string]string{cli.EnvAppKey: "e2e-app-key", cli.EnvAppToken: "e2e-app-token", cli.EnvBaseURL: srv.URL}
}

func with(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

// expect checks the exit code, and that stdout and stderr contain each
// fragment given ("" asserts the stream is empty).
func (o outcome) expect(t *testing.T, code int, stdoutHas, stderrHas []string) {
	t.Helper()
	if o.code != code {
		t.Errorf("exit code: got %d, want %d\nstdout: %s\nstderr: %s", o.code, code, o.stdout, o.stderr)
	}
	check := func(name, got string, want []string) {
		for _, w := range want {
			if w == "" && got != "" {
				t.Errorf("%s: want empty, got %q", name, got)
			}
			if !strings.Contains(got, w) {
				t.Errorf("%s: want it to contain %q, got %q", name, w, got)
			}
		}
	}
	check("stdout", o.stdout, stdoutHas)
	check("stderr", o.stderr, stderrHas)
}

// decode parses stdout as JSON into v.
func (o outcome) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(o.stdout), v); err != nil {
		t.Fatalf("stdout is not the expected JSON: %v\n%s", err, o.stdout)
	}
}

// exchange is one request a fake API received.
type exchange struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// fakeAPI serves answer on 127.0.0.1 and records every request whole.
func fakeAPI(t *testing.T, answer http.HandlerFunc) (env map[string]string, received func() []exchange) {
	t.Helper()
	var mu sync.Mutex
	var got []exchange
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read request body: %v", err)
		}
		mu.Lock()
		got = append(got, exchange{r.Method, r.URL.Path, r.Header.Clone(), string(body)})
		mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	env = map[string]string{cli.EnvAppKey: "fake-app-key", cli.EnvAppToken: "fake-app-token", cli.EnvBaseURL: srv.URL}
	return env, func() []exchange {
		mu.Lock()
		defer mu.Unlock()
		return append([]exchange(nil), got...)
	}
}

func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// freshState is an environment naming a state file in a new temporary
// directory, not yet created.
func freshState(t *testing.T) map[string]string {
	t.Helper()
	return map[string]string{cli.EnvSandboxState: filepath.Join(t.TempDir(), "state.json")}
}

// sandboxVerb is the command line of the configurations command verb
// ("list" or "create", the spec's example as its body) with --sandbox.
func sandboxVerb(t testing.TB, verb string) []string {
	t.Helper()
	switch verb {
	case "create":
		op := specexample.Op(t, specexample.CreateConfiguration)
		return append(strings.Fields(op.Command), "--sandbox", "--body", specexample.Body(t, specexample.CreateConfiguration, nil))
	case "list":
		return append(strings.Fields(specexample.Op(t, specexample.ListConfigurations).Command), "--sandbox")
	}
	t.Fatalf("no configurations %s in the tests' helpers", verb)
	return nil
}

// createdID runs configurations create --sandbox and returns the id.
func createdID(t *testing.T, env map[string]string) string {
	t.Helper()
	var cfg api.Configuration
	o := cliRun(t, env, sandboxVerb(t, "create")...)
	o.expect(t, 0, nil, []string{""})
	o.decode(t, &cfg)
	return cfg.ID.String()
}

// listIDs runs configurations list --sandbox and returns the ids.
func listIDs(t *testing.T, env map[string]string) []string {
	t.Helper()
	var list []api.Configuration
	o := cliRun(t, env, sandboxVerb(t, "list")...)
	o.expect(t, 0, nil, []string{""})
	o.decode(t, &list)
	ids := []string{}
	for _, c := range list {
		ids = append(ids, c.ID.String())
	}
	return ids
}
