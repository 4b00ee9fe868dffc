package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/internal/specdoc"
)

// Secrets of the drifted server's clients: none may appear in any output.
const (
	driftAppKey        = "drift-app-key-5f2c"
	driftAppToken      = "drift-app-token-91ab"
	driftPartnerID     = "drift-partner"
	driftPartnerSecret = "drift-partner-secret-77d0"
	driftIssuedToken   = "drift-issued-token-c3e4"
	driftConfigID      = "8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f"
	// driftField is the field the drifted API grew: one the spec does not
	// define anywhere, which newDriftServer proves, so a spec change
	// adding a field can never make it a known one unnoticed.
	driftField = "notInTheSpec"
)

// driftKinds is what the drifted server departs in, per operation: one
// kind each, and none for the operations it answers as documented.
var driftKinds = map[string][]string{
	"Partners.Authenticate": nil,
	"Configurations.Create": {"unknown field"},
	"Configurations.Get":    {"type"},
	"Configurations.List":   {"format"},
	"LoginForms.Create":     {"missing required"},
	"OAuthURLs.Create":      {"undocumented status"},
	"Configurations.Delete": nil,
	"Reconnections.Create":  nil,
}

// expectDriftKinds compares the finding kinds per operation with
// driftKinds, one message per operation that differs, naming it and where
// its drift is defined. With ran, each operation of driftKinds must be in
// got (the conformance command runs them all; a proxy report lists only
// those with findings).
func expectDriftKinds(t *testing.T, got map[string][]string, ran bool) {
	t.Helper()
	ops := slices.Sorted(maps.Keys(driftKinds))
	for op := range got {
		if _, ok := driftKinds[op]; !ok {
			ops = append(ops, op)
		}
	}
	for _, op := range ops {
		kinds, present := got[op]
		if ran && !present {
			t.Errorf("%s: not in the report", op)
		}
		if !slices.Equal(kinds, driftKinds[op]) {
			t.Errorf("%s: finding kinds %q, want %q (the drifted answers are driftServer.serve and driftKinds, in cmd/finicity-connect/conformance_drift_test.go)",
				op, kinds, driftKinds[op])
		}
	}
}

// driftServer is an API that has drifted from openapi.yaml, on
// 127.0.0.1. It records the requests it answered ("METHOD path").
type driftServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newDriftServer(t *testing.T) *driftServer {
	t.Helper()
	if where, err := specdoc.PropertyDefined(driftField); err != nil || where != "" {
		t.Fatalf("openapi.yaml defines %q (at %s, %v), the field the drifted API grew: "+
			"rename driftField in cmd/finicity-connect/conformance_drift_test.go to a name the spec lacks", driftField, where, err)
	}
	d := &driftServer{}
	d.Server = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.Close)
	return d
}

func (d *driftServer) requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.seen...)
}

func (d *driftServer) serve(w http.ResponseWriter, r *http.Request) {
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
	cfg := map[string]any{"id": driftConfigID, "filterAccounts": []string{"Checking"}, "accountClassificationType": []string{"personal"}, "aoRequired": false}
	with := func(k string, v any) map[string]any {
		out := map[string]any{}
		for key, val := range cfg {
			out[key] = val
		}
		out[k] = v
		return out
	}
	switch p := r.URL.Path; {
	case p == "/aggregation/v2/partners/authentication":
		answer(200, map[string]any{"token": driftIssuedToken}) // as documented
	case p == cfgPath && r.Method == "POST":
		answer(201, with(driftField, "default")) // the API grew a field
	case p == cfgPath && r.Method == "GET":
		answer(200, []any{with("id", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz")}) // an id off its format
	case p == cfgPath+"/"+driftConfigID && r.Method == "GET":
		answer(200, with("aoRequired", "yes")) // a boolean turned string
	case p == cfgPath+"/"+driftConfigID && r.Method == "DELETE":
		answer(204, nil) // as documented
	case strings.HasSuffix(p, "/login-forms"):
		answer(201, map[string]any{"id": driftConfigID, "elements": []any{}}) // eventStreamId gone
	case strings.HasSuffix(p, "/oauth-urls"):
		answer(200, map[string]any{"id": driftConfigID, "url": "https://connect.example/x", "eventStreamId": driftConfigID}) // 200, not 201
	case strings.HasSuffix(p, "/reconnections"):
		answer(201, map[string]any{"id": driftConfigID, "eventStreamId": driftConfigID,
			"elements": []any{map[string]any{"id": driftConfigID, "label": "username", "sortOrder": 0}}}) // as documented
	default:
		answer(404, map[string]any{"Errors": map[string]any{"Error": []any{map[string]any{"ReasonCode": "4041"}}}})
	}
}

// driftSecrets are the values no output may show.
var driftSecrets = []string{driftAppKey, driftAppToken, driftPartnerSecret, driftIssuedToken}

func assertNoSecrets(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range append(driftSecrets, "sandbox-secret") {
		if strings.Contains(text, s) {
			t.Errorf("%s shows the secret %q", where, s)
		}
	}
}
