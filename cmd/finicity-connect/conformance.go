package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
	"github.com/finicity-go/connect-components/internal/validation"
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

// conformanceCommand is finicity-connect conformance: the journey through
// every operation of the spec (internal/journey, as the demo walks it),
// against the endpoint of the usual credentials, every exchange checked
// as the proxy checks it (internal/validation). The journey is the safe
// one, against the sandbox as against the API: what it creates it
// deletes, even after a failure or an interrupt; an operation with
// effects it cannot undo runs only when its ids are given (a reconnection
// of one's own customer); credentials come from the connection, never
// from the spec's examples.
func conformanceCommand(fs *flag.FlagSet) func(context.Context, *invocation) error {
	m, err := specdoc.Model()
	if err != nil {
		return func(context.Context, *invocation) error { return err }
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
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		given := map[string]any{}
		fs.Visit(func(f *flag.Flag) {
			if v, ok := values[f.Name]; ok && *v != "" {
				given[f.Name] = *v
			}
		})
		if in.conn.partnerID != "" && in.conn.partnerSecret != "" {
			for k, v := range map[string]string{"partner-id": in.conn.partnerID, "partner-secret": in.conn.partnerSecret} {
				given[k] = v
			}
		}
		plan, err := journey.New(m, journey.Options{Values: given, Live: true, CleanupTimeout: conformanceDeleteTimeout})
		var optIn *journey.OptInError
		var bad *journey.ValueError
		switch {
		case errors.As(err, &optIn), errors.As(err, &bad):
			return usagef("%v", err)
		case err != nil:
			return err
		}
		checker, err := specdoc.Validator()
		if err != nil {
			return err
		}
		j := &conformanceRun{in: in, checker: checker, model: m, steps: map[*journey.Step]conformanceStep{}}
		rep := j.report(plan.Run(ctx, j.send, nil))
		if err := in.print(result{value: rep, table: rep.table}); err != nil {
			return err
		}
		return rep.outcome()
	}
}

// inputUsage is the help of a flag for a value of the journey.
func inputUsage(in journey.Input) string {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(spec.FirstSentence(in.Param.Description), "."))
	fmt.Fprintf(&b, ", for %s", strings.Join(in.Commands, ", "))
	var notes []string
	if ex, ok := in.Param.Example(); ok && len(in.OptIn) < len(in.Commands) {
		notes = append(notes, "default: the spec's example, "+exampleText(ex))
	}
	if len(in.OptIn) > 0 {
		notes = append(notes, strings.Join(in.OptIn, ", ")+" runs only when it is given, with its other ids")
	}
	if len(notes) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(notes, "; "))
	}
	return b.String()
}

// conformanceRun runs the steps and keeps their results.
type conformanceRun struct {
	in      *invocation
	checker *validation.Validator
	model   *spec.Model
	steps   map[*journey.Step]conformanceStep
}

// conformanceStep is one operation of the journey in the report.
type conformanceStep struct {
	// Step is the operation's CLI command.
	Step      string               `json:"step"`
	Operation validation.Operation `json:"operation"`
	// Status is the answer's status; 0 when none came (see Error).
	Status   int                  `json:"status"`
	Findings []validation.Finding `json:"findings"`
	// Error is the call's error, if any: an API error or an answer that
	// does not decode (their findings say how it departs), a request
	// refused before sending, or no answer.
	Error string `json:"error,omitempty"`
	// Skipped says why the step did not run.
	Skipped string `json:"skipped,omitempty"`

	network bool // no answer
	denied  bool // credentials rejected
	refused bool // refused before sending: the journey's values do not fit the method
}

// send runs one call and checks its exchange: the request as sent and
// the answer as received, both from the call's *http.Response.
func (j *conformanceRun) send(ctx context.Context, s *journey.Step, r *journey.Request) journey.Outcome {
	var resp *http.Response
	err := apicall.Call(ctx, j.in.client, s.Op.ID, &apicall.Input{Path: r.Path, Params: r.Params, Body: r.Body}, api.WithResponseInto(&resp))
	cs := conformanceStep{Step: s.Op.Command, Operation: validation.OperationOf(s.Op), Findings: []validation.Finding{}}
	out := journey.Outcome{Err: err}
	if resp != nil {
		out.Status, out.Body = resp.StatusCode, responseBody(resp)
		if s.Kind == journey.Token {
			// The token issued is a credential too: masked wherever the
			// report quotes the API.
			j.in.conn.secrets.Add(redact.FieldValues(out.Body)...)
		}
		cs.Status = resp.StatusCode
		checkCtx := context.WithoutCancel(ctx)
		body, _ := requestBody(resp.Request)
		route, reqF := j.checker.CheckRequest(checkCtx, resp.Request, body)
		for i := range reqF {
			reqF[i].Status = resp.StatusCode
		}
		cs.Findings = append(cs.Findings, reqF...)
		if route != nil {
			cs.Findings = append(cs.Findings, j.checker.CheckRouteResponse(checkCtx, route, resp.Request, resp.StatusCode, resp.Header, out.Body)...)
		}
	}
	if err != nil {
		var ae *api.Error
		var de *api.DecodeError
		var ve *api.ValidationError
		var arg *apicall.ArgError
		switch {
		case errors.As(err, &ae):
			cs.denied = ae.StatusCode == http.StatusUnauthorized || errors.Is(err, api.ErrCredentialsRejected)
		case errors.As(err, &de):
		case errors.As(err, &arg), errors.As(err, &ve) && !ve.Response, errors.Is(err, apicall.ErrNoOperation):
			cs.refused = true
		default:
			cs.network = resp == nil
		}
		var b strings.Builder
		describe(&b, "", err)
		cs.Error = redact.Text(strings.TrimSpace(strings.TrimPrefix(b.String(), "finicity-connect: ")), j.in.conn.secrets.All()...)
		if cs.refused {
			cs.Error = redact.Text(strings.TrimSpace(err.Error()), j.in.conn.secrets.All()...)
		}
	}
	switch {
	case cs.network:
		out.Stop = "no answer"
	case cs.denied:
		out.Stop = "the API rejected the credentials"
	case ctx.Err() != nil:
		out.Stop = "interrupted"
	}
	j.steps[s] = cs
	return out
}

