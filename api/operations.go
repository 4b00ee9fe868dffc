package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/finicity-go/connect-components/gen"
)

// The methods below are the one-line form of each operation: they return
// the decoded success value, or an *Error for any non-2xx answer. They
// shadow the generated ClientInterface methods of the same name, which stay
// reachable as c.ClientWithResponses.Xxx (raw *http.Response) and
// c.XxxWithResponse (every status decoded, nothing turned into an error).

// PostConfigurations creates a configuration (Create Components
// Configuration). An empty request is valid.
func (c *Client) PostConfigurations(ctx context.Context, body PostConfigurationsRequest, reqEditors ...gen.RequestEditorFn) (*Configuration, error) {
	r, err := c.PostConfigurationsWithResponse(ctx, body, reqEditors...)
	if err != nil {
		return nil, err
	}
	return unwrap(r.HTTPResponse, r.Body, r.JSON201)
}

// GetConfigurations lists this partner's configurations (Get All
// Configurations for Current Partner). No configurations is an empty,
// non-nil slice.
func (c *Client) GetConfigurations(ctx context.Context, reqEditors ...gen.RequestEditorFn) ([]Configuration, error) {
	r, err := c.GetConfigurationsWithResponse(ctx, reqEditors...)
	if err != nil {
		return nil, err
	}
	list, err := unwrap(r.HTTPResponse, r.Body, r.JSON200)
	if err != nil {
		return nil, err
	}
	if *list == nil {
		return []Configuration{}, nil
	}
	return *list, nil
}

// GetConfigurationsConfigurationId fetches one configuration (Get
// Configuration Details). An unknown id is an *Error with StatusCode 404.
func (c *Client) GetConfigurationsConfigurationId(ctx context.Context, configurationID UUID, reqEditors ...gen.RequestEditorFn) (*Configuration, error) {
	r, err := c.GetConfigurationsConfigurationIdWithResponse(ctx, configurationID, reqEditors...)
	if err != nil {
		return nil, err
	}
	return unwrap(r.HTTPResponse, r.Body, r.JSON200)
}

// DeleteConfigurationsConfigurationId deletes one configuration (Delete
// Configuration). An unknown or already deleted id is an *Error with
// StatusCode 404.
func (c *Client) DeleteConfigurationsConfigurationId(ctx context.Context, configurationID UUID, reqEditors ...gen.RequestEditorFn) error {
	r, err := c.DeleteConfigurationsConfigurationIdWithResponse(ctx, configurationID, reqEditors...)
	if err != nil {
		return err
	}
	if !success(r.HTTPResponse) {
		return NewError(r.HTTPResponse.Request, r.StatusCode(), r.Body)
	}
	return nil
}

// PostInstitutionsInstitutionIdLoginForms creates a login form for an
// institution and customer (Create Login Form).
func (c *Client) PostInstitutionsInstitutionIdLoginForms(ctx context.Context, institutionID int, body PostInstitutionsInstitutionIdLoginFormsRequest, reqEditors ...gen.RequestEditorFn) (*PostInstitutionsInstitutionIdLoginForms201Response, error) {
	r, err := c.PostInstitutionsInstitutionIdLoginFormsWithResponse(ctx, institutionID, body, reqEditors...)
	if err != nil {
		return nil, err
	}
	return unwrap(r.HTTPResponse, r.Body, r.JSON201)
}

// PostInstitutionsInstitutionIdOauthUrls creates an OAuth URL for a
// direct-connection institution (Create OAuth URL).
func (c *Client) PostInstitutionsInstitutionIdOauthUrls(ctx context.Context, institutionID int, body PostInstitutionsInstitutionIdOauthUrlsRequest, reqEditors ...gen.RequestEditorFn) (*PostInstitutionsInstitutionIdOauthUrls201Response, error) {
	r, err := c.PostInstitutionsInstitutionIdOauthUrlsWithResponse(ctx, institutionID, body, reqEditors...)
	if err != nil {
		return nil, err
	}
	return unwrap(r.HTTPResponse, r.Body, r.JSON201)
}

// Reconnection is the answer to PostReconnections: exactly one of LoginForm
// (status 201) or MfaChallenges (status 203) is set.
type Reconnection struct {
	StatusCode    int
	LoginForm     *PostInstitutionsInstitutionIdLoginForms201Response
	MfaChallenges MfaChallengesResponse
}

// NeedsMFA reports whether the user must answer MFA challenges.
func (r *Reconnection) NeedsMFA() bool { return r.StatusCode == http.StatusNonAuthoritativeInfo }

// PostReconnections starts a reconnection (Initiate Reconnection). body may
// be nil: the API accepts null.
func (c *Client) PostReconnections(ctx context.Context, customerID string, institutionLoginID int64, body PostReconnectionsJSONRequestBody, reqEditors ...gen.RequestEditorFn) (*Reconnection, error) {
	r, err := c.PostReconnectionsWithResponse(ctx, customerID, institutionLoginID, body, reqEditors...)
	if err != nil {
		return nil, err
	}
	if r.StatusCode() == http.StatusNonAuthoritativeInfo {
		mfa, err := unwrap(r.HTTPResponse, r.Body, r.JSON203)
		if err != nil {
			return nil, err
		}
		return &Reconnection{StatusCode: r.StatusCode(), MfaChallenges: *mfa}, nil
	}
	form, err := unwrap(r.HTTPResponse, r.Body, r.JSON201)
	if err != nil {
		return nil, err
	}
	return &Reconnection{StatusCode: r.StatusCode(), LoginForm: form}, nil
}

// CreateToken exchanges partner credentials for a Finicity-App-Token
// (Partner Authentication). Most callers use WithPartnerCredentials instead,
// which calls it once and reuses the token.
func (c *Client) CreateToken(ctx context.Context, creds PartnerCredentials, reqEditors ...gen.RequestEditorFn) (*AccessToken, error) {
	r, err := c.CreateTokenWithResponse(ctx, creds, reqEditors...)
	if err != nil {
		return nil, err
	}
	return unwrap(r.HTTPResponse, r.Body, r.JSON200)
}

func success(r *http.Response) bool { return r.StatusCode >= 200 && r.StatusCode < 300 }

// unwrap returns the decoded success value, decoding it from body when the
// answer was a 2xx the generated parser did not expect, or the *Error for
// any other status.
func unwrap[T any](r *http.Response, body []byte, decoded *T) (*T, error) {
	if !success(r) {
		return nil, NewError(r.Request, r.StatusCode, body)
	}
	if decoded != nil {
		return decoded, nil
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("api: %d answer does not decode: %w", r.StatusCode, err)
	}
	return &v, nil
}
