package cli

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

// Exit codes, documented in --help and docs/cli.md.
const (
	ExitOK      = 0
	ExitAPI     = 1 // the API answered with an error status, or with an answer that does not decode
	ExitUsage   = 2 // bad flags or arguments, missing credentials, invalid request, unusable sandbox state file
	ExitNetwork = 3 // no answer: connection, DNS, TLS, timeout, interrupted; or no lock on the state file in time
	ExitOutput  = 4 // the output could not be written (a closed pipe, a full disk); any change was saved before
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

// usageError is a mistake in how the command was called. It is printed
// with a pointer to --help and exits 2: Usagef makes one.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Usagef is a usage error: printed with a pointer to the command's
// --help, exit 2.
func Usagef(format string, args ...any) error {
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

// Describe words err as the CLI prints it, without the program's name:
// "API error: status 404 Not Found, reason code 4041: ...".
func Describe(err error) string {
	var b strings.Builder
	describe(&b, "", err)
	return strings.TrimSpace(strings.TrimPrefix(b.String(), "finicity-connect: "))
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
		return ExitNetwork
	case errors.As(err, &ue):
		fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", prog, ue.msg, prog)
		return ExitUsage
	case errors.As(err, &se):
		fmt.Fprintf(w, "%s: %v\n", prog, se)
		if se.Hint {
			fmt.Fprintf(w, "The file is left as it is: run 'finicity-connect sandbox reset --state %s' to start afresh, or delete it.\n", se.Path)
		}
		return ExitUsage
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
		return ExitAPI
	case errors.As(err, &ve) && !ve.Response:
		fmt.Fprintf(w, "%s: request refused before sending: %s %s: %s\n", prog, ve.Location, ve.Field, ve.Reason)
		return ExitUsage
	case errors.As(err, &de):
		// The API answered 2xx, but not with what the spec promises: not a
		// network failure, nor a usage error. It exits 1, like an API
		// error: the server's answer is at fault, and the same call will
		// most likely get the same answer.
		fmt.Fprintf(w, "%s: unusable API answer (status %d %s): %v\n", prog, de.StatusCode, http.StatusText(de.StatusCode), err)
		return ExitAPI
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(w, "%s: interrupted\n", prog)
		return ExitNetwork
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintf(w, "%s: network failure: no answer within --timeout\n", prog)
		return ExitNetwork
	default:
		fmt.Fprintf(w, "%s: network failure, no usable answer: %v\n", prog, err)
		return ExitNetwork
	}
}

// OutputError is a failure to write the command's output: exit 4.
// Sandbox says the command ran with --sandbox, whose change was saved
// before.
type OutputError struct {
	Err     error
	Sandbox bool
}

func (e *OutputError) Error() string {
	msg := "cannot write the output: " + e.Err.Error()
	if e.Sandbox {
		msg += " (any change to the --sandbox state was saved before)"
	}
	return msg
}
func (e *OutputError) Unwrap() error { return e.Err }
func (e *OutputError) ExitCode() int { return ExitOutput }

// outputWriter is the stdout of a command that writes it as it runs (the
// served sandbox's and the proxy's ready lines, the proxy's summary): a
// failed write returns an *OutputError, so that however the command
// wraps it, the run exits ExitOutput, never as a network failure.
type outputWriter struct{ w io.Writer }

func (o outputWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil {
		return n, &OutputError{Err: err}
	}
	return n, nil
}

// codedError ends a command with its own exit code and message, for
// commands whose outcome is not one error (conformance: a report with
// departures).
type codedError struct {
	code int
	msg  string
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) ExitCode() int { return e.code }

// ExitWith is an error that ends the command with code, printing the
// message after the command's name.
func ExitWith(code int, format string, args ...any) error {
	return &codedError{code: code, msg: fmt.Sprintf(format, args...)}
}
