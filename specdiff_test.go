package connectcomponents_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/spec"
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
	specText, err := os.ReadFile("openapi.yaml")
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
	write("openapi.yaml", string(specText))
	mustRun("git", "add", "openapi.yaml")
	mustRun("git", "commit", "-qm", "base")

	if out, err := run("bash", script); err != nil || !strings.Contains(out, "nothing to compare") {
		t.Fatalf("first version: %v\n%s", err, out)
	}

	// Making an optional request field required breaks existing callers.
	edit := breakingEdit(t, specText)
	write("openapi.yaml", strings.Replace(string(specText), edit.old, edit.new, 1))
	out, err := run("bash", script)
	if err == nil || !strings.Contains(out, edit.property) || !strings.Contains(out, "spec-breaking-ack.txt") {
		t.Fatalf("breaking change (%s) not refused: %v\n%s", edit.ack, err, out)
	}

	write("spec-breaking-ack.txt", edit.ack+"\n")
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

// specEdit is a breaking edit of openapi.yaml: the text replaced, and
// the acknowledgement of the change oasdiff reports.
type specEdit struct{ old, new, property, ack string }

// breakingEdit makes an optional property of a request body required:
// the first operation (in the spec model's order) whose JSON body is a
// component schema with a `required: [...]` line and an optional
// property.
func breakingEdit(t *testing.T, text []byte) specEdit {
	t.Helper()
	m, err := spec.Parse("openapi.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range m.Operations {
		b := o.Body
		if b == nil || !b.JSON || b.Schema == nil || !strings.HasPrefix(b.Schema.Ref, "#/components/schemas/") {
			continue
		}
		name := strings.TrimPrefix(b.Schema.Ref, "#/components/schemas/")
		props, required := spec.Properties(b.Schema.Value)
		var optional []string
		for p, ref := range props {
			if !slices.Contains(required, p) && ref.Value != nil && !ref.Value.ReadOnly {
				optional = append(optional, p)
			}
		}
		slices.Sort(optional)
		// The schema's own block, up to the next schema, and its
		// required line.
		start := strings.Index(string(text), "\n    "+name+":\n")
		if len(optional) == 0 || start < 0 {
			continue
		}
		block := string(text[start+1:])
		if end := regexp.MustCompile(`\n    \S`).FindStringIndex(block); end != nil {
			block = block[:end[0]+1]
		}
		line := regexp.MustCompile(`(?m)^      required: \[(.*)\]\n`).FindString(block)
		if line == "" || strings.Count(string(text), line) != 1 {
			continue
		}
		return specEdit{
			old:      line,
			new:      strings.TrimSuffix(line, "]\n") + ", " + optional[0] + "]\n",
			property: optional[0],
			ack:      o.Method + " " + o.Path + " the request property `" + optional[0] + "` became required",
		}
	}
	t.Fatal("openapi.yaml has no request body whose schema has a required list and an optional property: give TestSpecDiff (specdiff_test.go) another breaking edit")
	return specEdit{}
}
