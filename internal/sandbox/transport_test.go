package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// TestInProcessTransport: the in-process client needs no listener, and a
// cancelled context fails like a network call would.
func TestInProcessTransport(t *testing.T) {
	sb := sandbox.New(sandbox.WithResponseValidation(func(err error) { t.Error(err) }))
	c := inProcessClient(t, sb, keyA, anyTok)
	o, err := c.OAuthURLs.Create(context.Background(), 1, typedBody[api.OAuthURLParams](t, opOAuthURL, map[string]any{"redirectURI": "https://partner.example/done"}))
	if err != nil {
		t.Fatal(err)
	}
	want := api.OAuthURL{ID: o.ID, EventStreamID: o.EventStreamID,
		URL: sandbox.InProcessURL + "/oauth/" + o.ID.String() + "?redirectURI=" + url.QueryEscape("https://partner.example/done")}
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("got %#v, want %#v", *o, want)
	}
	// The OAuth page is served in process too, without following the redirect.
	resp, err := sb.HTTPClient().Get(o.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://partner.example/done" {
		t.Errorf("oauth page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Configurations.List(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v, want context.Canceled", err)
	}
}
