package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/retry"
)

// Doer sends one HTTP request; *http.Client is one.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// DoerFunc adapts a function to a Doer.
type DoerFunc func(req *http.Request) (*http.Response, error)

// Do calls f(req).
func (f DoerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// Middleware wraps the Doer that sends one attempt of a call, to observe
// or change requests and responses (tracing, metrics, headers):
//
//	func count(next api.Doer) api.Doer {
//		return api.DoerFunc(func(req *http.Request) (*http.Response, error) {
//			attempts.Add(1)
//			return next.Do(req)
//		})
//	}
//
// It is called for each attempt; its Doer must be safe for concurrent
// use. The response it gets has its body in memory: reading it does not
// take it from the layers above (the middleware given before, token
// renewal, retries, validation, decoding), which use what it returns (the
// body wrapped, another response), read within the attempt's time limit.
type Middleware func(next Doer) Doer

// maxResponseBytes bounds a body: the API's are a few hundred bytes.
const maxResponseBytes = 10 << 20

// response is an answer read whole, its Request the one sent.
type response struct {
	*http.Response
	data []byte // the whole body
}

// http returns r as a new *http.Response whose body reads it all.
func (r *response) http() *http.Response {
	out := *r.Response
	out.Body, out.ContentLength = &memBody{Reader: *bytes.NewReader(r.data), data: r.data}, int64(len(r.data))
	return &out
}

// memBody is a body read into memory already: data, whatever was read.
type memBody struct {
	bytes.Reader
	data []byte
}

func (*memBody) Close() error { return nil }

// send sends req as o says: editors, headers, credentials, then the
// attempts, within validation.
func (c *Client) send(req *http.Request, o *callSettings) (*response, error) {
	ctx := req.Context()
	for _, edit := range c.editors {
		if err := edit(ctx, req); err != nil {
			return nil, err
		}
	}
	for k, vs := range o.header {
		req.Header[k] = vs
	}
	if err := c.auth(ctx, req); err != nil {
		if rejected, ok := errors.AsType[*auth.RejectedError](err); ok {
			err = rejected.Err // remembered by the token source: ours
		}
		return nil, err
	}
	if c.validator != nil {
		return c.validator.send(req, func(req *http.Request) (*response, error) { return c.loop(req, o) })
	}
	return c.loop(req, o)
}

// loop sends req until its answer is final: a 401 for an expired token
// replayed once with a new one, a failure retried as c.retry decides.
func (c *Client) loop(req *http.Request, o *callSettings) (*response, error) {
	policy, timeout := c.retry, o.attemptTimeout
	policy.MaxRetries = o.retries
	if timeout > 0 && auth.IsTokenRequest(req) {
		timeout = max(timeout, auth.MinAttemptTimeout)
	}
	replayed := false
	for n, tries := 1, 1; ; n, tries = n+1, tries+1 { // tries: since the replay
		r, err := c.attempt(req, n, timeout)
		if err == nil && !replayed && c.invalidate != nil && auth.Expired(req, r.StatusCode, r.data, ReasonExpiredToken) {
			replayed = true
			again, err := c.renew(req)
			if err != nil {
				return nil, err // the 401 is moot: no new token came
			}
			if again != nil {
				req, tries = again, 0
				continue
			}
		}
		status, header := 0, http.Header(nil)
		if err == nil {
			status, header = r.StatusCode, r.Header
		}
		wait, ok := policy.Next(req, tries, status, header, err)
		switch {
		case ok:
		case err != nil && tries > 1:
			return nil, fmt.Errorf("%w (after %d attempts)", err, tries)
		default:
			return r, err
		}
		if c.logger != nil {
			reason := strconv.Itoa(status)
			if err != nil {
				reason = c.mask.forRequest(req)(err.Error())
			}
			c.debug(req, "finicity: retrying", slog.Int("attempt", n), slog.Duration("wait", wait), slog.String("reason", reason))
		}
		if err := retry.Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// renew invalidates req's expired token and returns req with a new one;
// nil when there is none, or req's body cannot be sent again.
func (c *Client) renew(req *http.Request) (*http.Request, error) {
	sent := req.Header.Get(auth.HeaderAppToken)
	c.invalidate(sent) // spent, whether req is replayed or not
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return nil, nil
	}
	again := req.Clone(req.Context())
	if err := c.auth(again.Context(), again); err != nil || again.Header.Get(auth.HeaderAppToken) == sent {
		return nil, err
	}
	c.debug(req, "finicity: token expired (reason "+ReasonExpiredToken+"); renewed, replaying once")
	return again, nil
}

// attempt sends req once (attempt n) within timeout (0: none), the answer
// read before the time is released.
func (c *Client) attempt(req *http.Request, n int, timeout time.Duration) (*response, error) {
	ctx := req.Context()
	if n > 1 {
		ctx = retry.WithAttempt(ctx, n)
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if ctx != req.Context() {
		req = req.WithContext(ctx)
	}
	if n > 1 && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("rewind the request body: %w", err)
		}
		req.Body = body
	}
	start := time.Now()
	r, err := c.roundTrip(req)
	if c.logger != nil {
		took := slog.Duration("duration", time.Since(start))
		if err != nil {
			c.debug(req, "finicity: request failed", slog.Int("attempt", n), took, slog.String("error", c.mask.forRequest(req)(err.Error())))
		} else {
			c.debug(req, "finicity: request", slog.Int("attempt", n), took, slog.Int("status", r.StatusCode))
		}
	}
	return r, err
}

// roundTrip sends the attempt req through the middleware to c.hc. Each
// middleware gets the answer over the attempt's own body in memory (held),
// recognised by identity when it comes back; any other is read in turn.
func (c *Client) roundTrip(req *http.Request) (*response, error) {
	if len(c.middleware) == 0 {
		resp, err := c.hc.Do(req)
		return read(req, nil, resp, err, c.honours)
	}
	var held *memBody
	fromHC := false // the answer handed up comes from c.hc, not a middleware
	handUp := func(resp *http.Response, err error) (*http.Response, error) {
		r, err := read(req, held, resp, err, fromHC && c.honours)
		fromHC = false
		if err != nil {
			return nil, err
		}
		out := r.http()
		held = out.Body.(*memBody)
		return out, nil
	}
	d, err := chain(c.middleware, DoerFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := c.hc.Do(r)
		fromHC = true
		return handUp(resp, err)
	}), handUp)
	if err != nil {
		return nil, err
	}
	resp, err := d.Do(req)
	return read(req, held, resp, err, false)
}

