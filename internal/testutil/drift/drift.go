// Package drift is, for tests, an API that has drifted from openapi.yaml
// (served on 127.0.0.1): one departure per operation that drifts, of a
// known kind, and the secrets of its clients, which no output may show.
// The proxy's and the conformance run's tests find each departure at its
// operation, and none on the documented answers.
package drift

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// Secrets of the drifted server's clients: none may appear in any output.
const (
	AppKey        = "drift-app-key-5f2c"
	AppToken      = "drift-app-token-91ab"
	PartnerID     = "drift-partner"
	PartnerSecret = "drift-partner-secret-77d0"
	IssuedToken   = "drift-issued-token-c3e4"
	ConfigID      = "8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f"
	// Field is the field the drifted API grew: one the spec does not
	// define anywhere, which NewServer proves, so a spec change adding
	// a field can never make it a known one unnoticed.
	Field = "notInTheSpec"
)

// Kinds is what the drifted server departs in, per operation: one kind
// each, and none for the operations it answers as documented.
var Kinds = map[string][]string{
	"Partners.Authenticate": nil,
	"Configurations.Create": {"unknown field"},
	"Configurations.Get":    {"type"},
	"Configurations.List":   {"format"},
	"LoginForms.Create":     {"missing required"},
	"OAuthURLs.Create":      {"undocumented status"},
	"Configurations.Delete": nil,
	"Reconnections.Create":  nil,
}

// ExpectKinds compares the finding kinds per operation with Kinds, one
// message per operation that differs, naming it and where its drift is
// defined. With ran, each operation of Kinds must be in got (a
// conformance run runs them all; a proxy report lists only those with
// findings).
func ExpectKinds(t testing.TB, got map[string][]string, ran bool) {
	t.Helper()
	ops := slices.Sorted(maps.Keys(Kinds))
	for op := range got {
		if _, ok := Kinds[op]; !ok {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		kinds, present := got[op]
		if ran && !present {
			t.Errorf("%s: not in the report", op)
		}
		if !slices.Equal(kinds, Kinds[op]) {
			t.Errorf("%s: finding kinds %q, want %q (the drifted answers are Server.Serve and Kinds, in internal/testutil/drift)",
				op, kinds, Kinds[op])
		}
	}
}

// Server is an API that has drifted from openapi.yaml, on 127.0.0.1. It
// records the requests it answered ("METHOD path").
type Server struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

// NewServer starts a drifted API, closed when t ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	if where, err := specdoc.PropertyDefined(Field); err != nil || where != "" {
		t.Fatalf("openapi.yaml defines %q (at %s, %v), the field the drifted API grew: "+
			"rename Field in internal/testutil/drift to a name the spec lacks", Field, where, err)
	}
	d := &Server{}
	d.Server = httptest.NewServer(http.HandlerFunc(d.Serve))
	t.Cleanup(d.Close)
	return d
}

// Requests are the requests answered so far, "METHOD path".
func (d *Server) Requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.seen...)
}

// Serve answers one request as the drifted API does: a test may wrap it
// to change one answer.
func (d *Server) Serve(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	d.seen = append(d.seen, r.Method+" "+r.URL.Path)
	d.mu.Unlock()
	answer := func(status int, body any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if body != nil {
			_ = json.NewEncoder(w).Encode(body)
		}
	}
	const cfgPath = "/connect-components/configurations"
	cfg := map[string]any{"id": ConfigID, "filterAccounts": []string{"Checking"}, "accountClassificationType": []string{"personal"}, "aoRequired": false}
	with := func(k string, v any) map[string]any {
		out := maps.Clone(cfg)
		out[k] = v
		return out
	}
	switch p := r.URL.Path; {
	case p == "/aggregation/v2/partners/authentication":
		answer(200, map[string]any{"token": IssuedToken}) // as documented
	case p == cfgPath && r.Method == "POST":
		answer(201, with(Field, "default")) // the API grew a field
	case p == cfgPath && r.Method == "GET":
		answer(200, []any{with("id", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz")}) // an id off its format
	case p == cfgPath+"/"+ConfigID && r.Method == "GET":
		answer(200, with("aoRequired", "yes")) // a boolean turned string
	case p == cfgPath+"/"+ConfigID && r.Method == "DELETE":
		answer(204, nil) // as documented
	case strings.HasSuffix(p, "/login-forms"):
		answer(201, map[string]any{"id": ConfigID, "elements": []any{}}) // eventStreamId gone
	case strings.HasSuffix(p, "/oauth-urls"):
		answer(200, map[string]any{"id": ConfigID, "url": "https://connect.example/x", "eventStreamId": ConfigID}) // 200, not 201
	case strings.HasSuffix(p, "/reconnections"):
		answer(201, map[string]any{"id": ConfigID, "eventStreamId": ConfigID,
			"elements": []any{map[string]any{"id": ConfigID, "label": "username", "sortOrder": 0}}}) // as documented
	default:
		// Any other operation of the spec is answered as documented, so
		// that an operation the spec grows (an import) does not drift.
		if status, body, ok := documented(r); ok {
			answer(status, body)
			return
		}
		answer(404, map[string]any{"Errors": map[string]any{"Error": []any{map[string]any{"ReasonCode": "4041"}}}})
	}
}

// documented is the first documented success of the operation r is for:
// its status, and its example or a value built from its schema (nil for
// no JSON body). ok is false for a request of no operation, or one whose
// answer cannot be made.
func documented(r *http.Request) (status int, body any, ok bool) {
	op, _, err := specdoc.MustModel().Find(r.Method, r.URL.EscapedPath())
	if err != nil {
		return 0, nil, false
	}
	ok200 := op.Successes()
	if len(ok200) == 0 || ok200[0].Code == 0 {
		return 0, nil, false
	}
	res := ok200[0]
	if !res.JSON || res.Schema == nil {
		return res.Code, nil, !res.Binary
	}
	if v, found := res.Example(); found {
		return res.Code, v, true
	}
	v, valid := spec.Synthesize(res.Schema, true)
	return res.Code, v, valid
}

// Secrets are the values no output may show.
var Secrets = []string{AppKey, AppToken, PartnerSecret, IssuedToken}

// AssertNoSecrets fails t when text (named where) shows one of Secrets
// or the sandbox's partner secret.
func AssertNoSecrets(t testing.TB, where, text string) {
	t.Helper()
	for _, s := range append(slices.Clone(Secrets), "sandbox-secret") {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q", where, s)
		}
	}
}
