package connectcomponents_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecDiff runs `make spec-diff`'s script in a scratch git repository:
// an unchanged spec passes, a breaking change fails and says how to
// acknowledge it, and an acknowledged one passes. It fetches and builds
// oasdiff (through the Go module proxy) on first use, so -short skips it.
func TestSpecDiff(t *testing.T) {
	if testing.Short() {
		t.Skip("builds oasdiff")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	spec, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("internal", "tools", "specdiff.sh"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := func(name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun := func(name string, args ...string) {
		if out, err := run(name, args...); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	mustRun("git", "init", "-q")
	write("openapi.yaml", string(spec))
	mustRun("git", "add", "openapi.yaml")
	mustRun("git", "commit", "-qm", "base")

	if out, err := run("bash", script); err != nil || !strings.Contains(out, "nothing to compare") {
		t.Fatalf("first version: %v\n%s", err, out)
	}

	// Making an optional request field required breaks existing callers.
	old := "      required: [language, customerId, serviceAgreement]\n"
	if !strings.Contains(string(spec), old) {
		t.Fatal("openapi.yaml changed: update the test's breaking edit")
	}
	write("openapi.yaml", strings.Replace(string(spec), old, "      required: [language, customerId, serviceAgreement, configurationId]\n", 1))
	out, err := run("bash", script)
	if err == nil || !strings.Contains(out, "configurationId") || !strings.Contains(out, "spec-breaking-ack.txt") {
		t.Fatalf("breaking change not refused: %v\n%s", err, out)
	}

	write("spec-breaking-ack.txt", "POST /connect-components/institutions/{institution_id}/login-forms the request property `configurationId` became required\n")
	if out, err := run("bash", script); err != nil || !strings.Contains(out, "no unacknowledged breaking change") {
		t.Fatalf("acknowledged change refused: %v\n%s", err, out)
	}

	// Once committed, the default base is the previous spec commit.
	mustRun("git", "add", "-A")
	mustRun("git", "commit", "-qm", "breaking, acknowledged")
	if out, err := run("bash", script); err != nil {
		t.Fatalf("committed acknowledged change refused: %v\n%s", err, out)
	}
}
