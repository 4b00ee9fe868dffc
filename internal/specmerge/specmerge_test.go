package specmerge_test

import (
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/specmerge"
)

const baseDoc = `openapi: 3.0.3
info: {title: Base, version: "1"}
paths: {}
components:
  schemas:
    Limits:
      type: number
      maximum: 1.0
`

// otherDoc uses an anchor and an alias, holds the same Limits as the base
// written differently (1 rather than 1.0), and tags two operations.
const otherDoc = `openapi: 3.0.0
info: {title: Other, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      tags: [A]
      responses:
        "200": &ok
          description: Fine
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Limits"}
  /b:
    get:
      operationId: getB
      tags: [B]
      responses:
        "200": *ok
  /c:
    get:
      operationId: getC
      tags: [C]
      responses:
        "204": {description: Nothing}
components:
  schemas:
    Limits: {maximum: 1, type: number}
`

func merge(t *testing.T, sel specmerge.Selection) *specmerge.Result {
	t.Helper()
	res, err := specmerge.Merge(specmerge.Source{Name: "base", Data: []byte(baseDoc)}, specmerge.Source{Name: "other", Data: []byte(otherDoc)}, sel)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestSelectionIsAUnion: an operation is imported when its id or one of
// its tags is selected.
func TestSelectionIsAUnion(t *testing.T) {
	res := merge(t, specmerge.Selection{OperationIDs: []string{"getA"}, Tags: []string{"C"}})
	if got := strings.Join(res.Operations, ", "); got != "GET /a, GET /c" {
		t.Errorf("imported %s, want GET /a, GET /c", got)
	}
	if got := strings.Join(res.Shared, ","); got != "#/components/schemas/Limits" {
		t.Errorf("shared %q: 1 and 1.0 are the same number", got)
	}
	if len(res.Added) != 0 {
		t.Errorf("added %q", res.Added)
	}
}

// TestAliasesAreExpanded: an anchor of the other document means nothing
// in the base, so an aliased node is copied in full.
func TestAliasesAreExpanded(t *testing.T) {
	res := merge(t, specmerge.Selection{OperationIDs: []string{"getB"}})
	out := string(res.Data)
	if strings.Contains(out, "*ok") || strings.Contains(out, "&ok") {
		t.Fatalf("an alias or anchor was copied:\n%s", out)
	}
	want := `  /b:
    get:
      operationId: getB
      tags: [B]
      responses:
        "200":
          description: Fine
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Limits"}
`
	if !strings.Contains(out, want) {
		t.Errorf("GET /b is not the expanded copy:\n%s", out)
	}
}

func TestVersionsMustMatch(t *testing.T) {
	_, err := specmerge.Merge(specmerge.Source{Name: "base", Data: []byte(baseDoc)},
		specmerge.Source{Name: "other", Data: []byte(strings.Replace(otherDoc, "3.0.0", "3.1.0", 1))}, specmerge.Selection{})
	if want := "base is OpenAPI 3.0 and other is OpenAPI 3.1: only documents of the same minor version merge"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}
