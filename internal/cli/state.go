package cli

import (
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/finicity-go/connect-components/internal/statefile"
)

// EnvSandboxState names the state file of --sandbox, instead of the
// default under the user's cache directory.
const EnvSandboxState = "FINICITY_SANDBOX_STATE"

// StatePath picks the state file: the flag, else $FINICITY_SANDBOX_STATE,
// else <user cache dir>/finicity-connect/sandbox-state.json.
func StatePath(flagValue string, env func(string) string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if v := env(EnvSandboxState); v != "" {
		return filepath.Abs(v)
	}
	path, err := statefile.DefaultPath()
	if err != nil {
		return "", Usagef("no place for the sandbox state (%v): set %s or pass --sandbox-state", err, EnvSandboxState)
	}
	return path, nil
}

// WithoutPath drops the *PathError's operation and path (the message names
// the file already), keeping the reason.
func WithoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
