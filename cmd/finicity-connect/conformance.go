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
	"sort"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/conformance"
	"github.com/finicity-go/connect-components/internal/redact"
)

// Defaults of the conformance journey: the docs' examples, so that a run
// with no flags is the docs' own journey. Against the live API an unknown
// customer is answered 404, a documented answer, which is checked like
// any other.
const (
	conformanceInstitution = 101732
	conformanceCustomer    = "1005061234"
	conformanceRedirect    = "https://partner.example.com/oauth/complete"
)

// conformanceDeleteTimeout bounds the clean-up, which runs even after the
// journey was interrupted.
const conformanceDeleteTimeout = 30 * time.Second

// conformanceCommand is finicity-connect conformance: the safe journey
// against the endpoint of the usual credentials, every answer checked as
// the proxy checks it (internal/conformance).
func conformanceCommand(fs *flag.FlagSet) func(context.Context, *invocation) error {
	institution := fs.Int64("institution-id", conformanceInstitution, "institution for the login form and the OAuth URL")
	customer := fs.String("customer-id", "", "customer for the login form and the OAuth URL (default "+conformanceCustomer+", the docs' example), and, with --institution-login-id, the reconnection")
	loginID := fs.Int64("institution-login-id", 0, "institution login id: with --customer-id, a reconnection is started too (it is left out otherwise)")
	redirect := fs.String("redirect-uri", conformanceRedirect, "redirectURI of the OAuth URL")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		if *loginID != 0 && *customer == "" {
			return usagef("--institution-login-id needs --customer-id: a reconnection takes both")
		}
		if *loginID < 0 || *institution <= 0 {
			return usagef("--institution-id and --institution-login-id must be positive")
		}
		checker, err := conformance.Default()
		if err != nil {
			return err
		}
		j := &journey{in: in, checker: checker, ctx: ctx}
		j.run(*institution, *customer, *loginID, *redirect)
		rep := j.report()
		if err := in.print(result{value: rep, table: rep.table}); err != nil {
			return err
		}
		return rep.outcome()
	}
}

// journey runs the steps and keeps their results.
type journey struct {
	in      *invocation
	checker *conformance.Checker
	ctx     context.Context
	steps   []conformanceStep
}

// conformanceStep is one operation of the journey in the report.
type conformanceStep struct {
	Step      string                `json:"step"`
	Operation conformance.Operation `json:"operation"`
	// Status is the answer's status; 0 when none came (see Error).
	Status   int                   `json:"status"`
	Findings []conformance.Finding `json:"findings"`
	// Error is the call's error, if any: an API error or an answer that
	// does not decode (their findings say how it departs), or no answer.
	Error string `json:"error,omitempty"`
	// Skipped says why the step did not run.
	Skipped string `json:"skipped,omitempty"`

	network bool // no answer
	denied  bool // credentials rejected
}

func (j *journey) run(institution int64, customer string, loginID int64, redirect string) {
	c, conn := j.in.client, j.in.conn
	reconnect := customer != "" && loginID != 0
	if customer == "" {
		customer = conformanceCustomer
	}
	if conn.partnerID != "" && conn.partnerSecret != "" {
		j.step("authenticate", "Partners.Authenticate", func(opt api.CallOption) error {
			tok, err := c.Partners.Authenticate(j.ctx, api.PartnerCredentials{PartnerID: conn.partnerID, PartnerSecret: api.NewSecret(conn.partnerSecret)}, opt)
			if tok != nil {
				conn.secrets.add(tok.Token.Reveal())
			}
			return err
		})
	} else {
		j.skip("authenticate", "Partners.Authenticate", "no partner credentials: the token given is used")
	}
	if j.stopped() {
		return
	}

	var id api.UUID
	created := j.step("create configuration", "Configurations.Create", func(opt api.CallOption) error {
		cfg, err := c.Configurations.Create(j.ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking", "Savings"},
			AccountClassificationType: []string{"personal"}}, opt)
		if cfg != nil {
			id = cfg.ID
		}
		return err
	})
	if id == (api.UUID{}) {
		id = idOfAnswer(created) // an answer that did not decode may still name it
	}
	switch {
	case id != (api.UUID{}):
		// Deleted whatever happens next, failures and interruptions
		// included.
		defer j.step("delete configuration", "Configurations.Delete", func(opt api.CallOption) error {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(j.ctx), conformanceDeleteTimeout)
			defer cancel()
			return c.Configurations.Delete(ctx, id, opt)
		})
	case created != nil && created.StatusCode/100 == 2:
		// Created, but under no id a delete could name: say so, rather
		// than leave it unmentioned.
		defer j.skip("delete configuration", "Configurations.Delete",
			"the create answer holds no id in UUID form to delete it by: delete it by hand (configurations list shows it)")
	default:
		defer j.skip("delete configuration", "Configurations.Delete", "no configuration was created")
	}
	if j.stopped() {
		return
	}
	if id != (api.UUID{}) {
		j.step("get configuration", "Configurations.Get", func(opt api.CallOption) error {
			_, err := c.Configurations.Get(j.ctx, id, opt)
			return err
		})
	} else {
		j.skip("get configuration", "Configurations.Get", "no configuration was created")
	}
	j.step("list configurations", "Configurations.List", func(opt api.CallOption) error {
		_, err := c.Configurations.List(j.ctx, opt)
		return err
	})
	agreement := api.ServiceAgreement{Language: "en", AcceptedDate: time.Now().UTC().Truncate(time.Second)}
	j.step("login form", "LoginForms.Create", func(opt api.CallOption) error {
		_, err := c.LoginForms.Create(j.ctx, institution, api.LoginFormParams{Language: "en", CustomerID: customer,
			ConfigurationID: id, ServiceAgreement: agreement}, opt)
		return err
	})
	j.step("OAuth URL", "OAuthURLs.Create", func(opt api.CallOption) error {
		_, err := c.OAuthURLs.Create(j.ctx, institution, api.OAuthURLParams{RedirectURI: redirect, CustomerID: customer,
			ConfigurationID: id, ServiceAgreement: agreement}, opt)
		return err
	})
	if reconnect {
		j.step("reconnection", "Reconnections.Create", func(opt api.CallOption) error {
			_, err := c.Reconnections.Create(j.ctx, customer, loginID, api.ReconnectionParams{}, opt)
			return err
		})
	} else {
		j.skip("reconnection", "Reconnections.Create", "needs --customer-id and --institution-login-id")
	}
}

