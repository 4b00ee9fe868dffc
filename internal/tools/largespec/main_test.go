package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specmerge"
)

const (
	fixtureDir = "../../../testdata/largespec"
	baseSpec   = "../../../openapi.yaml"
)

var defineFormats = sync.OnceFunc(func() {
	// The project's formats (spec.StringFormats: email included, which
	// kin-openapi knows by name but checks only once defined).
	for name, v := range spec.StringFormats() {
		openapi3.DefineStringFormatValidator(name, v)
	}
	// A string of format int64 (published specs write ids so): OpenAPI
	// allows a format of any name, and this one is checked for what it
	// says, a 64-bit integer.
	openapi3.DefineStringFormatValidator("int64", openapi3.NewCallbackValidator(func(s string) error {
		_, err := strconv.ParseInt(s, 10, 64)
		return err
	}))
})

// strict loads data and validates it with every example and default
// checked against its schema, formats and patterns included.
func strict(data []byte) (*openapi3.T, error) {
	defineFormats()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background(),
		openapi3.EnableExamplesValidation(),
		openapi3.EnableSchemaFormatValidation(),
		openapi3.EnableSchemaDefaultsValidation(),
		openapi3.EnableSchemaPatternValidation(),
	)
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestFixtureIsCurrent: the committed files are what the generator
// writes now.
func TestFixtureIsCurrent(t *testing.T) {
	files, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if committed := readFixture(t, f.name); !bytes.Equal(committed, f.data) {
			t.Errorf("testdata/largespec/%s is stale: run `go run ./internal/tools/largespec` and commit the result", f.name)
		}
	}
	// Twice the same: nothing depends on map order or time.
	again, err := generate()
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if !bytes.Equal(files[i].data, again[i].data) {
			t.Errorf("%s differs between two runs", files[i].name)
		}
	}
}

func TestFragmentValidAlone(t *testing.T) {
	data := readFixture(t, "fragment.yaml")
	doc, err := strict(data)
	if err != nil {
		t.Fatalf("fragment.yaml: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
	f, err := study(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.ops) < 110 {
		t.Errorf("%d operations, want at least 110", len(f.ops))
	}
	if n := len(doc.Tags); n < 8 || n > 12 {
		t.Errorf("%d tags, want 8 to 12", n)
	}
	tagged := map[string]bool{}
	for _, tag := range doc.Tags {
		if tag.Description == "" {
			t.Errorf("tag %s has no description", tag.Name)
		}
		tagged[tag.Name] = true
	}
	ids := map[string]bool{}
	for _, o := range f.ops {
		name := strings.ToUpper(o.method) + " " + o.path
		if o.op.OperationID == "" || ids[o.op.OperationID] {
			t.Errorf("%s: operationId %q missing or repeated", name, o.op.OperationID)
		}
		ids[o.op.OperationID] = true
		if o.op.Summary == "" {
			t.Errorf("%s has no summary", name)
		}
		if len(o.op.Tags) == 0 || !tagged[o.op.Tags[0]] {
			t.Errorf("%s: tags %v, want a declared first tag", name, o.op.Tags)
		}
	}
	// The two apiKey schemes of openapi.yaml, sent in the same headers.
	schemes := doc.Components.SecuritySchemes
	if len(schemes) != 2 || schemes["FinicityAppKey"].Value.Name != "Finicity-App-Key" || schemes["FinicityAppToken"].Value.Name != "Finicity-App-Token" ||
		schemes["FinicityAppKey"].Value.Type != "apiKey" || schemes["FinicityAppToken"].Value.Type != "apiKey" {
		t.Errorf("security schemes: %v", schemes)
	}
	// Every property is described (next to its $ref, for a reference).
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	properties := 0
	var walk func(n *yaml.Node, at string)
	walk = func(n *yaml.Node, at string) {
		if n.Kind != yaml.MappingNode {
			for _, c := range n.Content {
				walk(c, at)
			}
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i].Value, n.Content[i+1]
			if key == "properties" && value.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(value.Content); j += 2 {
					properties++
					if d := lookup(value.Content[j+1], "description"); d == nil || strings.TrimSpace(d.Value) == "" {
						t.Errorf("property %s/properties/%s has no description", at, value.Content[j].Value)
					}
				}
			}
			if key != "example" && key != "examples" {
				walk(value, at+"/"+key)
			}
		}
	}
	walk(&root, "#")
	if properties < 400 {
		t.Errorf("only %d properties seen: the walk is broken", properties)
	}
}

