package sandbox_test

// The operations, paths and bodies the tests send come from the spec
// model (sandbox.SpecOp, sandbox.SpecBody, sandbox.SpecPath, in
// specbody_internal_test.go): a body is the operation's example with the
// test's own fields set, so a field the spec adds is sent with its
// example; a test about one operation names it by its api method, and
// fails naming the spec location and the test file when the spec no
// longer has what it needs.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/spec"
)

// absent, as the value of a field a test sets, leaves it out of the body.
var absent = sandbox.Absent

// The operations the tests are about, by api method.
const (
	opList      = "Configurations.List"
	opCreate    = "Configurations.Create"
	opGet       = "Configurations.Get"
	opDelete    = "Configurations.Delete"
	opLoginForm = "LoginForms.Create"
	opOAuthURL  = "OAuthURLs.Create"
	opReconnect = "Reconnections.Create"
	opToken     = "Partners.Authenticate"
)

// specOp is the operation of the embedded spec a test is about.
func specOp(t testing.TB, name string) *spec.Operation {
	t.Helper()
	return sandbox.SpecOp(t, sandbox.SpecModel(t), name)
}

// opPath is the path of operation name, its path parameters given by
// values in path order (nil or left out: the parameter's example).
func opPath(t testing.TB, name string, values ...any) string {
	t.Helper()
	return sandbox.SpecPath(t, specOp(t, name), values...)
}

// bodyText is the JSON body of operation name for a test: its example
// with the test's own fields set (sandbox.SpecBody).
func bodyText(t testing.TB, name string, set map[string]any) string {
	t.Helper()
	return sandbox.SpecBodyText(t, specOp(t, name), set)
}

// typedBody is bodyText decoded into T, the typed method's body type:
// what a test passes to the api client.
func typedBody[T any](t testing.TB, name string, set map[string]any) T {
	t.Helper()
	var out T
	if err := json.Unmarshal([]byte(bodyText(t, name, set)), &out); err != nil {
		t.Fatalf("the body of %s does not decode into %T: %v (%s)", name, out, err, sandbox.CallerFile())
	}
	return out
}

// jsonOfValue is v as the JSON value encoding/json writes for it: what a
// client sends of a typed body, or a decoded answer marshalled back.
func jsonOfValue(t testing.TB, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// created is the answer the sandbox gives, for the create of a
// configuration whose body was sent (a typed body, or JSON), and to every
// later get or list: what the resource schema declares of the body, the
// id, and the schema's defaults.
func created(t testing.TB, sent any, id string) map[string]any {
	t.Helper()
	create := specOp(t, opCreate)
	return sandbox.Answered(t, create, sandbox.Stored(t, create, jsonOfValue(t, sent), id))
}

// stored is what the sandbox keeps of the create of a configuration
// whose body was sent: what the resource schema declares of it, and the
// id.
func stored(t testing.TB, sent any, id string) map[string]any {
	t.Helper()
	return sandbox.Stored(t, specOp(t, opCreate), jsonOfValue(t, sent), id)
}

// resourceFields fails t unless the schema of a stored configuration
// declares each of names: a test that writes stored configurations (a
// state file) by hand uses them, and names the schema's location and the
// test file when the spec drops one.
func resourceFields(t testing.TB, names ...string) {
	t.Helper()
	schema, props := sandbox.Collection(t, specOp(t, opCreate))
	for _, n := range names {
		if props[n] == nil {
			t.Fatalf("%s declares no property %s, which %s writes in a stored configuration: update the test",
				sandbox.At(strings.TrimPrefix(schema.Ref, "#")), n, sandbox.CallerFile())
		}
	}
}

// storedText is the stored form of a configuration as the state file
// writes it: compact JSON, keys sorted.
func storedText(t testing.TB, sent any, id string) string {
	t.Helper()
	data, err := json.Marshal(sandbox.Stored(t, specOp(t, opCreate), jsonOfValue(t, sent), id))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// tokenBody is the body of partner authentication with the sandbox's
// credentials (or the ones given).
func tokenBody(t testing.TB, partnerID, partnerSecret string) string {
	t.Helper()
	return bodyText(t, opToken, map[string]any{"partnerId": partnerID, "partnerSecret": partnerSecret})
}

// The paths the tests send to, from the spec's operations: the
// parameters are their examples unless a test gives its own.
func cfgPath(t testing.TB) string                { return opPath(t, opList) }
func cfgItemPath(t testing.TB, id string) string { return opPath(t, opGet, id) }
func loginPath(t testing.TB) string              { return opPath(t, opLoginForm) }
func oauthPath(t testing.TB) string              { return opPath(t, opOAuthURL) }
func tokenPath(t testing.TB) string              { return opPath(t, opToken) }

// reconPath is a reconnection's path whose login id (ending in 1) picks
// the login form answer (see sandbox.Sandbox.QueueReconnections).
func reconPath(t testing.TB) string { return opPath(t, opReconnect, nil, 7008461431) }
