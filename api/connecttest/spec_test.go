package connecttest_test

// The operations of the spec as the kit's tests call them: each test
// takes its operations from the spec model (by what they do: the token,
// a list, a create, the reconnection), and its arguments and bodies from
// the spec's examples (spec.Operation.ExampleArgs). A new operation or a
// new required field changes what the tests send with it; an operation a
// test needs and the spec lacks fails naming the spec location and the
// test file.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// fakeT stands in for a test's testing.TB, so a test can see the kit
// fail a test, and with which message. Cleanup and the rest go to the
// real test.
type fakeT struct {
	testing.TB
	mu             sync.Mutex
	errors, fatals []string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}

func (f *fakeT) reported() (errors, fatals []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.errors...), append([]string(nil), f.fatals...)
}

func model() *spec.Model { return specdoc.MustModel() }

// testFile is the test file that called into these helpers, for a
// failure to name.
func testFile() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if base := filepath.Base(f.File); strings.HasSuffix(base, "_test.go") && base != "spec_test.go" {
			return "api/connecttest/" + base
		}
		if !more {
			return "api/connecttest/spec_test.go"
		}
	}
}

// at names a spec location, and the test file, as failures do.
func at(pointer string) string { return "openapi.yaml#" + pointer + " (" + testFile() + ")" }

// opWhere is the first operation of the spec, in its order, that ok
// accepts; the test fails naming what it needs when there is none.
func opWhere(t testing.TB, what string, ok func(*spec.Operation) bool) *spec.Operation {
	t.Helper()
	for _, op := range model().Operations {
		if ok(op) {
			return op
		}
	}
	t.Fatalf("openapi.yaml has no %s, which %s needs", what, testFile())
	return nil
}

// The operations the tests need, by what they do.
func tokenOp(t testing.TB) *spec.Operation {
	return opWhere(t, "token operation (x-sandbox handler token)", func(o *spec.Operation) bool { return o.Sandbox != nil && o.Sandbox.Handler == "token" })
}

func actionOp(t testing.TB, action string) *spec.Operation {
	return opWhere(t, "x-sandbox "+action+" operation", func(o *spec.Operation) bool {
		return o.Sandbox != nil && o.Sandbox.Action == action && o.Sandbox.Collection == "configurations"
	})
}

func handlerOp(t testing.TB, handler string) *spec.Operation {
	return opWhere(t, "x-sandbox handler "+handler, func(o *spec.Operation) bool { return o.Sandbox != nil && o.Sandbox.Handler == handler })
}

// listOp is a GET that needs no argument: the list of configurations.
func listOp(t testing.TB) *spec.Operation { return actionOp(t, "list") }

// call is one operation with the examples' values.
type call struct {
	op   *spec.Operation
	args spec.Args
}

// callOf makes op's call from its examples.
func callOf(t testing.TB, op *spec.Operation) call {
	t.Helper()
	args, ok := op.ExampleArgs()
	if !ok {
		t.Fatalf("%s: %s has an argument with no valid example, and none can be synthesized", at(op.Pointer), op.Name())
	}
	return call{op: op, args: args}
}

// withBody is c sending body instead of its example.
func (c call) withBody(body any) call {
	c.args.Body = body
	return c
}

// withPath is c with path parameter i set to v.
func (c call) withPath(i int, v any) call {
	c.args.Path = slices.Clone(c.args.Path)
	c.args.Path[i] = v
	return c
}

func (c call) input() *apicall.Input {
	in := &apicall.Input{}
	for _, v := range c.args.Path {
		in.Path = append(in.Path, mustJSON(v))
	}
	if len(c.args.Query)+len(c.args.Header) > 0 {
		params := map[string]any{}
		for k, v := range c.args.Query {
			params[k] = v
		}
		for k, v := range c.args.Header {
			params[k] = v
		}
		in.Params = mustJSON(params)
	}
	if c.op.Body != nil {
		in.Body = mustJSON(c.args.Body)
	}
	return in
}

// do calls the operation through its typed method.
func (c call) do(ctx context.Context, client *api.Client) error {
	return apicall.Call(ctx, client, c.op.ID, c.input())
}

// result is do's typed result.
func (c call) result(ctx context.Context, client *api.Client) (any, error) {
	return apicall.Result(ctx, client, c.op.ID, c.input())
}

// path is the escaped path the call is sent to.
func (c call) path() string {
	p := c.op.Path
	for i, prm := range c.op.PathParams {
		p = strings.Replace(p, "{"+prm.Name+"}", url.PathEscape(wire(c.args.Path[i])), 1)
	}
	return p
}

// wire writes a JSON scalar as a URL does.
func wire(v any) string {
	if f, ok := v.(float64); ok && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return fmt.Sprint(v)
}

// body is the call's JSON body as sent; nil for none.
func (c call) body() []byte {
	if c.op.Body == nil {
		return nil
	}
	return mustJSON(c.args.Body)
}

// request is the call as a request of the app's own making (code that
// does not use package api) with the kit's credentials: edit changes it
// before it is sent.
func (c call) request(t testing.TB, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(c.op.Method, connecttest.InProcessURL+c.path(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("Finicity-App-Key", connecttest.AppKey)
	req.Header.Set("Finicity-App-Token", connecttest.Token)
	if c.op.Body != nil {
		req.Header.Set("Content-Type", c.op.Body.ContentType)
	}
	return req
}

// send sends req in process to srv and returns the status and body.
func send(t testing.TB, srv *connecttest.Server, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// objectBody is the example body of the first operation whose body is a
// JSON object with a property of the kind want accepts (its schema), and
// that property's dotted path; the token operation aside (its body holds
// a credential).
func objectBody(t testing.TB, what string, want func(*spec.Field) bool) (call, *spec.Field) {
	t.Helper()
	token := tokenOp(t)
	for _, op := range model().Operations {
		if op == token || op.Body == nil || !op.Body.JSON {
			continue
		}
		for _, f := range op.Body.Fields {
			if want(f) {
				c := callOf(t, op)
				if _, ok := c.args.Body.(map[string]any); ok {
					return c, f
				}
			}
		}
	}
	t.Fatalf("openapi.yaml has no request body with %s, which %s needs", what, testFile())
	return call{}, nil
}

// setField is a copy of a JSON object with the value at path set (or
// removed, for remove).
func setField(v any, path []string, value any, remove bool) any {
	m, _ := v.(map[string]any)
	out := map[string]any{}
	for k, e := range m {
		out[k] = e
	}
	if len(path) == 1 {
		if remove {
			delete(out, path[0])
		} else {
			out[path[0]] = value
		}
		return out
	}
	out[path[0]] = setField(out[path[0]], path[1:], value, remove)
	return out
}

// misspelt is the name of a property with its last letter's case
// flipped (configurationId as configurationID): a name the spec does not
// define anywhere, or the test fails naming it.
func misspelt(t testing.TB, name string) string {
	t.Helper()
	last := name[len(name)-1:]
	wrong := name[:len(name)-1] + strings.ToUpper(last)
	if wrong == name {
		wrong = name[:len(name)-1] + strings.ToLower(last)
	}
	if where, err := specdoc.PropertyDefined(wrong); err != nil || where != "" {
		t.Fatalf("openapi.yaml defines %q (at %s, %v), which %s sends as a misspelling of %q", wrong, where, err, testFile(), name)
	}
	return wrong
}
