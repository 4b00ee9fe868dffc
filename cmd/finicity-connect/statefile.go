package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/finicity-go/connect-components/internal/sandbox"
)

// envSandboxState names the state file of --sandbox, instead of the
// default under the user's cache directory.
const envSandboxState = "FINICITY_SANDBOX_STATE"

// stateFileName is the default state file, under os.UserCacheDir().
const stateFileName = "finicity-connect/sandbox-state.json"

// stateError is a state file that cannot be read, parsed or written. It
// exits 2, like a usage error: the command was not run as asked because
// of something in the user's environment, which the user can fix.
type stateError struct {
	path string
	err  error
	hint bool // point at sandbox reset: the file's content is at fault
}

func (e *stateError) Error() string { return "sandbox state file " + e.path + ": " + e.err.Error() }
func (e *stateError) Unwrap() error { return e.err }

// statePath picks the state file: the flag, else $FINICITY_SANDBOX_STATE,
// else <user cache dir>/finicity-connect/sandbox-state.json.
func statePath(flagValue string, env func(string) string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if v := env(envSandboxState); v != "" {
		return filepath.Abs(v)
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", usagef("no place for the sandbox state (%v): set %s or pass --sandbox-state", err, envSandboxState)
	}
	return filepath.Join(dir, filepath.FromSlash(stateFileName)), nil
}

// lockedState is a state file held under its exclusive lock: a sibling
// file path+".lock", locked with flock(2) on unix, so that invocations
// taking turns each load what the previous one saved. The state file
// itself is never locked: it is replaced by rename, and a lock on the old
// inode would protect nothing.
type lockedState struct {
	path string
	lock *os.File
}

// lockState takes the lock of the state file at path, creating its
// directory (private: the state holds app keys) and lock file as needed.
// It waits for another holder to release it.
func lockState(path string) (*lockedState, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, &stateError{path: path, err: fmt.Errorf("cannot create its directory: %w", unwrapPath(err))}
	}
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, &stateError{path: path, err: fmt.Errorf("cannot open its lock file: %w", unwrapPath(err))}
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, &stateError{path: path, err: fmt.Errorf("cannot lock it: %w", err)}
	}
	return &lockedState{path: path, lock: f}, nil
}

// release drops the lock.
func (l *lockedState) release() {
	_ = unlockFile(l.lock)
	_ = l.lock.Close()
}

// load reads the state into sb. A missing file is an empty state; a file
// that cannot be read or parsed is an error naming it, and is left as it
// is: never silently replaced.
func (l *lockedState) load(sb *sandbox.Sandbox) (fs.FileInfo, error) {
	data, err := os.ReadFile(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &stateError{path: l.path, err: fmt.Errorf("cannot be read: %w", unwrapPath(err)), hint: true}
	}
	if err := sb.UnmarshalState(data); err != nil {
		return nil, &stateError{path: l.path, err: errors.New(strings.TrimPrefix(err.Error(), "sandbox: state: ")), hint: true}
	}
	info, err := os.Stat(l.path)
	if err != nil {
		return nil, &stateError{path: l.path, err: unwrapPath(err)}
	}
	return info, nil
}

// save writes sb's state atomically: to a temporary file in the same
// directory, synced, then renamed over the state file, so that a reader
// (or a crash) sees the old state or the new one, never a part. It
// returns the new file's identity.
func (l *lockedState) save(sb *sandbox.Sandbox) (fs.FileInfo, error) {
	// Streamed: near the byte budget the state is 64 MiB, and a copy per
	// save would double the served sandbox's heap.
	if err := writeAtomic(l.path, sb.WriteState); err != nil {
		return nil, &stateError{path: l.path, err: fmt.Errorf("cannot be written: %w", unwrapPath(err))}
	}
	info, err := os.Stat(l.path)
	if err != nil {
		return nil, &stateError{path: l.path, err: unwrapPath(err)}
	}
	return info, nil
}

func writeAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	// The rename is durable once the directory is synced. Not every
	// platform can sync a directory; the rename itself stays atomic.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// unwrapPath drops the *PathError's operation and path (the message names
// the file already), keeping the reason.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// cliState is the state of one --sandbox invocation: the lock is held
// from before the load until after the save, so that concurrent
// invocations run one after the other and none loses another's change.
type cliState struct {
	file    *lockedState
	sb      *sandbox.Sandbox
	changed atomic.Bool
}

// openCLIState locks and loads the state file at path into a fresh
// in-process sandbox. The sandbox accepts any token: its client logs in
// with the sandbox partner credentials, which are checked, but the token
// it gets is not remembered, so that a command that changes nothing
// writes nothing. The caller must call close.
func openCLIState(path string) (*cliState, error) {
	file, err := lockState(path)
	if err != nil {
		return nil, err
	}
	st := &cliState{file: file}
	st.sb = sandbox.New(sandbox.WithStateHook(func() { st.changed.Store(true) }))
	if _, err := file.load(st.sb); err != nil {
		file.release()
		return nil, err
	}
	return st, nil
}

// close saves the state if the command changed it, and releases the lock.
func (st *cliState) close() error {
	defer st.file.release()
	if !st.changed.Load() {
		return nil
	}
	_, err := st.file.save(st.sb)
	return err
}

// servedState saves a served sandbox's state after each change, under
// the same lock as --sandbox invocations. The served sandbox owns the
// file while it runs: each save replaces the file with its own state. A
// change made meanwhile by another process (a --sandbox command, sandbox
// reset) is overwritten, with a warning on stderr.
type servedState struct {
	path   string
	stderr io.Writer

	mu   sync.Mutex // one save at a time; each writes the latest state
	last fs.FileInfo
}

// openServedState loads the state file at path into sb, under the lock.
func openServedState(path string, sb *sandbox.Sandbox, stderr io.Writer) (*servedState, error) {
	file, err := lockState(path)
	if err != nil {
		return nil, err
	}
	defer file.release()
	info, err := file.load(sb)
	if err != nil {
		return nil, err
	}
	return &servedState{path: path, stderr: stderr, last: info}, nil
}

// save is the sandbox's state hook. It cannot fail the request, which is
// already done: a failure is reported on stderr, and the next change
// tries again.
func (s *servedState) save(sb *sandbox.Sandbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	file, err := lockState(s.path)
	if err != nil {
		fmt.Fprintf(s.stderr, "warning: %v: the change is kept in memory only\n", err)
		return
	}
	defer file.release()
	// Every writer replaces the file by rename: a file that is not the
	// one this sandbox last wrote (or loaded) was changed by another.
	cur, err := os.Stat(s.path)
	switch {
	case err == nil && (s.last == nil || !os.SameFile(cur, s.last)):
		fmt.Fprintf(s.stderr, "warning: sandbox state file %s was changed by another process; the served sandbox's state replaces it\n", s.path)
	case errors.Is(err, fs.ErrNotExist) && s.last != nil:
		fmt.Fprintf(s.stderr, "warning: sandbox state file %s was removed by another process; the served sandbox's state replaces it\n", s.path)
	}
	info, err := file.save(sb)
	if err != nil {
		fmt.Fprintf(s.stderr, "warning: %v: the change is kept in memory only\n", err)
		return
	}
	s.last = info
}
