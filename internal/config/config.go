// Package config holds what package api's options set, apart from api so
// that its test kit (api/connecttest) can apply options, and add its own,
// without building a client. api's TokenSource and Middleware are type
// parameters: this package cannot import api.
package config

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/finicity-go/connect-components/internal/retry"
)

// Settings is what api's options set.
type Settings[TokenSource, Middleware any] struct {
	BaseURL    string
	HTTPClient *http.Client
	Editors    []func(context.Context, *http.Request) error
	Middleware []Middleware
	// The Finicity-App-Token comes from one of AppToken, the partner
	// credentials and TokenSource; Sources names the options that gave one.
	AppToken, PartnerID, PartnerSecret  string
	TokenSource                         TokenSource
	Sources                             []string
	TokenMaxAge, AttemptTimeout         time.Duration
	Retry                               retry.Policy
	Logger                              *slog.Logger
	ValidateRequests, ValidateResponses bool
}
