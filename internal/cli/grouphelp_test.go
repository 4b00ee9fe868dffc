package cli

import (
	"strings"
	"testing"
)

// TestGroupHelp: a service's name alone, or with --help, lists that
// service's commands (every one, as the command table has them, so a new
// operation shows up with no edit here) and no other; an unknown verb of
// a service stays an unknown command.
func TestGroupHelp(t *testing.T) {
	groups := map[string][]string{}
	commands := map[string]bool{}
	for _, c := range allCommands() {
		commands[c.Name] = true
		if group, _, ok := strings.Cut(c.Name, " "); ok {
			groups[group] = append(groups[group], c.Name)
		}
	}
	for group := range groups {
		if commands[group] {
			delete(groups, group) // "sandbox" is a command of its own, with its own help
		}
	}
	if len(groups["configurations"]) == 0 {
		t.Fatal("no configurations commands: the command table is empty")
	}
	for group, names := range groups {
		for _, args := range [][]string{{group, "--help"}, {group}} {
			o := cliRun(t, nil, args...)
			want := 0
			if len(args) == 1 {
				want = 2 // as the program run with no command at all
			}
			if o.Code != want || o.Stderr != "" {
				t.Errorf("%q: exit %d (want %d), stderr %q", args, o.Code, want, o.Stderr)
			}
			if !strings.HasPrefix(o.Stdout, "Usage:\n  finicity-connect "+group+" <command>") {
				t.Errorf("%q: stdout starts %q", args, o.Stdout[:min(60, len(o.Stdout))])
			}
			listed := 0
			for _, line := range strings.Split(o.Stdout, "\n") {
				if strings.HasPrefix(line, "  "+group+" ") {
					listed++
				} else if strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "  finicity-connect ") {
					t.Errorf("%q lists another group's command: %q", args, line)
				}
			}
			for _, n := range names {
				if !strings.Contains(o.Stdout, "\n  "+n+" ") {
					t.Errorf("%q does not list %q", args, n)
				}
			}
			if listed != len(names) {
				t.Errorf("%q lists %d commands, want %d", args, listed, len(names))
			}
		}
	}
	if o := cliRun(t, nil, "configurations", "purge"); o.Code != 2 || !strings.Contains(o.Stderr, `unknown command "configurations purge"`) {
		t.Errorf("unknown verb: exit %d, stderr %q", o.Code, o.Stderr)
	}
}
