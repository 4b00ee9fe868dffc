package main

import (
	"context"
	"flag"
	"io"
	"os"
	"slices"

	"github.com/finicity-go/connect-components/internal/cli"
	"github.com/finicity-go/connect-components/internal/har"
	"github.com/finicity-go/connect-components/internal/harcheck"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// validateCommand is finicity-connect validate (internal/harcheck):
// every exchange of HAR files checked against the embedded spec, offline,
// with the checker the proxy uses; a report as text, JSON or JUnit XML;
// exit 1 on any violation.
func validateCommand(fs *flag.FlagSet) cli.Action {
	format := fs.String("format", harcheck.FormatText, "the report's format: text, json, or junit (JUnit XML, which CI systems show as tests)")
	output := fs.String("output", "", "write the report to this file instead of stdout")
	baseURL := fs.String("base-url", "", "the API's base URL in the recordings (scheme, host, optional path); default: the spec's servers, and any host for a path the spec has")
	return func(ctx context.Context, in *cli.Invocation) error {
		if len(in.Args) == 0 {
			return cli.Usagef("no HAR file: give one or more, or - for stdin")
		}
		switch *format {
		case harcheck.FormatText, harcheck.FormatJSON, harcheck.FormatJUnit:
		default:
			return cli.Usagef("invalid --format %q: want text, json or junit", *format)
		}
		v, err := specdoc.Validator()
		if err != nil {
			return err
		}
		scope, err := har.NewScope(v, *baseURL)
		if err != nil {
			return cli.Usagef("invalid --base-url: %v", err)
		}
		if n := slices.Index(in.Args, "-"); n >= 0 && slices.Contains(in.Args[n+1:], "-") {
			return cli.Usagef("- is given twice: stdin can be read once")
		}
		inputs, err := harcheck.Read(in.Args, in.Stdin)
		if err != nil {
			// An input that cannot be read or is not a HAR: exit 2,
			// naming it, with no pointer to --help.
			return cli.ExitWith(cli.ExitUsage, "%v", err)
		}
		rep := harcheck.Check(ctx, v, scope, inputs)
		text, err := rep.Render(*format)
		if err != nil {
			return err
		}
		if err := writeReport(*output, in.Stdout, text); err != nil {
			return err
		}
		if rep.Totals.Violations > 0 {
			return cli.ExitWith(cli.ExitAPI, "%d violation(s) of the spec in %d exchange(s)", rep.Totals.Violations, rep.Totals.Failed)
		}
		return nil
	}
}

// writeReport writes the report to path, or to stdout without one. A
// file that cannot be made is a usage error (2); a write that fails, an
// output error (4).
func writeReport(path string, stdout io.Writer, report string) error {
	if path == "" {
		_, err := io.WriteString(stdout, report)
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return cli.Usagef("cannot write --output: %v", cli.WithoutPath(err))
	}
	if _, err := io.WriteString(f, report); err != nil {
		_ = f.Close()
		return &cli.OutputError{Err: err}
	}
	if err := f.Close(); err != nil {
		return &cli.OutputError{Err: err}
	}
	return nil
}
