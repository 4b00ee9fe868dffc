package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/finicity-go/connect-components/internal/redact"
)

// Doer sends one HTTP request; *http.Client is one.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// TokenPath is the path of partner authentication, the one operation that
// is sent with the app key alone.
const TokenPath = "/aggregation/v2/partners/authentication"

// ReasonExpiredToken is the API's reason code for an expired
// Finicity-App-Token (status 401).
const ReasonExpiredToken = "10023"

// IsTokenRequest reports whether req is partner authentication. It gets no
// Finicity-App-Token: it is how a token is obtained, and asking the token
// source for one here would recurse.
func IsTokenRequest(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasSuffix(strings.TrimSuffix(req.URL.Path, "/"), TokenPath)
}

// Transport returns a Doer that sets Finicity-App-Key and
// Finicity-App-Token on each request and sends it through next.
//
// When tokens is a Refresher and the API answers 401 with reason code
// 10023 (expired token), the token that failed is invalidated, a new one is
// obtained, and the request is sent once more, provided its body can be
// replayed (no body, or GetBody set). The second answer is returned
// whatever it is, so an API that keeps refusing cannot cause a loop.
// onReplay, if not nil, is called before each replay (for logging).
func Transport(next Doer, appKey string, tokens TokenSource, onReplay func(req *http.Request)) Doer {
	return &transport{next: next, appKey: appKey, tokens: tokens, onReplay: onReplay}
}

type transport struct {
	next     Doer
	appKey   string
	tokens   TokenSource
	onReplay func(req *http.Request)
}

func (t *transport) Do(req *http.Request) (*http.Response, error) {
	if t.appKey == "" {
		return nil, ErrEmptyAppKey
	}
	ctx := req.Context()
	tok, err := tokenFor(ctx, t.tokens, req)
	if err != nil {
		return nil, err
	}
	resp, err := t.next.Do(setHeaders(req, t.appKey, tok))
	if tok == "" || err != nil || resp.StatusCode != http.StatusUnauthorized {
		return t.scrub(resp, err, tok)
	}
	ref, ok := t.tokens.(Refresher)
	if !ok || !expired(resp) {
		return t.scrub(resp, nil, tok)
	}
	// The token is spent whether or not this request can be replayed: the
	// next call must not send it again.
	ref.Invalidate(tok)
	if !replayable(req) {
		return t.scrub(resp, nil, tok)
	}
	fresh, err := ref.Token(ctx)
	if err != nil {
		// The 401 is moot: the caller needs to know why no new token came.
		drain(resp)
		return nil, err
	}
	retry := setHeaders(req, t.appKey, fresh)
	if req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			// Cannot replay after all: the 401 is the honest answer.
			return t.scrub(resp, nil, tok)
		}
		retry.Body = body
	}
	drain(resp)
	if t.onReplay != nil {
		t.onReplay(req)
	}
	resp, err = t.next.Do(retry)
	return t.scrub(resp, err, fresh)
}

// scrub masks the app key and the tokens in the body of an error response.
// An API error body has no reason to quote them, but if a server (or a
// proxy) does, the text would end up in *api.Error and in error strings.
// Success bodies are left alone: a token is what partner authentication
// returns.
func (t *transport) scrub(resp *http.Response, err error, tokens ...string) (*http.Response, error) {
	if err != nil || resp == nil || resp.StatusCode < 400 || resp.Body == nil {
		return resp, err
	}
	head, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	head = []byte(redact.Values(string(head), append([]string{t.appKey}, tokens...)...))
	var rest io.Reader = resp.Body
	if rerr != nil {
		rest = errReader{rerr}
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), rest), resp.Body}
	resp.ContentLength = -1
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// setHeaders sets the authentication headers on req and returns it: the
// app key, and the token unless it is empty. The requests reaching this
// layer are built by the generated client for this call alone, so setting
// headers in place is safe, and a replay simply sets them again with the
// fresh token. The keys are already canonical, so the map is written
// directly rather than through Header.Set.
func setHeaders(req *http.Request, appKey, token string) *http.Request {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header[HeaderAppKey] = []string{appKey}
	if token != "" {
		req.Header[HeaderAppToken] = []string{token}
	} else {
		delete(req.Header, HeaderAppToken)
	}
	return req
}

// tokenFor returns the token req must carry: none for partner
// authentication (it is how a token is obtained, and asking the source
// here would recurse) or without a source.
func tokenFor(ctx context.Context, tokens TokenSource, req *http.Request) (string, error) {
	if tokens == nil || IsTokenRequest(req) {
		return "", nil
	}
	tok, err := tokens.Token(ctx)
	if err != nil {
		return "", err
	}
	if tok == "" {
		return "", errEmptyToken
	}
	return tok, nil
}

func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// maxErrorBody bounds how much of a 401 body is read to find its reason
// code; the documented error body is a few hundred bytes.
const maxErrorBody = 64 << 10

// expired reports whether a 401 response says the token expired. It reads
// the start of the body and puts it back, so the caller still sees the
// whole response.
func expired(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	if err != nil {
		return false
	}
	return HasReasonCode(head, ReasonExpiredToken)
}

// HasReasonCode reports whether an error body in the documented shape
// ({"Errors":{"Error":[{"ReasonCode":"..."}]}}) carries code. A number is
// accepted as well as a string, since nothing is lost by being lenient.
func HasReasonCode(body []byte, code string) bool {
	var parsed struct {
		Errors struct {
			Error []struct {
				ReasonCode json.RawMessage
			}
		}
	}
	if json.Unmarshal(body, &parsed) != nil {
		return false
	}
	for _, e := range parsed.Errors.Error {
		if strings.Trim(string(e.ReasonCode), `"`) == code {
			return true
		}
	}
	return false
}

func drain(resp *http.Response) {
	if resp.Body != nil {
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		_ = resp.Body.Close()
	}
}
