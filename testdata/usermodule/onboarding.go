// Package usermodule is a stand-in for a user's application: code that
// uses the SDK, tested with the SDK's test kit the way a user would,
// from another module.
package usermodule

import (
	"context"
	"fmt"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// Onboarding starts a customer's bank connection: a configuration for the
// account types the app wants, then either a login form or, for an OAuth
// institution, the URL to send the customer to.
type Onboarding struct {
	Client      *api.Client
	RedirectURI string // where an OAuth institution sends the customer back
	Now         func() time.Time
}

// Start returns the login form (nil for OAuth) or the OAuth URL ("" for a
// login form) for the customer at the institution.
func (o *Onboarding) Start(ctx context.Context, customerID string, institutionID int64, oauth bool) (*api.LoginForm, string, error) {
	cfg, err := o.Client.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking", "Savings"}})
	if err != nil {
		return nil, "", fmt.Errorf("onboarding: configuration: %w", err)
	}
	agreement := api.ServiceAgreement{Language: "en", AcceptedDate: o.Now()}
	if oauth {
		u, err := o.Client.OAuthURLs.Create(ctx, institutionID, api.OAuthURLParams{
			CustomerID: customerID, RedirectURI: o.RedirectURI, ConfigurationID: cfg.ID, ServiceAgreement: agreement})
		if err != nil {
			return nil, "", fmt.Errorf("onboarding: OAuth URL: %w", err)
		}
		return nil, u.URL, nil
	}
	form, err := o.Client.LoginForms.Create(ctx, institutionID, api.LoginFormParams{
		CustomerID: customerID, Language: "en", ConfigurationID: cfg.ID, ServiceAgreement: agreement})
	if err != nil {
		return nil, "", fmt.Errorf("onboarding: login form: %w", err)
	}
	return form, "", nil
}

// Configured returns how many configurations the app has.
func (o *Onboarding) Configured(ctx context.Context) (int, error) {
	list, err := o.Client.Configurations.List(ctx)
	if err != nil {
		return 0, fmt.Errorf("onboarding: configurations: %w", err)
	}
	return len(list), nil
}
