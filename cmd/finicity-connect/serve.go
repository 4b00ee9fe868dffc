package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/servedsandbox"
	"github.com/finicity-go/connect-components/internal/statefile"
)

// shutdownGrace bounds how long in-flight requests may finish after
// SIGINT/SIGTERM.
const shutdownGrace = servedsandbox.DefaultGrace

// serveSandbox is finicity-connect sandbox (internal/servedsandbox).
func serveSandbox(fs *flag.FlagSet) cli.Action {
	addr := fs.String("addr", "127.0.0.1:4010", "address to listen on")
	checkTokens := fs.Bool("check-tokens", false, "accept only tokens this sandbox issued (partner authentication), expiring after --token-lifetime")
	lifetime := fs.Duration("token-lifetime", sandbox.DefaultTokenLifetime, "lifetime of issued tokens")
	maxBody := fs.Int64("max-body-bytes", sandbox.DefaultMaxBodyBytes, "largest request body accepted")
	maxState := fs.Int64("max-state-bytes", sandbox.DefaultMaxStateBytes, "byte budget of the stored state; a create past it is refused (400, reason 10010); a --state file over it plus a quarter is refused")
	stateFlag := fs.String("state", "", "load the sandbox's state from this file at start and save it there after each change (as --sandbox does); default: in memory only")
	limits := limitFlags(fs, "close a connection whose whole request, body included, takes longer", "give up writing an answer after this long",
		"connections served at once; more wait until one closes")
	grace := fs.Duration("shutdown-grace", shutdownGrace, "on SIGINT/SIGTERM, let requests in flight finish this long, then close their connections")
	strict := fs.Bool("strict", false, "refuse every request off the spec with 400 and reason code 10010, what the API would ignore (a field it does not define) included")
	return func(ctx context.Context, in *cli.Invocation) error {
		if err := cli.NoArgs(in); err != nil {
			return err
		}
		if *lifetime <= 0 || *maxBody <= 0 || *maxState <= 0 {
			return cli.Usagef("--token-lifetime, --max-body-bytes and --max-state-bytes must be positive")
		}
		if !limits.positive() || *grace <= 0 {
			return cli.Usagef("--header-timeout, --read-timeout, --write-timeout, --idle-timeout, --max-connections and --shutdown-grace must be positive")
		}
		ln, err := listenOn(*addr, limits)
		if err != nil {
			return err
		}
		defer ln.Close() // when returning early; the shutdown closes it otherwise
		cfg := servedsandbox.Config{CheckTokens: *checkTokens, TokenLifetime: *lifetime, MaxBody: *maxBody, MaxState: *maxState, Strict: *strict}
		if *stateFlag != "" {
			if cfg.StatePath, err = filepath.Abs(*stateFlag); err != nil {
				return err
			}
		}
		// A failure to write the ready line is stdout's own error, a
		// *cli.OutputError: exit 4.
		return servedsandbox.Run(ctx, ln, cfg, limits.limits(), *grace, in.Stdout, in.Stderr)
	}
}

// resetSandboxState empties the --sandbox state file: it removes it,
// under the lock, so that the next invocation starts from nothing. It
// does not read the file, so a corrupt one is reset too.
func resetSandboxState(flags *flag.FlagSet) cli.Action {
	stateFlag := flags.String("state", "", "the state file to empty (default $"+cli.EnvSandboxState+", else <user cache dir>/"+statefile.DefaultName+")")
	return func(ctx context.Context, in *cli.Invocation) error {
		if err := cli.NoArgs(in); err != nil {
			return err
		}
		path, err := cli.StatePath(*stateFlag, in.Env)
		if err != nil {
			return err
		}
		if err := statefile.Reset(ctx, path, in.Stderr); err != nil {
			return err
		}
		fmt.Fprintf(in.Stdout, "sandbox state reset: %s\n", path)
		return nil
	}
}
