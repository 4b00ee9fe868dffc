// Package connectcomponents is the root of the Data Connect Components Go SDK.
// Users import the api package; this file only carries the go:generate
// directives that turn openapi.yaml into code (`make generate` runs them):
//
//   - gen/finicity.gen.go: the models, the Client and ClientWithResponses,
//     and the embedded spec, from oapi-codegen's own templates
//     (oapi-codegen.yaml);
//   - gen/secrets.gen.go: fmt methods masking the model fields marked
//     x-secret, and the Body of a ClientWithResponses result that may
//     hold one (internal/codegen/secrets.yaml, templates secrets.tmpl and
//     secretresponses.tmpl);
//   - api/models.gen.go: package api's model aliases with their field
//     lists, and the required-field checks (api/oapi-codegen-models.yaml,
//     templates models.tmpl and params.tmpl);
//   - api/services.gen.go: the typed service methods of package api
//     (api/oapi-codegen.yaml, template services.tmpl).
//
// The custom templates in internal/codegen fill only slots whose stock
// output this project does not use: nothing in gen/finicity.gen.go comes
// from them.
package connectcomponents

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml
//go:generate go tool oapi-codegen -config internal/codegen/secrets.yaml openapi.yaml
//go:generate go tool oapi-codegen -config api/oapi-codegen-models.yaml openapi.yaml
//go:generate go tool oapi-codegen -config api/oapi-codegen.yaml openapi.yaml
