package main

import (
	"context"
	"flag"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/tour"
)

// demo runs every operation of the spec against an in-process sandbox,
// in the order the journey planner gives (internal/journey), with the
// values of the spec's examples, and narrates each step (tour.Demo). It
// needs no credentials and opens no socket.
func demo(fs *flag.FlagSet) cli.Action {
	verbose := fs.Bool("verbose", false, "also print each HTTP attempt on stderr: request and response lines, headers and bodies, credentials masked")
	return func(ctx context.Context, in *cli.Invocation) error {
		if err := cli.NoArgs(in); err != nil {
			return err
		}
		var opts []api.Option
		if *verbose {
			opts = cli.VerboseOptions(in.Stderr, []string{sandbox.DefaultAppKey, sandbox.DefaultPartnerSecret})
		}
		// Strict on both sides: the sandbox checks tokens like the real
		// API, and the client validates what it sends. The sandbox is a
		// fresh one in memory: the demo neither reads nor changes the
		// --sandbox state file, so it runs the same every time.
		c, err := cli.SandboxClient(sandbox.New(sandbox.WithTokenCheck(true)), append(opts, api.WithRequestValidation())...)
		if err != nil {
			return err
		}
		m, err := specdoc.Model()
		if err != nil {
			return err
		}
		plan, err := journey.New(m, journey.Options{Values: sandboxCredentials(), Recheck: true})
		if err != nil {
			return err
		}
		return tour.Demo(ctx, c, plan, in.Stdout)
	}
}

// sandboxCredentials are the journey's values of the sandbox's partner
// credentials, by the flag names of the token operation's body fields.
func sandboxCredentials() map[string]any {
	return map[string]any{"partner-id": sandbox.DefaultPartnerID, "partner-secret": sandbox.DefaultPartnerSecret}
}
