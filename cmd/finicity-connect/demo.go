package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/journey"
	"github.com/finicity-go/connect-components/internal/redact"
	"github.com/finicity-go/connect-components/internal/sandbox"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// demo runs every operation of the spec against an in-process sandbox,
// in the order the journey planner gives (internal/journey), with the
// values of the spec's examples, and narrates each step. It needs no
// credentials and opens no socket.
func demo(fs *flag.FlagSet) func(context.Context, *invocation) error {
	verbose := fs.Bool("verbose", false, "also print each HTTP attempt on stderr: request and response lines, headers and bodies, credentials masked")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		var opts []api.Option
		if *verbose {
			opts = verboseOptions(in.stderr, []string{sandbox.DefaultAppKey, sandbox.DefaultPartnerSecret})
		}
		// Strict on both sides: the sandbox checks tokens like the real
		// API, and the client validates what it sends. The sandbox is a
		// fresh one in memory: the demo neither reads nor changes the
		// --sandbox state file, so it runs the same every time.
		c, err := sandboxClient(sandbox.New(sandbox.WithTokenCheck(true)), append(opts, api.WithRequestValidation())...)
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
		return (&narrator{w: in.stdout}).run(ctx, c, plan)
	}
}

// sandboxCredentials are the journey's values of the sandbox's partner
// credentials, by the flag names of the token operation's body fields.
func sandboxCredentials() map[string]any {
	return map[string]any{"partner-id": sandbox.DefaultPartnerID, "partner-secret": sandbox.DefaultPartnerSecret}
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

func (d *narrator) run(ctx context.Context, c *api.Client, plan *journey.Plan) error {
	fmt.Fprintln(d.w, "Data Connect Components demo: every operation of the spec against an in-process sandbox,")
	fmt.Fprintln(d.w, "in the order their resources need, with the values of the spec's examples.")
	fmt.Fprintln(d.w, "No credentials, no network: requests go straight to the sandbox's handler.")
	var failed error
	send := func(ctx context.Context, s *journey.Step, r *journey.Request) journey.Outcome {
		out := callStep(ctx, c, s, r)
		if err := demoFailure(s, out); err != nil && failed == nil {
			failed = err
			out.Stop = "a step before failed"
		}
		return out
	}
	var ran, skipped int
	plan.Run(ctx, send, func(res journey.Result) {
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
	fmt.Fprintf(d.w, "\nDone: %d steps ran, %d skipped. Next:\n", ran, skipped)
	fmt.Fprintln(d.w, "  finicity-connect --help                      every command")
	fmt.Fprintln(d.w, "  finicity-connect sandbox                     serve the sandbox on 127.0.0.1:4010 for your own tests")
	fmt.Fprintln(d.w, "  finicity-connect configurations list --sandbox --output table")
	return nil
}

// callStep calls a step's operation through its typed method, keeping
// the answer.
func callStep(ctx context.Context, c *api.Client, s *journey.Step, r *journey.Request) journey.Outcome {
	var resp *http.Response
	err := apicall.Call(ctx, c, s.Op.ID, &apicall.Input{Path: r.Path, Params: r.Params, Body: r.Body}, api.WithResponseInto(&resp))
	out := journey.Outcome{Err: err}
	if resp != nil {
		out.Status, out.Body = resp.StatusCode, responseBody(resp)
	}
	return out
}

// demoFailure is the error that ends the demo after a step: anything but
// the answer expected, or an API error about an id the spec's example
// names that the sandbox does not have (404). A request the client
// refuses, or the sandbox answers 400, is a defect of the journey.
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
	return fmt.Errorf("demo: %s (%s): status %d, want %s", s.Op.Qualified(), s.Op.ID, out.Status, cmpStatus(s.Expect))
}

func cmpStatus(expect int) string {
	if expect == 0 {
		return "a 2xx"
	}
	return fmt.Sprint(expect)
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
