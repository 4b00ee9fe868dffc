package codegen

import (
	"fmt"
	"os"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"go.yaml.in/yaml/v3"

	"github.com/finicity-go/connect-components/internal/spec"
)

// secretImport is the package of the type secret string properties have
// in gen's models (api.Secret).
const secretImport = "github.com/finicity-go/connect-components/internal/secret"

// stockGen runs oapi-codegen, as a library and with its own templates
// only, on the document at specPath with the configuration at cfgPath: the
// models, the Client and ClientWithResponses (gen/finicity.gen.go), and
// the embedded spec (gen/spec.gen.go). The one thing this project adds is
// an overlay in memory: every secret string property (x-secret, or its
// name, as the model decides) gets x-go-type secret.String, so that no
// fmt verb prints it. The embedded spec is the document as written.
func stockGen(specPath, cfgPath string, m *spec.Model) (client, embedded string, err error) {
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		return "", "", err
	}
	var cfg codegen.Configuration
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		return "", "", fmt.Errorf("%s: %w", cfgPath, err)
	}
	cfg = cfg.UpdateDefaults()
	if err := cfg.Validate(); err != nil {
		return "", "", fmt.Errorf("%s: %w", cfgPath, err)
	}

	doc, err := load(specPath)
	if err != nil {
		return "", "", err
	}
	overlaySecrets(doc, m)
	overlayOptionalParams(doc)
	models := cfg
	models.Generate.EmbeddedSpec = false
	if client, err = codegen.Generate(doc, models); err != nil {
		return "", "", fmt.Errorf("oapi-codegen on %s: %w", specPath, err)
	}

	doc, err = load(specPath)
	if err != nil {
		return "", "", err
	}
	only := cfg
	only.Generate = codegen.GenerateOptions{EmbeddedSpec: true}
	if embedded, err = codegen.Generate(doc, only); err != nil {
		return "", "", fmt.Errorf("oapi-codegen (embedded spec) on %s: %w", specPath, err)
	}
	return client, embedded, nil
}

func load(path string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}

// overlaySecrets gives every secret string property of doc the Go type
// secret.String (api.Secret).
func overlaySecrets(doc *openapi3.T, m *spec.Model) {
	byPointer := map[string]bool{}
	for _, p := range m.Secrets.Props {
		if p.String {
			byPointer[p.Pointer] = true
		}
	}
	spec.WalkProperties(doc, func(ptr, _ string, p *openapi3.SchemaRef) {
		if !byPointer[ptr] {
			return
		}
		if p.Value.Extensions == nil {
			p.Value.Extensions = map[string]any{}
		}
		p.Value.Extensions["x-go-type"] = "secret.String"
		p.Value.Extensions["x-go-type-import"] = map[string]any{"path": secretImport}
	})
}

// overlayOptionalParams keeps a pointer for every optional scalar query,
// header and cookie parameter, whatever prefer-skip-optional-pointer says
// for the models: nil is "not sent", so an unset ?limit= is not sent as 0.
// Lists stay slices (nil is not sent either).
func overlayOptionalParams(doc *openapi3.T) {
	mark := func(params openapi3.Parameters) {
		for _, ref := range params {
			p := ref.Value
			if p == nil || p.Required || p.In == openapi3.ParameterInPath || p.Schema == nil || p.Schema.Value == nil {
				continue
			}
			if t := p.Schema.Value.Type; t.Is(openapi3.TypeArray) || t.Is(openapi3.TypeObject) {
				continue
			}
			if p.Extensions == nil {
				p.Extensions = map[string]any{}
			}
			p.Extensions["x-go-type-skip-optional-pointer"] = false
		}
	}
	for _, item := range doc.Paths.Map() {
		mark(item.Parameters)
		for _, op := range item.Operations() {
			mark(op.Parameters)
		}
	}
	if doc.Components != nil {
		for _, ref := range doc.Components.Parameters {
			mark(openapi3.Parameters{ref})
		}
	}
}
