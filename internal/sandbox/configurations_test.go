package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// TestConfigurationLifecycle walks create, list, get, delete and the 404s
// after delete through the SDK's services, and checks that app keys never
// see each other's data.
func TestConfigurationLifecycle(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	a, b := apiClient(t, srv, keyA, anyTok), apiClient(t, srv, keyB, anyTok)

	var resp *http.Response
	empty, err := a.Configurations.List(ctx, api.WithResponseInto(&resp))
	if err != nil || !reflect.DeepEqual(empty, []api.Configuration{}) {
		t.Fatalf("empty list: %v %#v", err, empty)
	}
	if got := body(t, resp); got != "[]" {
		t.Errorf("empty list on the wire: got %s, want []", got)
	}

	// The bodies are the spec's example with the fields under test set.
	filter := []string{"Checking", "Savings"}
	firstParams := typedBody[api.ConfigurationParams](t, opCreate, map[string]any{"filterAccounts": filter, "aoRequired": false})
	cfg, err := a.Configurations.Create(ctx, firstParams, api.WithResponseInto(&resp))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if cfg.ID.Version() != 4 {
		t.Fatalf("id is not a random UUID: %v", cfg.ID)
	}
	// The answer is what the configuration's schema declares of the body
	// sent, the id and the schema's defaults, on the wire and decoded.
	wantFirst := created(t, firstParams, cfg.ID.String())
	if want := specexample.DecodeAs[api.Configuration](t, wantFirst); !reflect.DeepEqual(*cfg, want) {
		t.Errorf("created: got %#v, want %#v", *cfg, want)
	}
	var wire map[string]any
	if err := json.Unmarshal([]byte(body(t, resp)), &wire); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(wire, wantFirst) {
		t.Errorf("created, on the wire: got %v, want %v", wire, wantFirst)
	}
	// A default is stored and shown: aoRequired, false, is not sent (the
	// typed body leaves a zero value out) yet is on the wire, as the API's
	// examples send it.
	schema, _ := sandbox.Collection(t, specOp(t, opCreate))
	if sent := jsonOfValue(t, firstParams).(map[string]any); sent["aoRequired"] != nil || wire["aoRequired"] != false {
		t.Errorf("aoRequired sent as %v, answered as %v: want it not sent, and answered false, its default (%s)",
			sent["aoRequired"], wire["aoRequired"], sandbox.At(strings.TrimPrefix(schema.Ref, "#")+"/properties/aoRequired/default"))
	}

	secondParams := typedBody[api.ConfigurationParams](t, opCreate, map[string]any{"aoRequired": true, "accountClassificationType": []string{"personal"}})
	second, err := a.Configurations.Create(ctx, secondParams)
	if err != nil {
		t.Fatalf("second create: %v", err)
	}
	if want := specexample.DecodeAs[api.Configuration](t, created(t, secondParams, second.ID.String())); second.ID == cfg.ID || !reflect.DeepEqual(*second, want) {
		t.Fatalf("second create: got %#v, want %#v and a new id", *second, want)
	}

	list, err := a.Configurations.List(ctx)
	if want := []api.Configuration{*cfg, *second}; err != nil || !reflect.DeepEqual(list, want) {
		t.Fatalf("list, in creation order: got %v %#v, want %#v", err, list, want)
	}
	got, err := a.Configurations.Get(ctx, cfg.ID)
	if err != nil || !reflect.DeepEqual(got, cfg) {
		t.Fatalf("get: got %v %#v, want %#v", err, got, cfg)
	}

	// Partner B sees nothing of A's, and cannot read or delete it.
	if l, err := b.Configurations.List(ctx); err != nil || len(l) != 0 {
		t.Errorf("other partner's list: %v %#v", err, l)
	}
	if _, err := b.Configurations.Get(ctx, cfg.ID); !api.IsNotFound(err) {
		t.Errorf("other partner's get: %v", err)
	}
	if err := b.Configurations.Delete(ctx, cfg.ID); !api.IsNotFound(err) {
		t.Errorf("other partner's delete: %v", err)
	}

	if err := a.Configurations.Delete(ctx, cfg.ID, api.WithResponseInto(&resp)); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if got := body(t, resp); resp.StatusCode != http.StatusNoContent || got != "" {
		t.Errorf("delete: got %d %q, want 204 and no body", resp.StatusCode, got)
	}
	for name, call := range map[string]func() error{
		"get after delete":    func() error { _, err := a.Configurations.Get(ctx, cfg.ID); return err },
		"delete after delete": func() error { return a.Configurations.Delete(ctx, cfg.ID) },
		"get random id":       func() error { _, err := a.Configurations.Get(ctx, uuid.New()); return err },
	} {
		e := apiError(t, call())
		if e.StatusCode != 404 || e.ReasonCode != "4041" {
			t.Errorf("%s: got %d %s, want 404 4041", name, e.StatusCode, e.ReasonCode)
		}
	}
	if l, err := a.Configurations.List(ctx); err != nil || !reflect.DeepEqual(l, []api.Configuration{*second}) {
		t.Errorf("list after delete: %v %#v", err, l)
	}
}

// body reads, once, a response body that WithResponseInto handed over.
func body(t testing.TB, resp *http.Response) string {
	t.Helper()
	if resp == nil {
		t.Fatal("no response recorded")
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
