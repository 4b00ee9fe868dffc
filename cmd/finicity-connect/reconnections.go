package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/finicity-go/connect-components/api"
)

// reconnectionOutput is the JSON shape of reconnections create: the
// status says which of the two answers came back, and the answer follows
// as the API sent it (a login form, or the list of challenge sets).
type reconnectionOutput struct {
	Status        int             `json:"status"`
	LoginForm     json.RawMessage `json:"loginForm,omitempty"`
	MfaChallenges json.RawMessage `json:"mfaChallenges,omitempty"`
}

func reconnectionsCreate(fs *flag.FlagSet) func(context.Context, *invocation) error {
	customer := fs.String("customer-id", "", "customer id (required, or the first argument)")
	loginID := fs.Int64("institution-login-id", 0, "institution login id to reconnect (required, or the second argument)")
	body := fs.String("body", "null", "request body: a JSON object (null sends {}); the spec requires one")
	return func(ctx context.Context, in *invocation) error {
		c, id, err := reconnectionTarget(in, *customer, *loginID)
		if err != nil {
			return err
		}
		// null decodes to the empty body, sent as {}.
		var reqBody api.ReconnectionParams
		dec := json.NewDecoder(bytes.NewReader([]byte(*body)))
		if err := dec.Decode(&reqBody); err != nil || dec.More() {
			return usagef("invalid --body: must be a JSON object or null")
		}
		r, err := in.client.Reconnections.Create(ctx, c, id, reqBody, in.answer())
		if err != nil {
			return err
		}
		status := in.resp.StatusCode
		out := reconnectionOutput{Status: status}
		if r.NeedsMFA() {
			out.MfaChallenges = in.answerBody()
		} else {
			out.LoginForm = in.answerBody()
		}
		return in.print(result{value: out, table: func(w io.Writer) {
			if r.NeedsMFA() {
				fmt.Fprintf(w, "STATUS\t%d: MFA challenges to answer\n\n", status)
				challengesTable(r.Challenges())(w)
				return
			}
			fmt.Fprintf(w, "STATUS\t%d: login form to render\n", status)
			loginFormTable(r.LoginForm)(w)
		}})
	}
}

// reconnectionTarget takes the customer and login ids from flags or, in
// that order, from the arguments.
func reconnectionTarget(in *invocation, customer string, loginID int64) (string, int64, error) {
	args := in.args
	if customer == "" && len(args) > 0 {
		customer, args = args[0], args[1:]
	}
	if err := requireFlag("customer-id", customer); err != nil {
		return "", 0, err
	}
	sub := *in
	sub.args = args
	id, err := intArg(&sub, "institution-login-id", loginID, "institution login id")
	if err != nil {
		return "", 0, err
	}
	return customer, id, nil
}
