package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/finicity-go/connect-components/api"
)

// result is what a command prints: value as JSON (the default, ready for
// jq), or table for people (--output table).
type result struct {
	value any
	table func(w io.Writer)
}

func (in *invocation) print(r result) error {
	if in.conn != nil && in.conn.output == "table" {
		tw := tabwriter.NewWriter(in.stdout, 0, 4, 2, ' ', 0)
		r.table(tw)
		return tw.Flush()
	}
	enc := json.NewEncoder(in.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r.value)
}

func joinOrDash(p *[]string) string {
	if p == nil || len(*p) == 0 {
		return "-"
	}
	return strings.Join(*p, ",")
}

func boolOrDefault(p *bool) bool { return p != nil && *p }

func configurationsTable(list []api.Configuration) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "ID\tFILTER ACCOUNTS\tACCOUNT CLASSIFICATION\tAO REQUIRED")
		for _, c := range list {
			id := "-"
			if c.Id != nil {
				id = c.Id.String()
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%t\n", id, joinOrDash(c.FilterAccounts), joinOrDash(c.AccountClassificationType), boolOrDefault(c.AoRequired))
		}
	}
}

func loginFormTable(f *api.PostInstitutionsInstitutionIdLoginForms201Response) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintf(w, "LOGIN FORM\t%s\nEVENT STREAM\t%s\n\n", f.Id, f.EventStreamId)
		fmt.Fprintln(w, "ELEMENT ID\tLABEL\tSORT ORDER")
		for _, e := range f.Elements {
			fmt.Fprintf(w, "%s\t%s\t%d\n", e.Id, e.Label, e.SortOrder)
		}
	}
}

func challengesTable(items api.MfaChallengesResponse) func(io.Writer) {
	return func(w io.Writer) {
		fmt.Fprintln(w, "CHALLENGE ID\tMFA TYPE\tCHOICES\tPROMPT")
		for _, item := range items {
			for _, c := range item.MfaChallenges {
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", c.Id, c.MfaType, len(c.ChoiceIds), c.Prompt)
			}
		}
	}
}
