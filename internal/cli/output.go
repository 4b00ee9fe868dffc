package cli

import (
	"encoding/json"
	"io"
	"text/tabwriter"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/redact"
)

// Result is what a command prints: JSON (the default, ready for jq), or
// Table for people (--output table). The JSON is Raw, the API's answer
// as it came (indented), when there is one; else Value, encoded.
type Result struct {
	Raw   json.RawMessage
	Value any
	Table func(w io.Writer)
	// Data is an answer that is not JSON (a PDF, a CSV, text): written
	// as it came, whatever --output says.
	Data []byte
}

// Print writes r on the command's stdout, as --output says.
func (in *Invocation) Print(r Result) error {
	if r.Data != nil {
		_, err := in.Stdout.Write(r.Data)
		return err
	}
	if in.conn != nil && in.conn.output == "table" {
		tw := tabwriter.NewWriter(in.Stdout, 0, 4, 2, ' ', 0)
		r.Table(tw)
		return tw.Flush()
	}
	v := r.Value
	if r.Raw != nil {
		v = r.Raw
	}
	enc := json.NewEncoder(in.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// answer is the call option of every command's API call: it keeps the
// HTTP response, whose body is what the command prints (exactly what the
// API said, not a re-encoding of the decoded model, which would drop
// fields at their zero value), whose status tells a reconnection's two
// answers apart, and whose presence tells an unusable answer from a
// network failure (see failed).
func (in *Invocation) answer() api.CallOption { return api.WithResponseInto(&in.resp) }

// answerBody is the body of the answer kept by answer.
func (in *Invocation) answerBody() json.RawMessage {
	if in.resp == nil {
		return nil
	}
	return responseBody(in.resp)
}

// PartnerCredentials are the partner id and secret of an API command's
// connection ("" when it has none).
func (in *Invocation) PartnerCredentials() (id, secret string) {
	if in.conn == nil {
		return "", ""
	}
	return in.conn.partnerID, in.conn.partnerSecret
}

// Secrets are the credentials an API command uses, which mask whatever
// it prints; a command adds those it meets (a token issued).
func (in *Invocation) Secrets() *redact.Set {
	if in.conn == nil {
		return &redact.Set{}
	}
	return &in.conn.secrets
}
