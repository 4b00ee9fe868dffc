package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/finicity-go/connect-components/internal/httpx"
)

// CallOption configures one call of a service method.
type CallOption func(*callSettings)

type callSettings struct {
	responseInto **http.Response
}

// WithResponseInto stores the call's HTTP response in *dst once it
// arrives, whatever its status, for its status code and headers. Its body
// has been read already; reading it again yields the same bytes. *dst is
// left alone when no response arrived (a transport failure, or a request
// refused before sending).
//
//	var resp *http.Response
//	cfg, err := c.Configurations.Create(ctx, params, api.WithResponseInto(&resp))
//	log.Println(resp.StatusCode, resp.Header.Get("Date"))
func WithResponseInto(dst **http.Response) CallOption {
	return func(s *callSettings) { s.responseInto = dst }
}

// call carries what the helpers below need to know about one call of a
// generated service method.
type call struct {
	c       *Client
	op      string // operationId
	opts    []CallOption
	secrets []string // credentials in the body (partnerSecret)
}

func (c *Client) newCall(op string, opts []CallOption) call {
	return call{c: c, op: op, opts: opts}
}

// finish turns the outcome of a raw generated call into the answer's body,
// or the error the caller gets: a non-2xx status is an *Error, a
// transport failure is wrapped once with the package's prefix, masked.
func (cl call) finish(resp *http.Response, err error) ([]byte, error) {
	if err != nil {
		if ve, ok := errors.AsType[*ValidationError](err); ok && ve.resp != nil && len(cl.opts) > 0 {
			// The answer arrived, though it was refused: the caller
			// asked for it whatever its status.
			cl.applyOptions(ve.resp)
		}
		return nil, cl.wrap(err)
	}
	if len(cl.opts) > 0 {
		cl.applyOptions(resp)
	}
	body, ok := httpx.Bytes(resp)
	if !ok {
		// A middleware replaced the body: read what it gave.
		if err := httpx.Read(resp, maxResponseBytes); err != nil {
			return nil, cl.wrap(err)
		}
		body, _ = httpx.Bytes(resp)
	}
	if !success(resp) {
		return nil, newError(resp.Request, resp.StatusCode, body, cl.c.mask.forRequest(resp.Request, cl.secrets...))
	}
	return body, nil
}

// applyOptions carries out the call options once the response is in.
func (cl call) applyOptions(resp *http.Response) {
	var s callSettings
	for _, opt := range cl.opts {
		if opt != nil {
			opt(&s)
		}
	}
	if s.responseInto != nil {
		httpx.Rewind(resp)
		*s.responseInto = resp
	}
}

// wrap gives a transport error the package's prefix once (errors from the
// layers that already carry it are returned as they are), with the
// credentials masked in its text.
func (cl call) wrap(err error) error {
	return cl.c.mask.wrap(err, nil, cl.secrets...)
}

// transportError is a failure with no usable answer: a connection refused
// or reset, a timeout, a cancelled context, a body that could not be read.
type transportError struct {
	err  error
	mask func(string) string
}

func (e *transportError) Error() string { return e.mask(errPrefix + e.err.Error()) }
func (e *transportError) Unwrap() error { return e.err }

// DecodeError is a 2xx answer whose body does not decode into the
// documented type: the API answered, but not with what the spec promises.
// errors.As finds it; Unwrap gives the decoder's error.
type DecodeError struct {
	// StatusCode is the answer's (2xx) status.
	StatusCode int
	// Method and Path identify the request.
	Method, Path string
	// Body is the answer's body, exactly as received.
	Body []byte

	err  error
	mask func(string) string
}

func (e *DecodeError) Error() string {
	return e.mask(fmt.Sprintf("%s%s %s: the %d answer does not decode: %v", errPrefix, e.Method, e.Path, e.StatusCode, e.err))
}

func (e *DecodeError) Unwrap() error { return e.err }

func (cl call) undecodable(resp *http.Response, body []byte, err error) error {
	e := &DecodeError{StatusCode: resp.StatusCode, Body: body, err: err, mask: cl.c.mask.forRequest(resp.Request, cl.secrets...)}
	if resp.Request != nil {
		e.Method, e.Path = resp.Request.Method, resp.Request.URL.EscapedPath()
	}
	return e
}

// decodeObject decodes a 2xx answer into a T.
func decodeObject[T any](cl call, resp *http.Response, err error) (*T, error) {
	body, err := cl.finish(resp, err)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(body, v); err != nil {
		return nil, cl.undecodable(resp, body, err)
	}
	return v, nil
}

// decodeList decodes a 2xx answer into a []T; an empty list is an empty,
// non-nil slice.
func decodeList[T any](cl call, resp *http.Response, err error) ([]T, error) {
	body, err := cl.finish(resp, err)
	if err != nil {
		return nil, err
	}
	var v []T
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, cl.undecodable(resp, body, err)
	}
	if v == nil {
		v = []T{}
	}
	return v, nil
}

// decodeNone checks a 2xx answer that carries no body.
func decodeNone(cl call, resp *http.Response, err error) error {
	_, err = cl.finish(resp, err)
	return err
}
