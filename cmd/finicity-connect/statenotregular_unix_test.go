//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestStateFileNotRegular: a state file that is a named pipe or a
// directory (directly or behind a link) is refused, exit 2, naming the
// file, what it is and the limit, before anything is opened: no lock
// file is made beside it, a pipe with no writer does not hang the run
// (it would past --timeout and SIGINT, blocked in open), and sandbox
// reset leaves it in place.
func TestStateFileNotRegular(t *testing.T) {
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
	limit := "not read (a state file is a regular file of at most 83886080 bytes, 80 MiB: the sandbox's 64 MiB state budget plus a margin)\n"
	for _, tc := range []struct{ path, kind string }{{fifo, "a named pipe"}, {sub, "a directory"}, {link, "a named pipe"}} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			env := map[string]string{envSandboxState: tc.path}
			for _, verb := range []string{"list", "create"} {
				done := make(chan outcome, 1)
				line := sandboxVerb(t, verb)
				go func() { done <- cliRun(t, env, line...) }()
				select {
				case o := <-done:
					o.expect(t, exitUsage, []string{""}, []string{"finicity-connect configurations " + verb + ": sandbox state file " + tc.path + ": " + tc.kind + ", not a regular file: " + limit})
				case <-time.After(20 * time.Second):
					t.Fatalf("configurations %s --sandbox on %s did not return", verb, tc.kind)
				}
			}
			cliRun(t, env, "sandbox", "reset").expect(t, exitUsage, []string{""},
				[]string{"finicity-connect sandbox reset: sandbox state file " + tc.path + ": " + tc.kind + ", not a regular file: not removed\n"})
			if _, err := os.Lstat(tc.path); err != nil {
				t.Errorf("sandbox reset removed it: %v", err)
			}
		})
	}
	// The served sandbox refuses it at start, before it listens.
	t.Run("served", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		cmd := asProcess(t, nil, "sandbox", "--addr", "127.0.0.1:0", "--state", fifo)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := runBounded(t, cmd, 20*time.Second); exitCode(t, err) != exitUsage {
			t.Errorf("exit %v, stderr %q", err, stderr.String())
		}
		if want := "finicity-connect sandbox: sandbox state file " + fifo + ": a named pipe, not a regular file: " + limit; stderr.String() != want || stdout.String() != "" {
			t.Errorf("stdout %q, stderr %q; want %q", stdout.String(), stderr.String(), want)
		}
	})
	for _, name := range []string{"fifo.json.lock", "dir.json.lock", "link.json.lock"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("a lock file %s was made beside it: %v", name, err)
		}
	}
}

// runBounded runs cmd, killing it if it takes longer than bound.
func runBounded(t *testing.T, cmd *exec.Cmd, bound time.Duration) error {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		return err
	case <-time.After(bound):
		_ = cmd.Process.Kill()
		t.Fatalf("%v did not exit within %v", cmd.Args, bound)
		return nil
	}
}
