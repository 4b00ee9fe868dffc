// Package connectcomponents is the root of the Data Connect Components Go SDK.
// Users import the api package; this file only carries the go:generate
// directive that turns openapi.yaml into code (`make generate` runs it).
//
// internal/codegen reads the spec through the one spec model
// (internal/spec), runs oapi-codegen with its own templates for gen/ (the
// models, the Client and ClientWithResponses, the embedded spec), and
// writes what oapi-codegen does not: package api's models and services,
// gen/extra.gen.go, the CLI's call table (internal/apicall), the secret
// lists of internal/redact, and the docs' generated tables. It type-checks
// everything before writing anything: a failure names the spec location
// and changes nothing.
package connectcomponents

//go:generate go run ./internal/tools/generate
