// Package apicall calls an operation of the spec through its typed
// method of package api, from arguments given as JSON (what a command
// line makes): the CLI dispatches through it, with no reflection over
// method names. Its table (calls.gen.go) is generated from the spec, so a
// new operation is callable after `make generate`.
package apicall

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/finicity-go/connect-components/api"
)

// Input holds an operation's arguments.
type Input struct {
	// Path holds each path parameter's value as JSON, in the order the
	// path names them.
	Path []json.RawMessage
	// Params is a JSON object of the query and header parameters, keyed
	// by wire name; nil when none is given.
	Params json.RawMessage
	// Body is the JSON body; for an operation whose body is not JSON,
	// Raw is sent instead.
	Body json.RawMessage
	Raw  io.Reader
}

// call calls one operation's typed method and returns what it returns:
// its result (nil for a method that returns only an error) and its error.
type call func(ctx context.Context, c *api.Client, in *Input, opts []api.CallOption) (any, error)

// ArgError is an argument that does not decode into the typed method's
// parameter: Field names it (a path parameter, "parameters", or the
// body's field path).
type ArgError struct {
	Field string
	Err   error
}

func (e *ArgError) Error() string { return fmt.Sprintf("invalid %s: %v", e.Field, e.Err) }
func (e *ArgError) Unwrap() error { return e.Err }

// ErrNoOperation is the error of Call for an operationId the table lacks.
var ErrNoOperation = errors.New("no such operation")

// Call calls the operation whose operationId is id with c, through its
// typed method, with the call options given. The method's own result is
// not returned: pass api.WithResponseInto to read the answer, or use
// Result.
func Call(ctx context.Context, c *api.Client, id string, in *Input, opts ...api.CallOption) error {
	_, err := Result(ctx, c, id, in, opts...)
	return err
}

// Result is Call returning the typed method's result too: a *api.LoginForm,
// a []api.Configuration, the operation's result type. It is nil when the
// call fails and for an operation whose method returns only an error.
func Result(ctx context.Context, c *api.Client, id string, in *Input, opts ...api.CallOption) (any, error) {
	f, ok := calls[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoOperation, id)
	}
	if in == nil {
		in = &Input{}
	}
	v, err := f(ctx, c, in, opts)
	if err != nil {
		// Not the method's typed nil in an interface: a plain nil.
		return nil, err
	}
	return v, nil
}

// Has reports whether the table has operation id.
func Has(id string) bool { _, ok := calls[id]; return ok }

func (in *Input) path(i int, name string, dst any) error {
	if i >= len(in.Path) {
		return &ArgError{Field: name, Err: errors.New("missing")}
	}
	return decode(name, in.Path[i], dst)
}

//lint:ignore U1000 called by the generated calls of operations with such arguments
func (in *Input) params(dst any) error {
	if len(in.Params) == 0 {
		return nil
	}
	return decode("parameters", in.Params, dst)
}

func (in *Input) body(dst any) error {
	if len(in.Body) == 0 {
		return nil
	}
	return decode("body", in.Body, dst)
}

//lint:ignore U1000 called by the generated calls of operations with such arguments
func (in *Input) raw() io.Reader {
	if in.Raw == nil {
		return strings.NewReader("")
	}
	return in.Raw
}

func decode(what string, data []byte, dst any) error {
	if err := json.Unmarshal(data, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &ArgError{Field: what + " " + te.Field, Err: fmt.Errorf("a JSON %s where %s was expected", te.Value, te.Type)}
		}
		return &ArgError{Field: what, Err: err}
	}
	return nil
}
