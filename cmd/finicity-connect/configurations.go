package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/finicity-go/connect-components/api"
)

func configurationsCreate(fs *flag.FlagSet) func(context.Context, *invocation) error {
	filter := fs.String("filter-accounts", "", "comma-separated account types to activate at legacy institutions, e.g. Checking,Savings")
	classes := fs.String("account-classification-type", "", "comma-separated account classifications for OAuth institutions: personal, business, unknown")
	ao := fs.Bool("ao-required", false, "require the end user to grant Account Owner details at OAuth institutions")
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		// aoRequired false is the API's default: left out unless true.
		params := api.ConfigurationParams{FilterAccounts: splitList(*filter), AccountClassificationType: splitList(*classes), AORequired: *ao}
		cfg, err := in.client.Configurations.Create(ctx, params, in.answer())
		if err != nil {
			return err
		}
		return in.print(result{raw: in.answerBody(), table: configurationsTable([]api.Configuration{*cfg})})
	}
}

func configurationsList(fs *flag.FlagSet) func(context.Context, *invocation) error {
	return func(ctx context.Context, in *invocation) error {
		if err := noArgs(in); err != nil {
			return err
		}
		list, err := in.client.Configurations.List(ctx, in.answer())
		if err != nil {
			return err
		}
		return in.print(result{raw: in.answerBody(), table: configurationsTable(list)})
	}
}

func configurationsGet(fs *flag.FlagSet) func(context.Context, *invocation) error {
	idFlag := fs.String("id", "", "configuration id (or give it as the argument)")
	return func(ctx context.Context, in *invocation) error {
		id, err := configurationID(in, *idFlag)
		if err != nil {
			return err
		}
		cfg, err := in.client.Configurations.Get(ctx, id, in.answer())
		if err != nil {
			return err
		}
		return in.print(result{raw: in.answerBody(), table: configurationsTable([]api.Configuration{*cfg})})
	}
}

func configurationsDelete(fs *flag.FlagSet) func(context.Context, *invocation) error {
	idFlag := fs.String("id", "", "configuration id (or give it as the argument)")
	return func(ctx context.Context, in *invocation) error {
		id, err := configurationID(in, *idFlag)
		if err != nil {
			return err
		}
		if err := in.client.Configurations.Delete(ctx, id, in.answer()); err != nil {
			return err
		}
		// The API answers 204 with no body; print what happened, so a
		// script still gets JSON to check.
		return in.print(result{
			value: struct {
				ID      api.UUID `json:"id"`
				Deleted bool     `json:"deleted"`
			}{id, true},
			table: func(w io.Writer) { fmt.Fprintf(w, "deleted configuration %s\n", id) },
		})
	}
}

func configurationID(in *invocation, flagValue string) (api.UUID, error) {
	s, err := idArg(in, "id", flagValue, "configuration id")
	if err != nil {
		return api.UUID{}, err
	}
	return parseUUID("configuration id", s)
}
