package api_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/spec"
)

// requiredCase is one operation's call with exactly one required
// parameter or body field left at its Go zero value, and the
// *ValidationError that must refuse it.
type requiredCase struct {
	name string
	sc   *specCall
	want api.ValidationError
}

// requiredCases are the cases of every operation of the spec: each path
// parameter, each required query and header parameter at its zero value,
// and each required body field the typed check can tell from unset (a
// string, a date-time, a UUID, a list, an object; not a number or a
// boolean, whose 0 and false the spec allows; not a nullable one) left out
// of the body's example, a required object left out whole being reported
// by its first required field. The operations' other arguments are their
// examples.
func requiredCases(t testing.TB) []requiredCase {
	t.Helper()
	var cases []requiredCase
	for _, op := range specModel(t).Operations {
		base, err := newSpecCall(op, true)
		if err != nil {
			t.Errorf("%v (%s)", err, testFile())
			continue
		}
		add := func(what string, sc *specCall, location, field, reason string) {
			want := api.ValidationError{Method: op.Method, Path: op.Path, Location: location, Field: field, Reason: reason}
			if location == "body" {
				// Worded as every check words a missing value, with the
				// field's JSON pointer.
				want.Pointer, want.Kind = spec.Pointer(strings.Split(field, ".")...), "missing required"
			}
			cases = append(cases, requiredCase{name: op.Qualified() + " " + what, sc: sc, want: want})
		}
		for i, p := range op.PathParams {
			sc := base.clone()
			sc.path[i] = zeroOf(p.Schema)
			reason := "required, but empty"
			if s := schemaOf(p.Schema); s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber) {
				reason = "required, but zero"
			}
			add(p.Name+" at its zero value", sc, "path", p.Name, reason)
		}
		for _, p := range slices.Concat(op.QueryParams, op.HeaderParams) {
			if !p.Required {
				continue
			}
			sc := base.clone()
			delete(sc.params, p.Name)
			add(p.Name+" left out", sc, p.In, p.Name, "required, but empty")
		}
		if op.Body == nil || !op.Body.JSON {
			continue
		}
		for _, f := range requiredFields(op.Body.Schema, nil) {
			add(f.left+" left out", base.withBody(deleteJSON(copyJSON(base.body), f.path)), "body", f.field, "value is required but missing")
		}
	}
	return cases
}

// requiredField is a required field of a body left out (path) and the
// field the error names: itself, or for an object its first required
// field.
type requiredField struct {
	path        []string
	left, field string
}

// requiredFields lists the required fields of an object schema the typed
// check refuses at their zero value, in the order of its required list,
// nested objects included.
func requiredFields(ref *openapi3.SchemaRef, prefix []string) []requiredField {
	props, required := spec.Properties(schemaOf(ref))
	var out []requiredField
	seen := map[string]bool{}
	for _, name := range required {
		p := props[name]
		if seen[name] || p == nil || p.Value == nil || p.Value.Nullable || p.Value.ReadOnly {
			continue
		}
		seen[name] = true
		path := append(slices.Clone(prefix), name)
		s := p.Value
		if s.Type.Is(openapi3.TypeBoolean) || s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber) {
			continue
		}
		dotted := strings.Join(path, ".")
		if sub, _ := spec.Properties(s); len(sub) > 0 && !s.Type.Is(openapi3.TypeArray) {
			inner := requiredFields(p, path)
			if len(inner) > 0 {
				// Left out whole, it is reported by its first required field.
				out = append(out, requiredField{path: path, left: dotted, field: inner[0].field})
			}
			out = append(out, inner...)
			continue
		}
		out = append(out, requiredField{path: path, left: dotted, field: dotted})
	}
	return out
}

// TestRequiredFieldsLeftZeroAreRefused: for every operation of the spec,
// every required path, query and header parameter and every required
// body field (requiredCases) left at its Go zero value is refused before
// anything is sent (not even a token fetch), with a *api.ValidationError
// naming it, whether or not request validation is on. Each case leaves
// exactly one argument unset; the others are the spec's examples.
func TestRequiredFieldsLeftZeroAreRefused(t *testing.T) {
	cases := requiredCases(t)
	if len(cases) == 0 {
		t.Fatal("no required parameter or field in the embedded spec: was it loaded?")
	}
	clients := []struct {
		name string
		make func(t *testing.T, url string) *api.Client
	}{
		{"app token", func(t *testing.T, url string) *api.Client { return newClient(t, url) }},
		{"app token, validated", func(t *testing.T, url string) *api.Client {
			return newClient(t, url, api.WithRequestValidation(), api.WithResponseValidation())
		}},
		// A refused request must not cost a token fetch either.
		{"partner credentials", func(t *testing.T, url string) *api.Client { return newPartnerClient(t, url) }},
	}
	for _, cl := range clients {
		for _, tc := range cases {
			t.Run(cl.name+"/"+tc.name, func(t *testing.T) {
				srv, hits := countingServer(t)
				err := tc.sc.call(context.Background(), cl.make(t, srv.URL))
				if ae, ok := errors.AsType[*apicall.ArgError](err); ok {
					t.Fatalf("%s: the zero value does not decode into the typed argument (%v): a type the test does not know (%s)", tc.name, ae, testFile())
				}
				ve, ok := errors.AsType[*api.ValidationError](err)
				if !ok {
					t.Fatalf("got %T %v, want *api.ValidationError (internal/codegen's checks, then `make generate`)", err, err)
				}
				if *ve != tc.want {
					t.Errorf("got %+v, want %+v", *ve, tc.want)
				}
				want := "finicity: invalid request " + tc.want.Method + " " + tc.want.Path + ": " + tc.want.Location + " " + tc.want.Field + ": " + tc.want.Reason
				if err.Error() != want {
					t.Errorf("message:\n got %s\nwant %s", err, want)
				}
				if _, ok := errors.AsType[*api.Error](err); ok {
					t.Error("a refused request looks like an API answer")
				}
				if n := hits.Load(); n != 0 {
					t.Errorf("%d requests reached the server, want 0", n)
				}
			})
		}
	}
}

// TestExamplesAreNotRefused: every operation called with its examples
// (the base of every case above) passes the required checks and is sent:
// so a refusal above is the one argument left unset.
func TestExamplesAreNotRefused(t *testing.T) {
	for _, op := range specModel(t).Operations {
		sc, err := newSpecCall(op, true)
		if err != nil {
			t.Errorf("%v (%s)", err, testFile())
			continue
		}
		var hits int
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			hits++
			writeReply(w, sc.okReply())
		})
		if err := sc.call(context.Background(), newClient(t, srv.URL)); err != nil {
			t.Errorf("%s with its examples: %v", sc.name(), err)
		}
		if hits != 1 {
			t.Errorf("%s with its examples: %d requests, want 1", sc.name(), hits)
		}
	}
}
