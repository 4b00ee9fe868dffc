package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/finicity-go/connect-components/api"
)

// sessionFlags are the body fields login forms and OAuth URLs share.
type sessionFlags struct {
	institutionID     int64
	customerID        string
	configurationID   string
	agreementLanguage string
	acceptedDate      string
}

func (s *sessionFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&s.institutionID, "institution-id", 0, "institution id at Mastercard, e.g. 170716 (or give it as the argument)")
	fs.StringVar(&s.customerID, "customer-id", "", "customer id, from the Add Customer API (required)")
	fs.StringVar(&s.configurationID, "configuration-id", "", "configuration to apply (optional)")
	fs.StringVar(&s.agreementLanguage, "agreement-language", "", "language the terms were shown in (default: --language, or en)")
	fs.StringVar(&s.acceptedDate, "accepted-date", "", "when the end user accepted the terms, RFC 3339 (default: now)")
}

// resolve checks the shared fields and fills the parts of the body they
// make; language is the form language used as the agreement's default. A
// zero configuration id means none: the field is left out.
func (s *sessionFlags) resolve(in *invocation, language string) (int64, api.UUID, api.ServiceAgreement, error) {
	var agreement api.ServiceAgreement
	inst, err := intArg(in, "institution-id", s.institutionID, "institution id")
	if err != nil {
		return 0, api.UUID{}, agreement, err
	}
	if err := requireFlag("customer-id", s.customerID); err != nil {
		return 0, api.UUID{}, agreement, err
	}
	var cfg api.UUID
	if s.configurationID != "" {
		if cfg, err = parseUUID("--configuration-id", s.configurationID); err != nil {
			return 0, api.UUID{}, agreement, err
		}
	}
	when, err := acceptedDate(s.acceptedDate)
	if err != nil {
		return 0, api.UUID{}, agreement, err
	}
	agreement = api.ServiceAgreement{Language: s.agreementLanguage, AcceptedDate: when}
	if agreement.Language == "" {
		agreement.Language = language
	}
	return inst, cfg, agreement, nil
}

func loginFormsCreate(fs *flag.FlagSet) func(context.Context, *invocation) error {
	var s sessionFlags
	s.register(fs)
	language := fs.String("language", "en", "language of the form: en, en-us, es, es-us, fr, fr-ca")
	return func(ctx context.Context, in *invocation) error {
		if err := requireFlag("language", *language); err != nil {
			return err
		}
		inst, cfg, agreement, err := s.resolve(in, *language)
		if err != nil {
			return err
		}
		form, err := in.client.LoginForms.Create(ctx, inst, api.LoginFormParams{
			Language: *language, CustomerID: s.customerID, ConfigurationID: cfg, ServiceAgreement: agreement}, in.answer())
		if err != nil {
			return err
		}
		return in.print(result{raw: in.answerBody(), table: loginFormTable(form)})
	}
}

func oauthURLsCreate(fs *flag.FlagSet) func(context.Context, *invocation) error {
	var s sessionFlags
	s.register(fs)
	redirect := fs.String("redirect-uri", "", "absolute URI the end user returns to when OAuth completes (required)")
	return func(ctx context.Context, in *invocation) error {
		if err := requireFlag("redirect-uri", *redirect); err != nil {
			return err
		}
		inst, cfg, agreement, err := s.resolve(in, "en")
		if err != nil {
			return err
		}
		out, err := in.client.OAuthURLs.Create(ctx, inst, api.OAuthURLParams{
			RedirectURI: *redirect, CustomerID: s.customerID, ConfigurationID: cfg, ServiceAgreement: agreement}, in.answer())
		if err != nil {
			return err
		}
		return in.print(result{raw: in.answerBody(), table: func(w io.Writer) {
			fmt.Fprintf(w, "OAUTH SESSION\t%s\nURL\t%s\nEVENT STREAM\t%s\n", out.ID, out.URL, out.EventStreamID)
		}})
	}
}
