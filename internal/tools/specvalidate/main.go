// Command specvalidate loads openapi.yaml, validates it fully (examples
// included) and checks that gen/ embeds the same document. `make ci` runs it.
package main

import (
	"fmt"
	"os"

	"github.com/finicity-go/connect-components/internal/speccheck"
)

func main() {
	path := "openapi.yaml"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if err := speccheck.Check(path); err != nil {
		fmt.Fprintln(os.Stderr, "specvalidate:", err)
		os.Exit(1)
	}
	fmt.Printf("specvalidate: %s is valid (examples included) and matches gen/\n", path)
}
