package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/finicity-go/connect-components/api"
)

// ExampleNewClient creates a configuration. The stand-in server plays the
// API; point WithBaseURL at nothing to use https://api.finicity.com.
func ExampleNewClient() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"id":"605543e1-f507-48ad-8127-95c40566597b","filterAccounts":["Checking"],"aoRequired":false}`)
	}))
	defer srv.Close()

	c, err := api.NewClient("my-app-key", "my-app-token", api.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	accounts := []string{"Checking"}
	resp, err := c.PostConfigurationsWithResponse(context.Background(), api.PostConfigurationsRequest{FilterAccounts: &accounts})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode(), resp.JSON201.Id, *resp.JSON201.FilterAccounts)
	// Output: 201 605543e1-f507-48ad-8127-95c40566597b [Checking]
}
