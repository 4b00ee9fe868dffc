// Package api is the Go client of Mastercard Open Finance's Data Connect
// Components API (Finicity): the backend calls that let an app's own front
// end log a user into their bank.
//
// Build one Client per app key, with a source of Finicity-App-Token, and
// call the operations through its services:
//
//	c, err := api.NewClient(appKey, api.WithPartnerCredentials(partnerID, partnerSecret))
//	if err != nil {
//		return err
//	}
//	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking", "Savings"}})
//	form, err := c.LoginForms.Create(ctx, institutionID, api.LoginFormParams{
//		CustomerID:       customerID,
//		Language:         "en",
//		ConfigurationID:  cfg.ID,
//		ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: acceptedAt},
//	})
//
// The services, and the requests they send:
//
//	Configurations.Create   POST   /connect-components/configurations
//	Configurations.Delete   DELETE /connect-components/configurations/{configuration_id}
//	Configurations.Get      GET    /connect-components/configurations/{configuration_id}
//	Configurations.List     GET    /connect-components/configurations
//	LoginForms.Create       POST   /connect-components/institutions/{institution_id}/login-forms
//	OAuthURLs.Create        POST   /connect-components/institutions/{institution_id}/oauth-urls
//	Reconnections.Create    POST   /connect-components/customers/{customer_id}/institution-login-ids/{institution_login_id}/reconnections
//	Partners.Authenticate   POST   /aggregation/v2/partners/authentication
//
// # Results and errors
//
// Each method returns the decoded model, or an error. A non-2xx answer is
// an *Error (errors.As) with the status, the API's reason code (the
// Reason constants name them), its texts and the exact body; IsNotFound
// and IsUnauthorized test the common cases. A request refused before
// sending (a required field left empty, or anything off the spec with
// WithRequestValidation) is a *ValidationError naming the field; a 2xx
// answer that does not decode, a *DecodeError. Anything else is a
// transport failure. Every error's text starts with "finicity: ".
//
// Every method takes call options (WithCallTimeout, WithCallHeader, ...)
// after its arguments.
//
// # Models
//
// The models (Configuration, LoginForm, ...) are generated from
// openapi.yaml; each one's comment lists its fields: Go name, wire name,
// type, required or optional (go doc api.LoginFormParams).
//
// # A call's way
//
// The token comes from WithAppToken (fixed), WithPartnerCredentials
// (fetched, shared, renewed; a rejection remembered until
// ResetPartnerCredentials) or WithTokenSource (your store, for a fleet).
// gen's builder makes the request; the User-Agent, your request editors
// (WithRequestEditor), the call's headers (WithCallHeader) and the
// credentials are set; WithRequestValidation checks it. Then each attempt,
// within its time limit (WithAttemptTimeout, 30 s), goes through your
// middleware (WithMiddleware, the first outermost) to your *http.Client
// (WithHTTPClient), its answer read into memory (10 MiB at most) and
// logged (WithLogger). A 401 for an expired token (reason 10023) is
// replayed once with a new token (WithPartnerCredentials,
// WithTokenSource); a GET or DELETE that failed for a transient reason
// (a connection refused or reset, a timeout, 429, 502, 503, 504; never
// TLS or DNS) is retried with a jittered backoff or the Retry-After
// (WithRetries, WithRetryBackoff); a POST never once it may have reached
// the server. WithResponseValidation checks the final answer before it is
// decoded. No redirect is followed: a 3xx is an *Error carrying its
// Location, so no credential leaves for another origin. Client.Generated
// is the generated client, sent the same way, every status decoded.
//
// # Secrets
//
// The app key, the tokens and the partner secret never appear in log
// records, in error strings (your middleware's too), or when a value of
// this package is printed. The values a call returns are never
// rewritten: an *Error's Body is the exact bytes received.
package api
