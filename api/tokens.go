package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/finicity-go/connect-components/internal/auth"
)

// TokenSource supplies the Finicity-App-Token of each call, for
// WithTokenSource. Implementations must be safe for concurrent use.
type TokenSource interface {
	// Token returns the token to send now. An error fails the call
	// before anything is sent, and is returned to the caller.
	Token(ctx context.Context) (string, error)
	// Invalidate reports that the API refused token as expired (401,
	// reason 10023): the next Token call should not return it again, for
	// example by re-reading the shared store. Many calls may report the
	// same token at once.
	Invalidate(token string)
}

// partnerFetch is the token fetch of WithPartnerCredentials: partner
// authentication through c itself, along the client's whole request path,
// with the credentials of the moment (ResetPartnerCredentials changes
// them). The auth editor sends it with the app key alone.
func partnerFetch(c *Client, creds *atomic.Pointer[partnerCredentials]) auth.FetchFunc {
	return func(ctx context.Context) (string, error) {
		cr := creds.Load()
		tok, err := c.Partners.Authenticate(ctx, PartnerCredentials{PartnerID: cr.id, PartnerSecret: NewSecret(cr.secret)})
		if apiErr, ok := errors.AsType[*Error](err); ok && errors.Is(err, ErrCredentialsRejected) {
			return "", &auth.RejectedError{Err: &rejectedError{apiErr}}
		} else if err != nil {
			return "", err
		}
		return tok.Token.Reveal(), nil
	}
}

// rejectedError is what every call returns once partner authentication
// has refused the credentials. It wraps the API's *Error, which matches
// ErrCredentialsRejected.
type rejectedError struct{ apiErr *Error }

func (e *rejectedError) Error() string {
	return errPrefix + "partner credentials rejected, and not tried again since repeated failures lock the partner account (fix them, then call ResetPartnerCredentials): " +
		strings.TrimPrefix(e.apiErr.Error(), errPrefix)
}

func (e *rejectedError) Unwrap() error    { return e.apiErr }
func (e *rejectedError) GoString() string { return fmt.Sprintf("api.rejectedError(%q)", e.Error()) }
