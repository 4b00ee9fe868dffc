package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

// The state file's size limit: the sandbox's state budget (by default
// sandbox.DefaultMaxStateBytes, 64 MiB) plus a quarter for the JSON
// around it. A larger file is refused before it is read, and one that is
// not a regular file (a device, a pipe) before it is opened (lockState),
// so a wrong --sandbox-state (/dev/zero, a disk image) costs neither the
// memory nor the time.
func stateFileLimit(budget int64) int64 { return budget + budget/4 }

// stateFileLimitBytes is the limit for the default budget (--sandbox).
const stateFileLimitBytes = sandbox.DefaultMaxStateBytes + sandbox.DefaultMaxStateBytes/4

// lockMode is what a command does with the state: a command that only
// reads it (list, get) takes a shared lock, which it can do without
// writing anywhere; one that may change it takes the exclusive lock.
type lockMode int

const (
	lockExclusive lockMode = iota
	lockShared
)

// lockPollEvery is how often a run waiting for the lock tries again. A
// non-blocking attempt in a loop, rather than a blocking flock(2), is
// what lets the wait end on SIGINT, SIGTERM or --timeout.
const lockPollEvery = 20 * time.Millisecond

// lockedState is a state file held under its lock: a sibling file
// path+".lock", locked with flock(2) on unix and LockFileEx on Windows,
// so that invocations taking turns each load what the previous one
// saved. The state file itself is never locked: it is replaced by rename,
// and a lock on the old inode would protect nothing.
//
// path is the file as named; target is where it really is: a symlink is
// followed, so that the lock, the temporary file and the rename happen
// beside the target and the link itself stays a link.
type lockedState struct {
	path, target string
	mode         lockMode
	lock         *os.File // nil: a read-only run where no lock file could be opened
}

