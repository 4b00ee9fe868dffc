package api

import (
	"context"
	"encoding/json"
	"net/http"
)

// Reconnection is the answer of Reconnections.Create: either a login form
// to render again (status 201), or multi-factor challenges the user must
// answer first (status 203).
type Reconnection struct {
	// LoginForm is the form to render: set for a 201 (or any 2xx other
	// than 203), nil for a 203.
	LoginForm *LoginForm
	// ChallengeSets is the 203 answer exactly as sent: a list of objects,
	// each holding a list of challenges. Challenges flattens it.
	ChallengeSets MFAChallengeSets
}

// NeedsMFA reports whether the API answered 203: the user must answer the
// challenges before a login form is available.
func (r *Reconnection) NeedsMFA() bool { return r.LoginForm == nil }

// Challenges returns every challenge of a 203 answer, in order, as one
// list; nil for a 201.
func (r *Reconnection) Challenges() []MFAChallenge {
	var all []MFAChallenge
	for _, set := range r.ChallengeSets {
		all = append(all, set.Challenges...)
	}
	return all
}

// decodeReconnection decodes a 201 into a login form and a 203 into
// challenge sets (the x-sdk result of post_reconnections).
func decodeReconnection(cl call, ctx context.Context, req *http.Request, err error) (*Reconnection, error) {
	ans, err := cl.finish(ctx, req, err)
	if err != nil {
		return nil, err
	}
	r := &Reconnection{}
	if ans.StatusCode == http.StatusNonAuthoritativeInfo {
		if err := json.Unmarshal(ans.Body, &r.ChallengeSets); err != nil {
			return nil, cl.undecodable(ans, err)
		}
		if r.ChallengeSets == nil {
			r.ChallengeSets = MFAChallengeSets{}
		}
		return r, nil
	}
	r.LoginForm = new(LoginForm)
	if err := json.Unmarshal(ans.Body, r.LoginForm); err != nil {
		return nil, cl.undecodable(ans, err)
	}
	return r, nil
}
