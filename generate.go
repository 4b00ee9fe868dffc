// Package connectcomponents is the root of the Data Connect Components Go SDK.
// Users import the api package; this file only carries the go:generate
// directives that turn openapi.yaml into code:
//
//   - gen/finicity.gen.go: the models, the Client and ClientWithResponses,
//     and the embedded spec (oapi-codegen.yaml);
//   - api/services.gen.go: the typed service methods of package api
//     (api/oapi-codegen.yaml, template internal/codegen/services.tmpl).
package connectcomponents

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml
//go:generate go tool oapi-codegen -config api/oapi-codegen.yaml openapi.yaml
