package api

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/gen"
)

// The models: each is the type generated from openapi.yaml (package gen),
// under its Go name, so that a program needs to import only api. The spec
// is their single source: a field added there reaches these types with the
// next `make generate`. Each comment names the docs' model; the fields and
// their wire names are documented on the gen type (go doc
// github.com/finicity-go/connect-components/gen.<Name>).
type (
	// Configuration is the docs' Configuration: which account types a login
	// activates. Returned by Configurations.Create, List and Get. Fields:
	// gen.Configuration.
	Configuration = gen.Configuration

	// ConfigurationParams is the docs' PostConfigurationsRequest, the body
	// of Configurations.Create. Every field is optional; the zero value is
	// a valid request. Fields: gen.ConfigurationParams.
	ConfigurationParams = gen.ConfigurationParams

	// ServiceAgreement is the docs' ServiceAgreement: when the end user
	// accepted the terms, and in which language. Both fields are required.
	// Fields: gen.ServiceAgreement.
	ServiceAgreement = gen.ServiceAgreement

	// LoginFormParams is the docs' PostInstitutionsInstitutionIdLoginFormsRequest,
	// the body of LoginForms.Create. Fields: gen.LoginFormParams.
	LoginFormParams = gen.LoginFormParams

	// LoginForm is the docs' PostInstitutionsInstitutionIdLoginForms201Response:
	// what the front end needs to render a login form. Returned by
	// LoginForms.Create, and by Reconnections.Create on status 201.
	// Fields: gen.LoginForm.
	LoginForm = gen.LoginForm

	// LoginFormElement is the docs' PostInstitutionsInstitutionIdLoginForms201ResponseElementsInner:
	// one field of a login form. Fields: gen.LoginFormElement.
	LoginFormElement = gen.LoginFormElement

	// OAuthURLParams is the docs' PostInstitutionsInstitutionIdOauthUrlsRequest,
	// the body of OAuthURLs.Create. Fields: gen.OAuthURLParams.
	OAuthURLParams = gen.OAuthURLParams

	// OAuthURL is the docs' PostInstitutionsInstitutionIdOauthUrls201Response:
	// the URL to send the end user to. Returned by OAuthURLs.Create.
	// Fields: gen.OAuthURL.
	OAuthURL = gen.OAuthURL

	// MFAChallenge is the docs' MfaChallenge: one multi-factor challenge of
	// a reconnection. Fields: gen.MFAChallenge.
	MFAChallenge = gen.MFAChallenge

	// MFAChallengeSet is the docs' MfaChallenges: one item of the 203
	// answer of Reconnections.Create. Reconnection.Challenges flattens
	// them. Fields: gen.MFAChallengeSet.
	MFAChallengeSet = gen.MFAChallengeSet

	// MFAChallengeSets is the docs' MfaChallengesResponse: the whole 203
	// answer of Reconnections.Create, as sent.
	MFAChallengeSets = gen.MFAChallengeSets

	// ErrorResponse is the docs' error body ({"Errors":{"Error":[...]}}).
	// Error decodes it for you. Fields: gen.ErrorResponse.
	ErrorResponse = gen.ErrorResponse

	// ErrorList is the "Errors" object of an ErrorResponse. Fields:
	// gen.ErrorList.
	ErrorList = gen.ErrorList

	// ErrorItem is one item of an error body. Error.Items holds them all.
	// Fields: gen.ErrorItem.
	ErrorItem = gen.ErrorItem

	// PartnerCredentials is the body of partner authentication
	// (Partners.Authenticate). Fields: gen.PartnerCredentials.
	PartnerCredentials = gen.PartnerCredentials

	// AccessToken is the answer of partner authentication: the
	// Finicity-App-Token. Fields: gen.AccessToken.
	AccessToken = gen.AccessToken

	// UUID is an identifier in canonical 36-character form: configuration
	// ids, login-form and event-stream ids. Build one with ParseUUID or
	// MustParseUUID; String gives its wire form. The zero UUID means "not
	// set".
	UUID = gen.UUID
)

// ParseUUID parses s, which must be a UUID in the canonical 36-character
// form the API uses (such as 605543e1-f507-48ad-8127-95c40566597b).
func ParseUUID(s string) (UUID, error) {
	if len(s) != 36 {
		return UUID{}, fmt.Errorf("finicity: invalid UUID %q: want 36 characters such as 605543e1-f507-48ad-8127-95c40566597b, got %d", s, len(s))
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return UUID{}, fmt.Errorf("finicity: invalid UUID %q: want hexadecimal digits and dashes such as 605543e1-f507-48ad-8127-95c40566597b", s)
	}
	return id, nil
}

// MustParseUUID is ParseUUID for constants and tests: it panics if s is
// not a canonical UUID.
func MustParseUUID(s string) UUID {
	id, err := ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return id
}
