// Command specvalidate loads openapi.yaml, validates it fully (every
// example against its schema) and checks that gen/ embeds the same
// document. `make spec-validate` runs it; -embedded=false checks another
// document (a published API's spec) on its own. It exits 1 on any
// problem; a broken example is reported with its JSON pointer, the rule
// and the fix, then the count ("N examples break their schema"). When
// examples share a broken rule, the rules follow by how many examples
// break them, each with the schema that states it; a rule many examples
// break is more likely the schema's mistake than theirs, and the report
// says so.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/finicity-go/connect-components/internal/speccheck"
)

func main() {
	embedded := flag.Bool("embedded", true, "also check that gen/ embeds the same document")
	flag.Parse()
	path := "openapi.yaml"
	if flag.NArg() > 0 {
		path = flag.Arg(0)
	}
	os.Exit(run(path, *embedded, os.Stdout, os.Stderr))
}

// run checks the document at path and says so on stdout, or what is wrong
// on stderr; it returns the exit code.
func run(path string, embedded bool, stdout, stderr io.Writer) int {
	check, what := speccheck.Check, "is valid (examples included) and matches gen/"
	if !embedded {
		check = func(path string) error { _, err := speccheck.Load(path); return err }
		what = "is valid (examples included)"
	}
	if err := check(path); err != nil {
		fmt.Fprintln(stderr, "specvalidate:", err)
		return 1
	}
	fmt.Fprintf(stdout, "specvalidate: %s %s\n", path, what)
	return 0
}
