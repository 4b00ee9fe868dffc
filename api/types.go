package api

import (
	"fmt"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/finicity-go/connect-components/internal/secret"
)

// Secret holds a credential (a model field the spec marks secret) that no
// fmt verb, slog record or reflection-based printer shows: it prints as
// [REDACTED]. JSON carries the value; Reveal returns it (compare with it,
// not ==), IsZero reports an empty one.
//
//	creds := api.PartnerCredentials{PartnerID: id, PartnerSecret: api.NewSecret(s)}
//	tok, err := c.Partners.Authenticate(ctx, creds)
//	header := tok.Token.Reveal()
type Secret = secret.String

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret { return secret.New(s) }

// UUID is the type of every uuid the API sends and takes (ids of
// configurations, login forms, events).
type UUID = openapi_types.UUID

// ParseUUID parses s, a UUID in the canonical 36-character form the API
// uses (such as 605543e1-f507-48ad-8127-95c40566597b).
func ParseUUID(s string) (UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil || len(s) != 36 { // uuid.Parse takes urn: and {} forms too
		return UUID{}, fmt.Errorf("finicity: invalid UUID %q: want 36 hexadecimal digits and dashes, such as 605543e1-f507-48ad-8127-95c40566597b", s)
	}
	return id, nil
}

// MustParseUUID is ParseUUID for constants: it panics on an invalid s.
func MustParseUUID(s string) UUID {
	id, err := ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return id
}

// NeedsMFA reports whether the API answered 203: the user must answer the
// challenges before a login form.
func (r *Reconnection) NeedsMFA() bool { return r.LoginForm == nil }

// Challenges returns every challenge of a 203 answer, in order, as one
// list; nil for a 201.
func (r *Reconnection) Challenges() []MFAChallenge {
	var all []MFAChallenge
	for _, set := range r.ChallengeSets {
		all = append(all, set.Challenges...)
	}
	return all
}
