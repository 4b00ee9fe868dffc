package main

// The tests of the command end to end: through run (the whole program
// but os.Exit) or as a real process (this test binary run as the command:
// TestMain), for the exit codes, the help, the ready lines and signals.
// What each command does is tested in its package (internal/cli,
// internal/proxy, internal/servedsandbox, internal/harcheck,
// internal/tour, internal/statefile).

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
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
	o.Expect(t, 0, nil, []string{""})
	o.Decode(t, &cfg)
	return cfg.ID.String()
}

// listIDs runs configurations list --sandbox and returns the ids.
func listIDs(t *testing.T, env map[string]string) []string {
	t.Helper()
	return cliRun(t, env, sandboxVerb(t, "list")...).ConfigurationIDs(t)
}

// outcome is what one in-process run of the CLI produced.
type outcome = clirun.Outcome

// cliRun runs the CLI in process with exactly the environment env.
func cliRun(t *testing.T, env map[string]string, args ...string) outcome {
	t.Helper()
	return clirun.Run(t, run, env, args...)
}
