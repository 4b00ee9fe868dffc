package main

import (
	"os/exec"
	"testing"
)

// TestStateLockOnEveryPlatform: the lock of the state file is a real
// file lock where the README promises one: flock(2) on unix, LockFileEx
// on Windows. The Windows code is not run by these tests (they run where
// CI runs, on Linux), so this test at least type-checks and vets the
// command as built for Windows, lock included, so that it cannot rot
// unnoticed.
func TestStateLockOnEveryPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles the command for Windows")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.Command(goTool, "vet", ".")
	cmd.Env = append(realEnv(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("GOOS=windows go vet: %v\n%s", err, out)
	}
}
