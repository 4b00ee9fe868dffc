package tour

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/validation"
)

// Conformance runs a journey against an API (the real one, or a sandbox)
// and checks every exchange against the spec as the proxy checks them
// (internal/validation): the request as sent and the answer as received.
// The journey to give it is the safe one (journey.Options.Live): what it
// creates it deletes, even after a failure or an interrupt.
type Conformance struct {
	// Client makes the calls.
	Client *api.Client
	// Checker checks each exchange.
	Checker *validation.Validator
	// Secrets are the credentials in use, which mask every error the
	// report quotes; the tokens the journey is issued are added to them.
	Secrets *redact.Set
	// Describe words a call's error for the report (nil: its Error()).
	Describe func(error) string
}

// ConformanceStep is one operation of the journey in the report.
type ConformanceStep struct {
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

// ConformanceReport is a conformance run: each step as the journey ran
// it, and the totals.
type ConformanceReport struct {
	BaseURL    string            `json:"baseUrl"`
	Operations []ConformanceStep `json:"operations"`
	Totals     ConformanceTotals `json:"totals"`

	network, denied, refused bool
}

// ConformanceTotals count a conformance run's steps and findings.
type ConformanceTotals struct {
	Operations int `json:"operations"` // steps that got an answer
	Skipped    int `json:"skipped"`
	Findings   int `json:"findings"`
	// Departures are the findings that break the spec; Informational
	// ones (fields the API sends that the spec lacks) only mean it grew.
	Departures    int            `json:"departures"`
	Informational int            `json:"informational"`
	ByKind        map[string]int `json:"byKind"`
}

// Run runs plan and reports every step.
func (c *Conformance) Run(ctx context.Context, plan *journey.Plan) *ConformanceReport {
	steps := map[*journey.Step]ConformanceStep{}
	send := func(ctx context.Context, s *journey.Step, r *journey.Request) journey.Outcome {
		out, cs := c.send(ctx, s, r)
		steps[s] = cs
		return out
	}
	results := plan.Run(ctx, send, nil)
	rep := &ConformanceReport{BaseURL: c.Client.BaseURL(), Operations: []ConformanceStep{}, Totals: ConformanceTotals{ByKind: map[string]int{}}}
	for _, r := range results {
		s, ran := steps[r.Step]
		if !ran {
			s = ConformanceStep{Step: r.Step.Op.Command, Operation: validation.OperationOf(r.Step.Op), Findings: []validation.Finding{}, Skipped: r.Skipped}
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

// send runs one call and checks its exchange: the request as sent and
// the answer as received, both from the call's *http.Response.
func (c *Conformance) send(ctx context.Context, s *journey.Step, r *journey.Request) (journey.Outcome, ConformanceStep) {
	out, resp := call(ctx, c.Client, s, r)
	err := out.Err
	cs := ConformanceStep{Step: s.Op.Command, Operation: validation.OperationOf(s.Op), Findings: []validation.Finding{}}
	if resp != nil {
		if s.Kind == journey.Token {
			// The token issued is a credential too: masked wherever the
			// report quotes the API.
			c.Secrets.Add(redact.FieldValues(out.Body)...)
		}
		cs.Status = resp.StatusCode
		checkCtx := context.WithoutCancel(ctx)
		body := sentBody(resp.Request)
		route, reqF := c.Checker.CheckRequest(checkCtx, resp.Request, body)
		for i := range reqF {
			reqF[i].Status = resp.StatusCode
		}
		cs.Findings = append(cs.Findings, reqF...)
		if route != nil {
			cs.Findings = append(cs.Findings, c.Checker.CheckRouteResponse(checkCtx, route, resp.Request, resp.StatusCode, resp.Header, out.Body)...)
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
		text := strings.TrimSpace(err.Error())
		if c.Describe != nil && !cs.refused {
			text = c.Describe(err)
		}
		cs.Error = redact.Text(text, c.Secrets.All()...)
	}
	switch {
	case cs.network:
		out.Stop = "no answer"
	case cs.denied:
		out.Stop = "the API rejected the credentials"
	case ctx.Err() != nil:
		out.Stop = "interrupted"
	}
	return out, cs
}

// sentBody is the body of a request as sent: the client's requests can
// give it again (GetBody). Nil for none.
func sentBody(req *http.Request) []byte {
	if req == nil || req.GetBody == nil {
		return nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil
	}
	defer rc.Close()
	body, _ := io.ReadAll(rc)
	return body
}

// Outcome is how a conformance run ended, worst first.
type Outcome int

// The outcomes of a conformance run.
const (
	Conformed           Outcome = iota // no departure (informational findings aside)
	NoAnswer                           // a call got no answer: the journey stopped
	CredentialsRejected                // the API rejected the credentials: nothing past that call was checked
	Refused                            // a request was refused before sending: the spec's example does not fit the method
	Departed                           // at least one departure from the spec
)

// Outcome is how the run ended, and what to say about it ("" when it
// conformed).
func (r *ConformanceReport) Outcome() (Outcome, string) {
	switch {
	case r.network:
		return NoAnswer, fmt.Sprintf("no answer from %s: the journey stopped (see the report)", r.BaseURL)
	case r.denied && r.Totals.Departures == 0:
		return CredentialsRejected, "the API rejected the credentials: nothing past that call was checked"
	case r.refused && r.Totals.Departures == 0:
		return Refused, "a request of the journey was refused before sending: the spec's example does not fit the method (see the report)"
	case r.Totals.Departures > 0:
		return Departed, fmt.Sprintf("%d departure(s) from the spec (%d informational finding(s))", r.Totals.Departures, r.Totals.Informational)
	}
	return Conformed, ""
}

// Table writes the report for people: a line per step, the findings,
// the totals.
func (r *ConformanceReport) Table(w io.Writer) {
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
