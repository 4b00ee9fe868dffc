package usermodule

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// LegacyLoginForm is how older parts of the app ask for a login form: by
// hand, over their own *http.Client, with their own request type. Its
// json tag for the configuration id is a classic mistake:
// configurationID, where the API wants configurationId. Go's JSON
// decoding is case-insensitive, so a test decoding the body would not see
// it; the kit's request checks do.
type LegacyLoginForm struct {
	HTTP    *http.Client
	BaseURL string
	AppKey  string
	Token   string
}

type legacyRequest struct {
	Language         string          `json:"language"`
	CustomerID       string          `json:"customerId"`
	ConfigurationID  string          `json:"configurationID,omitempty"` // the mistake
	ServiceAgreement legacyAgreement `json:"serviceAgreement"`
}

type legacyAgreement struct {
	Language     string    `json:"language"`
	AcceptedDate time.Time `json:"acceptedDate"`
}

// Create asks for a login form and returns the answer's status.
func (l *LegacyLoginForm) Create(ctx context.Context, institutionID int64, customerID, configurationID string, accepted time.Time) (int, error) {
	body, err := json.Marshal(legacyRequest{Language: "en", CustomerID: customerID, ConfigurationID: configurationID,
		ServiceAgreement: legacyAgreement{Language: "en", AcceptedDate: accepted}})
	if err != nil {
		return 0, err
	}
	url := l.BaseURL + "/connect-components/institutions/" + strconv.FormatInt(institutionID, 10) + "/login-forms"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Finicity-App-Key", l.AppKey)
	req.Header.Set("Finicity-App-Token", l.Token)
	resp, err := l.HTTP.Do(req) // legacy-do: the kit names this line
	if err != nil {
		return 0, fmt.Errorf("legacy login form: %w", err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}
