package api

import "github.com/finicity-go/connect-components/gen"

// Aliases of the generated models, so callers need to import only api.
// Names are the docs' model names.
type (
	Configuration                                                   = gen.Configuration
	PostConfigurationsRequest                                       = gen.PostConfigurationsRequest
	ServiceAgreement                                                = gen.ServiceAgreement
	PostInstitutionsInstitutionIdLoginFormsRequest                  = gen.PostInstitutionsInstitutionIdLoginFormsRequest
	PostInstitutionsInstitutionIdLoginForms201Response              = gen.PostInstitutionsInstitutionIdLoginForms201Response
	PostInstitutionsInstitutionIdLoginForms201ResponseElementsInner = gen.PostInstitutionsInstitutionIdLoginForms201ResponseElementsInner
	PostInstitutionsInstitutionIdOauthUrlsRequest                   = gen.PostInstitutionsInstitutionIdOauthUrlsRequest
	PostInstitutionsInstitutionIdOauthUrls201Response               = gen.PostInstitutionsInstitutionIdOauthUrls201Response
	MfaChallenge                                                    = gen.MfaChallenge
	MfaChallenges                                                   = gen.MfaChallenges
	MfaChallengesResponse                                           = gen.MfaChallengesResponse
	ErrorResponse                                                   = gen.ErrorResponse
	ErrorItem                                                       = gen.ErrorItem
	PartnerCredentials                                              = gen.PartnerCredentials
	AccessToken                                                     = gen.AccessToken
	UUID                                                            = gen.Uuid
	PostReconnectionsJSONRequestBody                                = gen.PostReconnectionsJSONRequestBody
)
