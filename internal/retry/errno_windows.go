//go:build windows

package retry

import "syscall"

// The error numbers of the transient failures (see the package doc):
// Winsock's own for a refusal (WSAECONNREFUSED, unnamed in syscall) and a
// reset, which the invented ECONNREFUSED and ECONNRESET do not match.
var (
	refusedErrnos = []syscall.Errno{syscall.ECONNREFUSED, 10061}
	resetErrnos   = []syscall.Errno{syscall.ECONNRESET, syscall.WSAECONNRESET, syscall.EPIPE}
)
