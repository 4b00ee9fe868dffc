//go:build unix

package statefile

import (
	"os"
	"syscall"
)

// tryLockFile takes a flock(2) on f, shared or exclusive, without
// waiting: false when another holds a conflicting lock. The lock belongs
// to the open file, so two opens in one process exclude each other too,
// and the kernel drops it if the process dies.
func tryLockFile(f *os.File, shared bool) (bool, error) {
	how := syscall.LOCK_EX
	if shared {
		how = syscall.LOCK_SH
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		switch err {
		case nil:
			return true, nil
		case syscall.EWOULDBLOCK:
			return false, nil
		case syscall.EINTR:
			continue
		}
		return false, err
	}
}

func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
