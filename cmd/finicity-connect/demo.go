package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

// Values the demo uses; the reconnection ids pick sandbox scenarios.
const (
	demoInstitution = 170716
	demoCustomer    = "1005061234"
	demoRedirect    = "https://partner.example.com/oauth/complete"
	demoLoginForm   = 7008461431 // ends in 1: 201 with a login form
	demoLoginText   = 7008461433 // ends in 3: 203, TFA_TEXT
	demoLoginChoice = 7008461434 // ends in 4: 203, TFA_CHOICE
)

// demo runs every operation against an in-process sandbox and narrates
// each step. It needs no credentials and opens no socket.
func demo(fs *flag.FlagSet) func(context.Context, *invocation) error {
	verbose := fs.Bool("verbose", false, "also print each HTTP attempt on stderr: request and response lines, headers and bodies, credentials masked")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		var opts []api.Option
		if *verbose {
			opts = verboseOptions(in.stderr, []string{sandboxAppKey, sandbox.DefaultPartnerSecret})
		}
		// Strict on both sides: the sandbox checks tokens like the real
		// API, and the client validates what it sends. The sandbox is a
		// fresh one in memory: the demo neither reads nor changes the
		// --sandbox state file, so it runs the same every time.
		c, err := sandboxClient(sandbox.New(sandbox.WithTokenCheck(true)), append(opts, api.WithRequestValidation())...)
		if err != nil {
			return err
		}
		d := &narrator{w: in.stdout}
		return d.run(ctx, c)
	}
}

type narrator struct {
	w    io.Writer
	step int
	ran  map[string]bool // operationIds narrated so far
}

// title opens a step: what it does, then the Go method, the HTTP route
// and the spec's operationId.
func (d *narrator) title(what, method, route, op string) {
	if d.ran == nil {
		d.ran = map[string]bool{}
	}
	d.ran[op] = true
	d.step++
	fmt.Fprintf(d.w, "\n%2d. %s\n    c.%s: %s (%s)\n", d.step, what, method, route, op)
}

// fields prints aligned key/value lines under the current step.
func (d *narrator) fields(kv ...string) {
	tw := tabwriter.NewWriter(d.w, 0, 4, 2, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(tw, "    %s\t%s\n", kv[i], kv[i+1])
	}
	_ = tw.Flush()
}

