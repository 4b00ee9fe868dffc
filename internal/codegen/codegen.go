// Package codegen is `make generate`: it turns openapi.yaml into the
// SDK's generated code, reading the spec through the one spec model
// (internal/spec).
//
// oapi-codegen, run as a library with its own templates, writes gen/: the
// models, the Client and ClientWithResponses, and the embedded spec. This
// package writes only what oapi-codegen does not, from the model and from
// the types oapi-codegen declared (type-checked, so every name it chose,
// collisions resolved, is used as it is):
//
//   - api/models.gen.go: package api's names for the models, with field
//     lists, the reason-code constants and the required-field checks;
//   - api/services.gen.go: the Client with a field per service, every
//     typed method, the result types of operations with several 2xx
//     answers, the masking wrapper of Generated();
//   - gen/extra.gen.go: the reason codes, printing that masks for the
//     ClientWithResponses results, LogValue for models holding a secret;
//   - internal/apicall/calls.gen.go: the CLI's call of every operation;
//   - internal/redact/secrets.gen.go: the secret fields and headers;
//   - the generated tables of the docs, between their markers.
//
// Everything is written to memory first and type-checked in place
// (go/packages with an overlay); only when the generated files compile is
// anything written, each file by an atomic rename. A failure names the
// spec location or the generated line, and changes nothing.
package codegen

import (
	"bytes"
	"fmt"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/finicity-go/connect-components/internal/spec"
)

// Options say where the module is and what to read.
type Options struct {
	// Root is the module's directory.
	Root string
	// Spec and Config are the spec and oapi-codegen's configuration,
	// relative to Root (openapi.yaml, oapi-codegen.yaml).
	Spec, Config string
	// Log receives the defaults applied and the hand-written code a
	// change breaks.
	Log io.Writer
}

// Run generates everything from the spec.
func Run(opts Options) error {
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return err
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	specPath := filepath.Join(root, opts.Spec)
	data, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	m, err := spec.Parse(opts.Spec, data)
	if err != nil {
		return fmt.Errorf("%w\nnothing was written", err)
	}
	client, embedded, err := stockGen(specPath, filepath.Join(root, opts.Config), m)
	if err != nil {
		return fmt.Errorf("%w\nnothing was written", err)
	}
	out := outputs{root: root, files: map[string][]byte{}}
	out.set("gen/finicity.gen.go", header(client))
	out.set("gen/spec.gen.go", header(embedded))

	// gen's types, as oapi-codegen declared them.
	pkgs, err := typecheck(root, out.overlay(), "./gen")
	if err != nil {
		return fmt.Errorf("type-checking gen: %w\nnothing was written", err)
	}
	if bad, _ := typeErrors(root, pkgs, out.generated()); len(bad) > 0 {
		return fmt.Errorf("oapi-codegen's output for %s does not compile:\n  %s\nnothing was written", opts.Spec, strings.Join(bad, "\n  "))
	}
	hand, err := handWrittenNames(filepath.Join(root, "api"))
	if err != nil {
		return err
	}
	p, err := newPlan(m, pkgs[0].Types, hand)
	if err != nil {
		return fmt.Errorf("%w\nnothing was written", err)
	}
	for _, f := range []struct {
		path, tmpl string
		data       any
	}{
		{"api/models.gen.go", "models.tmpl", p.modelsData()},
		{"api/services.gen.go", "services.tmpl", p.servicesData()},
		{"gen/extra.gen.go", "genextra.tmpl", p.genExtraData()},
		{"internal/apicall/calls.gen.go", "calls.tmpl", p.callsData()},
		{"internal/redact/secrets.gen.go", "secrets.tmpl", p.secretsData()},
	} {
		src, err := render(f.tmpl, f.data)
		if err != nil {
			return fmt.Errorf("internal/codegen/templates/%s: %w\nnothing was written", f.tmpl, err)
		}
		formatted, err := format.Source(src)
		if err != nil {
			return fmt.Errorf("internal/codegen/templates/%s writes %s that does not parse: %v\nnothing was written\n%s", f.tmpl, f.path, err, numbered(src))
		}
		out.set(f.path, formatted)
	}

	pkgs, err = typecheck(root, out.overlay(), "./gen", "./api", "./internal/apicall", "./internal/redact")
	if err != nil {
		return fmt.Errorf("type-checking the generated code: %w\nnothing was written", err)
	}
	bad, elsewhere := typeErrors(root, pkgs, out.generated())
	if len(bad) > 0 {
		return fmt.Errorf("the code generated from %s does not compile (a defect of internal/codegen's templates, or a construct of the spec they do not handle):\n  %s\nnothing was written", opts.Spec, strings.Join(bad, "\n  "))
	}
	if err := docs(root, p, out); err != nil {
		return fmt.Errorf("%w\nnothing was written", err)
	}
	if err := out.write(); err != nil {
		return err
	}
	for _, n := range m.Notes {
		fmt.Fprintf(opts.Log, "generate: default: %s\n", n)
	}
	for _, n := range p.notes {
		fmt.Fprintf(opts.Log, "generate: name: %s\n", n)
	}
	if len(elsewhere) > 0 {
		fmt.Fprintf(opts.Log, "generate: hand-written code to update for this spec:\n  %s\n", strings.Join(elsewhere, "\n  "))
	}
	return nil
}

