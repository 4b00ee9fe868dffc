// Package httpx holds the few HTTP pieces the client's layers share: the
// Doer they wrap, and the response body that is read once, at the bottom of
// the stack, and handed up as bytes.
//
// Every layer above the network needs to look at an answer's body at some
// point (the token layer for reason code 10023, validation, logging, the
// error built for the caller). Rather than each reading it and putting it
// back, Read reads it once into a Body, and the layers above ask for its
// bytes with Bytes; whatever reaches the caller is exactly what was
// received.
package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Doer sends one HTTP request; *http.Client is one.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// DoerFunc adapts a function to a Doer.
type DoerFunc func(req *http.Request) (*http.Response, error)

// Do calls f(req).
func (f DoerFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// Body is a response body held in memory: an io.ReadCloser over bytes that
// were read from the network once. Reading it does not consume the bytes
// for the layers that ask for them with Bytes.
type Body struct {
	data []byte
	r    bytes.Reader
}

// NewBody returns a Body over data.
func NewBody(data []byte) *Body {
	b := &Body{data: data}
	b.r.Reset(data)
	return b
}

// Read reads from the body like any response body.
func (b *Body) Read(p []byte) (int, error) { return b.r.Read(p) }

// Close does nothing: the connection was released when the body was read.
func (b *Body) Close() error { return nil }

// Rewind puts the read position of resp's body back at the start, when it
// is a Body: a layer that read it must not take it from the next reader.
func Rewind(resp *http.Response) {
	if resp == nil {
		return
	}
	if b, ok := resp.Body.(*Body); ok {
		b.r.Reset(b.data)
	}
}

// Bytes returns the whole body, however much of it was read through Read.
// The slice is shared: callers must not modify it.
func (b *Body) Bytes() []byte { return b.data }

// Bytes returns the body of resp if it was read by Read (or built with
// NewBody), and false otherwise.
func Bytes(resp *http.Response) ([]byte, bool) {
	if resp == nil {
		return nil, false
	}
	if b, ok := resp.Body.(*Body); ok {
		return b.data, true
	}
	return nil, false
}

// ErrBodyTooLarge is returned by Read for a body over its limit.
var ErrBodyTooLarge = errors.New("response body too large")

// Read reads resp's body whole, at most limit bytes, closes it, and puts a
// Body in its place. When the length is announced it reads into a buffer
// of exactly that size. A body that is already a Body is left alone.
func Read(resp *http.Response, limit int64) error {
	if resp.Body == nil || resp.Body == http.NoBody {
		resp.Body = NewBody(nil)
		return nil
	}
	if _, ok := resp.Body.(*Body); ok {
		return nil
	}
	data, err := readAll(resp.Body, resp.ContentLength, limit)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	resp.Body = NewBody(data)
	resp.ContentLength = int64(len(data))
	return nil
}

func readAll(r io.Reader, n, limit int64) ([]byte, error) {
	if n > limit {
		return nil, fmt.Errorf("%w: %d bytes announced, the limit is %d", ErrBodyTooLarge, n, limit)
	}
	if n > 0 {
		// The spare byte finds out whether the body is longer than
		// announced (net/http reports that itself, but a test transport
		// may not) without a second buffer.
		buf := make([]byte, n, n+1)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		for {
			k, err := r.Read(buf[n : n+1])
			if k > 0 {
				rest, err := io.ReadAll(io.LimitReader(r, limit-n))
				if err != nil {
					return nil, err
				}
				buf = append(buf[:n+1], rest...)
				if int64(len(buf)) > limit {
					return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, limit)
				}
				return buf, nil
			}
			if err == io.EOF {
				return buf, nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, limit)
	}
	return data, nil
}

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
