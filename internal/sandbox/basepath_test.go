package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// TestValidatingClientBelowABasePath: a client whose base URL has a path
// (a proxy at /proxy/finicity) validates its requests and the answers
// against the spec, routed exactly below that path: the calls succeed,
// and a request that breaks the spec is refused before it is sent, naming
// the field (not the path, as an unrouted request would be).
func TestValidatingClientBelowABasePath(t *testing.T) {
	sb := sandbox.New(sandbox.WithResponseValidation(func(err error) { t.Errorf("%v", err) }))
	var mu sync.Mutex
	var paths []string
	mux := http.NewServeMux()
	mux.Handle("/proxy/finicity/", http.StripPrefix("/proxy/finicity", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		mu.Unlock()
		sb.ServeHTTP(w, r)
	})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for _, base := range []string{srv.URL + "/proxy/finicity", srv.URL + "/proxy/finicity/"} {
		paths = nil
		c, err := api.NewClient(keyA, api.WithAppToken(anyTok), api.WithBaseURL(base), api.WithHTTPClient(srv.Client()),
			api.WithRequestValidation(), api.WithResponseValidation())
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		created, err := c.Configurations.Create(ctx, typedBody[api.ConfigurationParams](t, opCreate, map[string]any{"filterAccounts": []string{"Checking"}}))
		if err != nil {
			t.Fatalf("base %s: create: %v", base, err)
		}
		got, err := c.Configurations.Get(ctx, created.ID)
		if err != nil || !reflect.DeepEqual(got, created) {
			t.Fatalf("base %s: get: %+v %v, want %+v", base, got, err, created)
		}
		_, err = c.LoginForms.Create(ctx, 170716, typedBody[api.LoginFormParams](t, opLoginForm, map[string]any{"customerId": absent}))
		var ve *api.ValidationError
		if !errors.As(err, &ve) || ve.Response || ve.Location != "body" || ve.Field != "customerId" {
			t.Errorf("base %s: login form without customerId: %v, want a request ValidationError naming body customerId", base, err)
		}
		if err := c.Configurations.Delete(ctx, created.ID); err != nil {
			t.Fatalf("base %s: delete: %v", base, err)
		}
		want := []string{"POST " + opPath(t, opCreate), "GET " + opPath(t, opGet, created.ID.String()),
			"DELETE " + opPath(t, opDelete, created.ID.String())}
		if !reflect.DeepEqual(paths, want) {
			t.Errorf("base %s: the sandbox saw %q, want %q (the invalid login form never sent)", base, paths, want)
		}
	}
}
