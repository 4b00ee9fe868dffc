package api

import "github.com/finicity-go/connect-components/internal/secret"

// Secret holds a credential (a partner secret, an app key, a token) so
// that no fmt verb, slog record or reflection-based printer shows it: it
// prints as [REDACTED] ("" when empty), and %p of a struct holding one
// shows an address. Model fields the spec marks secret (x-secret, or a
// name such as partnerSecret or token) have this type.
//
// Make one with NewSecret; Reveal returns the value, for code that must
// send it; IsZero reports an empty one. JSON carries the value itself, as
// the API needs it. Compare with Reveal, not ==.
//
//	creds := api.PartnerCredentials{PartnerID: id, PartnerSecret: api.NewSecret(s)}
//	tok, err := c.Partners.Authenticate(ctx, creds)
//	header := tok.Token.Reveal()
type Secret = secret.String

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret { return secret.New(s) }
