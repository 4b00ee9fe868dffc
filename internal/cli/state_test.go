package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// createdID runs configurations create --sandbox with args (and the
// required flags they leave out, from the spec's examples) and returns
// the id.
func createdID(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	id, _ := createdWith(t, env, args...)
	return id
}

// createdWith is createdID, also returning the body fields the required
// flags it added sent.
func createdWith(t *testing.T, env map[string]string, args ...string) (string, map[string]any) {
	t.Helper()
	line, extra := sandboxCreate(t, args...)
	var cfg api.Configuration
	o := cliRun(t, env, line...)
	o.Expect(t, 0, nil, []string{""})
	o.Decode(t, &cfg)
	return cfg.ID.String(), extra
}

// listIDs runs configurations list --sandbox and returns the ids.
func listIDs(t *testing.T, env map[string]string, args ...string) []string {
	t.Helper()
	return cliRun(t, env, append([]string{"configurations", "list", "--sandbox"}, args...)...).ConfigurationIDs(t)
}

// TestSandboxStateAcrossInvocations: what one --sandbox invocation
// creates, the next ones find; a command that changes nothing leaves the
// file alone.
func TestSandboxStateAcrossInvocations(t *testing.T) {
	env := clirun.FreshState(t)
	path := env[EnvSandboxState]
	const testFile = "internal/cli/state_test.go"
	create := opByID(t, specexample.CreateConfiguration, testFile)
	fieldByFlag(t, create, "filter-accounts", testFile)
	fieldByFlag(t, create, "ao-required", testFile)
	first, extra := createdWith(t, env, "--filter-accounts", "Checking", "--ao-required")
	firstSent := specexample.Merged(map[string]any{"filterAccounts": []any{"Checking"}, "aoRequired": true}, extra)
	second, secondSent := createdWith(t, env)

	var got api.Configuration
	o := cliRun(t, env, "configurations", "get", "--sandbox", first)
	o.Expect(t, 0, nil, []string{""})
	o.Decode(t, &got)
	if want := specexample.DecodeAs[api.Configuration](t, specexample.AnsweredConfiguration(t, firstSent, first)); !reflect.DeepEqual(got, want) {
		t.Errorf("get in a later invocation:\ngot  %+v\nwant %+v", got, want)
	}
	if ids := listIDs(t, env); !reflect.DeepEqual(ids, []string{first, second}) {
		t.Errorf("list: %q, want %q", ids, []string{first, second})
	}
	// The file is what the sandbox marshals, and private.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, owner := testutil.AppKeyOwner(t, data, sandbox.DefaultAppKey)
	want := `{"version":2,"appKeyHashKey":"` + key + `","configurations":{"` + owner + `":[` + specexample.StoredConfiguration(t, firstSent, first) +
		`,` + specexample.StoredConfiguration(t, secondSent, second) + `]},"tokens":[],"oauth":[]}` + "\n"
	if string(data) != want {
		t.Errorf("state file:\ngot  %s\nwant %s", data, want)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", info.Mode().Perm())
	}

	// Reads, a token and a failed delete change nothing: the file is not
	// rewritten (every save is a rename, which makes a new file).
	cliRun(t, env, "configurations", "list", "--sandbox").Expect(t, 0, nil, []string{""})
	cliRun(t, env, "token", "--sandbox").Expect(t, 0, nil, []string{""})
	cliRun(t, env, "configurations", "delete", "--sandbox", "605543e1-f507-48ad-8127-95c40566597b").Expect(t, 1, nil, nil)
	cliRun(t, env, withRequired(t, "login-forms", "create", "--sandbox", "1", "--customer-id", "c", "--configuration-id", first)...).Expect(t, 0, nil, []string{""})
	if again, err := os.Stat(path); err != nil || !os.SameFile(info, again) {
		t.Errorf("a command that changed nothing rewrote the state file (%v)", err)
	}

	cliRun(t, env, "configurations", "delete", "--sandbox", first).Expect(t, 0, []string{`"deleted": true`}, []string{""})
	cliRun(t, env, "configurations", "get", "--sandbox", first).Expect(t, 1, []string{""},
		[]string{"finicity-connect configurations get: API error: status 404 Not Found, reason code 4041: The requested entity was not found. (No configuration with that id for this partner.)\n"})
	if ids := listIDs(t, env); !reflect.DeepEqual(ids, []string{second}) {
		t.Errorf("list after delete: %q", ids)
	}
	// No stray temporary file is left beside the state.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"state.json", "state.json.lock"}; !reflect.DeepEqual(names, want) {
		t.Errorf("directory holds %q, want %q", names, want)
	}
}

