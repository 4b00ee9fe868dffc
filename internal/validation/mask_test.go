package validation_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/validation"
)

// TestMaskFindings: every text field that may quote what was sent is
// masked; the operation, kind and status stay; the findings given are
// left as they were.
func TestMaskFindings(t *testing.T) {
	mask := func(s string) string { return strings.ReplaceAll(s, "s3cr3t", "[REDACTED]") }
	in := []validation.Finding{{
		Operation: validation.Operation{Method: "Configurations.Get"}, Direction: validation.Response, Status: 502,
		Kind: validation.KindUpstream, Severity: validation.Violation,
		Rule: "no answer: s3cr3t", Field: "f-s3cr3t", In: "header s3cr3t", Location: "/s3cr3t",
	}}
	orig := append([]validation.Finding(nil), in...)
	got := validation.MaskFindings(in, mask)
	want := []validation.Finding{{
		Operation: validation.Operation{Method: "Configurations.Get"}, Direction: validation.Response, Status: 502,
		Kind: validation.KindUpstream, Severity: validation.Violation,
		Rule: "no answer: [REDACTED]", Field: "f-[REDACTED]", In: "header [REDACTED]", Location: "/[REDACTED]",
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("masked:\ngot  %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(in, orig) {
		t.Errorf("the findings given were changed: %+v", in)
	}
	if got := validation.MaskFindings(nil, mask); got != nil {
		t.Errorf("no findings: %+v", got)
	}
}
