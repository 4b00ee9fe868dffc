package statefile_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/statefile"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// appKey is the app key the tests' clients store configurations under.
const appKey = "statefile-test-key"

// create stores a configuration (the spec's example) in sb, as a command
// would, and returns its id.
func create(t *testing.T, sb *sandbox.Sandbox) string {
	t.Helper()
	c, err := api.NewClient(appKey, api.WithBaseURL(sandbox.InProcessURL), api.WithHTTPClient(sb.HTTPClient()), api.WithAppToken("t"), api.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := c.Configurations.Create(context.Background(), specexample.Typed[api.ConfigurationParams](t, specexample.CreateConfiguration, nil))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.ID.String()
}

// ids are the configurations stored in sb.
func ids(sb *sandbox.Sandbox) []string {
	out := []string{}
	for _, c := range sb.Configurations(appKey) {
		out = append(out, c.ID.String())
	}
	return out
}

// session opens the state at path, failing t when it cannot.
func session(t *testing.T, path string, mode statefile.Mode) *statefile.Session {
	t.Helper()
	s, err := statefile.OpenSession(context.Background(), path, mode, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stored are the configurations of the state file at path.
func stored(t *testing.T, path string) []string {
	t.Helper()
	s := session(t, path, statefile.Shared)
	defer s.Close()
	return ids(s.Sandbox())
}

// saved creates a configuration through a session of its own at path,
// as one run of a command does, and returns its id.
func saved(t *testing.T, path string) string {
	t.Helper()
	s := session(t, path, statefile.Exclusive)
	id := create(t, s.Sandbox())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return id
}

// names are the names of the files in dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestSessionSavesChanges: a session that may change the state saves it
// at Close when it did, private and whole; the next session loads it;
// one that changed nothing, or that only reads, writes nothing.
func TestSessionSavesChanges(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	first := saved(t, path)
	second := saved(t, path)
	if got := stored(t, path); !reflect.DeepEqual(got, []string{first, second}) {
		t.Errorf("loaded %q, want %q", got, []string{first, second})
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	key, owner := testutil.AppKeyOwner(t, data, appKey)
	if !bytes.HasPrefix(data, []byte(`{"version":2,"appKeyHashKey":"`+key+`","configurations":{"`+owner+`":[`)) {
		t.Errorf("state file: %s", data)
	}

	// A session that changes nothing, and a read-only one that does:
	// the file is not rewritten (every save is a rename, a new file).
	s := session(t, path, statefile.Exclusive)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = session(t, path, statefile.Shared)
	create(t, s.Sandbox())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if again, err := os.Stat(path); err != nil || !os.SameFile(info, again) {
		t.Errorf("a session that saved nothing rewrote the state file (%v)", err)
	}
	if got := stored(t, path); len(got) != 2 {
		t.Errorf("after a read-only session's change: %q", got)
	}
	if got, want := names(t, dir), []string{"state.json", "state.json.lock"}; !reflect.DeepEqual(got, want) {
		t.Errorf("directory holds %q, want %q", got, want)
	}
}

// TestLockTakesTurns: an exclusive lock waits for any other holder and
// says so on stderr, until the holder releases it or the context ends
// (*statefile.WaitError, naming the file); shared locks hold together.
func TestLockTakesTurns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	waiting := "waiting for the lock of sandbox state file " + path + ": another finicity-connect is using it\n"
	lock := func(ctx context.Context, mode statefile.Mode, stderr io.Writer) (*statefile.File, error) {
		return statefile.Lock(ctx, path, mode, statefile.DefaultLimit, stderr)
	}
	held, err := lock(context.Background(), statefile.Exclusive, io.Discard)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			var stderr bytes.Buffer
			_, err := lock(ctx, statefile.Exclusive, &stderr)
			we, ok := errors.AsType[*statefile.WaitError](err)
			want := "gave up waiting for the lock of sandbox state file " + path + " after --timeout: another finicity-connect still holds it"
			if !ok || we.Path != path || !errors.Is(err, context.DeadlineExceeded) || err.Error() != want || stderr.String() != waiting {
				t.Errorf("got %v (%T), stderr %q; want %q after %q", err, err, stderr.String(), want, waiting)
			}
		})
	})
	t.Run("interrupt", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		stderr := testutil.NewWatchedWriter(`(waiting for the lock)`)
		done := make(chan error, 1)
		go func() {
			_, err := lock(ctx, statefile.Shared, stderr)
			done <- err
		}()
		<-stderr.Found
		cancel()
		err := <-done
		if want := "interrupted while waiting for the lock of sandbox state file " + path; err == nil || err.Error() != want || !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("released", func(t *testing.T) {
		stderr := testutil.NewWatchedWriter(`(waiting for the lock)`)
		done := make(chan error, 1)
		go func() {
			l, err := lock(context.Background(), statefile.Exclusive, stderr)
			if err == nil {
				l.Release()
			}
			done <- err
		}()
		<-stderr.Found
		held.Release()
		if err := <-done; err != nil {
			t.Errorf("the waiting run did not get the lock once released: %v", err)
		}
		if stderr.String() != waiting {
			t.Errorf("stderr %q", stderr.String())
		}
	})
	t.Run("shared", func(t *testing.T) {
		var shared []*statefile.File
		for range 2 {
			var stderr bytes.Buffer
			l, err := lock(context.Background(), statefile.Shared, &stderr)
			if err != nil || stderr.Len() != 0 {
				t.Fatalf("a shared lock beside another: %v, stderr %q", err, stderr.String())
			}
			shared = append(shared, l)
		}
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if _, err := lock(ctx, statefile.Exclusive, io.Discard); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("an exclusive lock beside shared ones: %v, want it to wait", err)
			}
		})
		for _, l := range shared {
			l.Release()
		}
	})
}

