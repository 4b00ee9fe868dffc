package cli

import (
	"strings"

	"github.com/finicity-go/connect-components/api"
)

// parseUUID accepts only the canonical 36-character form the API uses.
// Ids are not secrets, so the message shows what was given.
func parseUUID(what, s string) (api.UUID, error) {
	id, err := api.ParseUUID(s)
	if err != nil {
		return api.UUID{}, Usagef("invalid %s %q: must be a UUID such as 605543e1-f507-48ad-8127-95c40566597b", what, s)
	}
	return id, nil
}

// splitList turns "Checking, Savings" into [Checking Savings]; nil for
// "".
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// NoArgs is the usage error of a command given arguments it takes none
// of.
func NoArgs(in *Invocation) error {
	if len(in.Args) > 0 {
		return Usagef("unexpected argument %q", in.Args[0])
	}
	return nil
}
