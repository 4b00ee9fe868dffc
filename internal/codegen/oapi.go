package codegen

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

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

	models := cfg
	models.Generate.EmbeddedSpec = false
	renamed := map[string]string{} // inline schema pointer -> Go type name
	for attempt := 0; ; attempt++ {
		doc, err := load(specPath)
		if err != nil {
			return "", "", err
		}
		overlaySecrets(doc, m)
		overlayOptionalParams(doc)
		overlayDefaultedScalars(doc)
		overlayRequiredWithoutSchema(doc)
		overlayFloats(doc)
		overlayNames(doc, renamed)
		overlayMachinery(doc, m)
		client, err = codegen.Generate(doc, models)
		if err == nil {
			break
		}
		dup := duplicateType.FindStringSubmatch(err.Error())
		if dup == nil || attempt > 50 {
			return "", "", fmt.Errorf("oapi-codegen on %s: %w", specPath, err)
		}
		// An inline schema oapi-codegen names after its place (an enum
		// property status of Application is ApplicationStatus) took the
		// name of a component: the inline one gets a suffix.
		ptrs := inlineNamed(doc, dup[1])
		if len(ptrs) == 0 {
			return "", "", fmt.Errorf("%s: two types would both be the Go type %s, and neither is an inline schema generation can rename: set x-go-name on one of the schemas (or x-go-type-name on an inline one) named so", m.File, dup[1])
		}
		for _, ptr := range ptrs {
			renamed[ptr] = dup[1] + "Inline"
			m.Notes = append(m.Notes, spec.Note{Pointer: m.File + "#" + ptr, Text: fmt.Sprintf("the inline schema is the Go type %sInline: %s is another type's name (x-go-type-name sets another)", dup[1], dup[1])})
		}
	}

	doc, err := load(specPath)
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

var duplicateType = regexp.MustCompile(`duplicate typename '(\w+)'`)

// inlineSchemas calls fn for every inline schema under the components'
// schemas that oapi-codegen makes a type of its own named after its
// place (an enum, a property or item with no $ref), with its JSON pointer
// and that name.
func inlineSchemas(doc *openapi3.T, fn func(ptr, typeName string, s *openapi3.Schema)) {
	var walk func(ref *openapi3.SchemaRef, path []string, ptr string, top bool)
	walk = func(ref *openapi3.SchemaRef, path []string, ptr string, top bool) {
		if ref == nil || ref.Value == nil || (!top && ref.Ref != "") {
			return
		}
		s := ref.Value
		if !top && len(s.Enum) > 0 {
			fn(ptr, codegen.SchemaNameToTypeName(codegen.PathToTypeName(path)), s)
		}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			walk(s.Properties[n], append(append([]string{}, path...), n), ptr+"/properties/"+escape(n), false)
		}
		walk(s.Items, append(append([]string{}, path...), "Item"), ptr+"/items", false)
	}
	if doc.Components == nil {
		return
	}
	for n, ref := range doc.Components.Schemas {
		walk(ref, []string{n}, spec.Pointer("components", "schemas", n), true)
	}
}

// inlineNamed lists the pointers of the inline schemas oapi-codegen
// names name.
func inlineNamed(doc *openapi3.T, name string) []string {
	var out []string
	inlineSchemas(doc, func(ptr, typeName string, s *openapi3.Schema) {
		if typeName == name {
			if _, set := s.Extensions["x-go-type-name"]; !set {
				out = append(out, ptr)
			}
		}
	})
	sort.Strings(out)
	return out
}

// overlayNames gives the inline schemas at the pointers of renamed their
// Go type names.
func overlayNames(doc *openapi3.T, renamed map[string]string) {
	if len(renamed) == 0 {
		return
	}
	inlineSchemas(doc, func(ptr, _ string, s *openapi3.Schema) {
		if name, ok := renamed[ptr]; ok {
			if s.Extensions == nil {
				s.Extensions = map[string]any{}
			}
			s.Extensions["x-go-type-name"] = name
		}
	})
}

