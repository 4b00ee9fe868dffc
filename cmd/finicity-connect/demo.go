package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/finicity-go/connect-components/api"
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
	verbose := fs.Bool("verbose", false, "also log each HTTP exchange to stderr (credentials redacted)")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		var opts []api.Option
		if *verbose {
			opts = append(opts, api.WithLogger(debugLogger(in.stderr)))
		}
		// Strict on both sides: the sandbox checks tokens like the real
		// API, and the client validates what it sends.
		c, err := sandboxClient(append(opts, api.WithRequestValidation())...)
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
}

func (d *narrator) title(what, op string) {
	d.step++
	fmt.Fprintf(d.w, "\n%2d. %s\n    %s\n", d.step, what, op)
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

	d.title("Partner authentication with the sandbox credentials", "POST /aggregation/v2/partners/authentication (CreateToken)")
	tok, err := c.Token(ctx)
	if err != nil {
		return err
	}
	d.fields("token", fmt.Sprintf("received (%d characters; not shown, it is a credential); the client reuses it for every call", len(tok)))

	d.title("Create a configuration", "POST /connect-components/configurations (PostConfigurations)")
	filter, classes := []string{"Checking", "Savings"}, []string{"personal"}
	cfg, err := c.PostConfigurations(ctx, api.PostConfigurationsRequest{FilterAccounts: &filter, AccountClassificationType: &classes})
	if err != nil {
		return err
	}
	d.fields("id", cfg.Id.String(), "filterAccounts", joinOrDash(cfg.FilterAccounts),
		"accountClassificationType", joinOrDash(cfg.AccountClassificationType), "aoRequired", fmt.Sprint(boolOrDefault(cfg.AoRequired)))

	agreement := api.ServiceAgreement{Language: "en", AcceptedDate: time.Now().UTC().Truncate(time.Second)}
	d.title(fmt.Sprintf("Create a login form with it, for institution %d and customer %s", demoInstitution, demoCustomer),
		fmt.Sprintf("POST /connect-components/institutions/%d/login-forms (PostInstitutionsInstitutionIdLoginForms)", demoInstitution))
	form, err := c.PostInstitutionsInstitutionIdLoginForms(ctx, demoInstitution, api.PostInstitutionsInstitutionIdLoginFormsRequest{
		Language: "en", CustomerId: demoCustomer, ConfigurationId: cfg.Id, ServiceAgreement: agreement})
	if err != nil {
		return err
	}
	d.fields("id", form.Id.String(), "eventStreamId", form.EventStreamId.String(), "elements", elementsLine(form))

	d.title("Create an OAuth URL with it", fmt.Sprintf("POST /connect-components/institutions/%d/oauth-urls (PostInstitutionsInstitutionIdOauthUrls)", demoInstitution))
	oauth, err := c.PostInstitutionsInstitutionIdOauthUrls(ctx, demoInstitution, api.PostInstitutionsInstitutionIdOauthUrlsRequest{
		RedirectURI: demoRedirect, CustomerId: demoCustomer, ConfigurationId: cfg.Id, ServiceAgreement: agreement})
	if err != nil {
		return err
	}
	d.fields("id", oauth.Id.String(), "eventStreamId", oauth.EventStreamId.String(), "url", oauth.Url,
		"", "(served by 'finicity-connect sandbox', this URL redirects to "+demoRedirect+")")

	for _, loginID := range []int64{demoLoginForm, demoLoginText, demoLoginChoice} {
		d.title(fmt.Sprintf("Reconnect institution login %d of customer %s", loginID, demoCustomer),
			fmt.Sprintf("POST /connect-components/customers/%s/institution-login-ids/%d/reconnections (PostReconnections)", demoCustomer, loginID))
		r, err := c.PostReconnections(ctx, demoCustomer, loginID, api.PostReconnectionsJSONRequestBody{})
		if err != nil {
			return err
		}
		if !r.NeedsMFA() {
			d.fields("answer", fmt.Sprintf("%d: a login form to render", r.StatusCode), "id", r.LoginForm.Id.String(), "elements", elementsLine(r.LoginForm))
			continue
		}
		kv := []string{"answer", fmt.Sprintf("%d: MFA challenges to answer", r.StatusCode)}
		for _, item := range r.MfaChallenges {
			for _, ch := range item.MfaChallenges {
				kv = append(kv, ch.MfaType, fmt.Sprintf("%q (%d choices)", ch.Prompt, len(ch.ChoiceIds)))
			}
		}
		d.fields(kv...)
	}

	d.title("List configurations", "GET /connect-components/configurations (GetConfigurations)")
	list, err := c.GetConfigurations(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(list))
	for _, l := range list {
		ids = append(ids, l.Id.String())
	}
	d.fields("count", fmt.Sprint(len(list)), "ids", strings.Join(ids, ", "))

	path := "/connect-components/configurations/" + cfg.Id.String()
	d.title("Get the configuration", "GET "+path+" (GetConfigurationsConfigurationId)")
	got, err := c.GetConfigurationsConfigurationId(ctx, *cfg.Id)
	if err != nil {
		return err
	}
	d.fields("id", got.Id.String(), "filterAccounts", joinOrDash(got.FilterAccounts))

	d.title("Delete the configuration", "DELETE "+path+" (DeleteConfigurationsConfigurationId)")
	if err := c.DeleteConfigurationsConfigurationId(ctx, *cfg.Id); err != nil {
		return err
	}
	d.fields("answer", "204: deleted")

	d.title("Get it again", "GET "+path+" (GetConfigurationsConfigurationId)")
	_, err = c.GetConfigurationsConfigurationId(ctx, *cfg.Id)
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		return fmt.Errorf("demo: want 404 for a deleted configuration, got %v", err)
	}
	d.fields("answer", fmt.Sprintf("%d, reason code %s: %s (expected: it is gone)", apiErr.StatusCode, apiErr.ReasonCode, apiErr.Description))

	fmt.Fprintln(d.w, "\nDone: every operation of the API ran. Next:")
	fmt.Fprintln(d.w, "  finicity-connect --help                      every command")
	fmt.Fprintln(d.w, "  finicity-connect sandbox                     serve the sandbox on 127.0.0.1:4010 for your own tests")
	fmt.Fprintln(d.w, "  finicity-connect configurations list --sandbox --output table")
	return nil
}

func elementsLine(f *api.PostInstitutionsInstitutionIdLoginForms201Response) string {
	parts := make([]string, 0, len(f.Elements))
	for _, e := range f.Elements {
		parts = append(parts, fmt.Sprintf("%s (sortOrder %d)", e.Label, e.SortOrder))
	}
	return strings.Join(parts, ", ")
}
