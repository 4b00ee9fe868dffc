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
// published sandbox ones. (It calls operations that take no body or an
// open one, so that it runs whatever fields the spec requires.)
func ExampleSandbox_HTTPClient() {
	sb := sandbox.New()
	c, err := api.NewClient("any-app-key", api.WithAppToken("any-token"),
		api.WithBaseURL(sandbox.InProcessURL), api.WithHTTPClient(sb.HTTPClient()))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	list, err := c.Configurations.List(ctx)
	fmt.Println("configurations stored:", len(list), err)

	r, err := c.Reconnections.Create(ctx, "1005061234", 7008461433, api.ReconnectionParams{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("login id ending in 3: needs MFA", r.NeedsMFA(), r.Challenges()[0].MFAType)

	_, err = c.Configurations.Get(ctx, api.MustParseUUID("9082affa-d965-40be-a3ed-a320bb3467ff"))
	fmt.Println("unknown id: not found", api.IsNotFound(err))
	// Output:
	// configurations stored: 0 <nil>
	// login id ending in 3: needs MFA true TFA_TEXT
	// unknown id: not found true
}

// Token checking on, served on loopback: the client fetches its token
// with the sandbox partner credentials, as it would from the real API.
func ExampleWithTokenCheck() {
	srv := httptest.NewServer(sandbox.New(sandbox.WithTokenCheck(true)))
	defer srv.Close()

	c, err := api.NewClient("any-app-key", api.WithBaseURL(srv.URL),
		api.WithPartnerCredentials(sandbox.DefaultPartnerID, sandbox.DefaultPartnerSecret))
	if err != nil {
		panic(err)
	}
	list, err := c.Configurations.List(context.Background())
	fmt.Println(len(list), err)

	stranger, _ := api.NewClient("any-app-key", api.WithAppToken("made-up-token"), api.WithBaseURL(srv.URL))
	_, err = stranger.Configurations.List(context.Background())
	if apiErr, ok := errors.AsType[*api.Error](err); ok {
		fmt.Println(apiErr.StatusCode, apiErr.ReasonCode)
	}
	// Output:
	// 0 <nil>
	// 401 10022
}
