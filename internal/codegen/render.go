package codegen

import (
	"bytes"
	"embed"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/finicity-go/connect-components/internal/spec"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"oneLine": oneLine,
	"quote":   func(s string) string { return `"` + s + `"` },
}).ParseFS(templateFS, "templates/*.tmpl"))

// render executes a template, then drops the imports its output does not
// use (the templates list every package a file may need).
func render(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return nil, err
	}
	return pruneImports(b.Bytes()), nil
}

var importLine = regexp.MustCompile(`(?m)^\t(?:(\w+) )?"([^"]+)"\n`)

func pruneImports(src []byte) []byte {
	start := bytes.Index(src, []byte("import ("))
	if start < 0 {
		return src
	}
	end := start + bytes.Index(src[start:], []byte("\n)\n"))
	block, body := src[start:end+1], src[end+3:]
	kept := importLine.ReplaceAllFunc(block, func(line []byte) []byte {
		m := importLine.FindSubmatch(line)
		name := string(m[1])
		if name == "" {
			name = filepath.Base(string(m[2]))
		}
		if name == "_" || bytes.Contains(body, []byte(name+".")) {
			return line
		}
		return nil
	})
	out := append(append(append([]byte{}, src[:start]...), kept...), src[end+1:]...)
	return bytes.Replace(out, []byte("import (\n)\n"), nil, 1)
}

// handWrittenNames are the exported top-level names of package api's
// hand-written files, and the fields and methods its Client promotes from
// them (a service field must not shadow one).
func handWrittenNames(dir string) (map[string]bool, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, ".gen.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names[d.Name.Name] = true
				}
				if d.Recv != nil && d.Name.IsExported() {
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					if id, ok := recv.(*ast.Ident); ok && (id.Name == "Client" || id.Name == "core") {
						names[d.Name.Name] = true
					}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names[s.Name.Name] = true
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names[n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return names, nil
}

type fileData struct {
	File    string
	Imports []string
}

func (p *plan) file(im imports, fixed ...string) fileData {
	for _, f := range fixed {
		name, path, _ := strings.Cut(f, " ")
		im.add(path, name)
	}
	return fileData{File: p.m.File, Imports: im.Lines()}
}

func (p *plan) modelsData() any {
	sort.Slice(p.Checks, func(i, j int) bool { return p.Checks[i].Name < p.Checks[j].Name })
	return struct {
		fileData
		Models  []*modelAlias
		Consts  []*constAlias
		Reasons []spec.Reason
		Checks  []*checkFunc
	}{p.file(imports{}, "gen "+genPath), p.Models, p.Consts, p.Reasons, p.Checks}
}

func (p *plan) servicesData() any {
	return struct {
		fileData
		Services []*svcPlan
		Ops      []*opPlan
		Masked   []*maskedMethod
	}{p.file(p.apiNames.im, "context context", "io io", "http net/http", "gen "+genPath), p.Services, p.Ops, p.Masked}
}

func (p *plan) callsData() any {
	return struct {
		fileData
		Ops []*opPlan
	}{p.file(p.callNames.im, "context context", "api "+apiPath), p.Ops}
}

func (p *plan) genExtraData() any {
	var logValued []string
	for _, mdl := range p.Models {
		if p.holdsSecret(mdl.Gen) {
			logValued = append(logValued, mdl.Gen)
		}
	}
	return struct {
		File      string
		Reasons   []spec.Reason
		Wrappers  []string
		LogValued []string
	}{p.m.File, p.Reasons, p.Wrappers, logValued}
}

func (p *plan) secretsData() any {
	var fields []string
	for _, f := range p.m.Secrets.Fields {
		fields = append(fields, strings.ToLower(f))
	}
	sort.Strings(fields)
	return struct {
		File            string
		Fields, Headers []string
	}{p.m.File, compact(fields), p.m.Secrets.Headers}
}

func compact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
