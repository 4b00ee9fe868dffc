// Package statefile keeps the sandbox's state in a file between runs of
// finicity-connect (the --sandbox commands, the served sandbox's --state,
// sandbox reset), so that what one run creates the next one finds.
//
// The file is the sandbox's own marshalled state (sandbox.WriteState),
// replaced whole by rename at each save, beside a lock file taken for the
// whole run: runs take turns and none loses another's change. A symbolic
// link is followed to its target (which gets the lock, the temporary
// file and the rename), a file over the size limit or not a regular file
// is refused before it is read, and a file that cannot be used is an
// *Error naming it, left as it was.
package statefile

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

// DefaultName is the state file of --sandbox by default, under the
// user's cache directory.
const DefaultName = "finicity-connect/sandbox-state.json"

// DefaultPath is <user cache dir>/DefaultName.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.FromSlash(DefaultName)), nil
}

// Error is a state file that cannot be read, parsed or written. The CLI
// exits 2 with it, as for a usage error: the command was not run as asked
// because of something in the user's environment, which the user can fix.
type Error struct {
	Path string // the file as named
	Err  error
	// Hint says the file's content is at fault: the CLI points at
	// sandbox reset.
	Hint bool
}

func (e *Error) Error() string { return "sandbox state file " + e.Path + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// The state file's size limit: the sandbox's state budget (by default
// sandbox.DefaultMaxStateBytes, 64 MiB) plus a quarter for the JSON
// around it. A larger file is refused before it is read, and one that is
// not a regular file (a device, a pipe) before it is opened (Lock),
// so a wrong --sandbox-state (/dev/zero, a disk image) costs neither the
// memory nor the time.
func Limit(budget int64) int64 { return budget + budget/4 }

// DefaultLimit is the limit for the default budget (--sandbox).
const DefaultLimit = sandbox.DefaultMaxStateBytes + sandbox.DefaultMaxStateBytes/4

// Mode is what a command does with the state: a command that only
// reads it (list, get) takes a shared lock, which it can do without
// writing anywhere; one that may change it takes the exclusive lock.
type Mode int

const (
	// Exclusive is the lock of a run that may change the state.
	Exclusive Mode = iota
	// Shared is the lock of a run that only reads it.
	Shared
)

// lockPollEvery is how often a run waiting for the lock tries again. A
// non-blocking attempt in a loop, rather than a blocking flock(2), is
// what lets the wait end on SIGINT, SIGTERM or --timeout.
const lockPollEvery = 20 * time.Millisecond

// File is a state file held under its lock: a sibling file
// path+".lock", locked with flock(2) on unix and LockFileEx on Windows,
// so that invocations taking turns each load what the previous one
// saved. The state file itself is never locked: it is replaced by rename,
// and a lock on the old inode would protect nothing.
//
// path is the file as named; target is where it really is: a symlink is
// followed, so that the lock, the temporary file and the rename happen
// beside the target and the link itself stays a link.
type File struct {
	path, target string
	mode         Mode
	lock         *os.File // nil: a read-only run where no lock file could be opened
}

// Lock takes the lock of the state file at path, creating its
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
func Lock(ctx context.Context, path string, mode Mode, limit int64, stderr io.Writer) (*File, error) {
	target, err := followLinks(path)
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	info, err := os.Stat(target)
	if err == nil && !info.Mode().IsRegular() {
		return nil, &Error{Path: path, Err: notRegular(info, limit)}
	}
	if errors.Is(err, fs.ErrNotExist) && target != path {
		// A link to a file not made yet is followed (the first save
		// makes it), but not to a place whose directory is missing:
		// the directories would be made wherever the link points, a
		// stale link or a typo in it.
		if _, derr := os.Stat(filepath.Dir(target)); errors.Is(derr, fs.ErrNotExist) {
			return nil, &Error{Path: path, Err: fmt.Errorf("a symbolic link to %s, which does not exist, nor its directory: not followed, nothing created", target)}
		}
	}
	l := &File{path: path, target: target, mode: mode}
	if mode == Exclusive {
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			return nil, &Error{Path: path, Err: fmt.Errorf("cannot create its directory: %w", unwrapPath(err))}
		}
	}
	f, err := os.OpenFile(target+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil && mode == Shared {
		if f, err = os.Open(target + ".lock"); err != nil {
			return l, nil // documented: a read-only run with no lock
		}
	}
	if err != nil {
		return nil, &Error{Path: path, Err: fmt.Errorf("cannot open its lock file: %w", unwrapPath(err))}
	}
	waiting := false
	for {
		ok, err := tryLockFile(f, mode == Shared)
		if err != nil {
			f.Close()
			return nil, &Error{Path: path, Err: fmt.Errorf("cannot lock it: %w", err)}
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
			return nil, &WaitError{Path: path, Err: ctx.Err()}
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

// WaitError is a run that gave up waiting for the lock: interrupted
// (SIGINT, SIGTERM) or out of --timeout. The CLI exits 3 with it, as for
// any call that got no answer in time: trying again later may work.
type WaitError struct {
	Path string
	Err  error // the context's: context.Canceled or context.DeadlineExceeded
}

func (e *WaitError) Error() string {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return "gave up waiting for the lock of sandbox state file " + e.Path + " after --timeout: another finicity-connect still holds it"
	}
	return "interrupted while waiting for the lock of sandbox state file " + e.Path
}
func (e *WaitError) Unwrap() error { return e.Err }

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

// Release drops the lock.
func (l *File) Release() {
	if l.lock != nil {
		_ = unlockFile(l.lock)
		_ = l.lock.Close()
	}
}

// Load reads the state into sb. A missing file is an empty state; a file
// that cannot be read or parsed, or is over the size limit, is an error
// naming it, and is left as it is: never silently replaced.
func (l *File) Load(sb *sandbox.Sandbox, budget int64) (fs.FileInfo, error) {
	data, info, err := readLimited(l.target, Limit(budget), budget)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &Error{Path: l.path, Err: err, Hint: true}
	}
	if err := sb.UnmarshalState(data); err != nil {
		return nil, &Error{Path: l.path, Err: errors.New(strings.TrimPrefix(err.Error(), "sandbox: state: ")), Hint: true}
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
		// Replaced since Lock looked (it refuses these).
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

// Save writes sb's state atomically: to a temporary file beside the
// target, synced, then renamed over it, so that a reader (or a crash)
// sees the old state or the new one, never a part. Temporary files a
// killed run left behind are removed first: under the exclusive lock no
// other run is writing one. It returns the new file's identity.
func (l *File) Save(sb *sandbox.Sandbox) (fs.FileInfo, error) {
	if l.mode != Exclusive {
		return nil, &Error{Path: l.path, Err: errors.New("not saved: the command held a shared lock")}
	}
	removeLeftovers(l.target)
	// Streamed: near the byte budget the state is 64 MiB, and a copy per
	// save would double the served sandbox's heap.
	if err := writeAtomic(l.target, sb.WriteState); err != nil {
		return nil, &Error{Path: l.path, Err: fmt.Errorf("cannot be written: %w", unwrapPath(err))}
	}
	info, err := os.Stat(l.target)
	if err != nil {
		return nil, &Error{Path: l.path, Err: unwrapPath(err)}
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

// Session is the state of one --sandbox invocation: the lock is held
// from before the load until after the save, so that concurrent
// invocations run one after the other and none loses another's change.
type Session struct {
	file    *File
	sb      *sandbox.Sandbox
	changed atomic.Bool
}

// OpenSession locks and loads the state file at path into a fresh
// in-process sandbox: a shared lock for a command that only reads
// (mode Shared), else the exclusive one. The sandbox accepts any
// token: its client logs in with the sandbox partner credentials, which
// are checked, but the token it gets is not remembered, so that a command
// that changes nothing writes nothing. The caller must call Close.
func OpenSession(ctx context.Context, path string, mode Mode, stderr io.Writer) (*Session, error) {
	file, err := Lock(ctx, path, mode, DefaultLimit, stderr)
	if err != nil {
		return nil, err
	}
	st := &Session{file: file}
	st.sb = sandbox.New(sandbox.WithStateHook(func() { st.changed.Store(true) }))
	if _, err := file.Load(st.sb, sandbox.DefaultMaxStateBytes); err != nil {
		file.Release()
		return nil, err
	}
	return st, nil
}

// Close saves the state if the command changed it, and releases the lock.
// A read-only command (shared lock) saves nothing: a GET changes nothing
// the API keeps, and what the sandbox notes on the way (a token it
// issued) is not worth failing a read for.
func (st *Session) Close() error {
	defer st.file.Release()
	if !st.changed.Load() || st.file.mode != Exclusive {
		return nil
	}
	if _, err := st.file.Save(st.sb); err != nil {
		const lost = "; the change was not saved, and the command's output is not printed"
		if se, ok := errors.AsType[*Error](err); ok {
			return &Error{Path: se.Path, Err: fmt.Errorf("%w"+lost, se.Err), Hint: se.Hint}
		}
		return fmt.Errorf("%w"+lost, err)
	}
	return nil
}

// Served saves a served sandbox's state after each change, under
// the same lock as --sandbox invocations. The served sandbox owns the
// file while it runs: each save replaces the file with its own state. A
// change made meanwhile by another process (a --sandbox command, sandbox
// reset) is overwritten, with a warning on stderr.
type Served struct {
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

// OpenServed loads the state file at path into sb, under the lock.
func OpenServed(ctx context.Context, path string, sb *sandbox.Sandbox, budget int64, stderr io.Writer) (*Served, error) {
	file, err := Lock(ctx, path, Exclusive, Limit(budget), stderr)
	if err != nil {
		return nil, err
	}
	defer file.Release()
	info, err := file.Load(sb, budget)
	if err != nil {
		return nil, err
	}
	return &Served{path: path, limit: Limit(budget), stderr: stderr, last: info}, nil
}

// Save is the served sandbox's state hook. It cannot fail the request, which is
// already done: a failure is reported on stderr, and the next change
// tries again.
func (s *Served) Save(sb *sandbox.Sandbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), servedLockWait)
	defer cancel()
	file, err := Lock(ctx, s.path, Exclusive, s.limit, s.stderr)
	if err != nil {
		fmt.Fprintf(s.stderr, "warning: %v: the change is kept in memory only\n", err)
		return
	}
	defer file.Release()
	// Every writer replaces the file by rename: a file that is not the
	// one this sandbox last wrote (or loaded) was changed by another.
	cur, err := os.Stat(file.target)
	switch {
	case err == nil && (s.last == nil || !os.SameFile(cur, s.last)):
		fmt.Fprintf(s.stderr, "warning: sandbox state file %s was changed by another process; the served sandbox's state replaces it\n", s.path)
	case errors.Is(err, fs.ErrNotExist) && s.last != nil:
		fmt.Fprintf(s.stderr, "warning: sandbox state file %s was removed by another process; the served sandbox's state replaces it\n", s.path)
	}
	info, err := file.Save(sb)
	if err != nil {
		fmt.Fprintf(s.stderr, "warning: %v: the change is kept in memory only\n", err)
		return
	}
	s.last = info
}

// Reset empties the state file at path: it removes it, under the lock,
// so that the next run starts from nothing. It does not read the file,
// so a corrupt one is reset too; through a symbolic link, the target is
// removed and the link kept. A file that is not there is reset already.
func Reset(ctx context.Context, path string, stderr io.Writer) error {
	file, err := Lock(ctx, path, Exclusive, 0, stderr)
	if err != nil {
		return err
	}
	defer file.Release()
	if err := os.Remove(file.target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &Error{Path: path, Err: fmt.Errorf("cannot be removed: %w", unwrapPath(err))}
	}
	return nil
}

// Sandbox is the session's sandbox, loaded with the state.
func (st *Session) Sandbox() *sandbox.Sandbox { return st.sb }
