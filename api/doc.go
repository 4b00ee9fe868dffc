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
// an *Error (errors.As) carrying the status, the API's reason code, its
// texts and the exact body; IsNotFound and IsUnauthorized test the
// common cases. A request refused before sending (a required field or
// path parameter left empty, or anything off the spec with
// WithRequestValidation) is a *ValidationError naming the field. A 2xx
// answer that does not decode is a *DecodeError. Anything else is a
// transport failure. Every error's text starts with "finicity: ". The
// Reason constants (ReasonExpiredToken, ReasonNotFound, ...) name the
// API's reason codes.
//
// Every method takes call options after its arguments: WithCallTimeout,
// WithCallRetries, WithCallAttemptTimeout, WithCallHeader, and
// WithResponseInto, which hands over the raw *http.Response of a call.
//
// # Models
//
// The models (Configuration, LoginForm, MFAChallenge, ...) are the types
// generated from openapi.yaml into package gen, re-exported here under Go
// names; each one's comment names the spec's model and lists its fields:
// Go name, wire name, type, required or optional, and what it holds (go
// doc api.LoginFormParams). A required field left at its zero value is
// refused before anything is sent, with a *ValidationError naming it.
//
// # Behaviour
//
//   - Tokens: WithAppToken (fixed), WithPartnerCredentials (fetched on
//     first use, shared, renewed after 90 minutes, one refresh and replay
//     on reason code 10023; credentials the API rejected are never
//     retried until ResetPartnerCredentials), or
//     WithTokenSource (a token kept in your own store, shared by a fleet).
//   - Retries (WithRetries, WithRetryBackoff, WithAttemptTimeout): GET and
//     DELETE are retried on transient failures (connection refused or
//     reset, timeouts, 429, 502, 503, 504; never TLS or DNS errors),
//     with jittered exponential backoff; a Retry-After longer than the
//     backoff's max is not retried early (the answer comes back at once);
//     a POST is never re-sent once it may have reached the server. Each
//     attempt has 30 s by default (DefaultAttemptTimeout), reading the
//     body included.
//   - Redirects are never followed: a 3xx is an *Error carrying its
//     Location, so no credential leaves for another origin.
//   - Middleware (WithMiddleware), logging (WithLogger, log/slog) and
//     validation against the embedded spec (WithRequestValidation,
//     WithResponseValidation). Client documents the order of the layers.
//   - Client.Generated is the generated client, wired through the same
//     layers, for those who want every status decoded without errors.
//
// # Secrets
//
// The app key, the tokens and the partner secret never appear in log
// records, in error strings, or when a value of this package is printed
// (%v, %+v, %#v, %s). Every error leaving the client, from your
// middleware, TokenSource or request editor too, is masked by where it
// came from. The values a call returns are never rewritten: an *Error's
// Body is the exact bytes received.
package api