// TestRefusals: a state file that cannot be used is an *statefile.Error
// naming it (with a hint at sandbox reset when its content is at fault),
// and is left as it was.
func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corrupt := write("corrupt.json", `{"version":1,"configurations":{"k":[{"id":"605543e1-f507-48ad-8127-95c40566597b"},`)
	future := write("future.json", `{"version":3,"configurations":{}}`)
	notDir := write("file", "")
	isDir := filepath.Join(dir, "dir.json")
	if err := os.Mkdir(isDir, 0o700); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.json")
	if f, err := os.Create(big); err != nil {
		t.Fatal(err)
	} else if err := f.Truncate(statefile.DefaultLimit + 1); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	zero := filepath.Join(dir, "zero.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	const limit = "83886080 bytes"
	const margin = "80 MiB: the sandbox's 64 MiB state budget plus a margin"
	if statefile.DefaultLimit != 83886080 {
		t.Fatalf("DefaultLimit is %d: update the test's wording", statefile.DefaultLimit)
	}
	under := filepath.Join(notDir, "s.json")
	cases := []struct {
		name, path string
		modes      []statefile.Mode
		message    string
		hint       bool
	}{
		{"corrupt", corrupt, []statefile.Mode{statefile.Shared, statefile.Exclusive}, "not a JSON object: empty or cut short", true},
		{"another version", future, []statefile.Mode{statefile.Shared}, "unsupported version 3 (this build reads versions 1 and 2)", true},
		{"a directory", isDir, []statefile.Mode{statefile.Shared, statefile.Exclusive},
			"a directory, not a regular file: not read (a state file is a regular file of at most " + limit + ", " + margin + ")", false},
		{"under a file", under, []statefile.Mode{statefile.Exclusive}, "cannot create its directory: not a directory", false},
		{"under a file, read only", under, []statefile.Mode{statefile.Shared}, "cannot be read: not a directory", true},
		{"too large", big, []statefile.Mode{statefile.Shared, statefile.Exclusive}, "larger than the limit of " + limit + " (" + margin + "); not read", true},
		{"a device", zero, []statefile.Mode{statefile.Shared, statefile.Exclusive},
			"a character device, not a regular file: not read (a state file is a regular file of at most " + limit + ", " + margin + ")", false},
	}
	for _, tc := range cases {
		for _, mode := range tc.modes {
			t.Run(tc.name+" "+strconv.Itoa(int(mode)), func(t *testing.T) {
				if tc.path == zero {
					if _, err := os.Stat("/dev/zero"); err != nil {
						t.Skip("no /dev/zero")
					}
				}
				var before []byte
				if tc.path != zero && tc.path != big { // neither is read: a device has no end
					before, _ = os.ReadFile(tc.path)
				}
				_, err := statefile.OpenSession(context.Background(), tc.path, mode, io.Discard)
				se, ok := errors.AsType[*statefile.Error](err)
				if want := "sandbox state file " + tc.path + ": " + tc.message; !ok || err.Error() != want || se.Path != tc.path || se.Hint != tc.hint {
					t.Errorf("got %v (%T, %+v)\nwant %q, hint %t", err, err, se, want, tc.hint)
				}
				if tc.path != zero && tc.path != big {
					if after, _ := os.ReadFile(tc.path); !bytes.Equal(after, before) {
						t.Errorf("the state file was changed: %q", after)
					}
				}
			})
		}
	}
	if info, err := os.Stat(big); err != nil || info.Size() != statefile.DefaultLimit+1 {
		t.Errorf("the large file was changed: %v", err)
	}
	if _, err := os.Lstat(zero + ".lock"); !os.IsNotExist(err) {
		t.Errorf("a lock file was made beside the device: %v", err)
	}
}

