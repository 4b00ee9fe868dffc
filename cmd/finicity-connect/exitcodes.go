package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/finicity-go/connect-components/api"
)

// Exit codes, documented in --help and README.
const (
	exitOK      = 0
	exitAPI     = 1 // the API answered with an error status
	exitUsage   = 2 // bad flags or arguments, missing credentials, invalid request
	exitNetwork = 3 // no answer: connection, DNS, TLS, timeout, interrupted
)

const exitCodesHelp = `Exit codes:
  0  success
  1  API error (the API answered 4xx/5xx; status, reason code and description on stderr)
  2  usage error (bad flag or argument, missing credentials, request refused by --validate)
  3  network failure (no answer: connection refused, DNS, TLS, timeout, interrupted)`

// usageError is a mistake in how the command was called. It is printed
// with a pointer to --help and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// report prints err for the user and returns the exit code. API errors
// show status, reason code, description and details, never the body's
// other bytes; none of the messages carries a credential.
func report(stderr io.Writer, cmd string, err error) int {
	prog := "finicity-connect"
	if cmd != "" {
		prog += " " + cmd
	}
	var ue *usageError
	var ae *api.Error
	var ve *api.ValidationError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", prog, ue.msg, prog)
		return exitUsage
	case errors.As(err, &ae):
		fmt.Fprintf(stderr, "%s: API error: status %d %s", prog, ae.StatusCode, http.StatusText(ae.StatusCode))
		if ae.ReasonCode != "" {
			fmt.Fprintf(stderr, ", reason code %s", ae.ReasonCode)
		}
		if ae.Description != "" {
			fmt.Fprintf(stderr, ": %s", ae.Description)
		}
		if ae.Details != "" && ae.Details != ae.Description {
			fmt.Fprintf(stderr, " (%s)", ae.Details)
		}
		fmt.Fprintln(stderr)
		return exitAPI
	case errors.As(err, &ve) && !ve.Response:
		fmt.Fprintf(stderr, "%s: request refused before sending: %s %s: %s\n", prog, ve.Location, ve.Field, ve.Reason)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "%s: interrupted\n", prog)
		return exitNetwork
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(stderr, "%s: network failure: no answer within --timeout\n", prog)
		return exitNetwork
	default:
		fmt.Fprintf(stderr, "%s: network failure, no usable answer: %v\n", prog, err)
		return exitNetwork
	}
}
