package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/tour"
)

// conformanceDeleteTimeout bounds the clean-up, which runs even after the
// journey was interrupted.
const conformanceDeleteTimeout = 30 * time.Second

// conformanceBodyFlags are the body values a partner sets for its own
// app against the live API, beside the path parameters: flag name, and
// its help. Each names a body field of the spec (TestConformanceFlags).
var conformanceBodyFlags = map[string]string{
	"redirect-uri": "the OAuth redirect URI to ask for: one registered for your app",
}

// conformanceCommand is finicity-connect conformance (tour.Conformance):
// the journey through every operation of the spec (internal/journey, as
// the demo walks it), against the endpoint of the usual credentials,
// every exchange checked as the proxy checks it (internal/validation).
// The journey is the safe one, against the sandbox as against the API:
// what it creates it deletes, even after a failure or an interrupt; an
// operation with effects it cannot undo runs only when its ids are given
// (a reconnection of one's own customer); credentials come from the
// connection, never from the spec's examples.
func conformanceCommand(fs *flag.FlagSet) cli.Action {
	m, err := specdoc.Model()
	if err != nil {
		return func(context.Context, *cli.Invocation) error { return err }
	}
	values := map[string]*string{}
	for _, input := range journey.Inputs(m) {
		values[input.Name] = fs.String(input.Name, "", inputUsage(input))
	}
	for name, usage := range conformanceBodyFlags {
		if _, taken := values[name]; !taken && fs.Lookup(name) == nil {
			values[name] = fs.String(name, "", usage+" (default: the spec's example)")
		}
	}
	return func(ctx context.Context, in *cli.Invocation) error {
		if err := cli.NoArgs(in); err != nil {
			return err
		}
		given := map[string]any{}
		fs.Visit(func(f *flag.Flag) {
			if v, ok := values[f.Name]; ok && *v != "" {
				given[f.Name] = *v
			}
		})
		if id, secret := in.PartnerCredentials(); id != "" && secret != "" {
			given["partner-id"], given["partner-secret"] = id, secret
		}
		plan, err := journey.New(m, journey.Options{Values: given, Live: true, CleanupTimeout: conformanceDeleteTimeout})
		var optIn *journey.OptInError
		var bad *journey.ValueError
		switch {
		case errors.As(err, &optIn), errors.As(err, &bad):
			return cli.Usagef("%v", err)
		case err != nil:
			return err
		}
		checker, err := specdoc.Validator()
		if err != nil {
			return err
		}
		run := &tour.Conformance{Client: in.Client, Checker: checker, Secrets: in.Secrets(), Describe: cli.Describe}
		rep := run.Run(ctx, plan)
		if err := in.Print(cli.Result{Value: rep, Table: rep.Table}); err != nil {
			return err
		}
		switch outcome, msg := rep.Outcome(); outcome {
		case tour.NoAnswer:
			return cli.ExitWith(cli.ExitNetwork, "%s", msg)
		case tour.CredentialsRejected, tour.Refused:
			return cli.ExitWith(cli.ExitUsage, "%s", msg)
		case tour.Departed:
			return cli.ExitWith(cli.ExitAPI, "%s", msg)
		}
		return nil
	}
}

// inputUsage is the help of a flag for a value of the journey.
func inputUsage(in journey.Input) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(spec.FirstSentence(in.Param.Description), "."))
	fmt.Fprintf(&b, ", for %s", strings.Join(in.Commands, ", "))
	var notes []string
	if ex, ok := in.Param.Example(); ok && len(in.OptIn) < len(in.Commands) {
		notes = append(notes, "default: the spec's example, "+spec.ValueText(ex))
	}
	if len(in.OptIn) > 0 {
		notes = append(notes, strings.Join(in.OptIn, ", ")+" runs only when it is given, with its other ids")
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(notes, "; "))
	}
	return b.String()
}
