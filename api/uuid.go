package api

import (
	"fmt"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// UUID is the type of every uuid the API sends and takes (ids of
// configurations, login forms, events). Build one with ParseUUID, or
// MustParseUUID for a constant.
type UUID = openapi_types.UUID

// ParseUUID parses s, a UUID in the canonical 36-character form the API
// uses (such as 605543e1-f507-48ad-8127-95c40566597b).
func ParseUUID(s string) (UUID, error) {
	const example = "such as 605543e1-f507-48ad-8127-95c40566597b"
	if len(s) != 36 {
		return UUID{}, fmt.Errorf("finicity: invalid UUID %q: want 36 characters %s, got %d", s, example, len(s))
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return UUID{}, fmt.Errorf("finicity: invalid UUID %q: want hexadecimal digits and dashes %s", s, example)
	}
	return id, nil
}

// MustParseUUID is ParseUUID for constants and tests: it panics if s is
// not a canonical UUID.
func MustParseUUID(s string) UUID {
	id, err := ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return id
}
