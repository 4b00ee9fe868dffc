package tour

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/redact"
)

// Demo runs plan with c, a client of a sandbox in process, and narrates
// each step on w: what it does, the Go method, the HTTP route and the
// operationId, then what was sent and the answer, secrets masked. It
// ends at the first step that fails (the error names it): anything but
// the answer expected, or an API error about an id the spec's example
// names that the sandbox does not have (404, which is fine). A request
// the client refuses, or the sandbox answers 400, is a defect of the
// journey.
func Demo(ctx context.Context, c *api.Client, plan *journey.Plan, w io.Writer) error {
	d := &narrator{w: w}
	fmt.Fprintln(w, "Data Connect Components demo: every operation of the spec against an in-process sandbox,")
	fmt.Fprintln(w, "in the order their resources need, with the values of the spec's examples.")
	fmt.Fprintln(w, "No credentials, no network: requests go straight to the sandbox's handler.")
	var failed error
	send := Send(c)
	checked := func(ctx context.Context, s *journey.Step, r *journey.Request) journey.Outcome {
		out := send(ctx, s, r)
		if err := demoFailure(s, out); err != nil && failed == nil {
			failed = err
			out.Stop = "a step before failed"
		}
		return out
	}
	var ran, skipped int
	plan.Run(ctx, checked, func(res journey.Result) {
		d.narrate(res)
		if res.Skipped != "" {
			skipped++
		} else {
			ran++
		}
	})
	if failed != nil {
		return failed
	}
	fmt.Fprintf(w, "\nDone: %d steps ran, %d skipped. Next:\n", ran, skipped)
	fmt.Fprintln(w, "  finicity-connect --help                      every command")
	fmt.Fprintln(w, "  finicity-connect sandbox                     serve the sandbox on 127.0.0.1:4010 for your own tests")
	fmt.Fprintln(w, "  finicity-connect configurations list --sandbox --output table")
	return nil
}

// narrator prints the demo's steps.
type narrator struct {
	w    io.Writer
	step int
}

// fields prints aligned key/value lines under the current step.
func (d *narrator) fields(kv ...string) {
	tw := tabwriter.NewWriter(d.w, 0, 4, 2, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(tw, "    %s\t%s\n", kv[i], kv[i+1])
	}
	_ = tw.Flush()
}

// demoFailure is the error that ends the demo after a step (see Demo).
func demoFailure(s *journey.Step, out journey.Outcome) error {
	var ae *api.Error
	switch {
	case out.Err == nil && out.Status/100 == 2 && s.Expect == 0, s.Expect != 0 && out.Status == s.Expect:
		return nil
	case errors.As(out.Err, &ae) && ae.StatusCode == http.StatusNotFound && s.Kind != journey.Create:
		return nil
	case out.Err != nil:
		return fmt.Errorf("demo: %s (%s): %w", s.Op.Qualified(), s.Op.ID, out.Err)
	}
	return fmt.Errorf("demo: %s (%s): status %d, want %s", s.Op.Qualified(), s.Op.ID, out.Status, expected(s.Expect))
}

func expected(status int) string {
	if status == 0 {
		return "a 2xx"
	}
	return fmt.Sprint(status)
}

// narrate prints one step: what it does, the Go method, the HTTP route
// and the operationId; then what was sent and the answer, secrets masked.
func (d *narrator) narrate(res journey.Result) {
	s := res.Step
	d.step++
	route := s.Op.Method + " " + s.Op.Path
	if res.Request != nil {
		route = res.Request.Route
	}
	fmt.Fprintf(d.w, "\n%2d. %s\n    c.%s: %s (%s)\n", d.step, s.Title, s.Op.Qualified(), route, s.Op.ID)
	if res.Skipped != "" {
		d.fields("skipped", res.Skipped)
		return
	}
	var kv []string
	if r := res.Request; len(r.Params) > 0 {
		kv = append(kv, "parameters", string(redact.JSON(r.Params)))
	}
	if r := res.Request; r.Body != nil {
		kv = append(kv, "sent", string(redact.JSON(r.Body)))
	}
	var ae *api.Error
	switch {
	case errors.As(res.Err, &ae):
		answer := fmt.Sprintf("%d %s", ae.StatusCode, http.StatusText(ae.StatusCode))
		if ae.ReasonCode != "" {
			answer += ", reason code " + ae.ReasonCode
		}
		if ae.Description != "" {
			answer += ": " + ae.Description
		}
		kv = append(kv, "answer", answer)
		if s.Expect == ae.StatusCode && s.Kind == journey.Recheck {
			kv = append(kv, "", "(expected: it is gone; api.IsNotFound(err) is true)")
		} else if ae.StatusCode == http.StatusNotFound {
			kv = append(kv, "", "(the spec's example names an id the sandbox does not have)")
		}
	case res.Err != nil:
		kv = append(kv, "error", res.Err.Error())
	default:
		kv = append(kv, "answer", fmt.Sprintf("%d %s", res.Status, http.StatusText(res.Status)))
		if len(strings.TrimSpace(string(res.Body))) > 0 {
			kv = append(kv, "", compactJSON(redact.JSON(res.Body)))
		}
		if s.Kind == journey.Token {
			kv = append(kv, "", "the token is a credential: masked. A client built with api.WithPartnerCredentials fetches and renews its own")
		}
	}
	if res.Stop != "" {
		kv = append(kv, "stopped", res.Stop)
	}
	d.fields(kv...)
}

// compactJSON is a JSON text on one line, as it came otherwise.
func compactJSON(data []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return strings.Join(strings.Fields(string(data)), " ")
	}
	return b.String()
}
