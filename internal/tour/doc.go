// Package tour runs the journey through every operation of the spec
// (internal/journey) against an API client: narrated, against the
// sandbox (Demo), or checked exchange by exchange against the spec
// (Conformance, against the API or a sandbox).
package tour
