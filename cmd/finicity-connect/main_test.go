package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/statefile"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// commandBody is the example body of the operation whose command is
// name, with the fields of set given (specexample.Body).
func commandBody(t *testing.T, name string, set map[string]any) string {
	t.Helper()
	for _, op := range specdoc.MustModel().Operations {
		if op.Command == name {
			return specexample.Body(t, op.ID, set)
		}
	}
	t.Fatalf("openapi.yaml has no operation whose command is %q, which %s runs: update the test", name, specexample.CallerFile())
	return ""
}

// errWriter fails every write, as a closed or full stdout does.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// TestHelp: every command of this package has --help with its summary,
// an example and its exit codes, on stdout, exit 0, flags written
// --name (internal/cli's tests cover the API commands'); the top-level
// help lists every command.
func TestHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.Name, func(t *testing.T) {
			o := cliRun(t, nil, append(strings.Fields(c.Name), "--help")...)
			o.Expect(t, 0, []string{c.Summary + "\n\nUsage:\n  finicity-connect " + c.Name, "\n\nExample:\n  finicity-connect ", "\nExit codes:\n  0  "}, []string{""})
			if c.ExitCodes != "" && !strings.HasSuffix(o.Stdout, "\n"+c.ExitCodes+"\n") {
				t.Errorf("help does not end with the command's exit codes:\n%s", o.Stdout)
			}
			if c.API && !strings.Contains(o.Stdout, "\n  --sandbox\n") {
				t.Errorf("an API command's help lacks the connection flags:\n%s", o.Stdout)
			}
			if single := regexp.MustCompile(`(?m)^\s+-[a-z]`).FindString(o.Stdout); single != "" {
				t.Errorf("help shows a flag with a single dash: %q in\n%s", single, o.Stdout)
			}
		})
	}
	// The flag list, exactly, for one command: names, types, defaults.
	o := cliRun(t, nil, "sandbox", "--help")
	wantFlags := "Flags:\n" +
		"  --addr string\n        address to listen on (default \"127.0.0.1:4010\")\n" +
		"  --check-tokens\n        accept only tokens this sandbox issued (partner authentication), expiring after --token-lifetime\n" +
		"  --header-timeout duration\n        close a connection whose request line and headers take longer (default 10s)\n" +
		"  --idle-timeout duration\n        close a keep-alive connection idle this long (default 1m0s)\n" +
		"  --max-body-bytes int\n        largest request body accepted (default 65536)\n" +
		"  --max-connections int\n        connections served at once; more wait until one closes (default 256)\n" +
		"  --max-state-bytes int\n        byte budget of the stored state; a create past it is refused (400, reason 10010); a --state file over it plus a quarter is refused (default 67108864)\n" +
		"  --read-timeout duration\n        close a connection whose whole request, body included, takes longer (default 30s)\n" +
		"  --shutdown-grace duration\n        on SIGINT/SIGTERM, let requests in flight finish this long, then close their connections (default 5s)\n" +
		"  --state string\n        load the sandbox's state from this file at start and save it there after each change (as --sandbox does); default: in memory only\n" +
		"  --strict\n        refuse every request off the spec with 400 and reason code 10010, what the API would ignore (a field it does not define) included\n" +
		"  --token-lifetime duration\n        lifetime of issued tokens (default 2h0m0s)\n" +
		"  --write-timeout duration\n        give up writing an answer after this long (default 30s)\n" +
		"\nExit codes:"
	o.Expect(t, 0, []string{wantFlags}, []string{""})
	o = cliRun(t, nil, "--help")
	for _, c := range allCommands() {
		o.Expect(t, 0, []string{"\n  " + c.Name + " "}, []string{""})
	}
	cliRun(t, nil).Expect(t, 2, []string{"Usage:"}, []string{""})
}

