// Package cli is the command line of finicity-connect: its commands,
// their flags, help, errors and exit codes, and what they print.
//
// Run runs one command line. Every operation of the spec is a command
// made from the model (internal/spec): one flag per parameter and body
// property, --body for a whole body, the call through its typed method of
// package api (internal/apicall), the answer printed as JSON or a table
// from its schema. API commands share the connection flags (credentials,
// endpoint, --sandbox with its state file, --output, --verbose, --timeout
// and --retries), and whatever they print is masked with the credentials
// in use. The commands that are not an operation (the served sandbox,
// the proxy, validate, conformance, the demo) are written by the command
// itself (cmd/finicity-connect) as Commands of their own.
package cli
