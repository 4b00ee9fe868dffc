// Command specscale is `make test-spec-scale`: it proves that a spec of a
// real API's size and variety is the spec edit plus `make generate`. In a
// copy of the module (the files git tracks) it merges the large fixture
// (testdata/largespec/fragment.yaml, 118 operations of our own, no x-
// extension) into openapi.yaml, regenerates, builds and vets everything,
// then runs the every-operation test (internal/everyop), which calls each
// operation through the client, the CLI with --sandbox and the test kit,
// each answering 2xx. It prints how long each step took.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/internal/specmerge"
)

func main() {
	fragment := flag.String("fragment", "testdata/largespec/fragment.yaml", "the operations to merge into openapi.yaml")
	keep := flag.Bool("keep", false, "keep the copy of the module (its path is printed)")
	flag.Parse()
	if err := run(*fragment, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "specscale:", err)
		os.Exit(1)
	}
}

func run(fragment string, keep bool) error {
	dir, err := os.MkdirTemp("", "specscale-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("specscale: module copy in", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	if err := copyTracked(dir); err != nil {
		return err
	}
	base, err := os.ReadFile(filepath.Join(dir, "openapi.yaml"))
	if err != nil {
		return err
	}
	other, err := os.ReadFile(fragment)
	if err != nil {
		return err
	}
	res, err := specmerge.Merge(specmerge.Source{Name: "openapi.yaml", Data: base}, specmerge.Source{Name: fragment, Data: other}, specmerge.Selection{})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.yaml"), res.Data, 0o644); err != nil {
		return err
	}
	fmt.Printf("specscale: %d operations of %s merged into openapi.yaml\n", len(res.Operations), fragment)
	for _, step := range []struct {
		name string
		args []string
	}{
		{"generate", []string{"generate", "./..."}},
		{"build", []string{"build", "./..."}},
		{"vet", []string{"vet", "./..."}},
		{"every operation", []string{"test", "-count=1", "./internal/everyop/"}},
	} {
		start := time.Now()
		cmd := exec.Command("go", step.args...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		fmt.Printf("specscale: %-16s %6.1fs\n", step.name, time.Since(start).Seconds())
		if err != nil {
			return fmt.Errorf("go %s in the copy with the large spec: %v\n%s", strings.Join(step.args, " "), err, tail(out.String(), 60))
		}
	}
	fmt.Println("specscale: ok")
	return nil
}

// copyTracked copies the files git tracks (what a fresh clone has) into
// dir.
func copyTracked(dir string) error {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		info, err := os.Lstat(name)
		if err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, or not a plain file
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, data, info.Mode().Perm()|fs.FileMode(0o200)); err != nil {
			return err
		}
	}
	return nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
