package main

// The README's operation and command tables and the service list of
// package api's doc come from the spec: this test writes them with
// -update-docs (which `make generate` runs, through the directive below),
// and fails, naming the operation and the file, when they are stale.

//go:generate go test -count=1 -run ^TestDocsInStep$ . -args -update-docs

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the generated parts of README.md and api/doc.go")

const (
	readmePath = "../../README.md"
	apiDocPath = "../../api/doc.go"
)

// The three generated parts, each rendered by a function of the spec
// model alone (and the command list), so that each can move to the
// generator as it is.

// docsName is the docs' name of an operation (x-sdk docs), else its
// summary.
func docsName(o *spec.Operation) string {
	if o.Docs != "" {
		return o.Docs
	}
	return strings.ToLower(o.Summary)
}

// returns is what an operation's typed method returns: its result type,
// else its success's model, else only an error.
func returns(o *spec.Operation) string {
	if o.Result != "" {
		return "`*" + o.Result + "`"
	}
	for _, r := range o.Successes() {
		if r.Schema == nil || r.Schema.Value == nil {
			continue
		}
		if n := spec.SchemaName(r.Schema); n != "" {
			return "`*" + n + "`"
		}
		if it := r.Schema.Value.Items; it != nil && spec.SchemaName(it) != "" {
			return "`[]" + spec.SchemaName(it) + "`"
		}
	}
	return "`error` only"
}

// operationsTable is the README's table of operations, by CLI command.
func operationsTable(m *spec.Model) string {
	ops := slices.Clone(m.Operations)
	slices.SortStableFunc(ops, func(a, b *spec.Operation) int { return strings.Compare(a.Command, b.Command) })
	var b strings.Builder
	b.WriteString("| docs operation | method | returns | HTTP | CLI |\n| --- | --- | --- | --- | --- |\n")
	for _, o := range ops {
		fmt.Fprintf(&b, "| `%s` (%s) | `c.%s` | %s | `%s %s` | `finicity-connect %s` |\n", docsName(o), o.ID, o.Qualified(), returns(o), o.Method, o.Path, o.Command)
	}
	return b.String()
}

// commandsTable is the README's table of CLI commands.
func commandsTable(all []command) string {
	var b strings.Builder
	b.WriteString("| command | arguments | what it does |\n| --- | --- | --- |\n")
	for _, c := range all {
		args := c.args
		if args != "" {
			args = "`" + args + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.name, args, strings.ReplaceAll(c.summary, "|", `\|`))
	}
	return b.String()
}

// serviceList is the service list of api/doc.go, as comment lines, in
// the order of the commands.
func serviceList(m *spec.Model) string {
	ops := slices.Clone(m.Operations)
	slices.SortStableFunc(ops, func(a, b *spec.Operation) int { return strings.Compare(a.Command, b.Command) })
	var b strings.Builder
	for _, o := range ops {
		fmt.Fprintf(&b, "//\t%-23s %-6s %s\n", o.Qualified(), o.Method, o.Path)
	}
	return b.String()
}

// replaceBetween swaps what lies between the lines begin and end.
func replaceBetween(t *testing.T, file, text, begin, end, block string) string {
	t.Helper()
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("%s: no generated part between %q and %q", file, begin, end)
	}
	return text[:i+len(begin)] + block + text[j:]
}

func TestDocsInStep(t *testing.T) {
	m := specdoc.MustModel()
	type part struct {
		file, begin, end string
		block            string
		mentions         func(o *spec.Operation) string // what the block must name for each operation
	}
	parts := []part{
		{readmePath, "<!-- generated: operations (cmd/finicity-connect/docs_test.go, make generate) -->\n", "<!-- end generated: operations -->",
			operationsTable(m), func(o *spec.Operation) string { return "(" + o.ID + ")" }},
		{readmePath, "<!-- generated: commands (cmd/finicity-connect/docs_test.go, make generate) -->\n", "<!-- end generated: commands -->",
			commandsTable(allCommands()), func(o *spec.Operation) string { return "" }},
		{apiDocPath, "// The services, and the requests they send:\n//\n", "//\n// # Results and errors",
			serviceList(m), func(o *spec.Operation) string { return o.Qualified() + " " }},
	}
	files := map[string]string{}
	for _, p := range parts {
		if _, ok := files[p.file]; !ok {
			data, err := os.ReadFile(p.file)
			if err != nil {
				t.Fatal(err)
			}
			files[p.file] = string(data)
		}
		before := files[p.file]
		files[p.file] = replaceBetween(t, p.file, before, p.begin, p.end, p.block)
		if *updateDocs || files[p.file] == before {
			continue
		}
		name, _ := filepath.Rel("../..", p.file)
		current := before[strings.Index(before, p.begin)+len(p.begin) : strings.Index(before, p.end)]
		for _, o := range m.Operations {
			if want := p.mentions(o); want != "" && !strings.Contains(current, want) {
				t.Errorf("%s does not list operation %s (%s %s): run make generate to rewrite its generated part", name, o.ID, o.Method, o.Path)
			}
		}
		t.Errorf("%s: the part after %q is not what the spec makes; run make generate (or go test ./cmd/finicity-connect -run TestDocsInStep -args -update-docs)\nwant:\n%s", name, strings.TrimSpace(p.begin), p.block)
	}
	if *updateDocs {
		for file, text := range files {
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
