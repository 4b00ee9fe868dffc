package specmerge

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/speccheck"
)

// Check loads data with kin-openapi as the document at path (relative
// references resolve from there) and models it as generation will
// (internal/spec: the document's structure, its names; a format of any
// name is accepted, as OpenAPI allows). An error means nothing may be
// written. It returns the examples that break their schemas, which
// `make spec-validate` reports the same way: a published spec may have
// some, and they are the user's to fix in the merged document, not a
// reason to refuse the merge (the sandbox answers from the schema
// meanwhile).
func Check(ctx context.Context, data []byte, path string) ([]*spec.Problem, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromDataWithPath(data, &url.URL{Path: filepath.ToSlash(abs)})
	if err != nil {
		return nil, fmt.Errorf("the merged document does not load: %w", err)
	}
	m, err := spec.New(path, doc)
	if err != nil {
		return nil, fmt.Errorf("the merged document is not valid: %w", err)
	}
	return speccheck.BrokenExamples(m), nil
}
