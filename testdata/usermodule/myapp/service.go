// Package myapp is an app whose module path has no dot (go mod init
// myapp), as many are: the test kit's failures name its lines all the
// same.
package myapp

import (
	"context"
	"net/http"
)

// Service lists the app's configurations with code of its own, not
// package api: it asks for a page size the API does not have.
type Service struct {
	HTTP          *http.Client
	BaseURL       string
	AppKey, Token string
}

// Configurations answers the status of the list.
func (s *Service) Configurations(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.BaseURL+"/connect-components/configurations?pageSize=10", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Finicity-App-Key", s.AppKey)
	req.Header.Set("Finicity-App-Token", s.Token)
	resp, err := s.HTTP.Do(req) // service-do
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
