package codegen_test

import (
	"bytes"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/codegen"
)

// copyModule copies the module's files (not .git) to a temporary
// directory, for a generation that must not touch the real tree.
func copyModule(t *testing.T) string {
	t.Helper()
	root, _ := filepath.Abs("../..")
	dst := t.TempDir()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == ".git" || rel == "testdata/largespec" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// tree hashes every file under dir.
func tree(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[rel] = sha256.Sum256(data)
		}
		return nil
	})
	return out
}

// A spec generation cannot decide fails naming the spec location and the
// fix, and leaves every file as it was.
func TestFailureChangesNothing(t *testing.T) {
	dir := copyModule(t)
	specPath := filepath.Join(dir, "openapi.yaml")
	data, _ := os.ReadFile(specPath)
	// Two operations with the same Go method.
	broken := bytes.Replace(data, []byte("        method: Get\n"), []byte("        method: List\n"), 1)
	if bytes.Equal(broken, data) {
		t.Fatal("openapi.yaml has no x-sdk `method: Get` line to break: update this test (internal/codegen/codegen_test.go)")
	}
	os.WriteFile(specPath, broken, 0o644)
	before := tree(t, dir)
	var log bytes.Buffer
	err := codegen.Run(codegen.Options{Root: dir, Spec: "openapi.yaml", Config: "oapi-codegen.yaml", Log: &log})
	if err == nil || !strings.Contains(err.Error(), "openapi.yaml#/paths/") || !strings.Contains(err.Error(), "Configurations.List") ||
		!strings.Contains(err.Error(), "set x-sdk") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("Run = %v, want the problem with its spec location and fix", err)
	}
	after := tree(t, dir)
	for p, h := range before {
		if after[p] != h {
			t.Errorf("%s changed", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s was created", p)
		}
	}
}
