package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/api"
)

// idArg picks an id from a flag or the single positional argument, and
// refuses both, neither, or extra arguments.
func idArg(in *invocation, flagName, flagValue, what string) (string, error) {
	switch {
	case flagValue != "" && len(in.args) > 0:
		return "", usagef("give the %s once: as an argument or with --%s, not both", what, flagName)
	case flagValue != "":
		return flagValue, nil
	case len(in.args) == 1:
		return in.args[0], nil
	case len(in.args) > 1:
		return "", usagef("too many arguments: want one %s, got %d", what, len(in.args))
	}
	return "", usagef("missing required %s: pass it as an argument or with --%s", what, flagName)
}

// parseUUID accepts only the canonical 36-character form the API uses.
// Ids are not secrets, so the message shows what was given.
func parseUUID(what, s string) (api.UUID, error) {
	id, err := api.ParseUUID(s)
	if err != nil {
		return api.UUID{}, usagef("invalid %s %q: must be a UUID such as 605543e1-f507-48ad-8127-95c40566597b", what, s)
	}
	return id, nil
}

// splitList turns "Checking, Savings" into [Checking Savings]; nil for
// "", so that the field is left out of the request.
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

// acceptedDate parses --accepted-date, defaulting to now (the user is
// accepting the terms as the command runs).
func acceptedDate(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("invalid --accepted-date %q: must be an RFC 3339 date-time such as 2024-11-28T18:25:32Z", s)
	}
	return t, nil
}

func requireFlag(name, value string) error {
	if strings.TrimSpace(value) == "" {
		return usagef("missing required flag --%s", name)
	}
	return nil
}

func noArgs(in *invocation) error {
	if len(in.args) > 0 {
		return usagef("unexpected argument %q", in.args[0])
	}
	return nil
}

// intArg picks an integer from a flag (0 meaning unset) or a positional
// argument.
func intArg(in *invocation, flagName string, flagValue int64, what string) (int64, error) {
	if flagValue != 0 {
		if len(in.args) > 0 {
			return 0, usagef("give the %s once: as an argument or with --%s, not both", what, flagName)
		}
		return flagValue, nil
	}
	s, err := idArg(in, flagName, "", what)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, usagef("invalid %s %q: must be an integer", what, s)
	}
	return n, nil
}