func (d *narrator) run(ctx context.Context, c *api.Client) error {
	fmt.Fprintln(d.w, "Data Connect Components demo: the whole journey against an in-process sandbox.")
	fmt.Fprintln(d.w, "No credentials, no network: requests go straight to the sandbox's handler.")

	d.title("Partner authentication with the sandbox credentials", "Partners.Authenticate", "POST /aggregation/v2/partners/authentication", "CreateToken")
	tok, err := c.Partners.Authenticate(ctx, api.PartnerCredentials{PartnerID: sandbox.DefaultPartnerID, PartnerSecret: api.NewSecret(sandbox.DefaultPartnerSecret)})
	if err != nil {
		return err
	}
	d.fields("token", fmt.Sprintf("received (%d characters; not shown, it is a credential)", len(tok.Token.Reveal())),
		"", "this client was built with api.WithPartnerCredentials: it fetches its own token on first use and renews it")

	d.title("Create a configuration", "Configurations.Create", "POST /connect-components/configurations", "PostConfigurations")
	cfg, err := c.Configurations.Create(ctx, api.ConfigurationParams{FilterAccounts: []string{"Checking", "Savings"}, AccountClassificationType: []string{"personal"}})
	if err != nil {
		return err
	}
	d.fields("id", cfg.ID.String(), "filterAccounts", joinOrDash(cfg.FilterAccounts),
		"accountClassificationType", joinOrDash(cfg.AccountClassificationType), "aoRequired", fmt.Sprint(cfg.AORequired))

	agreement := api.ServiceAgreement{Language: "en", AcceptedDate: time.Now().UTC().Truncate(time.Second)}
	d.title(fmt.Sprintf("Create a login form with it, for institution %d and customer %s", demoInstitution, demoCustomer),
		"LoginForms.Create", fmt.Sprintf("POST /connect-components/institutions/%d/login-forms", demoInstitution), "PostInstitutionsInstitutionIDLoginForms")
	form, err := c.LoginForms.Create(ctx, demoInstitution, api.LoginFormParams{
		Language: "en", CustomerID: demoCustomer, ConfigurationID: cfg.ID, ServiceAgreement: agreement})
	if err != nil {
		return err
	}
	d.fields("id", form.ID.String(), "eventStreamId", form.EventStreamID.String(), "elements", elementsLine(form))

	d.title("Create an OAuth URL with it", "OAuthURLs.Create",
		fmt.Sprintf("POST /connect-components/institutions/%d/oauth-urls", demoInstitution), "PostInstitutionsInstitutionIDOauthUrls")
	oauth, err := c.OAuthURLs.Create(ctx, demoInstitution, api.OAuthURLParams{
		RedirectURI: demoRedirect, CustomerID: demoCustomer, ConfigurationID: cfg.ID, ServiceAgreement: agreement})
	if err != nil {
		return err
	}
	d.fields("id", oauth.ID.String(), "eventStreamId", oauth.EventStreamID.String(), "url", oauth.URL,
		"", "(served by 'finicity-connect sandbox', this URL redirects to "+demoRedirect+")")

	for _, loginID := range []int64{demoLoginForm, demoLoginText, demoLoginChoice} {
		d.title(fmt.Sprintf("Reconnect institution login %d of customer %s", loginID, demoCustomer), "Reconnections.Create",
			fmt.Sprintf("POST /connect-components/customers/%s/institution-login-ids/%d/reconnections", demoCustomer, loginID), "PostReconnections")
		// The body is required by the spec; a nil map sends null. The
		// status (201 or 203) comes with the response.
		var resp *http.Response
		r, err := c.Reconnections.Create(ctx, demoCustomer, loginID, api.ReconnectionParams{}, api.WithResponseInto(&resp))
		if err != nil {
			return err
		}
		if !r.NeedsMFA() {
			d.fields("answer", fmt.Sprintf("%d: a login form to render", resp.StatusCode), "id", r.LoginForm.ID.String(), "elements", elementsLine(r.LoginForm))
			continue
		}
		kv := []string{"answer", fmt.Sprintf("%d: MFA challenges to answer", resp.StatusCode)}
		for _, ch := range r.Challenges() {
			kv = append(kv, ch.MFAType, fmt.Sprintf("%q (%d choices)", ch.Prompt, len(ch.ChoiceIDs)))
		}
		d.fields(kv...)
	}

	d.title("List configurations", "Configurations.List", "GET /connect-components/configurations", "GetConfigurations")
	list, err := c.Configurations.List(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(list))
	for _, l := range list {
		ids = append(ids, l.ID.String())
	}
	d.fields("count", fmt.Sprint(len(list)), "ids", strings.Join(ids, ", "))

	path := "/connect-components/configurations/" + cfg.ID.String()
	d.title("Get the configuration", "Configurations.Get", "GET "+path, "GetConfigurationsConfigurationID")
	got, err := c.Configurations.Get(ctx, cfg.ID)
	if err != nil {
		return err
	}
	d.fields("id", got.ID.String(), "filterAccounts", joinOrDash(got.FilterAccounts))

	d.title("Delete the configuration", "Configurations.Delete", "DELETE "+path, "DeleteConfigurationsConfigurationID")
	if err := c.Configurations.Delete(ctx, cfg.ID); err != nil {
		return err
	}
	d.fields("answer", "204: deleted")

	d.title("Get it again", "Configurations.Get", "GET "+path, "GetConfigurationsConfigurationID")
	_, err = c.Configurations.Get(ctx, cfg.ID)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || !api.IsNotFound(err) {
		return fmt.Errorf("demo: want 404 for a deleted configuration, got %v", err)
	}
	d.fields("answer", fmt.Sprintf("%d, reason code %s: %s (expected: it is gone; api.IsNotFound(err) is true)", apiErr.StatusCode, apiErr.ReasonCode, apiErr.Description))

	ops, err := specOps()
	if err != nil {
		return err
	}
	if err := d.others(ctx, c, ops); err != nil {
		return err
	}

	fmt.Fprintln(d.w, "\nDone: every operation of the API ran. Next:")
	fmt.Fprintln(d.w, "  finicity-connect --help                      every command")
	fmt.Fprintln(d.w, "  finicity-connect sandbox                     serve the sandbox on 127.0.0.1:4010 for your own tests")
	fmt.Fprintln(d.w, "  finicity-connect configurations list --sandbox --output table")
	return nil
}

func elementsLine(f *api.LoginForm) string {
	parts := make([]string, 0, len(f.Elements))
	for _, e := range f.Elements {
		parts = append(parts, fmt.Sprintf("%s (sortOrder %d)", e.Label, e.SortOrder))
	}
	return strings.Join(parts, ", ")
}

// others runs, from the spec's own examples, each operation of the spec
// that the steps above do not narrate, so that a new operation is part of
// the journey as soon as it is in openapi.yaml. An API error is part of
// the story (an example id may not exist), not a failure of the demo.
func (d *narrator) others(ctx context.Context, c *api.Client, ops []*opSpec) error {
	for _, o := range ops {
		if d.ran[o.id] {
			continue
		}
		method := "Generated()"
		if o.service != "" {
			method = o.service + "." + o.goMethod
		}
		d.title(o.summary+" (from the spec's examples)", method, o.method+" "+o.path, o.id)
		var path []pathValue
		for _, p := range o.pathParams {
			text := exampleText(p.example)
			js, _ := json.Marshal(p.example)
			path = append(path, pathValue{f: p, text: text, json: js})
		}
		params := map[string]string{}
		for _, q := range append(slices.Clone(o.queryParams), o.headerParams...) {
			if q.example != nil {
				params[q.wire[0]] = exampleText(q.example)
			}
		}
		var body []byte
		if o.body != nil {
			var err error
			if body, err = json.Marshal(o.bodyExample); err != nil {
				return err
			}
		}
		in := &invocation{client: c}
		resp, err := o.call(ctx, in, path, params, body)
		var apiErr *api.Error
		switch {
		case errors.As(err, &apiErr):
			d.fields("answer", fmt.Sprintf("%d, reason code %s: %s", apiErr.StatusCode, apiErr.ReasonCode, apiErr.Description))
		case err != nil:
			return err
		default:
			d.fields("answer", fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
		}
	}
	return nil
}
