package main

import (
	"encoding/json"
	"io"
	"text/tabwriter"

	"github.com/finicity-go/connect-components/api"
)

// result is what a command prints: JSON (the default, ready for jq), or
// table for people (--output table). The JSON is raw, the API's answer as
// it came (indented), when there is one; else value, encoded.
type result struct {
	raw   json.RawMessage
	value any
	table func(w io.Writer)
	// data is an answer that is not JSON (a PDF, a CSV, text): written
	// as it came, whatever --output says.
	data []byte
}

func (in *invocation) print(r result) error {
	if r.data != nil {
		_, err := in.stdout.Write(r.data)
		return err
	}
	if in.conn != nil && in.conn.output == "table" {
		tw := tabwriter.NewWriter(in.stdout, 0, 4, 2, ' ', 0)
		r.table(tw)
		return tw.Flush()
	}
	v := r.value
	if r.raw != nil {
		v = r.raw
	}
	enc := json.NewEncoder(in.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// answer is the call option of every command's API call: it keeps the
// HTTP response, whose body is what the command prints (exactly what the
// API said, not a re-encoding of the decoded model, which would drop
// fields at their zero value), whose status tells a reconnection's two
// answers apart, and whose presence tells an unusable answer from a
// network failure (see failed).
func (in *invocation) answer() api.CallOption { return api.WithResponseInto(&in.resp) }

// answerBody is the body of the answer kept by answer.
func (in *invocation) answerBody() json.RawMessage {
	if in.resp == nil {
		return nil
	}
	return responseBody(in.resp)
}
