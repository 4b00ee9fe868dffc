package redistoken

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd when the test process ends, even
// by a panic or a -timeout, so no redis-server or replica outlives its
// test.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
