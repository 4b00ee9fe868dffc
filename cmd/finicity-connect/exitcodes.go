package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/statefile"
)

// Exit codes, documented in --help and README.
const (
	exitOK      = 0
	exitAPI     = 1 // the API answered with an error status, or with an answer that does not decode
	exitUsage   = 2 // bad flags or arguments, missing credentials, invalid request, unusable sandbox state file
	exitNetwork = 3 // no answer: connection, DNS, TLS, timeout, interrupted; or no lock on the state file in time
	exitOutput  = 4 // the output could not be written (a closed pipe, a full disk); any change was saved before
)

const exitCodesHelp = `Exit codes:
  0  success
  1  API error: the API answered 4xx/5xx (status, reason code and description on stderr),
     or answered 2xx with a body that does not decode (an unusable answer)
  2  usage error (bad flag or argument, missing credentials, request refused by --validate),
     or a sandbox state file that cannot be read, parsed or written
  3  network failure (no answer: connection refused or closed, DNS, TLS, timeout, interrupted),
     or --timeout or an interrupt while waiting for the lock of the --sandbox state file
  4  the output could not be written (stdout closed or full); a change to the --sandbox state
     was saved before anything was printed, so it is kept`

// The exit codes of the commands that serve (sandbox, proxy) and of
// validate, in their --help.
const (
	sandboxExitCodes = `Exit codes:
  0  stopped by SIGINT or SIGTERM
  2  usage error (bad flag or argument), an --addr it cannot listen on, or a --state file
     that cannot be read, parsed or written
  3  network failure: the listener failed while serving
  4  the ready line could not be written (stdout closed or full)`
	proxyExitCodes = `Exit codes:
  0  stopped by SIGINT or SIGTERM, no finding of the --fail-on class recorded (always with --fail-on none)
  1  stopped by SIGINT or SIGTERM, a finding of the --fail-on class recorded: a violation of the spec (violations, the
     default; an upstream that did not answer counts), or any finding, informational ones
     included (any)
  2  usage error (bad flag or argument, an --upstream it refuses, an --addr it cannot listen
     on, a --report or --har file it cannot open)
  3  network failure: the listener failed while serving
  4  the ready line or the summary could not be written (stdout closed or full)`
	validateExitCodes = `Exit codes:
  0  no violation (informational findings and skipped exchanges aside)
  1  at least one violation of the spec, in any file
  2  usage error (bad flag, no file), or an input that cannot be read or is not a HAR file
  3  network failure: never (validate reads files and stdin only)
  4  the report could not be written (stdout or --output closed or full)`
)

// usageError is a mistake in how the command was called. It is printed
// with a pointer to --help and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// report prints err for the user and returns the exit code. API errors
// show status, reason code, description and details, never the body's
// other bytes. Whatever is printed is masked with secrets (the
// credentials in use): the API's texts and a transport error may quote
// one back.
func report(stderr io.Writer, cmd string, err error, secrets ...string) int {
	var b strings.Builder
	code := describe(&b, cmd, err)
	_, _ = io.WriteString(stderr, redact.Text(b.String(), secrets...))
	return code
}

func describe(w io.Writer, cmd string, err error) int {
	prog := "finicity-connect"
	if cmd != "" {
		prog += " " + cmd
	}
	var ue *usageError
	var ae *api.Error
	var ve *api.ValidationError
	var de *api.DecodeError
	var se *statefile.Error
	var we *statefile.WaitError
	var coded interface{ ExitCode() int }
	switch {
	case errors.As(err, &coded):
		// Errors that know their exit code: the output (4), the
		// commands' own (proxy, conformance).
		fmt.Fprintf(w, "%s: %v\n", prog, err)
		return coded.ExitCode()
	case errors.As(err, &we):
		// Like a call with no answer in time: trying again later may
		// work.
		fmt.Fprintf(w, "%s: %v\n", prog, err)
		return exitNetwork
	case errors.As(err, &ue):
		fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", prog, ue.msg, prog)
		return exitUsage
	case errors.As(err, &se):
		fmt.Fprintf(w, "%s: %v\n", prog, se)
		if se.Hint {
			fmt.Fprintf(w, "The file is left as it is: run 'finicity-connect sandbox reset --state %s' to start afresh, or delete it.\n", se.Path)
		}
		return exitUsage
	case errors.As(err, &ae):
		fmt.Fprintf(w, "%s: API error: status %d %s", prog, ae.StatusCode, http.StatusText(ae.StatusCode))
		if ae.ReasonCode != "" {
			fmt.Fprintf(w, ", reason code %s", ae.ReasonCode)
		}
		if ae.Description != "" {
			fmt.Fprintf(w, ": %s", ae.Description)
		}
		if ae.Details != "" && ae.Details != ae.Description {
			fmt.Fprintf(w, " (%s)", ae.Details)
		}
		fmt.Fprintln(w)
		return exitAPI
	case errors.As(err, &ve) && !ve.Response:
		fmt.Fprintf(w, "%s: request refused before sending: %s %s: %s\n", prog, ve.Location, ve.Field, ve.Reason)
		return exitUsage
	case errors.As(err, &de):
		// The API answered 2xx, but not with what the spec promises: not a
		// network failure, nor a usage error. It exits 1, like an API
		// error: the server's answer is at fault, and the same call will
		// most likely get the same answer.
		fmt.Fprintf(w, "%s: unusable API answer (status %d %s): %v\n", prog, de.StatusCode, http.StatusText(de.StatusCode), err)
		return exitAPI
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(w, "%s: interrupted\n", prog)
		return exitNetwork
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(w, "%s: network failure: no answer within --timeout\n", prog)
		return exitNetwork
	default:
		fmt.Fprintf(w, "%s: network failure, no usable answer: %v\n", prog, err)
		return exitNetwork
	}
}

// outputError is a failure to write the command's output. sandbox says
// the command ran with --sandbox, whose change was saved before.
type outputError struct {
	err     error
	sandbox bool
}

func (e *outputError) Error() string {
	msg := "cannot write the output: " + e.err.Error()
	if e.sandbox {
		msg += " (any change to the --sandbox state was saved before)"
	}
	return msg
}
func (e *outputError) Unwrap() error { return e.err }
func (e *outputError) ExitCode() int { return exitOutput }

// outputWriter is the stdout of a command that writes it as it runs (the
// served sandbox's and the proxy's ready lines, the proxy's summary): a
// failed write returns an *outputError, so that however the command
// wraps it, the run exits exitOutput, never as a network failure.
type outputWriter struct{ w io.Writer }

func (o outputWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		return n, &outputError{err: err}
	}
	return n, nil
}
