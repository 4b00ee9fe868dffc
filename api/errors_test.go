package api_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
)

// The errors of the package are pointers: each *T is an error.
var (
	_ error = (*api.Error)(nil)
	_ error = (*api.DecodeError)(nil)
	_ error = (*api.ValidationError)(nil)
)

// TestErrorsHavePointerReceiversOnly: a value of each error type is not
// an error, so `var e api.Error; errors.As(err, &e)`, which could never
// match, is flagged by go vet (errorsas) instead of compiling quietly;
// and errors.As finds each through a pointer target.
func TestErrorsHavePointerReceiversOnly(t *testing.T) {
	errorType := reflect.TypeFor[error]()
	for _, typ := range []reflect.Type{reflect.TypeFor[api.Error](), reflect.TypeFor[api.DecodeError](), reflect.TypeFor[api.ValidationError]()} {
		if typ.Implements(errorType) {
			t.Errorf("api.%s (a value) implements error: a value target of errors.As would compile, pass go vet and never match", typ.Name())
		}
		if typ.NumMethod() != 0 {
			t.Errorf("api.%s has %d value-receiver methods, want none", typ.Name(), typ.NumMethod())
		}
		if !reflect.PointerTo(typ).Implements(errorType) {
			t.Errorf("*api.%s does not implement error", typ.Name())
		}
	}
	wrapped := fmt.Errorf("call: %w", &api.Error{StatusCode: 404})
	if e, ok := errors.AsType[*api.Error](wrapped); !ok || e.StatusCode != 404 {
		t.Errorf("errors.As *api.Error: %v, %v", e, ok)
	}
}

// TestZeroErrorsPrint: a zero value of each error type, and a pointer to
// one, prints under every fmt verb without a panic (fmt would print
// "PANIC=" in place of a method that panicked).
func TestZeroErrorsPrint(t *testing.T) {
	values := map[string]any{
		"Error": api.Error{}, "*Error": &api.Error{},
		"DecodeError": api.DecodeError{}, "*DecodeError": &api.DecodeError{},
		"ValidationError": api.ValidationError{}, "*ValidationError": &api.ValidationError{},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%p", "%T"} {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s %s: panic %v", name, verb, r)
					}
				}()
				if out := fmt.Sprintf(verb, v); strings.Contains(out, "PANIC") {
					t.Errorf("%s %s: %s", name, verb, out)
				}
			}()
		}
	}
	// The texts of the pointers say what they are, prefixed once.
	for _, err := range []error{&api.Error{}, &api.DecodeError{}, &api.ValidationError{}} {
		if msg := err.Error(); !strings.HasPrefix(msg, "finicity: ") || strings.Count(msg, "finicity: ") != 1 {
			t.Errorf("%T: %q", err, msg)
		}
	}
}

// TestErrorOfAnotherShape: an error answer in another shape than the
// API's {"Errors":{"Error":[…]}} (the {code, message} of other
// Mastercard specs, or one nested under "error") gives its code and
// message to ReasonCode and Description, and to the text, with no items;
// a body with neither leaves them empty.
func TestErrorOfAnotherShape(t *testing.T) {
	get := pick(t, kindGET)
	for _, tc := range []struct {
		name, body, reason, description, text string
	}{
		{"code and message", `{"code":10010,"message":"Invalid limit."}`, "10010", "Invalid limit.", ": 400 Bad Request, reason 10010: Invalid limit."},
		{"code not text", `{"code":{},"message":"Invalid limit."}`, "", "Invalid limit.", ": 400 Bad Request: Invalid limit."},
		{"nested", `{"error":{"code":"E1","message":"Bad start."}}`, "E1", "Bad start.", ": 400 Bad Request, reason E1: Bad start."},
		{"neither", `{"ok":false}`, "", "", ": 400 Bad Request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newScripted(t, reply{status: 400, header: map[string]string{"Content-Type": "application/json"}, body: tc.body})
			err := get.call(context.Background(), newClient(t, srv.URL))
			apiErr, ok := errors.AsType[*api.Error](err)
			if !ok {
				t.Fatalf("got %T %v, want *api.Error", err, err)
			}
			if apiErr.ReasonCode != tc.reason || apiErr.Description != tc.description || apiErr.Details != "" || apiErr.Items != nil || string(apiErr.Body) != tc.body {
				t.Errorf("got %+v, want reason %q, description %q, no details or items, the body kept", errorFields(apiErr), tc.reason, tc.description)
			}
			if want := "finicity: GET " + get.urlPath() + tc.text; err.Error() != want {
				t.Errorf("text:\n got %s\nwant %s", err, want)
			}
		})
	}
}
