package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/finicity-go/connect-components/gen"
)

// The methods below are the one-line form of each operation: they return
// the decoded success value, or an *Error for any non-2xx answer. They
// shadow the generated ClientInterface methods of the same name, which stay
// reachable as c.ClientInterface.Xxx (raw *http.Response) and
// c.XxxWithResponse (every status decoded, nothing turned into an error).

// PostConfigurations creates a configuration (Create Components
// Configuration). An empty request is valid.
func (c *Client) PostConfigurations(ctx context.Context, body PostConfigurationsRequest, reqEditors ...gen.RequestEditorFn) (*Configuration, error) {
	resp, err := c.ClientInterface.PostConfigurations(ctx, body, reqEditors...)
	return decode(resp, err, gen.ParsePostConfigurationsResponse, func(r *gen.PostConfigurationsResponse) *Configuration { return r.JSON201 })
}

// GetConfigurations lists this partner's configurations (Get All
// Configurations for Current Partner). No configurations is an empty,
// non-nil slice.
func (c *Client) GetConfigurations(ctx context.Context, reqEditors ...gen.RequestEditorFn) ([]Configuration, error) {
	resp, err := c.ClientInterface.GetConfigurations(ctx, reqEditors...)
	list, err := decode(resp, err, gen.ParseGetConfigurationsResponse, func(r *gen.GetConfigurationsResponse) *[]Configuration { return r.JSON200 })
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
	resp, err := c.ClientInterface.GetConfigurationsConfigurationId(ctx, configurationID, reqEditors...)
	return decode(resp, err, gen.ParseGetConfigurationsConfigurationIdResponse, func(r *gen.GetConfigurationsConfigurationIdResponse) *Configuration { return r.JSON200 })
}

// DeleteConfigurationsConfigurationId deletes one configuration (Delete
// Configuration). An unknown or already deleted id is an *Error with
// StatusCode 404.
func (c *Client) DeleteConfigurationsConfigurationId(ctx context.Context, configurationID UUID, reqEditors ...gen.RequestEditorFn) error {
	resp, err := c.ClientInterface.DeleteConfigurationsConfigurationId(ctx, configurationID, reqEditors...)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if !success(resp) {
		return errorFrom(resp)
	}
	_, _ = io.Copy(io.Discard, resp.Body) // let the connection be reused
	return nil
}

// PostInstitutionsInstitutionIdLoginForms creates a login form for an
// institution and customer (Create Login Form).
func (c *Client) PostInstitutionsInstitutionIdLoginForms(ctx context.Context, institutionID int, body PostInstitutionsInstitutionIdLoginFormsRequest, reqEditors ...gen.RequestEditorFn) (*PostInstitutionsInstitutionIdLoginForms201Response, error) {
	if err := requireSet(http.MethodPost, "/connect-components/institutions/{institution_id}/login-forms",
		"customerId", body.CustomerId, "language", body.Language, body.ServiceAgreement); err != nil {
		return nil, err
	}
	resp, err := c.ClientInterface.PostInstitutionsInstitutionIdLoginForms(ctx, institutionID, body, reqEditors...)
	return decode(resp, err, gen.ParsePostInstitutionsInstitutionIdLoginFormsResponse, func(r *gen.PostInstitutionsInstitutionIdLoginFormsResponse) *PostInstitutionsInstitutionIdLoginForms201Response {
		return r.JSON201
	})
}

// PostInstitutionsInstitutionIdOauthUrls creates an OAuth URL for a
// direct-connection institution (Create OAuth URL).
func (c *Client) PostInstitutionsInstitutionIdOauthUrls(ctx context.Context, institutionID int, body PostInstitutionsInstitutionIdOauthUrlsRequest, reqEditors ...gen.RequestEditorFn) (*PostInstitutionsInstitutionIdOauthUrls201Response, error) {
	if err := requireSet(http.MethodPost, "/connect-components/institutions/{institution_id}/oauth-urls",
		"customerId", body.CustomerId, "redirectURI", body.RedirectURI, body.ServiceAgreement); err != nil {
		return nil, err
	}
	resp, err := c.ClientInterface.PostInstitutionsInstitutionIdOauthUrls(ctx, institutionID, body, reqEditors...)
	return decode(resp, err, gen.ParsePostInstitutionsInstitutionIdOauthUrlsResponse, func(r *gen.PostInstitutionsInstitutionIdOauthUrlsResponse) *PostInstitutionsInstitutionIdOauthUrls201Response {
		return r.JSON201
	})
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
	resp, err := c.ClientInterface.PostReconnections(ctx, customerID, institutionLoginID, body, reqEditors...)
	if err == nil && resp.StatusCode == http.StatusNonAuthoritativeInfo {
		mfa, err := decode(resp, nil, gen.ParsePostReconnectionsResponse, func(r *gen.PostReconnectionsResponse) *MfaChallengesResponse { return r.JSON203 })
		if err != nil {
			return nil, err
		}
		return &Reconnection{StatusCode: http.StatusNonAuthoritativeInfo, MfaChallenges: *mfa}, nil
	}
	form, err := decode(resp, err, gen.ParsePostReconnectionsResponse, func(r *gen.PostReconnectionsResponse) *PostInstitutionsInstitutionIdLoginForms201Response {
		return r.JSON201
	})
	if err != nil {
		return nil, err
	}
	return &Reconnection{StatusCode: resp.StatusCode, LoginForm: form}, nil
}

