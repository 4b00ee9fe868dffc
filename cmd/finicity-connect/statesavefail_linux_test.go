package main

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/testutil/clirun"
)

// envFileSizeLimit, in the environment of the test binary run as the
// command (asProcess), sets its RLIMIT_FSIZE before anything runs: no
// file can grow past that many bytes (writes fail with EFBIG; Go ignores
// SIGXFSZ), which is what a full disk does to a save, reliably and for
// root too.
const envFileSizeLimit = "FINICITY_TEST_FSIZE"

func init() {
	v := os.Getenv(envFileSizeLimit)
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		panic(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
		panic(err)
	}
}

// TestCreateWhoseSaveFailsPrintsNothing: when the --sandbox state cannot
// be saved after configurations create (the disk is full: here, the file
// size limit stops the new state file), the CLI prints nothing on
// stdout about a configuration that does not exist, exits 2, says on
// stderr that the change was not saved, and the state file keeps what
// it held.
func TestCreateWhoseSaveFailsPrintsNothing(t *testing.T) {
	env := clirun.FreshState(t)
	first := createdID(t, env)
	path := env[cli.EnvSandboxState]
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := asProcess(t, env, sandboxVerb(t, "create")...)
	// The state as it is fits; one more configuration does not.
	cmd.Env = append(cmd.Env, envFileSizeLimit+"="+strconv.Itoa(len(before)))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := exitCode(t, cmd.Run())
	if code != cli.ExitUsage || stdout.Len() != 0 {
		t.Errorf("exit %d, stdout %q; want exit 2 and nothing printed", code, stdout.String())
	}
	want := "finicity-connect configurations create: sandbox state file " + path + ": cannot be written: file too large; the change was not saved, and the command's output is not printed\n"
	if stderr.String() != want {
		t.Errorf("stderr:\n got %q\nwant %q", stderr.String(), want)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("the state file changed: %v\n%s", err, after)
	}
	if ids := listIDs(t, env); len(ids) != 1 || ids[0] != first {
		t.Errorf("configurations after the failed save: %q, want only %s", ids, first)
	}
}
