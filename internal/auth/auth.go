// Package auth adds the Finicity API key headers to outgoing requests.
//
// Every Data Connect Components call carries two headers: Finicity-App-Key
// (the partner's app key) and Finicity-App-Token (a token from partner
// authentication). Headers is a request editor for the generated client that
// sets both; where the token comes from is a TokenSource, so a fixed token
// and a refreshing one look the same to the client.
//
// PartnerToken is the refreshing source: it exchanges partner credentials
// for a token on first use, shares that token between goroutines, renews it
// after a maximum age, and makes concurrent callers share one fetch.
// Transport is the HTTP decorator that sets the headers and, on a 401 with
// reason code 10023 (expired token), refreshes the token once and replays
// the request once. Rejected partner credentials are remembered and never
// sent again, because repeated failures lock the partner account.
package auth

import (
	"context"
	"errors"
	"net/http"
)

// Header names, as sent on the wire.
const (
	HeaderAppKey   = "Finicity-App-Key"
	HeaderAppToken = "Finicity-App-Token"
)

// TokenSource yields the Finicity-App-Token to send with a request.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a TokenSource that always yields the same token.
type StaticToken string

// Token returns the token itself.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// String and GoString keep the token out of anything that prints it with
// fmt (%v, %s, %+v, %#v).
func (t StaticToken) String() string   { return "[REDACTED]" }
func (t StaticToken) GoString() string { return "auth.StaticToken([REDACTED])" }

// ErrEmptyAppKey is returned when no app key is configured.
var ErrEmptyAppKey = errors.New("auth: Finicity-App-Key is empty: pass the partner's app key from the developer dashboard")

var errEmptyToken = errors.New("auth: token source returned an empty Finicity-App-Token")

// Headers returns a request editor that sets Finicity-App-Key to appKey and
// Finicity-App-Token to the token from tokens. If tokens is nil, or req is
// partner authentication itself, only the app key is set.
//
// The api package uses Transport instead, which also refreshes an expired
// token; Headers remains for callers that drive the generated client
// directly.
func Headers(appKey string, tokens TokenSource) func(ctx context.Context, req *http.Request) error {
	return func(ctx context.Context, req *http.Request) error {
		if appKey == "" {
			return ErrEmptyAppKey
		}
		tok, err := tokenFor(ctx, tokens, req)
		if err != nil {
			return err
		}
		setHeaders(req, appKey, tok)
		return nil
	}
}
