// Package connectcomponents is the root of the Data Connect Components Go SDK.
// Users import the api package; this file only carries the go:generate
// directive that turns openapi.yaml into the gen package.
package connectcomponents

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.yaml