// machinery are the names oapi-codegen's client declares in gen.
var machinery = map[string]bool{
	"Client": true, "ClientInterface": true, "ClientOption": true, "ClientWithResponses": true,
	"ClientWithResponsesInterface": true, "HttpRequestDoer": true, "RequestEditorFn": true,
}

// overlayMachinery renames a component schema whose Go name is one of
// oapi-codegen's client types (a schema named Client): it becomes
// <Name>Model.
func overlayMachinery(doc *openapi3.T, m *spec.Model) {
	if doc.Components == nil {
		return
	}
	for n, ref := range doc.Components.Schemas {
		if ref == nil || ref.Value == nil {
			continue
		}
		goName := codegen.SchemaNameToTypeName(n)
		if x, ok := ref.Value.Extensions["x-go-name"].(string); ok {
			goName = x
		}
		if !machinery[goName] {
			continue
		}
		if ref.Value.Extensions == nil {
			ref.Value.Extensions = map[string]any{}
		}
		ref.Value.Extensions["x-go-name"] = goName + "Model"
		note := spec.Note{Pointer: m.File + "#" + spec.Pointer("components", "schemas", n), Text: fmt.Sprintf("the schema is the Go type %sModel: gen's client has a %s of its own", goName, goName)}
		if !slices.Contains(m.Notes, note) {
			m.Notes = append(m.Notes, note)
		}
	}
}

func escape(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }

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

// overlayFloats decodes numbers of `format: float` or no format into
// float64, not oapi-codegen's float32: the API's amounts are written with cents
// (345789.23), which float32 cannot hold, so a balance would change in
// decoding. The format still bounds the value where the spec is checked.
func overlayFloats(doc *openapi3.T) {
	spec.WalkSchemas(doc, func(_ string, s *openapi3.Schema) {
		if s.Type.Is(openapi3.TypeNumber) && (s.Format == "float" || s.Format == "") {
			if s.Extensions == nil {
				s.Extensions = map[string]any{}
			}
			s.Extensions["x-go-type"] = "float64"
		}
	})
}

// overlayRequiredWithoutSchema gives a field to a name an object requires
// without declaring it among its properties (published specs have them):
// oapi-codegen would generate none, and the value the API must send would
// be lost in decoding. Its schema is what additionalProperties allows, or
// any value. A schema composed with allOf, oneOf or anyOf is left alone:
// the name may be declared by another part.
func overlayRequiredWithoutSchema(doc *openapi3.T) {
	spec.WalkSchemas(doc, func(_ string, s *openapi3.Schema) {
		if len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 || len(s.Properties) == 0 {
			return
		}
		for _, name := range s.Required {
			if _, ok := s.Properties[name]; ok {
				continue
			}
			field := &openapi3.SchemaRef{Value: &openapi3.Schema{}}
			if extra := s.AdditionalProperties.Schema; extra != nil {
				field = extra
			}
			s.Properties[name] = field
		}
	})
}

// overlayDefaultedScalars keeps a pointer for an optional boolean or
// number property whose default is not its Go zero value (a flag that
// defaults to true): as a value with omitempty, its false or 0 would never
// be sent, and the API would apply the default instead of what the caller
// set. Nil is "not sent"; the other optional scalars stay values (unset and
// zero mean the same on the wire for them).
func overlayDefaultedScalars(doc *openapi3.T) {
	spec.WalkProperties(doc, func(_, _ string, p *openapi3.SchemaRef) {
		s := p.Value
		scalar := s.Type.Is(openapi3.TypeBoolean) || s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber)
		if !scalar || s.Default == nil || s.Default == false || s.Default == 0.0 || s.Default == 0 {
			return
		}
		if s.Extensions == nil {
			s.Extensions = map[string]any{}
		}
		s.Extensions["x-go-type-skip-optional-pointer"] = false
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
