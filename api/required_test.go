package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// TestRequiredFieldsLeftZeroAreRefused: every required body field and
// every required path parameter (string, UUID or integer id) left at its
// Go zero value
// is refused before anything is sent (not even a token fetch), with a
// *api.ValidationError naming it, whether or not request validation is on.
// Each case leaves exactly one field unset.
func TestRequiredFieldsLeftZeroAreRefused(t *testing.T) {
	const (
		reconnectRoute = "/connect-components/customers/{customer_id}/institution-login-ids/{institution_login_id}/reconnections"
		configRoute    = "/connect-components/configurations/{configuration_id}"
		loginRoute     = "/connect-components/institutions/{institution_id}/login-forms"
		oauthRoute     = "/connect-components/institutions/{institution_id}/oauth-urls"
	)
	noDate := api.ServiceAgreement{Language: "en"}
	noLanguage := api.ServiceAgreement{AcceptedDate: acceptedAt}
	tests := []struct {
		name string
		call func(context.Context, *api.Client) error
		want api.ValidationError
	}{
		{"Reconnections.Create customer_id",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Reconnections.Create(ctx, "", 7008461438, api.ReconnectionParams{})
				return err
			},
			api.ValidationError{Method: "POST", Path: reconnectRoute, Location: "path", Field: "customer_id", Reason: "required, but empty"}},
		{"Reconnections.Create institution_login_id 0",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Reconnections.Create(ctx, "1005061234", 0, api.ReconnectionParams{})
				return err
			},
			api.ValidationError{Method: "POST", Path: reconnectRoute, Location: "path", Field: "institution_login_id", Reason: "required, but zero"}},
		{"LoginForms.Create institution_id 0",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 0, api.LoginFormParams{Language: "en", CustomerID: "1", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "path", Field: "institution_id", Reason: "required, but zero"}},
		{"OAuthURLs.Create institution_id 0",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 0, api.OAuthURLParams{RedirectURI: "https://p.example/cb", CustomerID: "1", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "path", Field: "institution_id", Reason: "required, but zero"}},
		{"Configurations.Get configuration_id",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Configurations.Get(ctx, api.UUID{})
				return err
			},
			api.ValidationError{Method: "GET", Path: configRoute, Location: "path", Field: "configuration_id", Reason: "required, but empty"}},
		{"Configurations.Delete configuration_id",
			func(ctx context.Context, c *api.Client) error { return c.Configurations.Delete(ctx, api.UUID{}) },
			api.ValidationError{Method: "DELETE", Path: configRoute, Location: "path", Field: "configuration_id", Reason: "required, but empty"}},

		{"LoginForms.Create customerId",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{Language: "en", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "customerId", Reason: "required, but not set"}},
		{"LoginForms.Create language",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{CustomerID: "1", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "language", Reason: "required, but not set"}},
		{"LoginForms.Create serviceAgreement left out",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{CustomerID: "1", Language: "en"})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "serviceAgreement.language", Reason: "required, but not set"}},
		{"LoginForms.Create serviceAgreement.language",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{CustomerID: "1", Language: "en", ServiceAgreement: noLanguage})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "serviceAgreement.language", Reason: "required, but not set"}},
		{"LoginForms.Create serviceAgreement.acceptedDate",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.LoginForms.Create(ctx, 1, api.LoginFormParams{CustomerID: "1", Language: "en", ServiceAgreement: noDate})
				return err
			},
			api.ValidationError{Method: "POST", Path: loginRoute, Location: "body", Field: "serviceAgreement.acceptedDate", Reason: "required, but not set"}},

		{"OAuthURLs.Create redirectURI",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{CustomerID: "1", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "body", Field: "redirectURI", Reason: "required, but not set"}},
		{"OAuthURLs.Create customerId",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{RedirectURI: "https://p.example/cb", ServiceAgreement: agreement})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "body", Field: "customerId", Reason: "required, but not set"}},
		{"OAuthURLs.Create serviceAgreement.language",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{RedirectURI: "https://p.example/cb", CustomerID: "1", ServiceAgreement: noLanguage})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "body", Field: "serviceAgreement.language", Reason: "required, but not set"}},
		{"OAuthURLs.Create serviceAgreement.acceptedDate",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.OAuthURLs.Create(ctx, 1, api.OAuthURLParams{RedirectURI: "https://p.example/cb", CustomerID: "1", ServiceAgreement: noDate})
				return err
			},
			api.ValidationError{Method: "POST", Path: oauthRoute, Location: "body", Field: "serviceAgreement.acceptedDate", Reason: "required, but not set"}},

		{"Partners.Authenticate partnerId",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerSecret: api.NewSecret(testSecret)})
				return err
			},
			api.ValidationError{Method: "POST", Path: tokenPath, Location: "body", Field: "partnerId", Reason: "required, but not set"}},
		{"Partners.Authenticate partnerSecret",
			func(ctx context.Context, c *api.Client) error {
				_, err := c.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerID: testPartnerID})
				return err
			},
			api.ValidationError{Method: "POST", Path: tokenPath, Location: "body", Field: "partnerSecret", Reason: "required, but not set"}},
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
		for _, tc := range tests {
			t.Run(cl.name+"/"+tc.name, func(t *testing.T) {
				srv, hits := countingServer(t)
				err := tc.call(context.Background(), cl.make(t, srv.URL))
				ve, ok := errors.AsType[*api.ValidationError](err)
				if !ok {
					t.Fatalf("got %T %v, want *api.ValidationError", err, err)
				}
				if !reflect.DeepEqual(*ve, tc.want) {
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
				if !strings.Contains(err.Error(), tc.want.Field) {
					t.Errorf("message %q does not name %s", err, tc.want.Field)
				}
			})
		}
	}
}

