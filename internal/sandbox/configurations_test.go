package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/api"
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

	filter := []string{"Checking", "Savings"}
	cfg, err := a.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: filter}, api.WithResponseInto(&resp))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if cfg.ID.Version() != 4 {
		t.Fatalf("id is not a random UUID: %v", cfg.ID)
	}
	if want := (api.Configuration{ID: cfg.ID, FilterAccounts: filter}); !reflect.DeepEqual(*cfg, want) {
		t.Errorf("created: got %#v, want %#v", *cfg, want)
	}
	// The default is stored and shown: aoRequired is on the wire as false,
	// as the API's examples send it.
	var wire map[string]any
	if err := json.Unmarshal([]byte(body(t, resp)), &wire); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"id": cfg.ID.String(), "filterAccounts": []any{"Checking", "Savings"}, "aoRequired": false}; !reflect.DeepEqual(wire, want) {
		t.Errorf("created, on the wire: got %v, want %v", wire, want)
	}

	second, err := a.Configurations.Create(ctx, api.ConfigurationParams{AORequired: true, AccountClassificationType: []string{"personal"}})
	if err != nil {
		t.Fatalf("second create: %v", err)
	}
	if want := (api.Configuration{ID: second.ID, AORequired: true, AccountClassificationType: []string{"personal"}}); second.ID == cfg.ID || !reflect.DeepEqual(*second, want) {
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
