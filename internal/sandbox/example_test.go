package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// The sandbox in process: no listener, no credentials beyond the
// published sandbox ones.
func ExampleSandbox_HTTPClient() {
	sb := sandbox.New()
	c, err := api.NewClient("any-app-key", "any-token",
		api.WithBaseURL(sandbox.InProcessURL), api.WithHTTPClient(sb.HTTPClient()))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	cfg, _ := c.PostConfigurations(ctx, api.PostConfigurationsRequest{})
	fmt.Println("aoRequired defaults to", *cfg.AoRequired)

	r, _ := c.PostReconnections(ctx, "1005061234", 7008461433, nil)
	fmt.Println("login id ending in 3:", r.StatusCode, r.MfaChallenges[0].MfaChallenges[0].MfaType)

	_, err = c.GetConfigurationsConfigurationId(ctx, api.UUID{})
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		fmt.Println("unknown id:", apiErr.StatusCode, apiErr.ReasonCode)
	}
	// Output:
	// aoRequired defaults to false
	// login id ending in 3: 203 TFA_TEXT
	// unknown id: 404 4041
}

// Token checking on, served on loopback: the client fetches its token
// with the sandbox partner credentials, as it would from the real API.
func ExampleWithTokenCheck() {
	srv := httptest.NewServer(sandbox.New(sandbox.WithTokenCheck(true)))
	defer srv.Close()

	c, err := api.NewClient("any-app-key", "", api.WithBaseURL(srv.URL),
		api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	if err != nil {
		panic(err)
	}
	list, err := c.GetConfigurations(context.Background())
	fmt.Println(len(list), err)

	stranger, _ := api.NewClient("any-app-key", "made-up-token", api.WithBaseURL(srv.URL))
	_, err = stranger.GetConfigurations(context.Background())
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.ReasonCode)
	}
	// Output:
	// 0 <nil>
	// 401 10022
}
