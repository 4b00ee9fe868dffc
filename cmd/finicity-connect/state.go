package main

import (
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/finicity-go/connect-components/internal/statefile"
)

// envSandboxState names the state file of --sandbox, instead of the
// default under the user's cache directory.
const envSandboxState = "FINICITY_SANDBOX_STATE"

// statePath picks the state file: the flag, else $FINICITY_SANDBOX_STATE,
// else <user cache dir>/finicity-connect/sandbox-state.json.
func statePath(flagValue string, env func(string) string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if v := env(envSandboxState); v != "" {
		return filepath.Abs(v)
	}
	path, err := statefile.DefaultPath()
	if err != nil {
		return "", usagef("no place for the sandbox state (%v): set %s or pass --sandbox-state", err, envSandboxState)
	}
	return path, nil
}

// unwrapPath drops the *PathError's operation and path (the message names
// the file already), keeping the reason.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
