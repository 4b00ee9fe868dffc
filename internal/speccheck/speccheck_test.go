package speccheck_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/speccheck"
)

// TestFormatsOfPublishedSpecs: int64, int32, double, float, binary,
// byte, date, email, password and formats of an API's own (sort-code, a
// string int64, decimal) do not make a document invalid, and examples
// that keep to them are not reported.
func TestFormatsOfPublishedSpecs(t *testing.T) {
	m, err := speccheck.Model("testdata/formats.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if broken := speccheck.BrokenExamples(m); len(broken) != 0 {
		t.Errorf("broken examples: %v, want none", broken)
	}
	if _, err := speccheck.Load("testdata/formats.yaml"); err != nil {
		t.Errorf("Load: %v", err)
	}
}

// TestBrokenExamples: every example that breaks its schema is reported
// once, in the model's order, with its JSON pointer, the rule and the
// fix; Load fails with all of them.
func TestBrokenExamples(t *testing.T) {
	const file = "testdata/broken.yaml"
	m, err := speccheck.Model(file)
	if err != nil {
		t.Fatal(err)
	}
	fix := "correct the example or remove it"
	want := []*spec.Problem{
		{File: file, Pointer: "/paths/~1x/get/parameters/0/example", Message: "must be a date such as 2024-11-28", Fix: fix},
		{File: file, Pointer: "/paths/~1x/get/responses/200/content/application~1json/example", Message: "id: must be an integer", Fix: fix},
		{File: file, Pointer: "/paths/~1x/post/requestBody/content/application~1json/examples/bad/value", Message: "email: must be an e-mail address", Fix: fix},
		{File: file, Pointer: "/components/schemas/Other/example", Message: "n: number must be at least 1", Fix: fix},
	}
	got := speccheck.BrokenExamples(m)
	if !reflect.DeepEqual(got, want) {
		for _, p := range got {
			t.Logf("got %+v", *p)
		}
		t.Fatalf("got %d problems, want %d (above)", len(got), len(want))
	}
	_, err = speccheck.Load(file)
	var ee *speccheck.ExamplesError
	if !errors.As(err, &ee) || !reflect.DeepEqual(ee.Problems, want) {
		t.Fatalf("Load: %v, want an *ExamplesError with the four problems", err)
	}
	const text = "testdata/broken.yaml#/paths/~1x/get/parameters/0/example: must be a date such as 2024-11-28; correct the example or remove it\n" +
		"testdata/broken.yaml#/paths/~1x/get/responses/200/content/application~1json/example: id: must be an integer; correct the example or remove it\n" +
		"testdata/broken.yaml#/paths/~1x/post/requestBody/content/application~1json/examples/bad/value: email: must be an e-mail address; correct the example or remove it\n" +
		"testdata/broken.yaml#/components/schemas/Other/example: n: number must be at least 1; correct the example or remove it\n" +
		"4 examples break their schema"
	if err.Error() != text {
		t.Errorf("Load's error:\n%s\nwant\n%s", err, text)
	}
	if one := (&speccheck.ExamplesError{Problems: want[:1]}).Error(); one != want[0].Error()+"\n1 example breaks its schema" {
		t.Errorf("one problem: %q", one)
	}
}

// TestExamplesSummary: examples that break one rule of a shared schema
// are summarised after the list and the count (the lines as they were):
// each rule by how many examples break it, the most broken first, with
// the schema where the rule is written when it is a component's; a rule
// broken by three examples or more says the schema may be what to
// correct. An inline schema's rule is counted without a location, and
// below three examples gets no such advice.
func TestExamplesSummary(t *testing.T) {
	const file = "testdata/shared.yaml"
	_, err := speccheck.Load(file)
	var ee *speccheck.ExamplesError
	if !errors.As(err, &ee) {
		t.Fatalf("Load: %v, want an *ExamplesError", err)
	}
	want := []speccheck.Rule{
		{Message: "code: value must be an object", Schema: "/components/schemas/Failure/properties/code", Examples: 4},
		{Message: "n: number must be at most 9", Schema: "", Examples: 2},
		{Message: "code: must be an integer", Schema: "/components/schemas/Other/properties/code", Examples: 1},
	}
	if got := ee.Summary(); !reflect.DeepEqual(got, want) {
		t.Errorf("Summary: %+v\nwant %+v", got, want)
	}
	const fix = "; correct the example or remove it\n"
	const text = file + "#/paths/~1a/get/responses/200/content/application~1json/examples/big/value: n: number must be at most 9" + fix +
		file + "#/paths/~1a/get/responses/200/content/application~1json/examples/bigger/value: n: number must be at most 9" + fix +
		file + "#/paths/~1a/get/responses/400/content/application~1json/examples/invalid/value: code: value must be an object" + fix +
		file + "#/paths/~1a/get/responses/400/content/application~1json/examples/missing/value: code: value must be an object" + fix +
		file + "#/paths/~1a/get/responses/404/content/application~1json/example: code: value must be an object" + fix +
		file + "#/paths/~1b/get/responses/401/content/application~1json/example: code: value must be an object" + fix +
		file + "#/paths/~1b/get/responses/403/content/application~1json/example: code: must be an integer" + fix +
		"7 examples break their schema\n" +
		"rules broken, by how many examples:\n" +
		"  4 examples: code: value must be an object (schema " + file + "#/components/schemas/Failure/properties/code)\n" +
		"  2 examples: n: number must be at most 9\n" +
		"  1 example: code: must be an integer (schema " + file + "#/components/schemas/Other/properties/code)\n" +
		"4 examples break one rule (code: value must be an object): the schema at " + file +
		"#/components/schemas/Failure/properties/code may be what to correct, rather than each example"
	if err.Error() != text {
		t.Errorf("Load's error:\n%s\nwant\n%s", err, text)
	}
	// Without the schemas (an ExamplesError made by hand), the advice
	// names no location.
	bare := &speccheck.ExamplesError{Problems: ee.Problems[2:6]}
	if got, tail := bare.Error(), "\nrules broken, by how many examples:\n  4 examples: code: value must be an object\n"+
		"4 examples break one rule (code: value must be an object): their schema may be what to correct, rather than each example"; !strings.HasSuffix(got, tail) {
		t.Errorf("without schemas:\n%s\nwant it to end with\n%s", got, tail)
	}
}
