package cli

// Command lines from the spec model, for the tests of the CLI against
// its sandbox: a command line is the operation's command with the test's
// own flags and, from the spec's examples, every required body flag the
// test leaves out (withRequired). Bodies and answers sent by hand come
// from internal/testutil/specexample. What cannot be derived fails
// naming the spec location (openapi.yaml#<JSON pointer>) and the test
// file.

import (
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/internal/testutil/specexample"
)

// specHelpers are the helpers of specflags_test.go that build command
// lines and bodies: callerFile looks past them, as past this file's.
var specHelpers = []string{".withRequired", ".requiredBody", ".opByID", ".fieldByFlag"}

// callerFile is the test file ("internal/cli/state_test.go")
// that called into these helpers.
func callerFile() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		helper := slices.ContainsFunc(specHelpers, func(h string) bool { return strings.HasSuffix(f.Function, h) })
		if base := filepath.Base(f.File); strings.HasSuffix(base, "_test.go") && base != "specbody_test.go" && !helper {
			return "internal/cli/" + base
		}
		if !more {
			return "internal/cli/specbody_test.go"
		}
	}
}

// commandOf is the command of operation id, as the words of a command
// line ("configurations", "create").
func commandOf(t testing.TB, id string) []string {
	t.Helper()
	return strings.Fields(opByID(t, id, callerFile()).name())
}

// sandboxCreate is the command line creating a configuration with
// --sandbox and args, the required body flags args leaves out added from
// the spec's examples; and the body fields those added flags send.
func sandboxCreate(t testing.TB, args ...string) ([]string, map[string]any) {
	t.Helper()
	line := slices.Concat(commandOf(t, specexample.CreateConfiguration), []string{"--sandbox"}, args)
	_, extra := requiredBody(t, opByID(t, specexample.CreateConfiguration, callerFile()), ownFlags(args)...)
	return withRequired(t, line...), extra
}

// sandboxVerb is the command line of the configurations command verb
// ("list" or "create") with --sandbox: a create with its required
// flags (sandboxCreate).
func sandboxVerb(t testing.TB, verb string) []string {
	t.Helper()
	switch verb {
	case "create":
		line, _ := sandboxCreate(t)
		return line
	case "list":
		return append(commandOf(t, specexample.ListConfigurations), "--sandbox")
	}
	t.Fatalf("%s: no configurations %s in the tests' helpers", callerFile(), verb)
	return nil
}

// ownFlags are the flag names args gives.
func ownFlags(args []string) []string {
	var own []string
	for _, a := range args {
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ = strings.Cut(name, "=")
			own = append(own, name)
		}
	}
	return own
}