// stopped reports whether the journey cannot go on: interrupted, no
// answer at all, or credentials rejected.
func (j *journey) stopped() bool {
	if j.ctx.Err() != nil {
		return true
	}
	if n := len(j.steps); n > 0 && (j.steps[n-1].network || j.steps[n-1].denied) {
		return true
	}
	return false
}

func (j *journey) skip(step, method, why string) {
	op, _ := j.checker.Lookup(method)
	j.steps = append(j.steps, conformanceStep{Step: step, Operation: op, Findings: []conformance.Finding{}, Skipped: why})
}

// step runs one call and checks its exchange: the request as sent and
// the answer as received, both from the call's *http.Response.
func (j *journey) step(step, method string, call func(api.CallOption) error) *http.Response {
	op, _ := j.checker.Lookup(method)
	var resp *http.Response
	err := call(api.WithResponseInto(&resp))
	s := conformanceStep{Step: step, Operation: op, Findings: []conformance.Finding{}}
	if resp != nil {
		s.Status = resp.StatusCode
		ctx := context.WithoutCancel(j.ctx)
		body, _ := requestBody(resp.Request)
		_, reqF := j.checker.CheckRequest(ctx, resp.Request, body)
		for i := range reqF {
			reqF[i].Status = resp.StatusCode
		}
		_, respF := j.checker.CheckResponse(ctx, resp.Request, resp.StatusCode, resp.Header, responseBody(resp))
		s.Findings = append(append(s.Findings, reqF...), respF...)
	}
	if err != nil {
		var ae *api.Error
		var de *api.DecodeError
		switch {
		case errors.As(err, &ae):
			s.denied = ae.StatusCode == http.StatusUnauthorized || errors.Is(err, api.ErrCredentialsRejected)
		case errors.As(err, &de):
		default:
			s.network = resp == nil
		}
		var b strings.Builder
		describe(&b, "", err)
		s.Error = redact.Text(strings.TrimSpace(strings.TrimPrefix(b.String(), "finicity-connect: ")), j.in.conn.secrets.all()...)
	}
	j.steps = append(j.steps, s)
	return resp
}

// idOfAnswer reads the id out of a create answer that did not decode, so
// that the configuration is deleted all the same.
func idOfAnswer(resp *http.Response) api.UUID {
	if resp == nil || resp.StatusCode/100 != 2 {
		return api.UUID{}
	}
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(responseBody(resp), &v) != nil {
		return api.UUID{}
	}
	id, err := api.ParseUUID(v.ID)
	if err != nil {
		return api.UUID{}
	}
	return id
}

// conformanceReport is what the command prints.
type conformanceReport struct {
	BaseURL    string            `json:"baseUrl"`
	Operations []conformanceStep `json:"operations"`
	Totals     conformanceTotals `json:"totals"`

	network, denied bool
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

// report orders the steps as the journey runs them (the deferred delete
// comes after the OAuth URL) and totals them.
func (j *journey) report() conformanceReport {
	order := map[string]int{"authenticate": 0, "create configuration": 1, "get configuration": 2, "list configurations": 3,
		"login form": 4, "OAuth URL": 5, "delete configuration": 6, "reconnection": 7}
	steps := append([]conformanceStep(nil), j.steps...)
	sort.SliceStable(steps, func(a, b int) bool { return order[steps[a].Step] < order[steps[b].Step] })
	rep := conformanceReport{BaseURL: j.in.client.BaseURL(), Operations: steps, Totals: conformanceTotals{ByKind: map[string]int{}}}
	for _, s := range steps {
		switch {
		case s.Skipped != "":
			rep.Totals.Skipped++
		case s.Status != 0:
			rep.Totals.Operations++
		}
		rep.network = rep.network || s.network
		rep.denied = rep.denied || s.denied
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
