package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/finicity-go/connect-components/api"
)

// tokenCreate prints a fresh Finicity-App-Token from partner
// authentication. The command is marked partnerAuth, so the client is
// built from partner credentials only: FINICITY_APP_TOKEN is ignored, as a
// token already held is not a fresh one.
func tokenCreate(fs *flag.FlagSet) func(context.Context, *invocation) error {
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		tok, err := in.client.Token(ctx)
		if err != nil {
			return err
		}
		return in.print(result{value: api.AccessToken{Token: tok}, table: func(w io.Writer) { fmt.Fprintln(w, tok) }})
	}
}
