package main

import (
	"bytes"
	"testing"
)

// TestRun: the exit code and the report of a valid document, a document
// with broken examples (each named by its JSON pointer, then the count),
// and one whose examples break one rule of a shared schema (then the rules
// by how many examples break them, and where to correct the schema).
func TestRun(t *testing.T) {
	const broken = "../../speccheck/testdata/broken.yaml"
	const shared = "../../speccheck/testdata/shared.yaml"
	cases := []struct {
		path           string
		embedded       bool
		code           int
		stdout, stderr string
	}{
		{"../../speccheck/testdata/formats.yaml", false, 0,
			"specvalidate: ../../speccheck/testdata/formats.yaml is valid (examples included)\n", ""},
		{"../../speccheck/testdata/formats.yaml", true, 1, "",
			"specvalidate: ../../speccheck/testdata/formats.yaml differs from the spec embedded in gen/: run `make generate`\n"},
		{broken, false, 1, "", "specvalidate: " +
			broken + "#/paths/~1x/get/parameters/0/example: must be a date such as 2024-11-28; correct the example or remove it\n" +
			broken + "#/paths/~1x/get/responses/200/content/application~1json/example: id: must be an integer; correct the example or remove it\n" +
			broken + "#/paths/~1x/post/requestBody/content/application~1json/examples/bad/value: email: must be an e-mail address; correct the example or remove it\n" +
			broken + "#/components/schemas/Other/example: n: number must be at least 1; correct the example or remove it\n" +
			"4 examples break their schema\n"},
		{shared, false, 1, "", "specvalidate: " +
			shared + "#/paths/~1a/get/responses/200/content/application~1json/examples/big/value: n: number must be at most 9; correct the example or remove it\n" +
			shared + "#/paths/~1a/get/responses/200/content/application~1json/examples/bigger/value: n: number must be at most 9; correct the example or remove it\n" +
			shared + "#/paths/~1a/get/responses/400/content/application~1json/examples/invalid/value: code: value must be an object; correct the example or remove it\n" +
			shared + "#/paths/~1a/get/responses/400/content/application~1json/examples/missing/value: code: value must be an object; correct the example or remove it\n" +
			shared + "#/paths/~1a/get/responses/404/content/application~1json/example: code: value must be an object; correct the example or remove it\n" +
			shared + "#/paths/~1b/get/responses/401/content/application~1json/example: code: value must be an object; correct the example or remove it\n" +
			shared + "#/paths/~1b/get/responses/403/content/application~1json/example: code: must be an integer; correct the example or remove it\n" +
			"7 examples break their schema\n" +
			"rules broken, by how many examples:\n" +
			"  4 examples: code: value must be an object (schema " + shared + "#/components/schemas/Failure/properties/code)\n" +
			"  2 examples: n: number must be at most 9\n" +
			"  1 example: code: must be an integer (schema " + shared + "#/components/schemas/Other/properties/code)\n" +
			"4 examples break one rule (code: value must be an object): the schema at " + shared +
			"#/components/schemas/Failure/properties/code may be what to correct, rather than each example\n"},
	}
	for _, tc := range cases {
		var stdout, stderr bytes.Buffer
		code := run(tc.path, tc.embedded, &stdout, &stderr)
		if code != tc.code || stdout.String() != tc.stdout || stderr.String() != tc.stderr {
			t.Errorf("%s (embedded %v): exit %d\nstdout %q\nstderr %q\nwant exit %d\nstdout %q\nstderr %q",
				tc.path, tc.embedded, code, stdout.String(), stderr.String(), tc.code, tc.stdout, tc.stderr)
		}
	}
}

// TestOwnSpec: the repository's openapi.yaml is valid, examples included,
// and gen/ embeds it. A failure is spec-validate's report, which names
// each place to correct in openapi.yaml and ends with the rules broken.
func TestOwnSpec(t *testing.T) {
	const path = "../../../openapi.yaml"
	var stdout, stderr bytes.Buffer
	if code := run(path, true, &stdout, &stderr); code != 0 {
		t.Fatalf("openapi.yaml fails `make spec-validate` (exit %d): correct it where the report says:\n%s", code, stderr.String())
	}
	if want := "specvalidate: " + path + " is valid (examples included) and matches gen/\n"; stdout.String() != want || stderr.Len() != 0 {
		t.Errorf("stdout %q, stderr %q; want stdout %q", stdout.String(), stderr.String(), want)
	}
}
