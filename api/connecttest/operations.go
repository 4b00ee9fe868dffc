package connecttest

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/internal/specdoc"
)

// operation is one operation of the spec under the three names users know
// it by.
type operation struct {
	id     string // operationId, also the generated method: GetConfigurations
	method string // the api method: Configurations.List
	docs   string // the docs' name: get_configurations ("" when the docs have none)
}

// String names the operation as failure messages do: the api method, and
// the docs' name (or the operationId when the docs have none).
func (o operation) String() string {
	other := o.docs
	if other == "" {
		other = o.id
	}
	if o.method == "" {
		return other
	}
	return o.method + " (" + other + ")"
}

// operations lists the operations of the embedded spec, by api method.
// The names come from the spec's x-sdk extension, the same source as the
// api package's services, so the two cannot disagree.
var operations = sync.OnceValue(func() []operation {
	doc, err := specdoc.Doc()
	if err != nil {
		panic("connecttest: " + err.Error()) // the embedded spec is part of the build
	}
	var ops []operation
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops = append(ops, nameOf(op))
		}
	}
	slices.SortFunc(ops, func(a, b operation) int {
		return cmp.Or(cmp.Compare(a.method, b.method), cmp.Compare(a.id, b.id))
	})
	return ops
})

func nameOf(op *openapi3.Operation) operation {
	o := operation{id: op.OperationID}
	if ext, ok := op.Extensions["x-sdk"].(map[string]any); ok {
		service, _ := ext["service"].(string)
		method, _ := ext["method"].(string)
		if service != "" && method != "" {
			o.method = service + "." + method
		}
		o.docs, _ = ext["docs"].(string)
	}
	return o
}

// lookupOperation finds an operation by its api method
// ("Configurations.List"), docs name ("get_configurations") or
// operationId ("GetConfigurations").
func lookupOperation(name string) (operation, bool) {
	for _, o := range operations() {
		if name != "" && (name == o.method || name == o.docs || name == o.id) {
			return o, true
		}
	}
	return operation{}, false
}

// operationByID is lookupOperation for an operationId from a route.
func operationByID(id string) operation {
	for _, o := range operations() {
		if o.id == id {
			return o
		}
	}
	return operation{id: id}
}

// knownOperations lists the names lookupOperation accepts, for the message
// that refuses an unknown one.
func knownOperations() string {
	var names []string
	for _, o := range operations() {
		names = append(names, o.String())
	}
	return strings.Join(names, ", ")
}
