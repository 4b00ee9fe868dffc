//go:build !windows

package retry

import "syscall"

// The error numbers of the transient failures (see the package doc).
var (
	refusedErrnos = []syscall.Errno{syscall.ECONNREFUSED}
	resetErrnos   = []syscall.Errno{syscall.ECONNRESET, syscall.EPIPE}
)
