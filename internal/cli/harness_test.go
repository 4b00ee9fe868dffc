package cli

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/finicity-go/connect-components/internal/testutil/clirun"
)

// TestMain leaves the tests no user cache directory, so that a test that
// does not name its state file fails ("no place for the sandbox state")
// rather than write to the real one; a test that needs one gives itself
// a temporary one (userCacheDir).
func TestMain(m *testing.M) {
	for _, k := range []string{"HOME", "XDG_CACHE_HOME", "LocalAppData"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

// testCommands are the commands the tests run: the API commands alone
// (Commands with none of its own; cmd/finicity-connect adds the others).
func testCommands(t testing.TB) []Command {
	t.Helper()
	cmds, err := apiCommands()
	if err != nil {
		t.Fatal(err)
	}
	return cmds
}

// run runs a command line of the API commands, as the command's main
// does.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	cmds, err := apiCommands()
	if err != nil {
		panic(err)
	}
	return Run(ctx, cmds, args, stdin, stdout, stderr, env)
}

// allCommands is every command the tests run.
func allCommands() []Command {
	cmds, err := apiCommands()
	if err != nil {
		panic(err)
	}
	return cmds
}

// outcome is what one in-process run of the CLI produced.
type outcome = clirun.Outcome

// cliRun runs the CLI in process with exactly the environment env.
func cliRun(t *testing.T, env map[string]string, args ...string) outcome {
	t.Helper()
	return clirun.Run(t, run, env, args...)
}
