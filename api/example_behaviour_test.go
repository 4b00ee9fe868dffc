package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// ExampleWithPartnerCredentials lets the client fetch, share and renew the
// Finicity-App-Token itself. The stand-in server plays partner
// authentication and the API.
func ExampleWithPartnerCredentials() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/aggregation/v2/partners/authentication":
			fmt.Fprint(w, `{"token":"fresh-token"}`)
		case r.Header.Get("Finicity-App-Token") == "fresh-token":
			fmt.Fprint(w, `[{"id":"605543e1-f507-48ad-8127-95c40566597b","aoRequired":true}]`)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()

	c, err := api.NewClient("my-app-key", "", // no token: the client gets one
		api.WithPartnerCredentials("my-partner-id", "my-partner-secret"),
		api.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	configs, err := c.GetConfigurations(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(configs), configs[0].Id)
	// Output: 1 605543e1-f507-48ad-8127-95c40566597b
}

// ExampleError tells API errors (with their reason code) from transport
// failures.
func ExampleError() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"4041",`+
			`"Description":"The requested entity was not found.","Recoverable":false,"Details":"No configuration with this id."}]}}`)
	}))
	defer srv.Close()

	c, err := api.NewClient("my-app-key", "my-app-token", api.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	id := api.UUID{} // an unknown configuration
	_, err = c.GetConfigurationsConfigurationId(context.Background(), id)

	var apiErr *api.Error
	switch {
	case errors.As(err, &apiErr):
		fmt.Println("API error:", apiErr.StatusCode, apiErr.ReasonCode, apiErr.Recoverable)
		fmt.Println(apiErr.Description)
	case err != nil:
		fmt.Println("transport failure:", err)
	}
	// Output:
	// API error: 404 4041 false
	// The requested entity was not found.
}

// ExampleWithRetries tunes retries: GET and DELETE are retried on
// connection errors, 429, 502, 503 and 504; a POST never is once it may
// have reached the server.
func ExampleWithRetries() {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[]`)
	}))
	defer srv.Close()

	c, err := api.NewClient("my-app-key", "my-app-token", api.WithBaseURL(srv.URL),
		api.WithRetries(3),
		api.WithRetryBackoff(100*time.Millisecond, 2*time.Second),
		api.WithAttemptTimeout(10*time.Second))
	if err != nil {
		fmt.Println(err)
		return
	}
	configs, err := c.GetConfigurations(context.Background())
	fmt.Println(len(configs), err, calls)
	// Output: 0 <nil> 2
}

// ExampleWithRequestValidation refuses an invalid request before it is
// sent, naming the field but not its value.
func ExampleWithRequestValidation() {
	c, err := api.NewClient("my-app-key", "my-app-token",
		api.WithBaseURL("http://127.0.0.1:9"), // never contacted
		api.WithRequestValidation())
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.PostInstitutionsInstitutionIdOauthUrls(context.Background(), 170716, api.PostInstitutionsInstitutionIdOauthUrlsRequest{
		RedirectURI:      "not a uri",
		CustomerId:       "1005061234",
		ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: time.Date(2024, 11, 28, 18, 25, 32, 0, time.UTC)},
	})
	var ve *api.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field)
	fmt.Println(err)
	// Output:
	// true redirectURI
	// api: invalid request: body redirectURI: must be an absolute URI
}
