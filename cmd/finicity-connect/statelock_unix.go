//go:build unix

package main

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive flock(2) on f, waiting for it. The lock
// belongs to the open file, so two opens in one process exclude each
// other too, and the kernel drops it if the process dies.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
