// Command largespec writes testdata/largespec/fragment.yaml, a large
// OpenAPI 3.0.3 document of this project's own making, and the README.md
// next to it. `make test-spec-scale` merges the fragment into openapi.yaml
// to prove that code generation works from any document. The output
// depends on nothing but this program: run it again after changing it.
//
//	go run ./internal/tools/largespec
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// outDir is where the fixture goes, relative to the module root.
const outDir = "testdata/largespec"

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "largespec:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	files, err := generate()
	if err != nil {
		return err
	}
	dir := filepath.Join(root, outDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
		fmt.Printf("largespec: wrote %s (%d bytes)\n", filepath.Join(outDir, f.name), len(f.data))
	}
	return nil
}

type file struct {
	name string
	data []byte
}

// generate renders the fragment and its README.
func generate() ([]file, error) {
	fragment, err := build().render()
	if err != nil {
		return nil, err
	}
	readme, err := readme(fragment)
	if err != nil {
		return nil, err
	}
	return []file{{"fragment.yaml", fragment}, {"README.md", readme}}, nil
}

// moduleRoot is the nearest directory up from the working directory that
// holds a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from inside the module")
		}
		dir = parent
	}
}
