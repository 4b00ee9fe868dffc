// Command generate is `make generate`: it regenerates gen/, package api's
// generated files, the CLI's call table and the docs' tables from
// openapi.yaml (see internal/codegen). It changes nothing when it fails.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/finicity-go/connect-components/internal/codegen"
)

func main() {
	root := flag.String("root", ".", "the module's directory")
	specFile := flag.String("spec", "openapi.yaml", "the OpenAPI document, relative to -root")
	config := flag.String("config", "oapi-codegen.yaml", "oapi-codegen's configuration, relative to -root")
	flag.Parse()
	if err := codegen.Run(codegen.Options{Root: *root, Spec: *specFile, Config: *config, Log: os.Stderr}); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}
