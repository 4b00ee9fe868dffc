package cli

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/finicity-go/connect-components/api"
)

// tokenCommand prints a fresh Finicity-App-Token from partner
// authentication (Partners.Authenticate), instead of the command the
// spec would make for the operation: its body is the partner credentials
// of the connection.
var tokenCommand = Command{
	Name: "token", Op: "CreateToken", Summary: "Print a fresh Finicity-App-Token from partner authentication (Partners.Authenticate, CreateToken)", API: true, PartnerAuth: true,
	Example: "finicity-connect token --sandbox\nFINICITY_APP_KEY=... FINICITY_PARTNER_ID=... FINICITY_PARTNER_SECRET=... finicity-connect token --output table",
	Setup:   tokenCreate,
}

// tokenCreate is the token command's action. The command is marked
// PartnerAuth, so partner credentials are required and FINICITY_APP_TOKEN
// is ignored, as a token already held is not a fresh one.
func tokenCreate(*flag.FlagSet) Action {
	return func(ctx context.Context, in *Invocation) error {
		if err := NoArgs(in); err != nil {
			return err
		}
		creds := api.PartnerCredentials{PartnerID: in.conn.partnerID, PartnerSecret: api.NewSecret(in.conn.partnerSecret)}
		tok, err := in.Client.Partners.Authenticate(ctx, creds, in.answer())
		if err != nil {
			return err
		}
		return in.Print(Result{Raw: in.answerBody(), Table: func(w io.Writer) { fmt.Fprintln(w, tok.Token.Reveal()) }})
	}
}