// lockState takes the lock of the state file at path, creating its
// directory (private: the state holds app keys) and lock file as needed,
// and waits for another holder to release it until ctx is done. A shared
// lock falls back to no lock at all where the lock file cannot be opened
// (a read-only directory): readers are safe without it, since every
// writer replaces the file by rename, so a read sees one whole state.
//
// A target that exists but is not a regular file (a device such as
// /dev/zero, a named pipe, a directory) is refused before anything is
// opened: reading a pipe would wait for a writer past any --timeout, a
// device has no end, and sandbox reset must never remove one. limit is
// the state file's size limit, named in that refusal; 0 for a run that
// only removes the file (sandbox reset).
func lockState(ctx context.Context, path string, mode lockMode, limit int64, stderr io.Writer) (*lockedState, error) {
	target, err := followLinks(path)
	if err != nil {
		return nil, &stateError{path: path, err: err}
	}
	info, err := os.Stat(target)
	if err == nil && !info.Mode().IsRegular() {
		return nil, &stateError{path: path, err: notRegular(info, limit)}
	}
	if errors.Is(err, fs.ErrNotExist) && target != path {
		// A link to a file not made yet is followed (the first save
		// makes it), but not to a place whose directory is missing:
		// the directories would be made wherever the link points, a
		// stale link or a typo in it.
		if _, derr := os.Stat(filepath.Dir(target)); errors.Is(derr, fs.ErrNotExist) {
			return nil, &stateError{path: path, err: fmt.Errorf("a symbolic link to %s, which does not exist, nor its directory: not followed, nothing created", target)}
		}
	}
	l := &lockedState{path: path, target: target, mode: mode}
	if mode == lockExclusive {
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return nil, &stateError{path: path, err: fmt.Errorf("cannot create its directory: %w", unwrapPath(err))}
		}
	}
	f, err := os.OpenFile(target+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil && mode == lockShared {
		if f, err = os.Open(target + ".lock"); err != nil {
			return l, nil // documented: a read-only run with no lock
		}
	}
	if err != nil {
		return nil, &stateError{path: path, err: fmt.Errorf("cannot open its lock file: %w", unwrapPath(err))}
	}
	waiting := false
	for {
		ok, err := tryLockFile(f, mode == lockShared)
		if err != nil {
			f.Close()
			return nil, &stateError{path: path, err: fmt.Errorf("cannot lock it: %w", err)}
		}
		if ok {
			l.lock = f
			return l, nil
		}
		if !waiting {
			waiting = true
			fmt.Fprintf(stderr, "waiting for the lock of sandbox state file %s: another finicity-connect is using it\n", path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, &lockWaitError{path: path, err: ctx.Err()}
		case <-time.After(lockPollEvery):
		}
	}
}

// notRegular is the refusal of a state file that is not a regular file.
func notRegular(info fs.FileInfo, limit int64) error {
	kind := "not a regular file"
	switch m := info.Mode(); {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case m&fs.ModeCharDevice != 0:
		kind = "a character device"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	}
	if limit <= 0 {
		return fmt.Errorf("%s, not a regular file: not removed", kind)
	}
	return fmt.Errorf("%s, not a regular file: not read (a state file is a regular file of at most %d bytes, %s)", kind, limit, limitText(limit))
}

// limitText explains a state file limit in MiB.
func limitText(limit int64) string {
	budget := limit * 4 / 5
	return fmt.Sprintf("%d MiB: the sandbox's %d MiB state budget plus a margin", limit>>20, budget>>20)
}

// lockWaitError is a run that gave up waiting for the lock: interrupted
// (SIGINT, SIGTERM) or out of --timeout. It exits 3, like any call that
// got no answer in time: trying again later may work.
type lockWaitError struct {
	path string
	err  error
}

func (e *lockWaitError) Error() string {
	if errors.Is(e.err, context.DeadlineExceeded) {
		return "gave up waiting for the lock of sandbox state file " + e.path + " after --timeout: another finicity-connect still holds it"
	}
	return "interrupted while waiting for the lock of sandbox state file " + e.path
}
func (e *lockWaitError) Unwrap() error { return e.err }
func (e *lockWaitError) ExitCode() int { return exitNetwork }

// followLinks returns where path leads through symbolic links, also when
// the last one dangles (the file is then created at its target).
func followLinks(path string) (string, error) {
	for range 40 {
		info, err := os.Lstat(path)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", fmt.Errorf("cannot read the link: %w", unwrapPath(err))
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", errors.New("too many levels of symbolic links")
}

// release drops the lock.
func (l *lockedState) release() {
	if l.lock != nil {
		_ = unlockFile(l.lock)
		_ = l.lock.Close()
	}
}

// load reads the state into sb. A missing file is an empty state; a file
// that cannot be read or parsed, or is over the size limit, is an error
// naming it, and is left as it is: never silently replaced.
func (l *lockedState) load(sb *sandbox.Sandbox, budget int64) (fs.FileInfo, error) {
	data, info, err := readLimited(l.target, stateFileLimit(budget), budget)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &stateError{path: l.path, err: err, hint: true}
	}
	if err := sb.UnmarshalState(data); err != nil {
		return nil, &stateError{path: l.path, err: errors.New(strings.TrimPrefix(err.Error(), "sandbox: state: ")), hint: true}
	}
	return info, nil
}

// readLimited reads the regular file at path, refusing one of more than
// limit bytes by its size, or after reading limit+1 bytes should it grow.
func readLimited(path string, limit, budget int64) ([]byte, fs.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("cannot be read: %w", unwrapPath(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot be read: %w", unwrapPath(err))
	}
	tooBig := fmt.Errorf("larger than the limit of %d bytes (%d MiB: the sandbox's %d MiB state budget plus a margin); not read",
		limit, limit>>20, budget>>20)
	if !info.Mode().IsRegular() {
		// Replaced since lockState looked (it refuses these).
		return nil, nil, notRegular(info, limit)
	}
	if info.Size() > limit {
		return nil, nil, tooBig
	}
	// Read into a buffer of the file's size, so that a file near the
	// limit costs its size once rather than the doublings of io.ReadAll;
	// still at most limit+1 bytes, should it grow meanwhile.
	buf := bytes.NewBuffer(make([]byte, 0, info.Size()+1))
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, nil, fmt.Errorf("cannot be read: %w", unwrapPath(err))
	}
	if int64(buf.Len()) > limit {
		return nil, nil, tooBig
	}
	return buf.Bytes(), info, nil
}

// save writes sb's state atomically: to a temporary file beside the
// target, synced, then renamed over it, so that a reader (or a crash)
// sees the old state or the new one, never a part. Temporary files a
// killed run left behind are removed first: under the exclusive lock no
// other run is writing one. It returns the new file's identity.
func (l *lockedState) save(sb *sandbox.Sandbox) (fs.FileInfo, error) {
	if l.mode != lockExclusive {
		return nil, &stateError{path: l.path, err: errors.New("not saved: the command held a shared lock")}
	}
	removeLeftovers(l.target)
	// Streamed: near the byte budget the state is 64 MiB, and a copy per
	// save would double the served sandbox's heap.
	if err := writeAtomic(l.target, sb.WriteState); err != nil {
		return nil, &stateError{path: l.path, err: fmt.Errorf("cannot be written: %w", unwrapPath(err))}
	}
	info, err := os.Stat(l.target)
	if err != nil {
		return nil, &stateError{path: l.path, err: unwrapPath(err)}
	}
	return info, nil
}

// tempPattern names the temporary files of writeAtomic for target, for
// os.CreateTemp: the last * becomes a random decimal number.
func tempPattern(target string) string { return "." + filepath.Base(target) + ".*.tmp" }

// isTempOf reports whether name is a temporary file of writeAtomic for
// target: the pattern with digits only in place of the *. Matched by
// hand, not with filepath.Glob: a file name holding *, ? or [ would be a
// pattern, and the temporary files of another state file beside it
// (state.json.2's .state.json.2.123.tmp) must not match, since their
// save may be under way under a lock of their own.
func isTempOf(name, target string) bool {
	rest, ok := strings.CutPrefix(name, "."+filepath.Base(target)+".")
	if !ok {
		return false
	}
	digits, ok := strings.CutSuffix(rest, ".tmp")
	if !ok || digits == "" {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// removeLeftovers deletes the temporary files of earlier saves that did
// not finish (a run killed between writing and renaming).
func removeLeftovers(target string) {
	dir := filepath.Dir(target)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Type().IsRegular() && isTempOf(e.Name(), target) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func writeAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPattern(path)) // mode 0600
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
// in-process sandbox: a shared lock for a command that only reads
// (mode lockShared), else the exclusive one. The sandbox accepts any
// token: its client logs in with the sandbox partner credentials, which
// are checked, but the token it gets is not remembered, so that a command
// that changes nothing writes nothing. The caller must call close.
func openCLIState(ctx context.Context, path string, mode lockMode, stderr io.Writer) (*cliState, error) {
	file, err := lockState(ctx, path, mode, stateFileLimitBytes, stderr)
	if err != nil {
		return nil, err
	}
	st := &cliState{file: file}
	st.sb = sandbox.New(sandbox.WithStateHook(func() { st.changed.Store(true) }))
	if _, err := file.load(st.sb, sandbox.DefaultMaxStateBytes); err != nil {
		file.release()
		return nil, err
	}
	return st, nil
}

// close saves the state if the command changed it, and releases the lock.
// A read-only command (shared lock) saves nothing: a GET changes nothing
// the API keeps, and what the sandbox notes on the way (a token it
// issued) is not worth failing a read for.
func (st *cliState) close() error {
	defer st.file.release()
	if !st.changed.Load() || st.file.mode != lockExclusive {
		return nil
	}
	if _, err := st.file.save(st.sb); err != nil {
		const lost = "; the change was not saved, and the command's output is not printed"
		if se, ok := errors.AsType[*stateError](err); ok {
			return &stateError{path: se.path, err: fmt.Errorf("%w"+lost, se.err), hint: se.hint}
		}
		return fmt.Errorf("%w"+lost, err)
	}
	return nil
}

// servedState saves a served sandbox's state after each change, under
// the same lock as --sandbox invocations. The served sandbox owns the
// file while it runs: each save replaces the file with its own state. A
// change made meanwhile by another process (a --sandbox command, sandbox
// reset) is overwritten, with a warning on stderr.
type servedState struct {
	path   string
	limit  int64 // the state file's size limit
	stderr io.Writer

	mu   sync.Mutex // one save at a time; each writes the latest state
	last fs.FileInfo
}

// servedLockWait bounds how long a served sandbox's save waits for a
// --sandbox command holding the lock; past it the change stays in memory
// and the next change tries again.
const servedLockWait = 10 * time.Second

// openServedState loads the state file at path into sb, under the lock.
func openServedState(ctx context.Context, path string, sb *sandbox.Sandbox, budget int64, stderr io.Writer) (*servedState, error) {
	file, err := lockState(ctx, path, lockExclusive, stateFileLimit(budget), stderr)
	if err != nil {
		return nil, err
	}
	defer file.release()
	info, err := file.load(sb, budget)
	if err != nil {
		return nil, err
	}
	return &servedState{path: path, limit: stateFileLimit(budget), stderr: stderr, last: info}, nil
}

// save is the sandbox's state hook. It cannot fail the request, which is
// already done: a failure is reported on stderr, and the next change
// tries again.
func (s *servedState) save(sb *sandbox.Sandbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), servedLockWait)
	defer cancel()
	file, err := lockState(ctx, s.path, lockExclusive, s.limit, s.stderr)
	if err != nil {
		fmt.Fprintf(s.stderr, "warning: %v: the change is kept in memory only\n", err)
		return
	}
	defer file.release()
	// Every writer replaces the file by rename: a file that is not the
	// one this sandbox last wrote (or loaded) was changed by another.
	cur, err := os.Stat(file.target)
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