// TestSandboxStatePath: the flag wins over the variable, which wins over
// the default under the user's cache directory.
func TestSandboxStatePath(t *testing.T) {
	cache := userCacheDir(t)
	def := filepath.Join(cache, "finicity-connect", "sandbox-state.json")
	dir := t.TempDir()
	fromEnv, fromFlag := filepath.Join(dir, "env.json"), filepath.Join(dir, "flag.json")

	id := createdID(t, nil)
	if data, err := os.ReadFile(def); err != nil || !strings.Contains(string(data), id) {
		t.Errorf("default state file %s: %v %s", def, err, data)
	}
	env := map[string]string{EnvSandboxState: fromEnv}
	idEnv := createdID(t, env)
	idFlag := createdID(t, env, "--sandbox-state", fromFlag)
	for file, want := range map[string]string{fromEnv: idEnv, fromFlag: idFlag} {
		if data, err := os.ReadFile(file); err != nil || !strings.Contains(string(data), want) || strings.Count(string(data), `"id"`) != 1 {
			t.Errorf("%s: %v %s", file, err, data)
		}
	}
	cliRun(t, nil, "configurations", "list", "--sandbox-state", fromFlag).Expect(t, 2, []string{""},
		[]string{"finicity-connect configurations list: --sandbox-state names the state file of --sandbox: pass --sandbox too\n"})
	// A relative flag is taken from the working directory, and the
	// messages show it absolute.
	wd := t.TempDir()
	t.Chdir(wd)
	createdID(t, nil, "--sandbox-state", "relative.json")
	if _, err := os.Stat(filepath.Join(wd, "relative.json")); err != nil {
		t.Errorf("a relative --sandbox-state: %v", err)
	}
	// No user cache directory: the state file must be named.
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	t.Setenv("LocalAppData", "")
	line, _ := sandboxCreate(t)
	o := cliRun(t, nil, line...)
	o.Expect(t, ExitUsage, []string{""}, []string{"finicity-connect configurations create: no place for the sandbox state (", "): set FINICITY_SANDBOX_STATE or pass --sandbox-state\n"})
}

// userCacheDir gives the test a user cache directory of its own (the
// tests have none: TestMain), and returns it.
func userCacheDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"XDG_CACHE_HOME", "HOME", "LocalAppData"} {
		t.Setenv(k, dir)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return cache
}

// TestSandboxStateConcurrent: invocations running at once take turns on
// the state file, and none loses another's configuration.
func TestSandboxStateConcurrent(t *testing.T) {
	const workers, creates = 8, 5
	env := clirun.FreshState(t)
	var mu sync.Mutex
	var created []string
	line, _ := sandboxCreate(t)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range creates {
				var stdout, stderr strings.Builder
				code := run(context.Background(), line, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
				var cfg api.Configuration
				if err := json.Unmarshal([]byte(stdout.String()), &cfg); code != 0 || err != nil {
					t.Errorf("create: exit %d, %v, stderr %q", code, err, stderr.String())
					return
				}
				mu.Lock()
				created = append(created, cfg.ID.String())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	ids := listIDs(t, env)
	slices.Sort(ids)
	slices.Sort(created)
	if len(ids) != workers*creates || !reflect.DeepEqual(ids, created) {
		t.Errorf("stored %d configurations, want the %d created:\nstored  %q\ncreated %q", len(ids), workers*creates, ids, created)
	}
}

// TestSandboxStateErrors: a state file that cannot be used is an error
// naming the command and the file, exit 2, with a hint at sandbox reset
// when the file's content is at fault, and the file is left as it was; a
// command that only reads takes the lock shared, one that may change the
// state takes it exclusive (and makes the directory). internal/statefile's
// tests cover every refusal.
func TestSandboxStateErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt, notDir, isDir := filepath.Join(dir, "corrupt.json"), filepath.Join(dir, "file"), filepath.Join(dir, "dir.json")
	for path, content := range map[string]string{corrupt: `{"version":1,"configurations":{"k":[`, notDir: ""} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(isDir, 0o700); err != nil {
		t.Fatal(err)
	}
	under := filepath.Join(notDir, "s.json")
	create, _ := sandboxCreate(t)
	list := sandboxVerb(t, "list")
	hint := func(p string) string {
		return "The file is left as it is: run 'finicity-connect sandbox reset --state " + p + "' to start afresh, or delete it.\n"
	}
	cases := []struct {
		name, path string
		args       []string
		stderr     string
	}{
		{"corrupt", corrupt, list,
			"finicity-connect configurations list: sandbox state file " + corrupt + ": not a JSON object: empty or cut short\n" + hint(corrupt)},
		{"corrupt, for a create", corrupt, create,
			"finicity-connect configurations create: sandbox state file " + corrupt + ": not a JSON object: empty or cut short\n" + hint(corrupt)},
		{"a directory", isDir, list,
			"finicity-connect configurations list: sandbox state file " + isDir + ": a directory, not a regular file: not read (a state file is a regular file of at most 83886080 bytes, 80 MiB: the sandbox's 64 MiB state budget plus a margin)\n"},
		{"under a file", under, create,
			"finicity-connect configurations create: sandbox state file " + under + ": cannot create its directory: not a directory\n"},
		{"under a file, read only", under, list,
			"finicity-connect configurations list: sandbox state file " + under + ": cannot be read: not a directory\n" + hint(under)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(tc.path)
			o := cliRun(t, map[string]string{EnvSandboxState: tc.path}, tc.args...)
			o.Expect(t, ExitUsage, []string{""}, nil)
			if o.Stderr != tc.stderr {
				t.Errorf("stderr:\ngot  %q\nwant %q", o.Stderr, tc.stderr)
			}
			if after, _ := os.ReadFile(tc.path); string(after) != string(before) {
				t.Errorf("the state file was changed: %q", after)
			}
		})
	}
}
