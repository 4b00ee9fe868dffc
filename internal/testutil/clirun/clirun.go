// Package clirun runs finicity-connect's command line in tests, in
// process: what a run exited with and printed (Outcome), and the
// environments that point it at a sandbox, a fake API or a state file of
// the test's own.
package clirun

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// The environment variables of the command line (internal/cli's), as a
// user sets them.
const (
	EnvAppKey       = "FINICITY_APP_KEY"
	EnvAppToken     = "FINICITY_APP_TOKEN"
	EnvBaseURL      = "FINICITY_BASE_URL"
	EnvSandboxState = "FINICITY_SANDBOX_STATE"
)

// Main is a whole run of the command line but os.Exit: its exit code.
type Main func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, env func(string) string) int

// Outcome is what one run produced.
type Outcome struct {
	Code           int
	Stdout, Stderr string
}

// Run runs args with main, in process, with exactly the environment env
// and an empty stdin.
func Run(t testing.TB, main Main, env map[string]string, args ...string) Outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := main(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	return Outcome{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
}

// Expect checks the exit code, and that stdout and stderr contain each
// fragment given ("" asserts the stream is empty).
func (o Outcome) Expect(t testing.TB, code int, stdoutHas, stderrHas []string) {
	t.Helper()
	if o.Code != code {
		t.Errorf("exit code: got %d, want %d\nstdout: %s\nstderr: %s", o.Code, code, o.Stdout, o.Stderr)
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
	check("stdout", o.Stdout, stdoutHas)
	check("stderr", o.Stderr, stderrHas)
}

// Decode parses stdout as JSON into v.
func (o Outcome) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(o.Stdout), v); err != nil {
		t.Fatalf("stdout is not the expected JSON: %v\n%s", err, o.Stdout)
	}
}

// ConfigurationIDs checks that a configurations list run succeeded with
// nothing on stderr, and returns the ids it printed, in order.
func (o Outcome) ConfigurationIDs(t testing.TB) []string {
	t.Helper()
	o.Expect(t, 0, nil, []string{""})
	var list []api.Configuration
	o.Decode(t, &list)
	ids := []string{}
	for _, c := range list {
		ids = append(ids, c.ID.String())
	}
	return ids
}

// With is env with the variables of kv (name, value, ...) set, or unset
// where the value is "".
func With(env map[string]string, kv ...string) map[string]string {
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

// SandboxServer serves a fresh sandbox on 127.0.0.1, failing t on any
// answer that violates the spec, and returns the environment that points
// the command line at it.
func SandboxServer(t testing.TB, opts ...sandbox.Option) map[string]string {
	t.Helper()
	opts = append([]sandbox.Option{sandbox.WithResponseValidation(func(err error) { t.Errorf("%v", err) })}, opts...)
	srv := httptest.NewServer(sandbox.New(opts...))
	t.Cleanup(srv.Close)
	return map[string]string{EnvAppKey: "e2e-app-key", EnvAppToken: "e2e-app-token", EnvBaseURL: srv.URL}
}

// Exchange is one request a fake API received.
type Exchange struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// FakeAPI serves answer on 127.0.0.1 and records every request whole; it
// returns the environment that points the command line at it (an app key
// and token of its own) and the requests received so far. The Date
// header is dropped, so that answers are byte for byte predictable.
func FakeAPI(t testing.TB, answer http.HandlerFunc) (env map[string]string, received func() []Exchange) {
	t.Helper()
	var mu sync.Mutex
	var got []Exchange
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read request body: %v", err)
		}
		mu.Lock()
		got = append(got, Exchange{r.Method, r.URL.Path, r.Header.Clone(), string(body)})
		mu.Unlock()
		w.Header()["Date"] = nil
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	env = map[string]string{EnvAppKey: "fake-app-key", EnvAppToken: "fake-app-token", EnvBaseURL: srv.URL}
	return env, func() []Exchange {
		mu.Lock()
		defer mu.Unlock()
		return append([]Exchange(nil), got...)
	}
}

// Reply answers status with a JSON body.
func Reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// FreshState is an environment naming a state file in a new temporary
// directory, not yet created.
func FreshState(t testing.TB) map[string]string {
	t.Helper()
	return map[string]string{EnvSandboxState: filepath.Join(t.TempDir(), "state.json")}
}
