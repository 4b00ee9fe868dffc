package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// The examples run against the in-process sandbox, which plays the API
// (and checks tokens) without a network. sandboxEndpoint and exampleClient
// hide that wiring; in production, leave WithBaseURL and WithHTTPClient
// out and pass your own credentials.

// sandboxEndpoint returns the base URL and HTTP client of a fresh
// sandbox that accepts the sandbox partner credentials.
func sandboxEndpoint() (string, *http.Client) {
	sb := sandbox.New(sandbox.WithTokenCheck(true))
	return sandbox.InProcessURL, sb.HTTPClient()
}

// exampleClient is the client of ExampleNewClient, on a fresh sandbox.
func exampleClient() *api.Client {
	baseURL, httpClient := sandboxEndpoint()
	c, err := api.NewClient("my-app-key",
		api.WithPartnerCredentials("sandbox-partner", "sandbox-secret"),
		api.WithBaseURL(baseURL), api.WithHTTPClient(httpClient))
	if err != nil {
		panic(err)
	}
	return c
}

// agreedAt is when the end user accepted the terms, in the examples.
var agreedAt = time.Date(2024, 11, 28, 18, 25, 32, 0, time.UTC)

func ExampleNewClient() {
	baseURL, httpClient := sandboxEndpoint() // in production: leave WithBaseURL and WithHTTPClient out
	c, err := api.NewClient("my-app-key",
		api.WithPartnerCredentials("sandbox-partner", "sandbox-secret"),
		api.WithBaseURL(baseURL),
		api.WithHTTPClient(httpClient),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	configs, err := c.Configurations.List(context.Background())
	fmt.Println(len(configs), err)

	// A client needs exactly one source of Finicity-App-Token.
	_, err = api.NewClient("my-app-key")
	fmt.Println(err)
	// Output:
	// 0 <nil>
	// finicity: no Finicity-App-Token: give one of WithAppToken, WithPartnerCredentials or WithTokenSource
}

func ExampleConfigurationsService_Create() {
	c := exampleClient()
	cfg, err := c.Configurations.Create(context.Background(), api.ConfigurationParams{
		FilterAccounts:            []string{"Checking", "Savings"},
		AccountClassificationType: []string{"personal"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// cfg.ID goes into LoginFormParams.ConfigurationID or
	// OAuthURLParams.ConfigurationID.
	fmt.Println("filterAccounts:", cfg.FilterAccounts)
	fmt.Println("accountClassificationType:", cfg.AccountClassificationType)
	fmt.Println("aoRequired:", cfg.AORequired)
	// Output:
	// filterAccounts: [Checking Savings]
	// accountClassificationType: [personal]
	// aoRequired: false
}

func ExampleConfigurationsService_List() {
	c := exampleClient()
	ctx := context.Background()
	for _, accounts := range [][]string{{"Checking"}, {"Savings", "CD"}} {
		if _, err := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: accounts}); err != nil {
			fmt.Println(err)
			return
		}
	}
	configs, err := c.Configurations.List(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, cfg := range configs {
		fmt.Println(cfg.FilterAccounts)
	}
	// Output:
	// [Checking]
	// [Savings CD]
}

func ExampleConfigurationsService_Get() {
	c := exampleClient()
	ctx := context.Background()
	created, err := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking"}, AORequired: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := c.Configurations.Get(ctx, created.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.ID == created.ID, cfg.FilterAccounts, cfg.AORequired)
	// Output: true [Checking] true
}

func ExampleConfigurationsService_Delete() {
	c := exampleClient()
	ctx := context.Background()
	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := c.Configurations.Delete(ctx, cfg.ID); err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.Configurations.Get(ctx, cfg.ID)
	fmt.Println("gone:", api.IsNotFound(err))
	// Output: gone: true
}

func ExampleLoginFormsService_Create() {
	c := exampleClient()
	form, err := c.LoginForms.Create(context.Background(), 170716, api.LoginFormParams{
		CustomerID:       "1005061234",
		Language:         "en",
		ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: agreedAt},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Render form.Elements in sortOrder; form.EventStreamID follows the
	// login.
	for _, el := range form.Elements {
		fmt.Println(el.SortOrder, el.Label)
	}
	// Output:
	// 0 Username
	// 1 Password
}

func ExampleOAuthURLsService_Create() {
	c := exampleClient()
	u, err := c.OAuthURLs.Create(context.Background(), 170716, api.OAuthURLParams{
		RedirectURI:      "https://partner.example.com/oauth/complete",
		CustomerID:       "1005061234",
		ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: agreedAt},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Send the end user to u.URL; they come back to the redirect URI. (The
	// sandbox's URL shows it in its query.)
	parsed, err := url.Parse(u.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(parsed.IsAbs(), parsed.Query().Get("redirectURI"))
	// Output: true https://partner.example.com/oauth/complete
}

func ExampleReconnectionsService_Create() {
	c := exampleClient()
	// (The sandbox answers with a login form for a login id ending in 8.)
	r, err := c.Reconnections.Create(context.Background(), "1005061234", 7008461438, api.ReconnectionParams{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if r.NeedsMFA() {
		fmt.Println("answer the challenges first:", len(r.Challenges()))
		return
	}
	for _, el := range r.LoginForm.Elements {
		fmt.Println(el.Label)
	}
	// Output:
	// Username
	// Password
}

func ExampleReconnection_Challenges() {
	c := exampleClient()
	// (The sandbox answers with two challenges for a login id ending in 7.)
	r, err := c.Reconnections.Create(context.Background(), "1005061234", 7008461437, api.ReconnectionParams{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("needs MFA:", r.NeedsMFA())
	for _, ch := range r.Challenges() {
		fmt.Printf("%s: %s (%d choices)\n", ch.MFAType, ch.Prompt, len(ch.ChoiceIDs))
	}
	// Output:
	// needs MFA: true
	// TFA_TEXT: Which high school did you attend (0 choices)
	// TFA_CHOICE: Which of these accounts is yours (2 choices)
}

func ExamplePartnersService_Authenticate() {
	c := exampleClient()
	ctx := context.Background()
	tok, err := c.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerID: "sandbox-partner", PartnerSecret: api.NewSecret("sandbox-secret")})
	if err != nil {
		fmt.Println(err)
		return
	}
	// tok.Token is a Finicity-App-Token for two hours: never log it.
	fmt.Println("token received:", !tok.Token.IsZero())

	// Wrong credentials: do not try again in a loop, five failures lock
	// the partner account.
	_, err = c.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerID: "sandbox-partner", PartnerSecret: api.NewSecret("wrong-secret")})
	var apiErr *api.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.ReasonCode, apiErr.Description)
	}
	// Output:
	// token received: true
	// 401 10024 Invalid partner credentials.
}

// Example_journey is a whole login journey: a configuration, a login
// form and an OAuth URL that use it, a reconnection, then clean-up.
func Example_journey() {
	c := exampleClient()
	ctx := context.Background()
	agreement := api.ServiceAgreement{Language: "en", AcceptedDate: agreedAt}

	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking", "Savings"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("configuration:", cfg.FilterAccounts)

	form, err := c.LoginForms.Create(ctx, 170716, api.LoginFormParams{
		CustomerID: "1005061234", Language: "en", ConfigurationID: cfg.ID, ServiceAgreement: agreement,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("login form:", len(form.Elements), "elements")

	oauth, err := c.OAuthURLs.Create(ctx, 170716, api.OAuthURLParams{
		RedirectURI: "https://partner.example.com/oauth/complete", CustomerID: "1005061234", ConfigurationID: cfg.ID, ServiceAgreement: agreement,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("oauth url:", oauth.URL != "")

	r, err := c.Reconnections.Create(ctx, "1005061234", 7008461433, api.ReconnectionParams{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("reconnection needs MFA:", r.NeedsMFA(), r.Challenges()[0].MFAType)

	configs, err := c.Configurations.List(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("configurations:", len(configs))

	if err := c.Configurations.Delete(ctx, cfg.ID); err != nil {
		fmt.Println(err)
		return
	}
	configs, err = c.Configurations.List(ctx)
	fmt.Println("after delete:", len(configs), err)
	// Output:
	// configuration: [Checking Savings]
	// login form: 2 elements
	// oauth url: true
	// reconnection needs MFA: true TFA_TEXT
	// configurations: 1
	// after delete: 0 <nil>
}

func ExampleWithMiddleware() {
	// logAttempts prints every attempt, the token fetch included; it
	// prints no header, since they carry the credentials.
	logAttempts := func(next api.Doer) api.Doer {
		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := next.Do(req)
			if err != nil {
				fmt.Println(req.Method, req.URL.Path, "failed")
				return nil, err
			}
			fmt.Println(req.Method, req.URL.Path, resp.StatusCode)
			return resp, nil
		})
	}
	baseURL, httpClient := sandboxEndpoint()
	c, err := api.NewClient("my-app-key",
		api.WithPartnerCredentials("sandbox-partner", "sandbox-secret"),
		api.WithBaseURL(baseURL), api.WithHTTPClient(httpClient),
		api.WithMiddleware(logAttempts))
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := c.Configurations.Create(context.Background(), api.ConfigurationParams{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// POST /aggregation/v2/partners/authentication 200
	// POST /connect-components/configurations 201
}

func ExampleWithResponseInto() {
	c := exampleClient()
	var resp *http.Response
	_, err := c.Configurations.Create(context.Background(), api.ConfigurationParams{}, api.WithResponseInto(&resp))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// Output: 201 application/json
}

func ExampleError() {
	c := exampleClient()
	_, err := c.Configurations.Get(context.Background(), api.MustParseUUID("9082affa-d965-40be-a3ed-a320bb3467ff"))

	var apiErr *api.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.ReasonCode == api.ReasonNotFound:
		fmt.Println("no such configuration")
		fallthrough
	case apiErr != nil: // the API answered, with a non-2xx status
		fmt.Println("status:", apiErr.StatusCode)
		fmt.Println("reason:", apiErr.ReasonCode)
		fmt.Println("description:", apiErr.Description)
		fmt.Println("worth retrying:", apiErr.Recoverable)
	case err != nil: // no answer: connection, timeout, cancelled context
		fmt.Println("no answer:", err)
	}
	fmt.Println(err)
	// Output:
	// no such configuration
	// status: 404
	// reason: 4041
	// description: The requested entity was not found.
	// worth retrying: false
	// finicity: GET /connect-components/configurations/9082affa-d965-40be-a3ed-a320bb3467ff: 404 Not Found, reason 4041: The requested entity was not found. No configuration with that id for this partner.
}

// Per-call options follow a method's arguments: a time limit for the whole
// call, its own number of retries, an extra header.
func ExampleWithCallTimeout() {
	c := exampleClient()
	configs, err := c.Configurations.List(context.Background(),
		api.WithCallTimeout(5*time.Second),
		api.WithCallRetries(0),
		api.WithCallHeader("X-Request-Id", "req-42"))
	fmt.Println(len(configs), err)

	// Credentials cannot be set per call.
	_, err = c.Configurations.List(context.Background(), api.WithCallHeader("Finicity-App-Token", "x"))
	fmt.Println(err)
	// Output:
	// 0 <nil>
	// finicity: WithCallHeader: Finicity-App-Token is set by the client from its credentials
}

// A process that reloads its partner secret clears a remembered rejection
// with ResetPartnerCredentials.
func ExampleClient_ResetPartnerCredentials() {
	baseURL, httpClient := sandboxEndpoint()
	c, _ := api.NewClient("my-app-key",
		api.WithPartnerCredentials("sandbox-partner", "an-old-secret"),
		api.WithBaseURL(baseURL), api.WithHTTPClient(httpClient))

	_, err := c.Configurations.List(context.Background())
	fmt.Println(errors.Is(err, api.ErrCredentialsRejected))

	// The secret was rotated: reload it, then carry on with the same client.
	if err := c.ResetPartnerCredentials("sandbox-partner", "sandbox-secret"); err != nil {
		fmt.Println(err)
		return
	}
	configs, err := c.Configurations.List(context.Background())
	fmt.Println(len(configs), err)
	// Output:
	// true
	// 0 <nil>
}
