//go:build windows

package retry

import "syscall"

// The error numbers of the transient failures (see the package
// documentation). Winsock reports refusals and resets with its own
// numbers, which syscall.ECONNREFUSED and ECONNRESET (invented values on
// Windows) do not match; WSAECONNREFUSED has no name in package syscall.
var (
	refusedErrnos    = []syscall.Errno{syscall.ECONNREFUSED, 10061 /* WSAECONNREFUSED */}
	resetErrnos      = []syscall.Errno{syscall.ECONNRESET, syscall.WSAECONNRESET}
	brokenPipeErrnos = []syscall.Errno{syscall.EPIPE}
)
