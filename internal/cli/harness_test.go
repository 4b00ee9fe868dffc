package cli

import (
	"context"
	"io"
	"os"
	"sync"
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

// run runs a command line of the API commands, as the command's main
// does.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int {
	return Run(ctx, allCommands(), args, stdin, stdout, stderr, env)
}

// apiCommands is Commands with none of its own, made once.
var apiCommands = sync.OnceValues(func() ([]Command, error) { return Commands() })

// allCommands are the commands the tests run: the API commands alone
// (Commands with none of its own; cmd/finicity-connect adds the others).
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
