package specmerge

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/spec"
)

var defineFormats = sync.OnceFunc(func() {
	// Example validation reads kin-openapi's global format table: give it
	// the formats the project's validation uses, as `make spec-validate`
	// does, so a merged document passes here exactly when it passes there.
	for name, v := range spec.StringFormats() {
		openapi3.DefineStringFormatValidator(name, v)
	}
})

// Check loads data with kin-openapi as the document at path (relative
// references resolve from there; none may leave the file system) and
// validates it fully: structure, examples and defaults against their
// schemas, formats and patterns.
func Check(ctx context.Context, data []byte, path string) error {
	defineFormats()
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromDataWithPath(data, &url.URL{Path: filepath.ToSlash(abs)})
	if err != nil {
		return fmt.Errorf("the merged document does not load: %w", err)
	}
	if err := doc.Validate(ctx,
		openapi3.EnableExamplesValidation(),
		openapi3.EnableSchemaFormatValidation(),
		openapi3.EnableSchemaDefaultsValidation(),
		openapi3.EnableSchemaPatternValidation(),
	); err != nil {
		return fmt.Errorf("the merged document is not valid: %w", err)
	}
	return nil
}
