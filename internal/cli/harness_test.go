package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/sandbox"
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
	return map[string]string{
		EnvAppKey:   "e2e-app-key",
		EnvAppToken: "e2e-app-token",
		EnvBaseURL:  srv.URL,
	}
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
