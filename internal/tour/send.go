package tour

import (
	"context"
	"io"
	"net/http"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/apicall"
	"github.com/finicity-go/connect-components/internal/journey"
)

// Send is the journey's send with client c: each step's operation is
// called through its typed method of package api (internal/apicall's
// table, generated from the spec), so that what the SDK checks and
// decodes is checked and decoded here too; the answer is kept.
func Send(c *api.Client) journey.Send {
	return func(ctx context.Context, s *journey.Step, r *journey.Request) journey.Outcome {
		out, _ := call(ctx, c, s, r)
		return out
	}
}

// call is Send's call, also returning the HTTP response (nil when none
// came), whose request is the one sent.
func call(ctx context.Context, c *api.Client, s *journey.Step, r *journey.Request) (journey.Outcome, *http.Response) {
	var resp *http.Response
	err := apicall.Call(ctx, c, s.Op.ID, &apicall.Input{Path: r.Path, Params: r.Params, Body: r.Body}, api.WithResponseInto(&resp))
	out := journey.Outcome{Err: err}
	if resp != nil {
		out.Status = resp.StatusCode
		out.Body, _ = io.ReadAll(resp.Body)
	}
	return out, resp
}
