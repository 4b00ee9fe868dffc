// Package auth puts the Finicity credentials on outgoing requests and
// keeps the Finicity-App-Token fresh.
//
// Every Data Connect Components call carries two headers: Finicity-App-Key
// (the partner's app key) and Finicity-App-Token (a token from partner
// authentication). Editor is the request editor that sets both when the
// generated client builds a request; where the token comes from is a
// TokenSource, so a fixed token, a refreshing one and one kept by the
// caller's own store look the same to the client.
//
// PartnerToken is the refreshing source: it exchanges partner credentials
// for a token on first use, shares that token between goroutines, renews it
// after a maximum age, and makes concurrent callers share one fetch.
// Replay is the layer around the HTTP doer that, on a 401 with reason code
// 10023 (expired token), asks the source for a new token once and sends the
// request once more. Rejected partner credentials are remembered and never
// sent again, because repeated failures lock the partner account.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
)

// Header names, as sent on the wire.
const (
	HeaderAppKey   = "Finicity-App-Key"
	HeaderAppToken = "Finicity-App-Token"
)

// TokenPath is the path of partner authentication, the one operation that
// is sent with the app key alone.
const TokenPath = "/aggregation/v2/partners/authentication"

// TokenSource yields the Finicity-App-Token to send, and hears about a
// token the API refused as expired.
type TokenSource interface {
	// Token returns the token to send now.
	Token(ctx context.Context) (string, error)
	// Invalidate reports that the API answered 10023 for token: the next
	// Token call should not return it again. Comparing with the failing
	// value is what makes many concurrent failures of one token cause a
	// single fetch.
	Invalidate(token string)
}

// StaticToken is a TokenSource that always yields the same token; it
// cannot be renewed, so Invalidate does nothing.
type StaticToken string

// Token returns the token itself.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// Invalidate does nothing: a fixed token has no replacement.
func (StaticToken) Invalidate(string) {}

// String and GoString keep the token out of anything that prints it with
// fmt (%v, %s, %+v, %#v).
func (t StaticToken) String() string   { return "[REDACTED]" }
func (t StaticToken) GoString() string { return "auth.StaticToken([REDACTED])" }

// Renewable reports whether the source can yield a different token after
// Invalidate: replaying a request is pointless otherwise.
func Renewable(ts TokenSource) bool {
	_, fixed := ts.(StaticToken)
	return !fixed
}

// ErrEmptyAppKey is returned when no app key is configured.
var ErrEmptyAppKey = errors.New("Finicity-App-Key is empty: pass the partner's app key from the developer dashboard")

// ErrEmptyToken is returned when a token source yields "".
var ErrEmptyToken = errors.New("the token source returned an empty Finicity-App-Token")

// Editor returns the request editor that sets Finicity-App-Key to appKey
// and Finicity-App-Token to the token from tokens, when the generated
// client builds a request. Partner authentication gets the app key alone:
// it is how a token is obtained, and asking the source for one there would
// recurse.
func Editor(appKey string, tokens TokenSource) func(ctx context.Context, req *http.Request) error {
	// The header values are shared by every request rather than built per
	// call: net/http only reads them, and a slice whose length is its
	// capacity is copied, never changed, by an append.
	key := []string{appKey}
	var last atomic.Pointer[[]string] // the last token's header value
	return func(ctx context.Context, req *http.Request) error {
		if appKey == "" {
			return ErrEmptyAppKey
		}
		req.Header[HeaderAppKey] = key[:1:1]
		if IsTokenRequest(req) {
			delete(req.Header, HeaderAppToken)
			return nil
		}
		tok, err := tokens.Token(ctx)
		if err != nil {
			return err
		}
		if tok == "" {
			return ErrEmptyToken
		}
		if v := last.Load(); v != nil && (*v)[0] == tok {
			req.Header[HeaderAppToken] = (*v)[:1:1]
			return nil
		}
		v := []string{tok}
		last.Store(&v)
		req.Header[HeaderAppToken] = v[:1:1]
		return nil
	}
}

// SetToken puts tok on req as Finicity-App-Token. The keys are canonical,
// so the map is written directly rather than through Header.Set.
func SetToken(req *http.Request, tok string) error {
	if tok == "" {
		return ErrEmptyToken
	}
	req.Header[HeaderAppToken] = []string{tok}
	return nil
}

// IsTokenRequest reports whether req is partner authentication.
func IsTokenRequest(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasSuffix(strings.TrimSuffix(req.URL.Path, "/"), TokenPath)
}

// HasReasonCode reports whether an error body in the documented shape
// ({"Errors":{"Error":[{"ReasonCode":"..."}]}}) carries code. A number is
// accepted as well as a string, since nothing is lost by being lenient.
func HasReasonCode(body []byte, code string) bool {
	var parsed struct {
		Errors struct {
			Error []struct {
				ReasonCode json.RawMessage
			}
		}
	}
	if json.Unmarshal(body, &parsed) != nil {
		return false
	}
	for _, e := range parsed.Errors.Error {
		if strings.Trim(string(e.ReasonCode), `"`) == code {
			return true
		}
	}
	return false
}