// TestSymlink: a state file that is a symbolic link is read and saved
// through it: the target gets the state, the link stays a link, and
// Reset empties the target and keeps the link.
func TestSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real", "state.json")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("real/state.json", link); err != nil { // relative, dangling until the first save
		t.Fatal(err)
	}
	isLink := func() {
		t.Helper()
		if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the state file is no longer a link: %v", err)
		}
	}
	first, second := saved(t, link), saved(t, link)
	isLink()
	if got := stored(t, target); !reflect.DeepEqual(got, []string{first, second}) {
		t.Errorf("the target read directly: %q", got)
	}
	if got := names(t, filepath.Dir(target)); !reflect.DeepEqual(got, []string{"state.json", "state.json.lock"}) {
		t.Errorf("beside the target: %q", got)
	}
	if err := statefile.Reset(context.Background(), link, io.Discard); err != nil {
		t.Fatal(err)
	}
	isLink()
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("Reset left the target: %v", err)
	}
	saved(t, link)
	isLink()
}

// TestDanglingLink: a state file that is a symbolic link to a place
// whose directory does not exist is refused by every use, naming the
// link and its missing target; nothing is created at the target.
func TestDanglingLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "gone", "deeper", "state.json")
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	want := "sandbox state file " + link + ": a symbolic link to " + target + ", which does not exist, nor its directory: not followed, nothing created"
	ctx := context.Background()
	for name, use := range map[string]func() error{
		"exclusive": func() error { _, err := statefile.OpenSession(ctx, link, statefile.Exclusive, io.Discard); return err },
		"shared":    func() error { _, err := statefile.OpenSession(ctx, link, statefile.Shared, io.Discard); return err },
		"reset":     func() error { return statefile.Reset(ctx, link, io.Discard) },
		"served": func() error {
			_, err := statefile.OpenServed(ctx, link, sandbox.New(), sandbox.DefaultMaxStateBytes, io.Discard)
			return err
		},
	} {
		if err := use(); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
	if got := names(t, dir); !reflect.DeepEqual(got, []string{"link.json"}) {
		t.Errorf("files beside the link: %q", got)
	}
}

// TestLeftovers: temporary files left by a run killed between writing
// and renaming are removed by the next save; other files are not, the
// temporary files of another state file beside it included
// (state.json.2's, whose save may be under way).
func TestLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	saved(t, path)
	left := []string{filepath.Join(dir, ".state.json.123456.tmp"), filepath.Join(dir, ".state.json.4294967295.tmp")}
	for _, p := range left {
		if err := os.WriteFile(p, []byte("half a state"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// One named as a save names it, as a killed save leaves it.
	tmp, err := os.CreateTemp(dir, ".state.json.*.tmp")
	if err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	left = append(left, tmp.Name())
	others := []string{"unrelated.tmp", ".state.json.2.123.tmp", ".state.json.backup.tmp", ".state.json..tmp", "state.json.123.tmp"}
	for _, name := range others {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	stored(t, path) // reads only: no save, no clean-up
	if _, err := os.Stat(left[0]); err != nil {
		t.Fatalf("a read-only session removed a file: %v", err)
	}
	saved(t, path)
	for _, p := range left {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("leftover %s not removed: %v", p, err)
		}
	}
	for _, name := range others {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("an unrelated file was removed: %v", err)
		}
	}
}

// TestNoLockFile: where the lock file cannot be opened at all, a shared
// session reads with no lock (every save is a rename, so a read sees one
// whole state), while an exclusive one is refused naming the lock file.
func TestNoLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	id := saved(t, path)
	// A lock file that cannot be created: the name leads into a
	// directory that does not exist (a read-only place, for root too).
	if err := os.Remove(path + ".lock"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(t.TempDir(), "missing", "x.lock"), path+".lock"); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, path); !reflect.DeepEqual(got, []string{id}) {
		t.Errorf("with no lock file: %q", got)
	}
	_, err := statefile.OpenSession(context.Background(), path, statefile.Exclusive, io.Discard)
	if want := "sandbox state file " + path + ": cannot open its lock file: no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("exclusive with no lock file: %v, want %q", err, want)
	}

	if os.Geteuid() != 0 {
		// A read-only directory, where permissions apply.
		ro := filepath.Join(t.TempDir(), "state.json")
		saved(t, ro)
		os.Remove(ro + ".lock")
		if err := os.Chmod(filepath.Dir(ro), 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(filepath.Dir(ro), 0o700)
		if got := stored(t, ro); len(got) != 1 {
			t.Errorf("in a read-only directory: %q", got)
		}
	}
}

