package auth

import (
	"net/http"

	"github.com/finicity-go/connect-components/internal/httpx"
)

// Replay returns a Sender that sends requests through next and, when the
// API answers 401 with reason code expired (the API's 10023, expired
// token), invalidates the token
// that failed, obtains a new one from tokens, and sends the request once
// more with it, provided tokens can renew (not a StaticToken), the new
// token differs from the one refused, and the body can be replayed. The
// second answer is returned whatever it is, so an API that keeps refusing
// cannot cause a loop. onReplay, if not nil, is called
// before each replay (for logging).
//
// It looks at the 401's body as the layer below hands it up (the
// Response's bytes), whatever the user's middleware did with the
// *http.Response it saw.
func Replay(next httpx.Sender, tokens TokenSource, expired string, onReplay func(req *http.Request)) httpx.Sender {
	return &replay{next: next, tokens: tokens, expired: expired, onReplay: onReplay}
}

type replay struct {
	next     httpx.Sender
	tokens   TokenSource
	expired  string
	onReplay func(req *http.Request)
}

func (r *replay) Send(req *http.Request) (*httpx.Response, error) {
	resp, err := r.next.Send(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || IsTokenRequest(req) {
		return resp, err
	}
	sent := req.Header.Get(HeaderAppToken)
	if sent == "" || !HasReasonCode(resp.Body, r.expired) {
		return resp, nil
	}
	// The token is spent whether or not this request can be replayed: the
	// next call must not send it again.
	r.tokens.Invalidate(sent)
	if !Renewable(r.tokens) || !httpx.Replayable(req) {
		return resp, nil
	}
	fresh, err := r.tokens.Token(req.Context())
	if err != nil {
		// The 401 is moot: the caller needs to know why no new token came.
		return nil, err
	}
	if fresh == sent {
		// The source has nothing newer (a shared store not refreshed yet):
		// sending the same token again would only be refused again.
		return resp, nil
	}
	again, err := httpx.Copy(req)
	if err != nil {
		// Cannot replay after all: the 401 is the honest answer.
		return resp, nil
	}
	if err := SetToken(again, fresh); err != nil {
		return nil, err
	}
	if r.onReplay != nil {
		r.onReplay(req)
	}
	return r.next.Send(again)
}