// TestVersion: the module version from the build information ("(devel)"
// from a checkout), the SDK version and Go's.
func TestVersion(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	cases := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"released", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/finicity-go/connect-components", Version: "v1.2.3"}},
			"finicity-connect v1.2.3\nSDK (api.Version) " + api.Version + "\nGo go1.26.8 " + platform + "\n"},
		{"checkout", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/finicity-go/connect-components", Version: "(devel)"}},
			"finicity-connect (devel)\nSDK (api.Version) " + api.Version + "\nGo go1.26.8 " + platform + "\n"},
		{"no version stamped", &debug.BuildInfo{GoVersion: "go1.26.8"},
			"finicity-connect (devel)\nSDK (api.Version) " + api.Version + "\nGo go1.26.8 " + platform + "\n"},
		{"no build information", nil,
			"finicity-connect unknown\nSDK (api.Version) " + api.Version + "\nGo " + runtime.Version() + " " + platform + "\n"},
	}
	defer func(orig func() (*debug.BuildInfo, bool)) { readBuildInfo = orig }(readBuildInfo)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			readBuildInfo = func() (*debug.BuildInfo, bool) { return tc.info, tc.info != nil }
			o := cliRun(t, nil, "version")
			if o.Code != 0 || o.Stdout != tc.want || o.Stderr != "" {
				t.Errorf("got exit %d, stderr %q, stdout\n%q\nwant\n%q", o.Code, o.Stderr, o.Stdout, tc.want)
			}
		})
	}
	cliRun(t, nil, "version", "extra").Expect(t, 2, []string{""}, []string{"finicity-connect version: unexpected argument \"extra\"\n"})
}

