//go:build !unix && !windows

package statefile

import (
	"os"
	"sync"
)

// stateMu stands in for a file lock where neither flock(2) nor LockFileEx
// exists (plan9, js, wasip1): invocations within one process take turns,
// but separate processes do not exclude each other, and the last to save
// wins. Every save is still a rename, so the file is never left half
// written. docs/cli.md says so.
var stateMu sync.Mutex

func tryLockFile(*os.File, bool) (bool, error) { return stateMu.TryLock(), nil }

func unlockFile(*os.File) error {
	stateMu.Unlock()
	return nil
}