// conformanceReport is what the command prints.
type conformanceReport struct {
	BaseURL    string            `json:"baseUrl"`
	Operations []conformanceStep `json:"operations"`
	Totals     conformanceTotals `json:"totals"`

	network, denied, refused bool
}

type conformanceTotals struct {
	Operations int `json:"operations"` // steps that got an answer
	Skipped    int `json:"skipped"`
	Findings   int `json:"findings"`
	// Departures are the findings that break the spec; Informational
	// ones (fields the API sends that the spec lacks) only mean it grew.
	Departures    int            `json:"departures"`
	Informational int            `json:"informational"`
	ByKind        map[string]int `json:"byKind"`
}

// report lists the steps as the journey ran them, and totals them.
func (j *conformanceRun) report(results []journey.Result) conformanceReport {
	rep := conformanceReport{BaseURL: j.in.client.BaseURL(), Operations: []conformanceStep{}, Totals: conformanceTotals{ByKind: map[string]int{}}}
	for _, r := range results {
		s, ran := j.steps[r.Step]
		if !ran {
			s = conformanceStep{Step: r.Step.Op.Command, Operation: validation.OperationOf(r.Step.Op), Findings: []validation.Finding{}, Skipped: r.Skipped}
		}
		rep.Operations = append(rep.Operations, s)
		switch {
		case s.Skipped != "":
			rep.Totals.Skipped++
		case s.Status != 0:
			rep.Totals.Operations++
		}
		rep.network = rep.network || s.network
		rep.denied = rep.denied || s.denied
		rep.refused = rep.refused || s.refused
		for _, f := range s.Findings {
			rep.Totals.Findings++
			rep.Totals.ByKind[string(f.Kind)]++
			if f.Informational() {
				rep.Totals.Informational++
			} else {
				rep.Totals.Departures++
			}
		}
	}
	return rep
}

// outcome is the exit: 3 when a call got no answer, 2 when the API
// rejected the credentials (nothing could be checked), 1 on any
// departure, 0 otherwise (informational findings included).
func (r conformanceReport) outcome() error {
	switch {
	case r.network:
		return exitWith(exitNetwork, "no answer from %s: the journey stopped (see the report)", r.BaseURL)
	case r.denied && r.Totals.Departures == 0:
		return exitWith(exitUsage, "the API rejected the credentials: nothing past that call was checked")
	case r.refused && r.Totals.Departures == 0:
		return exitWith(exitUsage, "a request of the journey was refused before sending: the spec's example does not fit the method (see the report)")
	case r.Totals.Departures > 0:
		return exitWith(exitAPI, "%d departure(s) from the spec (%d informational finding(s))", r.Totals.Departures, r.Totals.Informational)
	}
	return nil
}

func (r conformanceReport) table(w io.Writer) {
	fmt.Fprintln(w, "STEP\tOPERATION\tSTATUS\tFINDINGS\tNOTE")
	for _, s := range r.Operations {
		status, note := "-", s.Error
		if s.Status != 0 {
			status = fmt.Sprint(s.Status)
		}
		if s.Skipped != "" {
			note = "skipped: " + s.Skipped
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", s.Step, s.Operation, status, len(s.Findings), note)
	}
	var lines bytes.Buffer
	for _, s := range r.Operations {
		for _, f := range s.Findings {
			fmt.Fprintf(&lines, "  %s\n", f)
		}
	}
	if lines.Len() > 0 {
		fmt.Fprintf(w, "\nFINDINGS\n%s", lines.String())
	}
	fmt.Fprintf(w, "\nTOTAL\t%d operation(s), %d skipped, %d departure(s), %d informational\n",
		r.Totals.Operations, r.Totals.Skipped, r.Totals.Departures, r.Totals.Informational)
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

func exitWith(code int, format string, args ...any) error {
	return &codedError{code: code, msg: fmt.Sprintf(format, args...)}
}