// chain puts mw (the first outermost) over inner, the answers between
// them through between (nil: as they are).
func chain(mw []Middleware, inner Doer, between func(*http.Response, error) (*http.Response, error)) (Doer, error) {
	d := inner
	for i := len(mw) - 1; i >= 0; i-- {
		if d = mw[i](d); d == nil {
			return nil, fmt.Errorf("middleware %d returned a nil Doer", i)
		}
		if below := d; i > 0 && between != nil {
			d = DoerFunc(func(req *http.Request) (*http.Response, error) { return between(below.Do(req)) })
		}
	}
	return d, nil
}

// read takes resp (to req, or a middleware's) whole: held's bytes when
// its body is held. honours says its body ends its reads when req's
// context ends (see readBody).
func read(req *http.Request, held *memBody, resp *http.Response, err error, honours bool) (*response, error) {
	if err != nil {
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("a middleware returned neither a response nor an error")
	}
	var data []byte
	if held != nil && resp.Body == io.ReadCloser(held) {
		data = held.data
	} else if data, err = readBody(req.Context(), resp, honours); err != nil {
		return nil, fmt.Errorf("read the %d answer to %s %s: %w", resp.StatusCode, req.Method, req.URL.EscapedPath(), err)
	}
	if resp.Request != req || resp.Header == nil {
		cp := *resp
		cp.Request = req
		if cp.Header == nil {
			cp.Header = http.Header{}
		}
		resp = &cp
	}
	return &response{Response: resp, data: data}, nil
}

// readBody reads resp's body, maxResponseBytes at most, within ctx: a body
// that may not end its reads with ctx (honours false) is closed when ctx
// ends. A 1xx final answer is refused unread: its body is the raw
// connection.
func readBody(ctx context.Context, resp *http.Response, honours bool) ([]byte, error) {
	body := resp.Body
	if body == nil || body == http.NoBody {
		return nil, nil
	}
	defer body.Close()
	switch {
	case resp.StatusCode < 200:
		return nil, fmt.Errorf("1xx status as the final answer: %d", resp.StatusCode)
	case resp.ContentLength > maxResponseBytes:
		return nil, fmt.Errorf("response body too large: %d bytes announced, the limit is %d", resp.ContentLength, maxResponseBytes)
	}
	stop := func() bool { return ctx.Err() == nil }
	if !honours {
		stop = context.AfterFunc(ctx, func() { _ = body.Close() })
	}
	data, err := io.ReadAll(io.LimitReader(body, maxResponseBytes+1))
	switch {
	case !stop(): // whatever the read says, the reason is the context's
		return nil, fmt.Errorf("read the body: %w", context.Cause(ctx))
	case err != nil:
		return nil, err
	case len(data) > maxResponseBytes:
		return nil, fmt.Errorf("response body too large: over %d bytes", maxResponseBytes)
	case len(data) == 0:
		return nil, nil
	}
	return data, nil
}

// debug writes a debug record about req.
func (c *Client) debug(req *http.Request, msg string, attrs ...slog.Attr) {
	if c.logger != nil && c.logger.Enabled(req.Context(), slog.LevelDebug) {
		c.logger.LogAttrs(req.Context(), slog.LevelDebug, msg,
			append([]slog.Attr{slog.String("method", req.Method), slog.String("path", req.URL.EscapedPath())}, attrs...)...)
	}
}
