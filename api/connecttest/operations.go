package connecttest

import (
	"slices"
	"strings"

	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
)

// operation is one operation of the spec under the three names users know
// it by: the api method (Configurations.List), the docs' name
// (get_configurations) and the operationId. The names come from the spec
// model, the same source as the api package's services, so the two
// cannot disagree.
type operation = validation.Operation

// lookupOperation finds an operation by its api method
// ("Configurations.List"), docs name ("get_configurations") or
// operationId ("GetConfigurations").
func lookupOperation(name string) (operation, bool) {
	op, ok := specdoc.MustModel().Lookup(name)
	if !ok {
		return operation{}, false
	}
	return validation.OperationOf(op), true
}

// knownOperations lists the names lookupOperation accepts, for the message
// that refuses an unknown one, sorted by api method.
func knownOperations() string {
	var names []string
	for _, o := range specdoc.MustModel().Operations {
		names = append(names, validation.OperationOf(o).String())
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