// TestNoExtensionsButOne: no x- key anywhere, except x-secret: false once.
func TestNoExtensionsButOne(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(readFixture(t, "fragment.yaml"), &root); err != nil {
		t.Fatal(err)
	}
	var found []string
	var walk func(n *yaml.Node, at string)
	walk = func(n *yaml.Node, at string) {
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				if strings.HasPrefix(c.Value, "x-") {
					found = append(found, at+"/"+c.Value+"="+n.Content[i+1].Value)
				}
				walk(n.Content[i+1], at+"/"+c.Value)
			} else if n.Kind != yaml.MappingNode {
				walk(c, at)
			}
		}
	}
	walk(&root, "#")
	want := []string{"#/components/schemas/ClientToken/properties/tokenType/x-secret=false"}
	if !slices.Equal(found, want) {
		t.Errorf("extensions %q, want only %q", found, want)
	}
}

// TestFragmentMergesIntoOpenAPI: merged into the project's openapi.yaml
// with specmerge, nothing conflicts, the result validates with every
// example checked, and it holds every operation of both.
func TestFragmentMergesIntoOpenAPI(t *testing.T) {
	base, err := os.ReadFile(baseSpec)
	if err != nil {
		t.Fatal(err)
	}
	fragment := readFixture(t, "fragment.yaml")
	res, err := specmerge.Merge(specmerge.Source{Name: "openapi.yaml", Data: base}, specmerge.Source{Name: "fragment.yaml", Data: fragment}, specmerge.Selection{})
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	// What the fragment shares with openapi.yaml on purpose, and nothing
	// else: the CustomerId parameter (identical) and the two security
	// schemes (the same headers, other words).
	wantShared := []string{"#/components/parameters/CustomerId", "#/components/securitySchemes/FinicityAppKey", "#/components/securitySchemes/FinicityAppToken"}
	shared := slices.Clone(res.Shared)
	sort.Strings(shared)
	if !slices.Equal(shared, wantShared) {
		t.Errorf("shared components %q, want %q", shared, wantShared)
	}
	merged, err := strict(res.Data)
	if err != nil {
		t.Fatalf("merged document: %v", err)
	}
	baseDoc, err := openapi3.NewLoader().LoadFromData(base)
	if err != nil {
		t.Fatal(err)
	}
	f, err := study(fragment)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, item := range baseDoc.Paths.Map() {
		for _, op := range item.Operations() {
			want[op.OperationID] = true
		}
	}
	for _, o := range f.ops {
		want[o.op.OperationID] = true
	}
	got := map[string]bool{}
	for _, item := range merged.Paths.Map() {
		for _, op := range item.Operations() {
			got[op.OperationID] = true
		}
	}
	if len(got) != len(want) || len(res.Operations) != len(f.ops) {
		t.Errorf("merged document has %d operations (%d imported), want %d (%d)", len(got), len(res.Operations), len(want), len(f.ops))
	}
	for id := range want {
		if !got[id] {
			t.Errorf("operation %s missing from the merged document", id)
		}
	}
	if broken, err := specmerge.Check(context.Background(), res.Data, baseSpec); err != nil || len(broken) > 0 {
		t.Errorf("the merged document fails the checks specmerge runs: %v %v", err, broken)
	}
}

// TestEachServiceMergesAlone: importing one service (-tags) brings every
// component its operations reach, and nothing else is needed for the
// result to validate.
func TestEachServiceMergesAlone(t *testing.T) {
	base, err := os.ReadFile(baseSpec)
	if err != nil {
		t.Fatal(err)
	}
	fragment := readFixture(t, "fragment.yaml")
	f, err := study(fragment)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range f.doc.Tags {
		res, err := specmerge.Merge(specmerge.Source{Name: "openapi.yaml", Data: base}, specmerge.Source{Name: "fragment.yaml", Data: fragment},
			specmerge.Selection{Tags: []string{tag.Name}})
		if err != nil {
			t.Errorf("%s: %v", tag.Name, err)
			continue
		}
		want := 0
		for _, o := range f.ops {
			if slices.Contains(o.op.Tags, tag.Name) {
				want++
			}
		}
		if len(res.Operations) != want {
			t.Errorf("%s: %d operations imported, want %d", tag.Name, len(res.Operations), want)
		}
		if _, err := strict(res.Data); err != nil {
			t.Errorf("%s alone: %v", tag.Name, err)
		}
	}
}

