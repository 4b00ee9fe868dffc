package connecttest

import (
	"strings"

	"github.com/finicity-go/connect-components/internal/conformance"
)

// operation is one operation of the spec under the three names users know
// it by: the api method (Configurations.List), the docs' name
// (get_configurations) and the operationId. The names come from the
// spec's x-sdk extension, the same source as the api package's services,
// so the two cannot disagree; the checker holds them.
type operation = conformance.Operation

// checker is the strict checker every request is held to.
func checker() *conformance.Checker { return conformance.MustDefault() }

// lookupOperation finds an operation by its api method
// ("Configurations.List"), docs name ("get_configurations") or
// operationId ("GetConfigurations").
func lookupOperation(name string) (operation, bool) { return checker().Lookup(name) }

// operationByID is lookupOperation for an operationId from a route.
func operationByID(id string) operation { return checker().ByID(id) }

// knownOperations lists the names lookupOperation accepts, for the message
// that refuses an unknown one.
func knownOperations() string {
	var names []string
	for _, o := range checker().Operations() {
		names = append(names, o.String())
	}
	return strings.Join(names, ", ")
}
