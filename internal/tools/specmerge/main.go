// Command specmerge imports operations from a larger OpenAPI 3.0 document
// into another, the base, with every component they use (transitively)
// and the tags they carry, preserving the base's order and comments:
//
//	specmerge [-ops id1,id2 | -tags t1,t2] [-o out.yaml] base.yaml other.yaml
//
// With no selection every operation of other.yaml is imported. The result
// is modelled as generation will model it (internal/spec) before anything
// is written, to stdout or atomically to -o; an example that breaks its
// schema is a warning naming its place, as `make spec-validate` names it.
// It fails, naming both places as JSON pointers, when a path and method,
// an operationId or a component name (with different content) is in
// both documents; identical components are shared.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/finicity-go/connect-components/internal/specmerge"
)

const usage = "usage: specmerge [-ops id1,id2 | -tags t1,t2] [-o out.yaml] base.yaml other.yaml"

// errUsage marks a command line that could not be understood.
var errUsage = errors.New(usage)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "specmerge:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("specmerge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ops := fs.String("ops", "", "import these operations of other.yaml (comma-separated operationIds)")
	tags := fs.String("tags", "", "import the operations of other.yaml with one of these tags (comma-separated)")
	out := fs.String("o", "", "write the merged document to this file, atomically, instead of stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w (%v)", errUsage, err)
	}
	if fs.NArg() != 2 {
		return fmt.Errorf("%w (two documents expected, got %d arguments)", errUsage, fs.NArg())
	}
	if *ops != "" && *tags != "" {
		return fmt.Errorf("%w (-ops and -tags are exclusive)", errUsage)
	}
	basePath, otherPath := fs.Arg(0), fs.Arg(1)
	base, err := os.ReadFile(basePath)
	if err != nil {
		return err
	}
	other, err := os.ReadFile(otherPath)
	if err != nil {
		return err
	}
	res, err := specmerge.Merge(
		specmerge.Source{Name: basePath, Data: base},
		specmerge.Source{Name: otherPath, Data: other},
		specmerge.Selection{OperationIDs: list(*ops), Tags: list(*tags)},
	)
	if err != nil {
		return err
	}
	// Relative references of the base resolve from where the base is.
	broken, err := specmerge.Check(ctx, res.Data, basePath)
	if err != nil {
		return err
	}
	if *out == "" {
		if _, err := stdout.Write(res.Data); err != nil {
			return err
		}
	} else if err := writeAtomic(*out, res.Data); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "specmerge: %d operation(s) of %s imported into %s: %d component(s) added, %d shared, %d tag(s) added\n",
		len(res.Operations), otherPath, basePath, len(res.Added), len(res.Shared), len(res.Tags))
	for _, p := range broken {
		if p.File = *out; p.File == "" {
			p.File = "-" // the merged document, on stdout
		}
		fmt.Fprintf(stderr, "specmerge: warning: %v\n", p)
	}
	if len(broken) > 0 {
		fmt.Fprintf(stderr, "specmerge: warning: %d imported example(s) break their schema: the sandbox answers from the schema instead, and `make spec-validate` fails until each is corrected or removed at the place named\n", len(broken))
	}
	return nil
}

// list splits a comma-separated flag value, dropping empty items.
func list(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// writeAtomic replaces path with data through a temporary file in the same
// directory and a rename, so a reader sees the old file or the new one,
// never part of it. An existing file keeps its permissions.
func writeAtomic(path string, data []byte) (err error) {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
