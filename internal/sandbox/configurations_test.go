package sandbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
)

// TestConfigurationLifecycle walks create, list, get, delete and the 404s
// after delete, and checks that app keys never see each other's data.
func TestConfigurationLifecycle(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	a, b := genClient(t, srv, keyA, anyTok), genClient(t, srv, keyB, anyTok)

	empty, err := a.GetConfigurationsWithResponse(ctx)
	if err != nil || empty.StatusCode() != 200 || strings.TrimSpace(string(empty.Body)) != "[]" {
		t.Fatalf("empty list: %v %d %s", err, empty.StatusCode(), empty.Body)
	}

	filter := []string{"Checking", "Savings"}
	created, err := a.PostConfigurationsWithResponse(ctx, gen.ConfigurationParams{FilterAccounts: &filter})
	if err != nil || created.StatusCode() != 201 {
		t.Fatalf("create: %v %d %s", err, created.StatusCode(), created.Body)
	}
	cfg := created.JSON201
	if cfg.Id == nil || cfg.Id.Version() != 4 {
		t.Fatalf("id is not a random UUID: %v", cfg.Id)
	}
	if cfg.AoRequired == nil || *cfg.AoRequired {
		t.Errorf("aoRequired: want the default false stored, got %v", cfg.AoRequired)
	}
	if cfg.FilterAccounts == nil || strings.Join(*cfg.FilterAccounts, ",") != "Checking,Savings" {
		t.Errorf("filterAccounts: got %v", cfg.FilterAccounts)
	}
	ao := true
	second, err := a.PostConfigurationsWithResponse(ctx, gen.ConfigurationParams{AoRequired: &ao})
	if err != nil || second.StatusCode() != 201 || *second.JSON201.Id == cfg.ID || !*second.JSON201.AoRequired {
		t.Fatalf("second create: %v %s", err, second.Body)
	}

	list, _ := a.GetConfigurationsWithResponse(ctx)
	if got := *list.JSON200; len(got) != 2 || *got[0].Id != cfg.ID || *got[1].Id != *second.JSON201.Id {
		t.Fatalf("list, in creation order: got %s", list.Body)
	}
	got, _ := a.GetConfigurationsConfigurationIdWithResponse(ctx, cfg.ID)
	if got.StatusCode() != 200 || *got.JSON200.Id != cfg.ID {
		t.Fatalf("get: %d %s", got.StatusCode(), got.Body)
	}

	// Partner B sees nothing of A's, and cannot read or delete it.
	if l, _ := b.GetConfigurationsWithResponse(ctx); strings.TrimSpace(string(l.Body)) != "[]" {
		t.Errorf("other partner's list: %s", l.Body)
	}
	if r, _ := b.GetConfigurationsConfigurationIdWithResponse(ctx, cfg.ID); r.StatusCode() != 404 {
		t.Errorf("other partner's get: %d", r.StatusCode())
	}
	if r, _ := b.DeleteConfigurationsConfigurationIdWithResponse(ctx, cfg.ID); r.StatusCode() != 404 {
		t.Errorf("other partner's delete: %d", r.StatusCode())
	}

	del, _ := a.DeleteConfigurationsConfigurationIdWithResponse(ctx, cfg.ID)
	if del.StatusCode() != 204 || len(del.Body) != 0 {
		t.Fatalf("delete: %d %q", del.StatusCode(), del.Body)
	}
	for name, status := range map[string]int{
		"get after delete":    mustStatus(a.GetConfigurationsConfigurationIdWithResponse(ctx, cfg.ID)),
		"delete after delete": mustStatus(a.DeleteConfigurationsConfigurationIdWithResponse(ctx, cfg.ID)),
		"get random id":       mustStatus(a.GetConfigurationsConfigurationIdWithResponse(ctx, uuid.New())),
	} {
		if status != 404 {
			t.Errorf("%s: got %d, want 404", name, status)
		}
	}
	if l, _ := a.GetConfigurationsWithResponse(ctx); len(*l.JSON200) != 1 {
		t.Errorf("list after delete: %s", l.Body)
	}
}

func mustStatus[R interface{ StatusCode() int }](r R, err error) int {
	if err != nil {
		return -1
	}
	return r.StatusCode()
}