// TestEveryRequiredFieldIsChecked derives its cases from the spec, so that
// a new operation, parameter or required field is covered with no edit
// here: for every operation, each required path parameter left at its
// zero value, and each required body field (nested ones included) left
// out of the request body's example, must be refused before anything is
// sent, with a *ValidationError naming it. A failure names the operation,
// the field, and what to fix.
func TestEveryRequiredFieldIsChecked(t *testing.T) {
	doc, err := specdoc.Doc()
	if err != nil {
		t.Fatal(err)
	}
	srv, hits := countingServer(t)
	c := newClient(t, srv.URL)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			x, _ := op.Extensions["x-sdk"].(map[string]any)
			service, _ := x["service"].(string)
			name, _ := x["method"].(string)
			fn := serviceMethod(c, service, name)
			if !fn.IsValid() {
				t.Errorf("%s (%s %s): x-sdk names %s.%s, which *api.Client lacks: run `make generate`", op.OperationID, method, path, service, name)
				continue
			}
			params := pathParams(item, op)
			where := fmt.Sprintf("%s.%s (%s, %s %s)", service, name, op.OperationID, method, path)

			// A valid body: the example of the request body.
			var example any
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				mt := rb.Value.Content.Get("application/json")
				if mt == nil || mt.Example == nil {
					t.Errorf("%s: its request body has no example: add one in openapi.yaml", where)
					continue
				}
				example = mt.Example
			}
			try := func(label string, zeroParam string, body any, want api.ValidationError) {
				t.Helper()
				args := []reflect.Value{reflect.ValueOf(context.Background())}
				ft := fn.Type()
				for i, p := range params {
					v := reflect.New(ft.In(1 + i)).Elem()
					if p != zeroParam {
						setNonZero(v)
					}
					args = append(args, v)
				}
				for i := len(args); i < ft.NumIn()-1; i++ { // parameter struct, then body
					v := reflect.New(ft.In(i))
					if i == ft.NumIn()-2 && body != nil {
						raw, _ := json.Marshal(body)
						if err := json.Unmarshal(raw, v.Interface()); err != nil {
							t.Fatalf("%s: the body example does not decode into %s: %v", where, ft.In(i), err)
						}
					}
					args = append(args, v.Elem())
				}
				out := fn.Call(args)
				err, _ := out[len(out)-1].Interface().(error)
				ve, ok := errors.AsType[*api.ValidationError](err)
				if !ok || ve.Location != want.Location || ve.Field != want.Field || ve.Method != want.Method || ve.Path != want.Path {
					t.Errorf("%s with %s: got %v, want the %s %s refused (internal/codegen's templates, then `make generate`)", where, label, err, want.Location, want.Field)
				}
			}
			for _, p := range params {
				try(p+" at its zero value", p, example, api.ValidationError{Method: method, Path: path, Location: "path", Field: p})
			}
			if example == nil {
				continue
			}
			schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
			for _, field := range requiredPaths(schema, "") {
				try(field+" left out", "", without(example, field), api.ValidationError{Method: method, Path: path, Location: "body", Field: field})
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d refused requests reached the server", n)
	}
}

// serviceMethod returns c.<service>.<method>, or the zero Value.
func serviceMethod(c *api.Client, service, method string) reflect.Value {
	f := reflect.ValueOf(c).Elem().FieldByName(service)
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() {
		return reflect.Value{}
	}
	return f.MethodByName(method)
}

// pathParams returns the names of the path parameters of op, in the order
// they appear in the path (the order of the generated method's arguments).
func pathParams(item *openapi3.PathItem, op *openapi3.Operation) []string {
	var names []string
	for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == "path" {
				names = append(names, p.Value.Name)
			}
		}
	}
	return names
}

// setNonZero gives a path-parameter value a valid, non-zero value.
func setNonZero(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("1005061234")
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(170716)
	case reflect.Array: // UUID
		v.Set(reflect.ValueOf(api.MustParseUUID("605543e1-f507-48ad-8127-95c40566597b")))
	}
}

// requiredPaths lists the dotted wire paths of the required fields of s
// whose zero value means "not set" (strings, dates, UUIDs, arrays,
// objects), descending into required objects.
func requiredPaths(s *openapi3.Schema, prefix string) []string {
	var out []string
	for _, name := range s.Required {
		ref := s.Properties[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		p := ref.Value
		switch {
		case p.Type.Is("object") && len(p.Properties) > 0:
			// Left out entirely, it is reported by its first required field.
			out = append(out, requiredPaths(p, prefix+name+".")...)
		case p.Type.Is("string"), p.Type.Is("array"):
			out = append(out, prefix+name)
		}
	}
	return out
}

// without returns a copy of the JSON value v with the dotted path removed.
func without(v any, path string) any {
	raw, _ := json.Marshal(v)
	var cp map[string]any
	_ = json.Unmarshal(raw, &cp)
	m := cp
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, _ := m[p].(map[string]any)
		if next == nil {
			return cp
		}
		m = next
	}
	delete(m, parts[len(parts)-1])
	return cp
}