var headerLine = regexp.MustCompile(`(?m)^// Code generated by .* DO NOT EDIT\.$`)

// header gives oapi-codegen's output a header that does not depend on how
// the generator was built.
func header(src string) []byte {
	return []byte(headerLine.ReplaceAllLiteralString(src, "// Code generated by oapi-codegen (its own templates) through internal/codegen. DO NOT EDIT."))
}

func numbered(src []byte) string {
	var b strings.Builder
	for i, l := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%5d  %s\n", i+1, l)
	}
	return b.String()
}

// outputs are the files one run writes, by path relative to the root.
// Generation owns every file of gen/ and every *.gen.go file it writes
// elsewhere: one it no longer writes is removed.
type outputs struct {
	root  string
	files map[string][]byte
}

func (o outputs) set(path string, data []byte) { o.files[path] = data }

// owned are the files generation owns that exist now.
func (o outputs) owned() []string {
	var out []string
	for _, pattern := range []string{"gen/*.go", "api/*.gen.go", "internal/apicall/*.gen.go", "internal/redact/*.gen.go"} {
		matches, _ := filepath.Glob(filepath.Join(o.root, pattern))
		for _, m := range matches {
			rel, _ := filepath.Rel(o.root, m)
			out = append(out, filepath.ToSlash(rel))
		}
	}
	sort.Strings(out)
	return out
}

func (o outputs) generated() map[string]bool {
	g := map[string]bool{}
	for p := range o.files {
		if strings.HasSuffix(p, ".go") {
			g[p] = true
		}
	}
	return g
}

// overlay is the files as go/packages should see them: the new ones, and
// owned ones not written this time as empty files of their package.
func (o outputs) overlay() map[string][]byte {
	ov := map[string][]byte{}
	for _, p := range o.owned() {
		if _, ok := o.files[p]; !ok {
			ov[filepath.Join(o.root, p)] = []byte("package " + filepath.Base(filepath.Dir(p)) + "\n")
		}
	}
	for p, data := range o.files {
		if strings.HasSuffix(p, ".go") {
			ov[filepath.Join(o.root, p)] = data
		}
	}
	return ov
}

// write puts every file in place: each is written beside its target and
// renamed over it, so that a reader sees the old file or the new one; the
// owned files not written this time are removed last.
func (o outputs) write() error {
	var paths []string
	for p := range o.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	tmps := map[string]string{}
	cleanup := func() {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	for _, p := range paths {
		target := filepath.Join(o.root, p)
		if old, err := os.ReadFile(target); err == nil && bytes.Equal(old, o.files[p]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			cleanup()
			return err
		}
		f, err := os.CreateTemp(filepath.Dir(target), ".generate-*")
		if err != nil {
			cleanup()
			return err
		}
		tmps[target] = f.Name()
		_, werr := f.Write(o.files[p])
		cerr := f.Close()
		if werr != nil || cerr != nil {
			cleanup()
			return fmt.Errorf("writing %s: %v%v\nnothing was written", p, werr, cerr)
		}
		if err := os.Chmod(f.Name(), 0o644); err != nil {
			cleanup()
			return err
		}
	}
	for target, tmp := range tmps {
		if err := os.Rename(tmp, target); err != nil {
			cleanup()
			return err
		}
		delete(tmps, target)
	}
	for _, p := range o.owned() {
		if _, ok := o.files[p]; !ok {
			if err := os.Remove(filepath.Join(o.root, p)); err != nil {
				return err
			}
		}
	}
	return nil
}
