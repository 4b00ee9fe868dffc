//go:build unix

package statefile_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/statefile"
)

// TestNotRegular: a state file that is a named pipe or a directory
// (directly or behind a link) is refused, naming the file, what it is and
// the limit, before anything is opened: no lock file is made beside it, a
// pipe with no writer does not hang the run (it would past --timeout and
// SIGINT, blocked in open), and Reset leaves it in place.
func TestNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	sub := filepath.Join(dir, "dir.json")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink("fifo.json", link); err != nil {
		t.Fatal(err)
	}
	const limit = "not read (a state file is a regular file of at most 83886080 bytes, 80 MiB: the sandbox's 64 MiB state budget plus a margin)"
	ctx := context.Background()
	for _, tc := range []struct{ path, kind string }{{fifo, "a named pipe"}, {sub, "a directory"}, {link, "a named pipe"}} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			uses := map[string]func() error{
				"shared": func() error { _, err := statefile.OpenSession(ctx, tc.path, statefile.Shared, io.Discard); return err },
				"exclusive": func() error {
					_, err := statefile.OpenSession(ctx, tc.path, statefile.Exclusive, io.Discard)
					return err
				},
				"served": func() error {
					_, err := statefile.OpenServed(ctx, tc.path, sandbox.New(), sandbox.DefaultMaxStateBytes, io.Discard)
					return err
				},
			}
			for name, use := range uses {
				done := make(chan error, 1)
				go func() { done <- use() }()
				select {
				case err := <-done:
					if want := "sandbox state file " + tc.path + ": " + tc.kind + ", not a regular file: " + limit; err == nil || err.Error() != want {
						t.Errorf("%s: %v, want %q", name, err, want)
					}
				case <-time.After(20 * time.Second): // a guard: the refusal comes at once
					t.Fatalf("%s on %s did not return", name, tc.kind)
				}
			}
			err := statefile.Reset(ctx, tc.path, io.Discard)
			if want := "sandbox state file " + tc.path + ": " + tc.kind + ", not a regular file: not removed"; err == nil || err.Error() != want {
				t.Errorf("reset: %v, want %q", err, want)
			}
			if _, err := os.Lstat(tc.path); err != nil {
				t.Errorf("reset removed it: %v", err)
			}
		})
	}
	for _, name := range []string{"fifo.json.lock", "dir.json.lock", "link.json.lock"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("a lock file %s was made beside it: %v", name, err)
		}
	}
}