// CreateToken exchanges partner credentials for a Finicity-App-Token
// (Partner Authentication). Most callers use WithPartnerCredentials instead,
// which calls it once and reuses the token.
func (c *Client) CreateToken(ctx context.Context, creds PartnerCredentials, reqEditors ...gen.RequestEditorFn) (*AccessToken, error) {
	resp, err := c.ClientInterface.CreateToken(ctx, creds, reqEditors...)
	if err == nil && !success(resp) {
		// The server may quote the request back: keep the secret out of
		// the error.
		defer resp.Body.Close()
		body, rerr := io.ReadAll(resp.Body)
		if rerr != nil {
			return nil, fmt.Errorf("api: read %d answer: %w", resp.StatusCode, rerr)
		}
		return nil, scrubbedError(resp, body, []string{creds.PartnerSecret})
	}
	return decode(resp, err, gen.ParseCreateTokenResponse, func(r *gen.CreateTokenResponse) *AccessToken { return r.JSON200 })
}

// requireSet refuses, before anything is sent, a body whose required
// fields were left at their Go zero value. The spec marks them required,
// but a Go struct always has them: without this, an empty customerId or a
// forgotten serviceAgreement would be sent as "" and 0001-01-01T00:00:00Z
// and pass any schema check. It applies with or without
// WithRequestValidation, and names the field.
func requireSet(method, path, name1, value1, name2, value2 string, agreement ServiceAgreement) error {
	missing := ""
	switch {
	case value1 == "":
		missing = name1
	case value2 == "":
		missing = name2
	case agreement.Language == "":
		missing = "serviceAgreement.language"
	case agreement.AcceptedDate.IsZero():
		missing = "serviceAgreement.acceptedDate"
	default:
		return nil
	}
	return &ValidationError{Method: method, Path: path, Location: "body", Field: missing, Reason: "required, but not set",
		err: fmt.Errorf("body %s: required, but not set", missing)}
}

func success(r *http.Response) bool { return r.StatusCode >= 200 && r.StatusCode < 300 }

// errorFrom reads a non-2xx answer into an *Error. It never decodes the body
// as the success type: whatever the body holds, the caller gets an *Error.
func errorFrom(resp *http.Response) error {
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("api: read %d answer: %w", resp.StatusCode, err)
	}
	return NewError(resp.Request, resp.StatusCode, body)
}

// decode turns the outcome of a raw generated call into the success value
// or an error. Non-2xx answers become an *Error before the generated parser
// sees them, so a malformed error body can never masquerade as a transport
// failure. A 2xx the parser did not expect (say 200 where 201 is
// documented) is decoded from the body into the same type.
func decode[R interface{ GetBody() []byte }, T any](resp *http.Response, err error, parse func(*http.Response) (R, error), pick func(R) *T) (*T, error) {
	if err != nil {
		return nil, err
	}
	if !success(resp) {
		defer resp.Body.Close()
		return nil, errorFrom(resp)
	}
	parsed, err := parse(resp) // reads and closes the body
	if err != nil {
		return nil, fmt.Errorf("api: %d answer does not decode: %w", resp.StatusCode, err)
	}
	if v := pick(parsed); v != nil {
		return v, nil
	}
	var v T
	if err := json.Unmarshal(parsed.GetBody(), &v); err != nil {
		return nil, fmt.Errorf("api: %d answer does not decode: %w", resp.StatusCode, err)
	}
	return &v, nil
}
