package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/statefile"
	"github.com/finicity-go/connect-components/internal/testutil"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// holdLock takes the state file's lock as another run would, until the
// test ends or release is called.
func holdLock(t *testing.T, path string, mode statefile.Mode) (release func()) {
	t.Helper()
	l, err := statefile.Lock(context.Background(), path, mode, statefile.DefaultLimit, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			l.Release()
		}
	}
	t.Cleanup(release)
	return release
}

// TestStateLockWait: a run waiting for the lock says so on stderr, and
// gives up at --timeout or on an interrupt (the context main cancels on
// SIGINT and SIGTERM), exit 3, with a message naming the file.
func TestStateLockWait(t *testing.T) {
	env := clirun.FreshState(t)
	path := env[EnvSandboxState]
	holdLock(t, path, statefile.Exclusive)
	waiting := "waiting for the lock of sandbox state file " + path + ": another finicity-connect is using it\n"

	line, _ := sandboxCreate(t, "--timeout", "200ms")
	o := cliRun(t, env, line...)
	o.Expect(t, ExitNetwork, []string{""}, []string{waiting,
		"finicity-connect configurations create: gave up waiting for the lock of sandbox state file " + path + " after --timeout: another finicity-connect still holds it\n"})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := testutil.NewWatchedWriter(`(waiting for the lock)`)
	done := make(chan int, 1)
	var stdout bytes.Buffer
	create := sandboxVerb(t, "create")
	go func() {
		done <- run(ctx, create, strings.NewReader(""), &stdout, stderr, func(k string) string { return env[k] })
	}()
	select {
	case <-stderr.Found:
	case <-time.After(10 * time.Second):
		t.Fatal("no waiting message")
	}
	cancel()
	select {
	case code := <-done:
		if want := "finicity-connect configurations create: interrupted while waiting for the lock of sandbox state file " + path + "\n"; code != ExitNetwork || !strings.HasSuffix(stderr.String(), want) || stdout.Len() != 0 {
			t.Errorf("interrupted: exit %d, stdout %q, stderr %q; want exit 3 and %q", code, stdout.String(), stderr.String(), want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the interrupt did not end the wait")
	}
}

// TestStateReadOnlyCommands: list and get take the lock shared, so they
// run beside each other; where the lock file cannot be opened at all
// they read with no lock, while a create is refused naming the lock file.
func TestStateReadOnlyCommands(t *testing.T) {
	env := clirun.FreshState(t)
	path := env[EnvSandboxState]
	id := createdID(t, env)

	release := holdLock(t, path, statefile.Shared)
	if ids := listIDs(t, env); len(ids) != 1 || ids[0] != id {
		t.Errorf("list beside a shared lock: %q", ids)
	}
	cliRun(t, env, "configurations", "get", "--sandbox", id).Expect(t, 0, []string{id}, []string{""})
	line, _ := sandboxCreate(t, "--timeout", "100ms")
	cliRun(t, env, line...).Expect(t, ExitNetwork, nil, []string{"gave up waiting for the lock"})
	release()

	// A lock file that cannot be created: the name leads into a
	// directory that does not exist (a read-only place, for root too).
	if err := os.Remove(path + ".lock"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(t.TempDir(), "missing", "x.lock"), path+".lock"); err != nil {
		t.Fatal(err)
	}
	if ids := listIDs(t, env); len(ids) != 1 || ids[0] != id {
		t.Errorf("list with no lock file: %q", ids)
	}
	cliRun(t, env, "configurations", "get", "--sandbox", id).Expect(t, 0, []string{id}, []string{""})
	cliRun(t, env, sandboxVerb(t, "create")...).Expect(t, ExitUsage, []string{""},
		[]string{"finicity-connect configurations create: sandbox state file " + path + ": cannot open its lock file: no such file or directory\n"})

	if os.Geteuid() != 0 {
		// A read-only directory, where permissions apply.
		ro := clirun.FreshState(t)
		createdID(t, ro)
		dir := filepath.Dir(ro[EnvSandboxState])
		os.Remove(ro[EnvSandboxState] + ".lock")
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
		if ids := listIDs(t, ro); len(ids) != 1 {
			t.Errorf("list in a read-only directory: %q", ids)
		}
	}
}

// errWriter fails every write, as a closed or full stdout does.
type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// TestOutputAfterSave: the state is saved before anything is written to
// stdout, so a stdout that fails loses nothing; the failure exits 4, not
// 3, naming it.
func TestOutputAfterSave(t *testing.T) {
	env := clirun.FreshState(t)
	var stderr bytes.Buffer
	code := run(context.Background(), sandboxVerb(t, "create"), strings.NewReader(""), errWriter{syscall.EPIPE}, &stderr, func(k string) string { return env[k] })
	if want := "finicity-connect configurations create: cannot write the output: broken pipe (any change to the --sandbox state was saved before)\n"; code != ExitOutput || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want exit 4, %q", code, stderr.String(), want)
	}
	if ids := listIDs(t, env); len(ids) != 1 {
		t.Errorf("the configuration was lost: %q", ids)
	}
}

// BenchmarkSandboxStateCreate: one configurations create --sandbox, as a
// whole run (lock, load, call, save, print), with 1,000 configurations
// already stored (under other app keys, so the per-key cap is not in the
// way), beside the same with none: the ratio is the cost of the stored
// state (the loop itself adds up to 500 before restoring the file). The
// bound asked for is 20 ms at 1,000 (ms/create).
func BenchmarkSandboxStateCreate(b *testing.B) {
	for _, stored := range []int{0, 1000} {
		b.Run("stored="+strconv.Itoa(stored), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "state.json")
			params := specexample.Typed[api.ConfigurationParams](b, specexample.CreateConfiguration, map[string]any{"filterAccounts": []string{"Checking", "Savings"}, "accountClassificationType": []string{"personal"}})
			sb := sandbox.New()
			for i := range stored {
				c, err := api.NewClient("bench-key-"+strconv.Itoa(i%4), api.WithBaseURL(sandbox.InProcessURL),
					api.WithHTTPClient(sb.HTTPClient()), api.WithAppToken("t"))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.Configurations.Create(context.Background(), params); err != nil {
					b.Fatal(err)
				}
			}
			data, err := sb.MarshalState()
			if err != nil {
				b.Fatal(err)
			}
			reset := func() {
				if err := os.WriteFile(path, data, 0o600); err != nil {
					b.Fatal(err)
				}
			}
			reset()
			env := func(k string) string { return map[string]string{EnvSandboxState: path}[k] }
			args, _ := sandboxCreate(b, "--filter-accounts", "Checking,Savings")
			n := 0
			for b.Loop() {
				if n++; n%500 == 0 {
					// Stay under the sandbox's 1,000 per app key.
					b.StopTimer()
					reset()
					b.StartTimer()
				}
				if code := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard, env); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/create")
		})
	}
}