// TestConstructs: every construct is shown by as many operations as it
// must, and each credential name is used.
func TestConstructs(t *testing.T) {
	f, err := study(readFixture(t, "fragment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range f.missing() {
		t.Error(m)
	}
	names := map[string]bool{}
	for _, s := range f.doc.Components.Schemas {
		eachProperty(s, "", map[*openapi3.Schema]bool{}, func(path string, _ *openapi3.SchemaRef) {
			names[path[strings.LastIndex(path, ".")+1:]] = true
		})
	}
	for _, n := range credentialNames {
		if !names[n] {
			t.Errorf("no property named %s", n)
		}
	}
}

// TestBrokenExamplesAreCaught: the validation the fixture passes is not
// vacuous: an example that breaks its format or pattern fails it.
func TestBrokenExamplesAreCaught(t *testing.T) {
	fragment := string(readFixture(t, "fragment.yaml"))
	for _, tc := range []struct{ name, old, new string }{
		{"email", "email: amelie.okafor@example.com", "email: amelie.okafor"},
		{"date-time", `submittedDate: "2024-`, `submittedDate: "2024-13-`},
		{"pattern", `ReasonCode: "10010"`, `ReasonCode: "1001x"`},
		{"uuid", "clientId: ", "clientId: 0b4bd6c1-"},
		{"enum", "status: pending", "status: paused"},
	} {
		i := strings.Index(fragment, tc.old)
		if i < 0 {
			t.Errorf("%s: %q not in the fragment", tc.name, tc.old)
			continue
		}
		broken := fragment[:i] + tc.new + fragment[i+len(tc.old):]
		doc, err := strict([]byte(broken))
		if doc == nil {
			t.Errorf("%s: the broken document does not even load (%v): the change hit structure, not an example", tc.name, err)
		} else if err == nil {
			t.Errorf("%s: replacing %q with %q still validates", tc.name, tc.old, tc.new)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// eachProperty calls fn for every property under s, inline or reached
// through $ref, once per schema.
func eachProperty(s *openapi3.SchemaRef, path string, seen map[*openapi3.Schema]bool, fn func(string, *openapi3.SchemaRef)) {
	if s == nil || s.Value == nil || seen[s.Value] {
		return
	}
	seen[s.Value] = true
	v := s.Value
	for _, name := range slices.Sorted(mapsKeys(v.Properties)) {
		p := v.Properties[name]
		fn(path+"."+name, p)
		eachProperty(p, path+"."+name, seen, fn)
	}
	eachProperty(v.Items, path+"[]", seen, fn)
	if v.AdditionalProperties.Schema != nil {
		eachProperty(v.AdditionalProperties.Schema, path+"{}", seen, fn)
	}
	for _, list := range [][]*openapi3.SchemaRef{v.AllOf, v.OneOf, v.AnyOf} {
		for _, part := range list {
			eachProperty(part, path, seen, fn)
		}
	}
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; m.Kind == yaml.MappingNode && i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// TestErrorShapesOutnumberTheBase: the fixture's NumericFault errors are
// on more operations than openapi.yaml has, so that merged, a group of
// operations with errors of another shape outnumbers the base's
// operations (as an imported published spec's do), and the sandbox's
// choice of shape by the nearest operations is exercised at scale.
func TestErrorShapesOutnumberTheBase(t *testing.T) {
	m, err := spec.Load(baseSpec)
	if err != nil {
		t.Fatal(err)
	}
	// The base's operations in its most common error shape: those the
	// fixture's other shape must outnumber (an imported group in a third
	// shape does not count).
	byShape := map[*openapi3.Schema]int{}
	most := 0
	for _, o := range m.Operations {
		if s := o.ErrorSchema(); s != nil && s.Value != nil {
			byShape[s.Value]++
			most = max(most, byShape[s.Value])
		}
	}
	if numericFaultOps <= most {
		t.Errorf("numericFaultOps is %d, %d operations of openapi.yaml share its most common error shape: raise it (internal/tools/largespec/analyse.go) and give more operations NumericFault errors", numericFaultOps, most)
	}
	f, err := study(readFixture(t, "fragment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.usage["errors as {code: integer, message} (NumericFault)"]); n <= most {
		t.Errorf("%d operations answer NumericFault errors, %d of openapi.yaml share its most common error shape: want more", n, most)
	}
}
