package connectcomponents_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/spec"
)

// TestRequestBuilders checks the URLs built by oapi-codegen's stock request
// builders (gen/finicity.gen.go), as the client uses them, for every
// operation of the spec: the server's path prefix is kept whatever its
// trailing slash (gen.NewClient adds the slash the builders need), and
// path parameters are escaped (a string one is given characters a path
// must escape; the others their examples). The operations are called
// through gen.Client's methods, found by the names oapi-codegen gives the
// operationIds, so a new operation is covered with no edit here.
func TestRequestBuilders(t *testing.T) {
	m := loadModel(t)
	for _, server := range []string{"https://api.finicity.com", "https://api.finicity.com/", "http://127.0.0.1:4010/base", "http://127.0.0.1:4010/base/"} {
		for _, o := range m.Operations {
			var got string
			c, err := gen.NewClient(server, gen.WithHTTPClient(doerFunc(func(r *http.Request) (*http.Response, error) {
				got = r.URL.Scheme + "://" + r.URL.Host + r.URL.EscapedPath()
				return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
			})))
			if err != nil {
				t.Fatalf("%s: %v", server, err)
			}
			args, path := pathArgs(t, o)
			if err := callGen(c, o, args); err != nil {
				t.Errorf("%s on %s: %v", o.ID, server, err)
				continue
			}
			if want := strings.TrimSuffix(server, "/") + path; got != want {
				t.Errorf("%s on %s:\n got %s\nwant %s", o.ID, server, got, want)
			}
		}
	}
	o := m.Operations[0]
	args, _ := pathArgs(t, o)
	c, err := gen.NewClient("://no-scheme")
	if err == nil {
		err = callGen(c, o, args)
	}
	if err == nil {
		t.Error("a malformed server URL was accepted")
	}
}

// pathArgs are the values of o's path parameters, and its path with them
// escaped: a string parameter without a format gets characters a path
// must escape; the others their examples.
func pathArgs(t *testing.T, o *spec.Operation) ([]any, string) {
	t.Helper()
	const awkward = "a b/c?d%é"
	path := o.Path
	var args []any
	for _, p := range o.PathParams {
		v, ok := p.Example()
		if !ok {
			v, ok = spec.Synthesize(p.Schema, false)
		}
		if !ok {
			t.Fatalf("openapi.yaml#%s: path parameter %s of %s has no example and none can be synthesized", p.Pointer, p.Name, o.ID)
		}
		text := ""
		switch x := v.(type) {
		case string:
			if p.Schema == nil || p.Schema.Value == nil || p.Schema.Value.Format == "" {
				x, v = awkward, awkward
			}
			text = x
		case float64:
			text = strconv.FormatInt(int64(x), 10)
		default:
			t.Fatalf("openapi.yaml#%s: path parameter %s of %s is a %T, which gen_test.go does not write", p.Pointer, p.Name, o.ID, v)
		}
		args = append(args, v)
		path = strings.Replace(path, "{"+p.Name+"}", url.PathEscape(text), 1)
	}
	return args, path
}

// callGen calls the gen.Client method of operation o (named after its
// operationId) with the path parameters' values args (decoded into the
// method's parameter types), empty query and header parameters, and the
// body's example.
func callGen(c *gen.Client, o *spec.Operation, args []any) error {
	meth := reflect.ValueOf(c).MethodByName(spec.GoName(o.ID))
	if !meth.IsValid() {
		return fmt.Errorf("gen.Client has no method %s: run `make generate`", spec.GoName(o.ID))
	}
	mt := meth.Type()
	in := []reflect.Value{reflect.ValueOf(context.Background())}
	decode := func(v any) error {
		arg := reflect.New(mt.In(len(in)))
		b, _ := json.Marshal(v)
		if err := json.Unmarshal(b, arg.Interface()); err != nil {
			return err
		}
		in = append(in, arg.Elem())
		return nil
	}
	for _, v := range args {
		if err := decode(v); err != nil {
			return err
		}
	}
	if len(o.QueryParams)+len(o.HeaderParams) > 0 {
		in = append(in, reflect.New(mt.In(len(in)).Elem()))
	}
	if o.Body != nil {
		v, _ := o.Body.Example()
		if err := decode(v); err != nil {
			return err
		}
	}
	if len(in) != mt.NumIn()-1 { // the request editors are variadic
		return fmt.Errorf("gen.Client.%s takes %d arguments, and the spec gives %d", spec.GoName(o.ID), mt.NumIn()-1, len(in))
	}
	out := meth.Call(in)
	if err, _ := out[1].Interface().(error); err != nil {
		return err
	}
	return nil
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
