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
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the generated parts of README.md and api/doc.go")

const (
	readmePath = "../../README.md"
	apiDocPath = "../../api/doc.go"
)

// docsName is the docs' name of an operation, from x-sdk, else its
// summary.
func (o *opSpec) docsName() string {
	if o.docs != "" {
		return o.docs
	}
	return strings.ToLower(o.summary)
}

// operationsTable is the README's table of operations.
func operationsTable(t *testing.T) string {
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	byOp := map[string]string{}
	for _, c := range allCommands() {
		if c.op != "" {
			byOp[c.op] = c.name
		}
	}
	var b strings.Builder
	b.WriteString("| docs operation | method | returns | HTTP | CLI |\n| --- | --- | --- | --- | --- |\n")
	for _, o := range ops {
		method := "`Client.Generated()`"
		if o.service != "" {
			method = fmt.Sprintf("`c.%s.%s`", o.service, o.goMethod)
		}
		fmt.Fprintf(&b, "| `%s` (%s) | %s | %s | `%s %s` | `finicity-connect %s` |\n", o.docsName(), o.id, method, o.returns(), o.method, o.path, byOp[o.id])
	}
	return b.String()
}

// commandsTable is the README's table of CLI commands.
func commandsTable() string {
	var b strings.Builder
	b.WriteString("| command | arguments | what it does |\n| --- | --- | --- |\n")
	for _, c := range allCommands() {
		args := c.args
		if args != "" {
			args = "`" + args + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.name, args, strings.ReplaceAll(c.summary, "|", `\|`))
	}
	return b.String()
}

// serviceList is the service list of api/doc.go, as comment lines.
func serviceList(t *testing.T) string {
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, o := range ops {
		if o.service == "" {
			continue
		}
		fmt.Fprintf(&b, "//\t%-23s %-6s %s\n", o.service+"."+o.goMethod, o.method, o.path)
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
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	type part struct {
		file, begin, end string
		block            string
		mentions         func(o *opSpec) string // what the block must name for each operation
	}
	parts := []part{
		{readmePath, "<!-- generated: operations (cmd/finicity-connect/docs_test.go, make generate) -->\n", "<!-- end generated: operations -->",
			operationsTable(t), func(o *opSpec) string { return "(" + o.id + ")" }},
		{readmePath, "<!-- generated: commands (cmd/finicity-connect/docs_test.go, make generate) -->\n", "<!-- end generated: commands -->",
			commandsTable(), func(o *opSpec) string { return "" }},
		{apiDocPath, "// The services, and the requests they send:\n//\n", "//\n// # Results and errors",
			serviceList(t), func(o *opSpec) string {
				if o.service == "" {
					return ""
				}
				return o.service + "." + o.goMethod + " "
			}},
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
		for _, o := range ops {
			if m := p.mentions(o); m != "" && !strings.Contains(current, m) {
				t.Errorf("%s does not list operation %s (%s %s): run make generate to rewrite its generated part", name, o.id, o.method, o.path)
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

// TestDemoCoversEveryOperation: the demo's journey runs every operation
// of the spec: the narrated steps of demo.go, then each other operation
// from the spec's examples (narrator.others). A failure names the
// operation and the file.
func TestDemoCoversEveryOperation(t *testing.T) {
	ops, err := specOps()
	if err != nil {
		t.Fatal(err)
	}
	o := cliRun(t, nil, "demo")
	if o.code != 0 {
		t.Fatalf("demo: exit %d: %s", o.code, o.stderr)
	}
	for _, op := range ops {
		if !strings.Contains(o.stdout, "("+op.id+")") {
			t.Errorf("the demo does not run operation %s (%s %s): add a step to cmd/finicity-connect/demo.go", op.id, op.method, op.path)
		}
	}
}

// returns is what the typed method returns, from x-sdk's result or the
// success's schema.
func (o *opSpec) returns() string {
	if o.result != "" {
		return "`*" + o.result + "`"
	}
	for _, s := range o.successes {
		switch {
		case s.schema == nil:
		case s.itemsGoName != "" && s.goName == "":
			return "`[]" + s.itemsGoName + "`"
		case s.goName != "":
			return "`*" + s.goName + "`"
		}
	}
	return "`error` only"
}