// TestSandboxCommand serves the sandbox on a free port, talks to it with
// the CLI, follows an OAuth URL to its redirect, and stops it the way
// SIGINT does (context cancellation).
func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := testutil.NewWatchedWriter(`\A(.*)\n`)
	var stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--check-tokens"}, strings.NewReader(""), stdout, &stderr, func(string) string { return "" })
	}()
	var line string
	select {
	case line = <-stdout.Found:
	case code := <-done:
		t.Fatalf("sandbox exited %d before its ready line: %q", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("no ready line: %q", stderr.String())
	}
	// The ready line, whole: what a harness in any language reads.
	var ready map[string]any
	if err := json.Unmarshal([]byte(line), &ready); err != nil {
		t.Fatalf("ready line %q: %v", line, err)
	}
	base, _ := ready["url"].(string)
	if want := map[string]any{"url": base, "pid": float64(os.Getpid()), "partnerId": "sandbox-partner", "tokenCheck": true}; !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9][0-9]*$`).MatchString(base) || !reflect.DeepEqual(ready, want) {
		t.Errorf("ready line %v, want %v", ready, want)
	}
	env := map[string]string{cli.EnvAppKey: "k", cli.EnvPartnerID: "sandbox-partner", cli.EnvPartnerSecret: "sandbox-secret", cli.EnvBaseURL: base}
	created := cliRun(t, env, "configurations", "create", "--body", specexample.Body(t, specexample.CreateConfiguration, nil))
	created.Expect(t, 0, []string{`"id"`}, []string{""})
	var cfg api.Configuration
	created.Decode(t, &cfg)
	cliRun(t, clirun.With(env, cli.EnvAppToken, "not-issued", cli.EnvPartnerID, ""), "configurations", "list").Expect(t, 1, nil, []string{"reason code 10022"})

	o := cliRun(t, env, "oauth-urls", "create", "1", "--body", commandBody(t, "oauth-urls create",
		map[string]any{"customerId": "c", "redirectURI": "https://partner.example/back", "configurationId": cfg.ID.String()}))
	var out api.OAuthURL
	if err := json.Unmarshal([]byte(o.Stdout), &out); err != nil || !strings.HasPrefix(out.URL, base+"/oauth/") {
		t.Fatalf("oauth url: %v %q", err, o.Stdout)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(out.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://partner.example/back" {
		t.Errorf("oauth page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(stderr.String(), "sandbox listening on "+base) || !strings.HasSuffix(stderr.String(), "shutting down\n") || stdout.String() != line+"\n" {
			t.Errorf("after interrupt: exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not shut down")
	}
	cliRun(t, nil, "sandbox", "--addr", "not-an-address").Expect(t, 2, nil, []string{"cannot listen on --addr not-an-address"})
}

// TestDemo: the README's first command runs green (internal/tour's
// tests cover the narration), on stdout alone; with --verbose it dumps
// every exchange on stderr, credentials masked.
func TestDemo(t *testing.T) {
	o := cliRun(t, nil, "demo")
	o.Expect(t, 0, []string{"Data Connect Components demo: ", "\n 1. ", "\nDone: "}, []string{""})
	v := cliRun(t, nil, "demo", "--verbose")
	v.Expect(t, 0, []string{"Done"}, []string{"level=DEBUG", "> Finicity-App-Token: [REDACTED]\n", "< HTTP/1.1 201 Created\n",
		"> POST http://127.0.0.1/connect-components/configurations HTTP/1.1\n"})
	// The sandbox's partner secret is public, but the demo masks it like
	// any other, so the dump reads as a real one would.
	if strings.Contains(v.Stderr+v.Stdout, "sandbox-secret") {
		t.Errorf("demo --verbose prints the partner secret")
	}
}

// TestDemoIsStateless: the demo uses a fresh sandbox in memory: it
// neither reads nor writes the state file.
func TestDemoIsStateless(t *testing.T) {
	env := clirun.FreshState(t)
	path := env[cli.EnvSandboxState]
	if err := os.WriteFile(path, []byte("not read by the demo"), 0o600); err != nil {
		t.Fatal(err)
	}
	cliRun(t, env, "demo").Expect(t, 0, []string{"Done"}, []string{""})
	if data, _ := os.ReadFile(path); string(data) != "not read by the demo" {
		t.Errorf("the demo changed the state file: %q", data)
	}
	cache, _ := os.UserCacheDir()
	if _, err := os.Stat(filepath.Join(cache, "finicity-connect")); !os.IsNotExist(err) {
		t.Errorf("the demo created the default state directory: %v", err)
	}
}

// TestSandboxReset empties the state file, even a corrupt one, and says
// which file it emptied.
func TestSandboxReset(t *testing.T) {
	env := clirun.FreshState(t)
	path := env[cli.EnvSandboxState]
	createdID(t, env)
	cliRun(t, env, "sandbox", "reset").Expect(t, 0, []string{"sandbox state reset: " + path + "\n"}, []string{""})
	if ids := listIDs(t, env); len(ids) != 0 {
		t.Errorf("after reset: %q", ids)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	cliRun(t, env, "configurations", "list", "--sandbox").Expect(t, 2, nil, []string{"not a JSON object"})
	other := filepath.Join(t.TempDir(), "other.json")
	createdID(t, map[string]string{cli.EnvSandboxState: other})
	o := cliRun(t, env, "sandbox", "reset", "--state", other)
	o.Expect(t, 0, []string{"sandbox state reset: " + other + "\n"}, []string{""})
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("--state names the file to reset: %v", err)
	}
	cliRun(t, env, "sandbox", "reset").Expect(t, 0, []string{"sandbox state reset: " + path + "\n"}, []string{""})
	if ids := listIDs(t, env); len(ids) != 0 {
		t.Errorf("after resetting a corrupt file: %q", ids)
	}
	// Resetting what does not exist is not an error.
	cliRun(t, env, "sandbox", "reset").Expect(t, 0, []string{"sandbox state reset: " + path + "\n"}, []string{""})
	cliRun(t, env, "sandbox", "reset", "extra").Expect(t, 2, nil, []string{`unexpected argument "extra"`})
	// A relative --state is taken from the working directory, and the
	// message shows it absolute.
	wd := t.TempDir()
	t.Chdir(wd)
	cliRun(t, nil, "sandbox", "reset", "--state", "no-such-dir/s.json").Expect(t, 0,
		[]string{"sandbox state reset: " + filepath.Join(wd, "no-such-dir", "s.json") + "\n"}, []string{""})
	// A file it must not touch is refused, exit 2, naming it
	// (internal/statefile's tests cover each case).
	link := filepath.Join(wd, "link.json")
	if err := os.Symlink(filepath.Join(wd, "gone", "state.json"), link); err != nil {
		t.Fatal(err)
	}
	cliRun(t, map[string]string{cli.EnvSandboxState: link}, "sandbox", "reset").Expect(t, cli.ExitUsage, []string{""},
		[]string{"finicity-connect sandbox reset: sandbox state file " + link + ": a symbolic link to " + filepath.Join(wd, "gone", "state.json") + ", which does not exist, nor its directory: not followed, nothing created\n"})
	cliRun(t, map[string]string{cli.EnvSandboxState: wd}, "sandbox", "reset").Expect(t, cli.ExitUsage, []string{""},
		[]string{"finicity-connect sandbox reset: sandbox state file " + wd + ": a directory, not a regular file: not removed\n"})
}

// TestServedSandboxStateRefused: a --state file the served sandbox
// cannot use is refused before the ready line, exit 2, with the hint at
// sandbox reset.
func TestServedSandboxStateRefused(t *testing.T) {
	corrupt := filepath.Join(t.TempDir(), "corrupt.json")
	if err := os.WriteFile(corrupt, []byte(`{"version":1,"configurations":{`), 0o600); err != nil {
		t.Fatal(err)
	}
	cliRun(t, nil, "sandbox", "--addr", "127.0.0.1:0", "--state", corrupt).Expect(t, cli.ExitUsage, []string{""}, []string{
		"finicity-connect sandbox: sandbox state file " + corrupt + ": not a JSON object: empty or cut short\n" +
			"The file is left as it is: run 'finicity-connect sandbox reset --state " + corrupt + "' to start afresh, or delete it.\n"})
}

// TestExitCodes: each class of failure exits with its code, the message
// naming the command (internal/cli's tests cover every message): 2 for
// usage, 1 for an API error, 3 for no answer.
func TestExitCodes(t *testing.T) {
	env := clirun.SandboxServer(t)
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close() // no answer: the client sees the connection end
		}
	}))
	defer hangUp.Close()
	for _, tc := range []struct {
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{env, []string{"configurations", "purge"}, cli.ExitUsage, "finicity-connect: unknown command \"configurations purge\"\nRun 'finicity-connect --help' for the list of commands.\n"},
		{env, []string{"configurations", "list", "--colour"}, cli.ExitUsage,
			"finicity-connect configurations list: flag provided but not defined: --colour\nRun 'finicity-connect configurations list --help' for usage.\n"},
		{nil, []string{"configurations", "list"}, cli.ExitUsage,
			"finicity-connect configurations list: missing credentials (FINICITY_APP_KEY is not set): set FINICITY_APP_KEY and FINICITY_APP_TOKEN (or FINICITY_PARTNER_ID and FINICITY_PARTNER_SECRET), or pass --sandbox to use the local sandbox\nRun 'finicity-connect configurations list --help' for usage.\n"},
		{env, []string{"configurations", "get", "605543e1-f507-48ad-8127-95c40566597b"}, cli.ExitAPI,
			"finicity-connect configurations get: API error: status 404 Not Found, reason code 4041: The requested entity was not found. (No configuration with that id for this partner.)\n"},
		{clirun.With(env, cli.EnvBaseURL, hangUp.URL), []string{"configurations", "list", "--retries", "0"}, cli.ExitNetwork,
			"finicity-connect configurations list: network failure, no usable answer: finicity: Get \"" + hangUp.URL + "/connect-components/configurations\": EOF\n"},
		{nil, []string{"version", "extra"}, cli.ExitUsage, "finicity-connect version: unexpected argument \"extra\"\nRun 'finicity-connect version --help' for usage.\n"},
	} {
		o := cliRun(t, tc.env, tc.args...)
		if o.Code != tc.code || o.Stdout != "" || o.Stderr != tc.stderr {
			t.Errorf("%q: exit %d, stdout %q, stderr\n%q\nwant exit %d,\n%q", tc.args, o.Code, o.Stdout, o.Stderr, tc.code, tc.stderr)
		}
	}
}

// TestStateLockWaitSIGTERM: the same with a real SIGTERM, sent to a
// process waiting for the lock.
func TestStateLockWaitSIGTERM(t *testing.T) {
	env := clirun.FreshState(t)
	held, err := statefile.Lock(context.Background(), env[cli.EnvSandboxState], statefile.Exclusive, statefile.DefaultLimit, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	cmd := asProcess(t, env, sandboxVerb(t, "create")...)
	stderr := testutil.NewWatchedWriter(`(waiting for the lock)`)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-stderr.Found:
	case err := <-exited:
		t.Fatalf("exited before waiting: %v %q", err, stderr.String())
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("no waiting message")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if code := exitCode(t, err); code != cli.ExitNetwork || !strings.Contains(stderr.String(), "interrupted while waiting for the lock") {
			t.Errorf("after SIGTERM: exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("SIGTERM did not end the wait")
	}
}

// TestOutputFailureExitCode: whatever the command, a stdout that fails
// exits 4 naming the failure, never 3 (a network failure) nor 0: the
// help, commands whose output is held until they are done, and the ones
// that write as they run (the ready lines of the served sandbox and of
// the proxy, which listen on 127.0.0.1 and stop at the failure). The
// note about the saved state is only for --sandbox runs.
func TestOutputFailureExitCode(t *testing.T) {
	env := clirun.FreshState(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--help"}, cli.ExitOutput, "finicity-connect: cannot write the output: broken pipe\n"},
		{nil, cli.ExitOutput, "finicity-connect: cannot write the output: broken pipe\n"},
		{[]string{"configurations", "create", "--help"}, cli.ExitOutput, "finicity-connect configurations create: cannot write the output: broken pipe\n"},
		{[]string{"version"}, cli.ExitOutput, "finicity-connect version: cannot write the output: broken pipe\n"},
		{[]string{"demo"}, cli.ExitOutput, "finicity-connect demo: cannot write the output: broken pipe\n"},
		{[]string{"configurations", "list", "--sandbox"}, cli.ExitOutput, "finicity-connect configurations list: cannot write the output: broken pipe (any change to the --sandbox state was saved before)\n"},
		{[]string{"sandbox", "--addr", "127.0.0.1:0"}, cli.ExitOutput, "finicity-connect sandbox: cannot write the output: broken pipe\n"},
		{[]string{"proxy", "--addr", "127.0.0.1:0", "--upstream", "http://127.0.0.1:1"}, cli.ExitOutput, "finicity-connect proxy: writing the ready line: cannot write the output: broken pipe\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(""), errWriter{syscall.EPIPE}, &stderr, func(k string) string { return env[k] })
			if code != tc.code || !strings.HasSuffix(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d, ending %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// TestClosedPipe: configurations create --sandbox | true, as a real
// process whose stdout is a pipe closed by its reader: no SIGPIPE death,
// exit 4, and the configuration is kept.
func TestClosedPipe(t *testing.T) {
	env := clirun.FreshState(t)
	for range 3 {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close() // the reader is gone, as with | true
		cmd := asProcess(t, env, sandboxVerb(t, "create")...)
		cmd.Stdout = w
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err = cmd.Run()
		w.Close()
		if code := exitCode(t, err); code != cli.ExitOutput || !strings.Contains(stderr.String(), "cannot write the output: write /dev/stdout: broken pipe") {
			t.Errorf("exit %d, stderr %q; want exit 4", code, stderr.String())
		}
	}
	if ids := listIDs(t, env); len(ids) != 3 {
		t.Errorf("want the 3 configurations kept, got %q", ids)
	}
}
