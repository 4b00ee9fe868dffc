package sandbox_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

func headers(key, token string) gen.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Finicity-App-Key", key)
		r.Header.Set("Finicity-App-Token", token)
		return nil
	}
}

// TestInProcessTransport: the in-process client needs no listener, and a
// cancelled context fails like a network call would.
func TestInProcessTransport(t *testing.T) {
	sb := sandbox.New(sandbox.WithResponseValidation(func(err error) { t.Error(err) }))
	c, err := gen.NewClientWithResponses(sandbox.InProcessURL, gen.WithHTTPClient(sb.HTTPClient()), gen.WithRequestEditorFn(headers(keyA, anyTok)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.PostInstitutionsInstitutionIdOauthUrlsWithResponse(context.Background(), 1, gen.PostInstitutionsInstitutionIdOauthUrlsRequest{
		RedirectURI: "https://partner.example/done", CustomerId: "c", ServiceAgreement: agreed})
	if err != nil || r.StatusCode() != 201 {
		t.Fatalf("%v %s", err, r.Body)
	}
	if want := sandbox.InProcessURL + "/oauth/" + r.JSON201.Id.String(); r.JSON201.Url[:len(want)] != want {
		t.Errorf("url: got %s, want prefix %s", r.JSON201.Url, want)
	}
	// The OAuth page is served in process too, without following the redirect.
	resp, err := sb.HTTPClient().Get(r.JSON201.Url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://partner.example/done" {
		t.Errorf("oauth page: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetConfigurationsWithResponse(ctx); err == nil {
		t.Error("cancelled context: want an error")
	}
}
