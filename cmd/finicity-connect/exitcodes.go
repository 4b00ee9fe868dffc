package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/redact"
)

// Exit codes, documented in --help and README.
const (
	exitOK      = 0
	exitAPI     = 1 // the API answered with an error status, or with an answer that does not decode
	exitUsage   = 2 // bad flags or arguments, missing credentials, invalid request
	exitNetwork = 3 // no answer: connection, DNS, TLS, timeout, interrupted
)

const exitCodesHelp = `Exit codes:
  0  success
  1  API error: the API answered 4xx/5xx (status, reason code and description on stderr),
     or answered 2xx with a body that does not decode (an unusable answer)
  2  usage error (bad flag or argument, missing credentials, request refused by --validate)
  3  network failure (no answer: connection refused or closed, DNS, TLS, timeout, interrupted)`

// usageError is a mistake in how the command was called. It is printed
// with a pointer to --help and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// unusableAnswer is a 2xx answer the client could not use: its body does
// not decode into the documented model. The API did answer, so it is not
// a network failure; nor is it a usage error. It exits 1, like an API
// error: the server's answer is at fault, and retrying the same call will
// most likely get the same answer.
type unusableAnswer struct {
	status int // 0 when unknown (the answer to a token fetch made by the client)
	err    error
}

func (e *unusableAnswer) Error() string { return e.err.Error() }
func (e *unusableAnswer) Unwrap() error { return e.err }

// failed classifies the error of a command's API call made with
// in.answer(). An error that is not an *api.Error although a 2xx answer
// arrived can only come from that answer: its body did not decode (the
// api package says so in words only, so the check is on what arrived, not
// on the error's text).
func (in *invocation) failed(err error) error {
	var ae *api.Error
	if in.resp != nil && in.resp.StatusCode/100 == 2 && !errors.As(err, &ae) {
		return &unusableAnswer{status: in.resp.StatusCode, err: err}
	}
	return err
}

// undecodable reports whether err comes from a body that is not the JSON
// expected. It catches the answers failed cannot see: the client's own
// token fetch, made inside the call, whose answer the CLI never holds.
func undecodable(err error) bool {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syntax) || errors.As(err, &typ)
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
	var ua *unusableAnswer
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", prog, ue.msg, prog)
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
	case errors.As(err, &ua):
		fmt.Fprintf(w, "%s: unusable API answer (status %d %s): %v\n", prog, ua.status, http.StatusText(ua.status), err)
		return exitAPI
	case undecodable(err):
		fmt.Fprintf(w, "%s: unusable API answer: %v\n", prog, err)
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
