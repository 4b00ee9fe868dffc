package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite testdata/merged_all.yaml from the tool's output")

const (
	base      = "testdata/base.yaml"
	other     = "testdata/other.yaml"
	conflicts = "testdata/conflicts.yaml"
)

// runTool runs the tool as its command line would.
func runTool(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustMerge runs the tool and fails the test unless it succeeds.
func mustMerge(t *testing.T, args ...string) string {
	t.Helper()
	out, _, err := runTool(t, args...)
	if err != nil {
		t.Fatalf("specmerge %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// inventory is what a document defines, for exact comparisons: its
// operations as "METHOD path operationId", its components as
// "section/name", its tags, in document order.
type inventory struct {
	Operations, Components, Tags []string
}

func inventoryOf(t *testing.T, data string) inventory {
	t.Helper()
	var doc struct {
		Paths      yaml.Node
		Components yaml.Node
		Tags       []struct{ Name string }
	}
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("output is not YAML: %v", err)
	}
	var inv inventory
	for i := 0; i+1 < len(doc.Paths.Content); i += 2 {
		item := doc.Paths.Content[i+1]
		for j := 0; j+1 < len(item.Content); j += 2 {
			if m := item.Content[j].Value; slices.Contains([]string{"get", "put", "post", "delete", "patch"}, m) {
				var op struct {
					OperationID string `yaml:"operationId"`
				}
				if err := item.Content[j+1].Decode(&op); err != nil {
					t.Fatal(err)
				}
				inv.Operations = append(inv.Operations, strings.ToUpper(m)+" "+doc.Paths.Content[i].Value+" "+op.OperationID)
			}
		}
	}
	for i := 0; i+1 < len(doc.Components.Content); i += 2 {
		section := doc.Components.Content[i+1]
		for j := 0; j+1 < len(section.Content); j += 2 {
			inv.Components = append(inv.Components, doc.Components.Content[i].Value+"/"+section.Content[j].Value)
		}
	}
	for _, tag := range doc.Tags {
		inv.Tags = append(inv.Tags, tag.Name)
	}
	return inv
}

// baseInventory is what base.yaml defines.
var baseInventory = inventory{
	Operations: []string{"GET /things listThings", "GET /things/{thingId} getThing"},
	Components: []string{"securitySchemes/Key", "securitySchemes/Token", "parameters/ThingId", "responses/Problem", "schemas/Thing", "schemas/Shared"},
	Tags:       []string{"Things"},
}

func checkInventory(t *testing.T, got inventory, want inventory) {
	t.Helper()
	if !slices.Equal(got.Operations, want.Operations) {
		t.Errorf("operations:\n got %q\nwant %q", got.Operations, want.Operations)
	}
	if !slices.Equal(got.Components, want.Components) {
		t.Errorf("components:\n got %q\nwant %q", got.Components, want.Components)
	}
	if !slices.Equal(got.Tags, want.Tags) {
		t.Errorf("tags:\n got %q\nwant %q", got.Tags, want.Tags)
	}
}

// with returns base's inventory plus the given additions, where each
// addition goes after the last existing entry of its kind and section.
func with(ops []string, comps []string, tags ...string) inventory {
	inv := inventory{
		Operations: slices.Clone(baseInventory.Operations),
		Components: slices.Clone(baseInventory.Components),
		Tags:       append(slices.Clone(baseInventory.Tags), tags...),
	}
	inv.Operations = append(inv.Operations, ops...)
	for _, c := range comps {
		section := c[:strings.Index(c, "/")+1]
		at := len(inv.Components)
		for i, e := range inv.Components {
			if strings.HasPrefix(e, section) {
				at = i + 1
			}
		}
		inv.Components = slices.Insert(inv.Components, at, c)
	}
	return inv
}

func TestMergeAll(t *testing.T) {
	out, stderr, err := runTool(t, base, other)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "merged_all.yaml")
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s (go test -run TestMergeAll -update rewrites it; review the diff):\n%s", golden, out)
	}
	if wantErr := "specmerge: 4 operation(s) of testdata/other.yaml imported into testdata/base.yaml: 14 component(s) added, 4 shared, 2 tag(s) added\n"; stderr != wantErr {
		t.Errorf("stderr = %q, want %q", stderr, wantErr)
	}
	// Unused components and tags stay behind; the Thing, Shared and both
	// security schemes are the base's (identical, or the same scheme in
	// other words), so they are not copied.
	wantInv := with(
		[]string{"GET /widgets listWidgets", "POST /widgets createWidget", "GET /gadgets/{gadgetId} getGadget"},
		[]string{"parameters/Limit", "parameters/Tenant", "responses/Failure",
			"schemas/Count", "schemas/WidgetList", "schemas/Widget", "schemas/Money", "schemas/Currency", "schemas/Gadget", "schemas/Gizmo", "schemas/Doohickey",
			"examples/SmallWidget", "requestBodies/NewWidget", "headers/RateRemaining"},
		"Widgets", "Gadgets")
	// createThing joins the base's /things.
	wantInv.Operations = slices.Insert(wantInv.Operations, 1, "POST /things createThing")
	checkInventory(t, inventoryOf(t, out), wantInv)
}

// TestMergeKeepsBaseOrderAndComments: every line of the base, comments
// and flow-style lines included, is in the output, in the same order.
func TestMergeKeepsBaseOrderAndComments(t *testing.T) {
	out := mustMerge(t, base, other)
	src, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	outLines := strings.Split(out, "\n")
	next := 0
	for n, line := range strings.Split(strings.TrimRight(string(src), "\n"), "\n") {
		i := slices.Index(outLines[next:], line)
		if i < 0 {
			t.Fatalf("base line %d %q is missing from the output, or out of order", n+1, line)
		}
		next += i + 1
	}
	if !strings.HasPrefix(out, "# A small base document") {
		t.Errorf("the base's head comment is not first:\n%s", out)
	}
}

func TestMergeByOperations(t *testing.T) {
	out := mustMerge(t, "-ops", "createWidget", base, other)
	checkInventory(t, inventoryOf(t, out), with(
		[]string{"POST /widgets createWidget"},
		[]string{"schemas/Widget", "schemas/Money", "schemas/Currency", "examples/SmallWidget", "requestBodies/NewWidget"},
		"Widgets"))
}

func TestMergeByTags(t *testing.T) {
	// getGadget is tagged Gadgets and Widgets: both definitions come.
	out := mustMerge(t, "-tags", "Gadgets", base, other)
	checkInventory(t, inventoryOf(t, out), with(
		[]string{"GET /gadgets/{gadgetId} getGadget"},
		[]string{"schemas/Gadget", "schemas/Gizmo", "schemas/Doohickey"},
		"Widgets", "Gadgets"))

	out = mustMerge(t, "-tags", "Things", base, other)
	want := with(nil, []string{"parameters/Tenant"})
	want.Operations = slices.Insert(want.Operations, 1, "POST /things createThing")
	checkInventory(t, inventoryOf(t, out), want)
	if !strings.Contains(out, "description: The base's own wording of Things.") || strings.Contains(out, "The other document's wording") {
		t.Errorf("a tag the base defines must keep the base's definition:\n%s", out)
	}
}

// TestMergeFollowsReferencesTransitively: listWidgets reaches Currency
// through WidgetList, Widget and Money, Count through a header component,
// and Shared through a response component; the "$ref" key inside an
// example's value is data and is not followed.
func TestMergeFollowsReferencesTransitively(t *testing.T) {
	out := mustMerge(t, "-ops", "listWidgets", base, other)
	checkInventory(t, inventoryOf(t, out), with(
		[]string{"GET /widgets listWidgets"},
		[]string{"parameters/Limit", "responses/Failure", "schemas/Count", "schemas/WidgetList", "schemas/Widget", "schemas/Money", "schemas/Currency", "headers/RateRemaining"},
		"Widgets"))
}

// TestMergeIntoExistingPath: createThing joins the base's /things; the
// other's path-level header parameter moves into the operation so that
// the base's GET /things does not gain it, and the operation's own
// security stays.
func TestMergeIntoExistingPath(t *testing.T) {
	out := mustMerge(t, "-ops", "createThing", base, other)
	var doc struct {
		Paths map[string]map[string]yaml.Node
	}
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	things := doc.Paths["/things"]
	if _, ok := things["parameters"]; ok {
		t.Error("/things gained path-level parameters: they would apply to the base's GET too")
	}
	var post struct {
		Parameters []map[string]string
		Security   []map[string][]string
	}
	node := things["post"]
	if err := node.Decode(&post); err != nil {
		t.Fatal(err)
	}
	wantParams := []map[string]string{{"$ref": "#/components/parameters/Tenant"}}
	if len(post.Parameters) != 1 || post.Parameters[0]["$ref"] != wantParams[0]["$ref"] || len(post.Parameters[0]) != 1 {
		t.Errorf("POST /things parameters = %v, want %v", post.Parameters, wantParams)
	}
	if len(post.Security) != 1 || len(post.Security[0]) != 2 {
		t.Errorf("POST /things security = %v, want its own [{Key: [], Token: []}]", post.Security)
	}
	var get map[string]any
	node = things["get"]
	if err := node.Decode(&get); err != nil {
		t.Fatal(err)
	}
	if _, ok := get["parameters"]; ok {
		t.Errorf("the base's GET /things changed: %v", get)
	}
}

// TestMergeKeepsOtherDocumentSecurity: other.yaml requires Key alone at
// its top level, the base Key and Token; an imported operation without
// its own requirement gets the other's, not the base's.
func TestMergeKeepsOtherDocumentSecurity(t *testing.T) {
	out := mustMerge(t, "-ops", "listWidgets", base, other)
	var doc struct {
		Security []map[string][]string
		Paths    map[string]map[string]yaml.Node
	}
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var op struct{ Security []map[string][]string }
	node := doc.Paths["/widgets"]["get"]
	if err := node.Decode(&op); err != nil {
		t.Fatal(err)
	}
	got := op.Security
	if len(got) != 1 || len(got[0]) != 1 || got[0]["Key"] == nil || len(got[0]["Key"]) != 0 {
		t.Errorf("GET /widgets security = %v, want [{Key: []}]", got)
	}
	if len(doc.Security) != 1 || len(doc.Security[0]) != 2 {
		t.Errorf("the base's top-level security changed: %v", doc.Security)
	}
}

func TestConflicts(t *testing.T) {
	for _, tc := range []struct {
		name, op, want string
	}{
		{"path and method", "listThingsAgain",
			"GET /things is defined by both testdata/base.yaml#/paths/~1things/get and testdata/conflicts.yaml#/paths/~1things/get"},
		{"component", "describeThing",
			"testdata/base.yaml#/components/schemas/Thing and testdata/conflicts.yaml#/components/schemas/Thing have the same name and differ (the import needs it for testdata/conflicts.yaml#/paths/~1thing-descriptions/get/responses/200/content/application~1json/schema/$ref)"},
		{"operationId", "getThing",
			`operationId "getThing" is used by both testdata/base.yaml#/paths/~1things~1{thingId}/get and testdata/conflicts.yaml#/paths/~1other-things/get`},
		{"path template", "deleteThing",
			"testdata/base.yaml#/paths/~1things~1{thingId} and testdata/conflicts.yaml#/paths/~1things~1{id} are the same path template with different parameter names"},
		{"security scheme", "keyedDifferently",
			"testdata/base.yaml#/components/securitySchemes/Key and testdata/conflicts.yaml#/components/securitySchemes/Key have the same name and differ (the import needs it for testdata/conflicts.yaml#/paths/~1keyed/get/security)"},
		{"missing component", "missingRef",
			"testdata/conflicts.yaml#/paths/~1missing/get/responses/200/content/application~1json/schema/$ref refers to #/components/schemas/Nowhere, which testdata/conflicts.yaml does not define"},
		{"external reference", "externalRef",
			`testdata/conflicts.yaml#/paths/~1external/get/responses/200/content/application~1json/schema/$ref refers to "common.yaml#/components/schemas/Elsewhere": only references to #/components/<section>/<name> of the same document are supported (bundle the document first)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runTool(t, "-ops", tc.op, base, conflicts)
			if want := "cannot merge, 1 problem(s):\n  " + tc.want; err == nil || err.Error() != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
			if out != "" {
				t.Errorf("wrote output despite the conflict:\n%s", out)
			}
		})
	}
	// Without a selection every problem is reported at once.
	_, _, err := runTool(t, base, conflicts)
	if err == nil || !strings.HasPrefix(err.Error(), "cannot merge, 7 problem(s):\n") {
		t.Errorf("merging every conflicting operation: %v", err)
	}
}

func TestUnknownSelection(t *testing.T) {
	for _, tc := range []struct {
		flag, value, want string
	}{
		{"-ops", "listWidget,creatWidget", `testdata/other.yaml has no operation with operationId "listWidget"; near matches: listWidgets` + "\n" +
			`testdata/other.yaml has no operation with operationId "creatWidget"; near matches: createWidget`},
		{"-ops", "LISTWIDGETS", `testdata/other.yaml has no operation with operationId "LISTWIDGETS"; near matches: listWidgets`},
		{"-ops", "gadget", `testdata/other.yaml has no operation with operationId "gadget"; near matches: getGadget`},
		{"-ops", "zzz", `testdata/other.yaml has no operation with operationId "zzz" (none of its 4 operationIds resembles it)`},
		{"-tags", "Gadget", `testdata/other.yaml has no operation tagged "Gadget"; near matches: Gadgets`},
		{"-tags", "Unused", `testdata/other.yaml has no operation tagged "Unused" (none of its 3 tags resembles it)`},
	} {
		out, _, err := runTool(t, tc.flag, tc.value, base, other)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s %s:\n got %v\nwant %s", tc.flag, tc.value, err, tc.want)
		}
		if out != "" {
			t.Errorf("%s %s wrote output", tc.flag, tc.value)
		}
	}
}

// TestInvalidResultIsNotWritten: the merged document is modelled as
// generation will model it before anything is written, and the problem is
// named.
func TestInvalidResultIsNotWritten(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(target, []byte("previous content\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := runTool(t, "-o", target, base, "testdata/unmodellable.yaml")
	if err == nil || err.Error() != "the merged document is not valid: testdata/base.yaml: invalid paths: operation GET /counts/{countId} must define exactly all path parameters (missing: [countId])" {
		t.Errorf("error = %v, want the undeclared path parameter named", err)
	}
	if got, _ := os.ReadFile(target); string(got) != "previous content\n" {
		t.Errorf("target changed to %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}
}

// TestBrokenExampleIsAWarning: an imported example that breaks its schema
// (published specs have some) does not stop the merge: it is named, as
// `make spec-validate` names it, at its place in the written document;
// and formats OpenAPI leaves open (int64 on a string) are accepted.
func TestBrokenExampleIsAWarning(t *testing.T) {
	target := filepath.Join(t.TempDir(), "openapi.yaml")
	_, stderr, err := runTool(t, "-o", target, base, "testdata/invalid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := "specmerge: 1 operation(s) of testdata/invalid.yaml imported into testdata/base.yaml: 2 component(s) added, 0 shared, 0 tag(s) added\n" +
		"specmerge: warning: " + target + "#/paths/~1counts/get/responses/200/content/application~1json/example: must be an integer; correct the example or remove it\n" +
		"specmerge: warning: 1 imported example(s) break their schema: the sandbox answers from the schema instead, and `make spec-validate` fails until each is corrected or removed at the place named\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
	got, err := os.ReadFile(target)
	if err != nil || !strings.Contains(string(got), "example: many") || !strings.Contains(string(got), "format: int64") {
		t.Errorf("written document lacks the import (%v):\n%s", err, got)
	}
}

// TestOutputFile: -o replaces the file through a rename (no temporary
// file stays), keeps its permissions, and prints nothing on stdout.
func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(target, []byte("previous content\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustMerge(t, "-o", target, base, other)
	if out != "" {
		t.Errorf("stdout = %q with -o", out)
	}
	got, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustMerge(t, base, other); string(got) != want {
		t.Errorf("file differs from the stdout output:\n%s", got)
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want the previous file's 0600", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left behind: %v", entries)
	}

	// The base itself may be the output: both documents are read first.
	inPlace := filepath.Join(dir, "base.yaml")
	src, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inPlace, src, 0o644); err != nil {
		t.Fatal(err)
	}
	mustMerge(t, "-o", inPlace, inPlace, other)
	if got, _ := os.ReadFile(inPlace); string(got) != mustMerge(t, base, other) {
		t.Errorf("merging into the base in place wrote:\n%s", got)
	}

	// A new file is created readable.
	fresh := filepath.Join(dir, "new.yaml")
	mustMerge(t, "-o", fresh, "-ops", "createWidget", base, other)
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("new file: %v, %v", fi, err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{base},
		{base, other, "third.yaml"},
		{"-ops", "createWidget", "-tags", "Widgets", base, other},
		{"-unknown", base, other},
	} {
		out, _, err := runTool(t, args...)
		if !errors.Is(err, errUsage) {
			t.Errorf("specmerge %q: error %v, want the usage", args, err)
		}
		if out != "" {
			t.Errorf("specmerge %q wrote output", args)
		}
	}
	if _, _, err := runTool(t, base, "testdata/absent.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing document: %v", err)
	}
}
