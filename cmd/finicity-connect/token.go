package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/finicity-go/connect-components/api"
)

// tokenCreate prints a fresh Finicity-App-Token from partner
// authentication (Partners.Authenticate). The command is marked
// partnerAuth, so partner credentials are required and FINICITY_APP_TOKEN
// is ignored, as a token already held is not a fresh one.
func tokenCreate(fs *flag.FlagSet) func(context.Context, *invocation) error {
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		creds := api.PartnerCredentials{PartnerID: in.conn.partnerID, PartnerSecret: api.NewSecret(in.conn.partnerSecret)}
		tok, err := in.client.Partners.Authenticate(ctx, creds, in.answer())
		if err != nil {
			return err
		}
		return in.print(result{raw: in.answerBody(), table: func(w io.Writer) { fmt.Fprintln(w, tok.Token.Reveal()) }})
	}
}
