// Package httpx holds the few HTTP pieces the client's layers share: the
// one value they pass each other (Response: the request answered, and the
// answer's status, headers and body bytes), the Sender they wrap, and
// Receive, the one place an answer's body is read from the network.
//
// Every layer above the network needs to look at an answer's body at some
// point (the token layer for reason code 10023, validation, logging, the
// error built for the caller). Rather than each reading it and putting it
// back, or guessing at another layer's body type, Receive reads it once
// (incrementally, bounded in size and by the request's context) and the
// layers hand the Response up; whatever reaches the caller is exactly
// what was received.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Doer sends one HTTP request; *http.Client is one.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// DoerFunc adapts a function to a Doer.
type DoerFunc func(req *http.Request) (*http.Response, error)

// Do calls f(req).
func (f DoerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// memBody is the body of Response.HTTP: an io.ReadCloser over bytes read
// from the network once.
type memBody struct{ bytes.Reader }

// Close does nothing: the connection was released when the body was read.
func (*memBody) Close() error { return nil }

// ErrBodyTooLarge is returned by Receive for a body over its limit.
var ErrBodyTooLarge = errors.New("response body too large")

// ErrInformational is returned by Receive for a 1xx status given as the
// final answer (101 Switching Protocols, say): its body, if any, is the
// raw connection, which would never end.
var ErrInformational = errors.New("1xx status as the final answer")

// Response is the one value the client's layers pass each other: the
// request answered, and the answer's status, headers and body, read once
// from the network. Layers look at these fields; none reads a body.
type Response struct {
	// Request is the request this answers (for a replay, the replayed
	// one, with the token it carried).
	Request *http.Request
	// StatusCode and Header are the answer's.
	StatusCode int
	Header     http.Header
	// Body is the whole body. It is shared: nobody may modify it.
	Body []byte

	// received is the answer as it arrived, for HTTP to take what the
	// fields above do not hold (Status, Proto, Trailer, TLS) from. Its
	// Body, already read and closed, is never used.
	received *http.Response
}

// HTTP returns the answer as a new *http.Response whose body reads Body
// from its start, for code that wants net/http's type (a user's
// middleware, WithResponseInto, the generated client).
func (r *Response) HTTP() *http.Response {
	var out http.Response
	if r.received != nil {
		out = *r.received
	}
	out.StatusCode, out.Header, out.Request = r.StatusCode, r.Header, r.Request
	if out.Status == "" || !strings.HasPrefix(out.Status, strconv.Itoa(r.StatusCode)) {
		out.Status = strconv.Itoa(r.StatusCode) + " " + http.StatusText(r.StatusCode)
	}
	body := new(memBody)
	body.Reset(r.Body)
	out.Body = body
	out.ContentLength = int64(len(r.Body))
	return &out
}

// Sender is a layer of the client: it sends req (through the layers
// below) and returns the answer read whole.
type Sender interface {
	Send(req *http.Request) (*Response, error)
}

// SenderFunc adapts a function to a Sender.
type SenderFunc func(req *http.Request) (*Response, error)

// Send calls f(req).
func (f SenderFunc) Send(req *http.Request) (*Response, error) { return f(req) }

// Receive reads resp, the answer to req, into a Response: the whole body,
// at most limit bytes, then closes it. It reads incrementally (an
// announced Content-Length is checked against limit but never
// allocated), and every read is bounded by req's context: when it ends,
// the body is closed, which ends a read blocked on the network, and the
// error is the context's. A 1xx final answer is refused unread.
//
// honoursContext says the body already ends its reads when req's context
// ends, as every body of net/http's own Transport does: Receive then
// spares itself the watch. Pass false for any other origin.
func Receive(req *http.Request, resp *http.Response, limit int64, honoursContext bool) (*Response, error) {
	if resp == nil {
		return nil, errors.New("no response and no error")
	}
	body := resp.Body
	if body == nil {
		body = http.NoBody
	}
	if resp.StatusCode < 200 {
		_ = body.Close()
		return nil, fmt.Errorf("%w: %d", ErrInformational, resp.StatusCode)
	}
	if resp.ContentLength > limit {
		_ = body.Close()
		return nil, fmt.Errorf("%w: %d bytes announced, the limit is %d", ErrBodyTooLarge, resp.ContentLength, limit)
	}
	ctx := req.Context()
	stop := func() bool { return ctx.Err() == nil }
	if !honoursContext {
		if a, ok := ctx.(*attemptCtx); ok {
			// The attempt's own context closes the body when it ends.
			if !a.watch(body) {
				_ = body.Close()
			}
			stop = a.unwatch
		} else if ctx.Done() != nil {
			stop = context.AfterFunc(ctx, func() { _ = body.Close() })
		}
	}
	data, err := readCapped(body, limit)
	if !stop() {
		// The context ended during the read: whatever the read says
		// (a closed body, a short one), the reason is the context's.
		err = fmt.Errorf("read the body: %w", context.Cause(ctx))
		data = nil
	}
	_ = body.Close()
	if err != nil {
		return nil, err
	}
	out := &Response{Request: req, StatusCode: resp.StatusCode, Header: resp.Header, Body: data, received: resp}
	if out.Header == nil {
		out.Header = http.Header{}
	}
	return out, nil
}

// readCapped reads r to its end, growing the buffer as bytes arrive, and
// fails once more than limit bytes came. It reads into a pooled scratch
// buffer and returns an exact-size copy: one allocation per body, of what
// arrived.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	if r == http.NoBody {
		return nil, nil
	}
	bp := scratch.Get().(*[]byte)
	buf := (*bp)[:0]
	defer func() {
		if cap(buf) <= maxPooled {
			*bp = buf[:0]
			scratch.Put(bp)
		}
	}()
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if len(buf) == 0 {
		return nil, nil
	}
	return bytes.Clone(buf), nil
}

// scratch holds the read buffers of readCapped; one grown past maxPooled
// by a large body is not kept.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

const maxPooled = 64 << 10

// Replayable reports whether req's body can be sent again: it has none, or
// GetBody can produce a fresh copy.
func Replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// Copy returns a copy of req whose body is a fresh copy from GetBody, to
// send again. The caller checked Replayable.
func Copy(req *http.Request) (*http.Request, error) {
	r := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	return r, nil
}

// Discard drains a little of a body nobody will read, so that its
// connection can be reused, and closes it.
func Discard(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		_ = resp.Body.Close()
	}
}