// TestSaveFailure: a change that cannot be saved is an error naming the
// file and saying the change was lost.
func TestSaveFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	path := filepath.Join(dir, "state.json")
	s := session(t, path, statefile.Exclusive)
	create(t, s.Sandbox())
	// The directory goes while the session runs: no temporary file can
	// be made beside the target.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	err := s.Close()
	want := "sandbox state file " + path + ": cannot be written: no such file or directory; the change was not saved, and the command's output is not printed"
	if se, ok := errors.AsType[*statefile.Error](err); !ok || err.Error() != want || se.Hint {
		t.Errorf("got %v (%T), want %q", err, err, want)
	}
}

// TestServed: the served sandbox's state is loaded at start and saved
// after each change under the same lock as the sessions; a change made
// meanwhile by another process is replaced, with a warning.
func TestServed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	before := saved(t, path)
	sb := sandbox.New()
	var stderr testutil.SyncBuffer
	served, err := statefile.OpenServed(context.Background(), path, sb, sandbox.DefaultMaxStateBytes, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(sb); !reflect.DeepEqual(got, []string{before}) {
		t.Errorf("loaded %q", got)
	}
	made := create(t, sb)
	served.Save(sb)
	if got := stored(t, path); !reflect.DeepEqual(got, []string{before, made}) || stderr.String() != "" {
		t.Errorf("after a served save: %q, stderr %q", got, stderr.String())
	}
	// Another process changes the file: the next save replaces it, and
	// says so.
	saved(t, path)
	served.Save(sb)
	if got := stored(t, path); !reflect.DeepEqual(got, []string{before, made}) {
		t.Errorf("after another process's change: %q", got)
	}
	changed := "warning: sandbox state file " + path + " was changed by another process; the served sandbox's state replaces it\n"
	if stderr.String() != changed {
		t.Errorf("stderr %q, want %q", stderr.String(), changed)
	}
	if err := statefile.Reset(context.Background(), path, io.Discard); err != nil {
		t.Fatal(err)
	}
	served.Save(sb)
	removed := "warning: sandbox state file " + path + " was removed by another process; the served sandbox's state replaces it\n"
	if stderr.String() != changed+removed || len(stored(t, path)) != 2 {
		t.Errorf("after another process's reset: stderr %q", stderr.String())
	}
}

// TestReset: Reset removes the file, a corrupt one too, and a missing
// file is reset already.
func TestReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	saved(t, path)
	if err := statefile.Reset(context.Background(), path, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, path); len(got) != 0 {
		t.Errorf("after reset: %q", got)
	}
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := statefile.Reset(context.Background(), path, io.Discard); err != nil {
		t.Fatalf("a corrupt file: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the corrupt file is still there: %v", err)
	}
	if err := statefile.Reset(context.Background(), path, io.Discard); err != nil {
		t.Errorf("resetting what does not exist: %v", err)
	}
}

// TestDefaultPath: the state file of --sandbox is under the user's cache
// directory.
func TestDefaultPath(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	t.Setenv("LocalAppData", cache)
	dir, err := os.UserCacheDir()
	if err != nil {
		t.Skipf("no user cache directory here: %v", err)
	}
	got, err := statefile.DefaultPath()
	if want := filepath.Join(dir, "finicity-connect", "sandbox-state.json"); err != nil || got != want {
		t.Errorf("DefaultPath() = %q, %v; want %q", got, err, want)
	}
}

// TestLockOnEveryPlatform: the lock of the state file is a real file
// lock where the README promises one: flock(2) on unix, LockFileEx on
// Windows. The Windows code is not run by these tests (they run where CI
// runs, on Linux), so this test at least type-checks and vets the
// package as built for Windows, so that it cannot rot unnoticed.
func TestLockOnEveryPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the package for Windows")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.Command(goTool, "vet", ".")
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("GOOS=windows go vet: %v\n%s", err, out)
	}
}
