//go:build !unix

package main

import (
	"os"
	"sync"
)

// stateMu stands in for flock(2) where the standard library offers no
// file lock: invocations within one process take turns, but separate
// processes do not exclude each other, and the last to save wins. Every
// save is still a rename, so the file is never left half written.
var stateMu sync.Mutex

func lockFile(*os.File) error {
	stateMu.Lock()
	return nil
}

func unlockFile(*os.File) error {
	stateMu.Unlock()
	return nil
}
