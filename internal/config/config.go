// Package config holds the settings of a client of package api: the one
// value its options (api.Option) set and api.NewClient reads. It stands
// apart so that the test kit (api/connecttest) can apply options to one,
// and add its own, without building a client. Package api's TokenSource
// and Middleware are type parameters: this package cannot import api.
package config

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/finicity-go/connect-components/internal/retry"
)

// Settings is what the options of package api set.
type Settings[TokenSource, Middleware any] struct {
	BaseURL    string
	HTTPClient *http.Client
	Editors    []func(context.Context, *http.Request) error
	Middleware []Middleware

	// Exactly one source of Finicity-App-Token: AppToken, the partner
	// credentials or TokenSource. Sources names the options that gave
	// one, for the error of none or two.
	AppToken                 string
	PartnerID, PartnerSecret string
	TokenSource              TokenSource
	Sources                  []string
	TokenMaxAge              time.Duration

	Retry          retry.Policy
	AttemptTimeout time.Duration
	Logger         *slog.Logger

	ValidateRequests, ValidateResponses bool
}
