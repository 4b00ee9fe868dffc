// Package auth puts the credentials on requests (Editor) and keeps the
// Finicity-App-Token fresh: PartnerToken exchanges partner credentials
// for tokens, shared and renewed, a rejection remembered; Expired
// recognises the answer after which a request is replayed with a new one.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Header names, as sent on the wire.
const (
	HeaderAppKey   = "Finicity-App-Key"
	HeaderAppToken = "Finicity-App-Token"
)

// TokenPath is the path of partner authentication, the one operation sent
// with the app key alone.
const TokenPath = "/aggregation/v2/partners/authentication"

// ErrEmptyToken is returned when a token source yields "".
var ErrEmptyToken = errors.New("the token source returned an empty Finicity-App-Token")

// Editor returns the request editor that sets Finicity-App-Key to appKey
// and Finicity-App-Token to what token returns; partner authentication,
// how a token is obtained, gets the app key alone.
func Editor(appKey string, token func(context.Context) (string, error)) func(ctx context.Context, req *http.Request) error {
	return func(ctx context.Context, req *http.Request) error {
		req.Header.Set(HeaderAppKey, appKey)
		if IsTokenRequest(req) {
			req.Header.Del(HeaderAppToken)
			return nil
		}
		tok, err := token(ctx)
		if err != nil {
			return err
		} else if tok == "" {
			return ErrEmptyToken
		}
		req.Header.Set(HeaderAppToken, tok)
		return nil
	}
}

// IsTokenRequest reports whether req is partner authentication.
func IsTokenRequest(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasSuffix(strings.TrimSuffix(req.URL.Path, "/"), TokenPath)
}

// Expired reports whether status and body, the answer to req, say that
// the token req carried has expired: a 401 whose error body in the
// documented shape ({"Errors":{"Error":[{"ReasonCode":"..."}]}}) carries
// the reason code expired, as a string or a number.
func Expired(req *http.Request, status int, body []byte, expired string) bool {
	if status != http.StatusUnauthorized || IsTokenRequest(req) || req.Header.Get(HeaderAppToken) == "" {
		return false
	}
	var parsed struct {
		Errors struct {
			Error []struct{ ReasonCode json.RawMessage }
		}
	}
	_ = json.Unmarshal(body, &parsed)
	return slices.ContainsFunc(parsed.Errors.Error, func(e struct{ ReasonCode json.RawMessage }) bool {
		return strings.Trim(string(e.ReasonCode), `"`) == expired
	})
}
