package codegen

import (
	"go/token"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"
)

// typecheck loads the packages named by patterns from the module at root,
// with the files of overlay (absolute path: content) in place of those on
// disk, and returns them type-checked. Load failures are returned; type
// errors are left in each package's Errors for the caller to classify.
func typecheck(root string, overlay map[string][]byte, patterns ...string) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Mode:    packages.NeedName | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedFiles,
		Dir:     root,
		Overlay: overlay,
		Fset:    token.NewFileSet(),
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	return pkgs, nil
}

// typeErrors lists the errors of pkgs, each as "file:line:col: message"
// relative to root, split by whether the file is one generation writes.
func typeErrors(root string, pkgs []*packages.Package, generated map[string]bool) (inGenerated, elsewhere []string) {
	seen := map[string]bool{}
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			msg := e.Error()
			if strings.HasPrefix(msg, "-:") {
				// go list's summary of the same errors.
				continue
			}
			if seen[msg] {
				continue
			}
			seen[msg] = true
			file := e.Pos
			if i := strings.Index(file, ":"); i >= 0 {
				file = file[:i]
			}
			if rel, err := filepath.Rel(root, file); err == nil {
				msg = rel + strings.TrimPrefix(msg, file)
				file = rel
			}
			if generated[filepath.ToSlash(file)] {
				inGenerated = append(inGenerated, msg)
			} else {
				elsewhere = append(elsewhere, msg)
			}
		}
	})
	return inGenerated, elsewhere
}
