package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/finicity-go/connect-components/internal/auth"
	"github.com/finicity-go/connect-components/internal/redact"
)

// CallOption configures one call of a service method: pass any number
// after the method's arguments.
//
//	cfgs, err := c.Configurations.List(ctx,
//		api.WithCallTimeout(5*time.Second), api.WithCallRetries(0),
//		api.WithCallHeader("X-Request-Id", id))
//
// An invalid one (a negative duration, say) fails the call with an error
// naming it, before anything is sent.
type CallOption func(*callSettings)

// callSettings is how one call is sent: the client's defaults (retries,
// attempt timeout), changed by the call's options.
type callSettings struct {
	responseInto   **http.Response
	timeout        time.Duration
	retries        int
	attemptTimeout time.Duration
	header         http.Header
	err            error
}

func (s *callSettings) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf(errPrefix+format, args...)
	}
}

// WithResponseInto stores the call's HTTP response in *dst once it
// arrives, whatever its status, for its status code and headers. Its body
// has been read already; reading it yields the whole body. *dst is left
// alone when no response arrived (a transport failure, or a request
// refused before sending).
//
//	var resp *http.Response
//	cfg, err := c.Configurations.Create(ctx, params, api.WithResponseInto(&resp))
//	log.Println(resp.StatusCode, resp.Header.Get("Date"))
func WithResponseInto(dst **http.Response) CallOption {
	return func(s *callSettings) {
		if dst == nil {
			s.fail("WithResponseInto: destination is nil")
		}
		s.responseInto = dst
	}
}

// WithCallTimeout bounds this call as a whole: the token it may need
// first, every attempt, and the waits between them. The context passed to
// the call bounds it too; the earlier deadline wins.
func WithCallTimeout(d time.Duration) CallOption {
	return func(s *callSettings) {
		if d <= 0 {
			s.fail("WithCallTimeout: %v is not positive", d)
		}
		s.timeout = d
	}
}

// WithCallRetries sets how many times this call may be retried after its
// first attempt, instead of the client's WithRetries (0: no retry). The
// rules of what is retried are the same.
func WithCallRetries(n int) CallOption {
	return func(s *callSettings) {
		if n < 0 {
			s.fail("WithCallRetries: %d is negative", n)
		}
		s.retries = n
	}
}

// WithCallAttemptTimeout bounds each attempt of this call, instead of the
// client's WithAttemptTimeout (0: no per-attempt limit).
func WithCallAttemptTimeout(d time.Duration) CallOption {
	return func(s *callSettings) {
		if d < 0 {
			s.fail("WithCallAttemptTimeout: %v is negative", d)
		}
		s.attemptTimeout = d
	}
}

// WithCallHeader adds a header to this call's request (a request id, a
// tracing header). It cannot set the credentials: Finicity-App-Key and
// Finicity-App-Token are refused, as are Host and the headers the body
// decides (Content-Type, Content-Length).
func WithCallHeader(name, value string) CallOption {
	return func(s *callSettings) {
		key := http.CanonicalHeaderKey(strings.TrimSpace(name))
		switch {
		case key == "" || strings.ContainsAny(key, " :\r\n"):
			s.fail("WithCallHeader: %q is not a header name", name)
			return
		case key == auth.HeaderAppKey || key == auth.HeaderAppToken:
			s.fail("WithCallHeader: %s is set by the client from its credentials", key)
			return
		case key == "Host" || key == "Content-Type" || key == "Content-Length":
			s.fail("WithCallHeader: %s is set by the client", key)
			return
		case strings.ContainsAny(value, "\r\n"):
			s.fail("WithCallHeader: the value of %s has a line break", key)
			return
		}
		if s.header == nil {
			s.header = http.Header{}
		}
		s.header.Add(key, value)
	}
}

// call carries what the helpers below need to know about one call of a
// generated service method.
type call struct {
	c       *Client
	op      string // operationId
	o       callSettings
	secrets []string // credentials in the body (partnerSecret)
}

func (c *Client) newCall(op string, opts []CallOption) call {
	if len(opts) == 0 {
		return call{c: c, op: op, o: c.defaults}
	}
	o := new(callSettings)
	*o = c.defaults
	for i, opt := range opts {
		if opt == nil {
			o.fail("call option %d is nil", i)
			continue
		}
		opt(o)
	}
	return call{c: c, op: op, o: *o}
}

// finish sends req, the request gen's builder made (err is the
// builder's), with ctx and the call's settings, and returns the answer: a
// non-2xx status is an *Error, any other failure is wrapped once, masked.
func (cl call) finish(ctx context.Context, req *http.Request, err error) (*response, error) {
	if err != nil {
		// The request could not be built (a body that does not encode).
		return nil, cl.wrap(err, nil)
	}
	if cl.o.err != nil {
		return nil, cl.o.err
	}
	if cl.o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cl.o.timeout)
		// The answer is in memory once send returns: nothing is cut.
		defer cancel()
	}
	// The builder's request has no context yet: it gets the call's, and
	// the User-Agent, before the editors run. Nothing else holds the
	// request yet, so its context is set in place: the copy WithContext
	// makes stays on the stack.
	*req = *req.WithContext(ctx)
	setUserAgent(req)
	r, err := cl.c.send(req, &cl.o)
	if err != nil {
		if ve, ok := err.(*ValidationError); ok && ve.resp != nil {
			// The answer arrived, though it was refused: the caller
			// asked for it whatever its status.
			cl.applyOptions(ve.resp)
		}
		return nil, cl.wrap(err, req)
	}
	cl.applyOptions(r)
	if !success(r.StatusCode) {
		return nil, newError(r, cl.c.mask.forRequest(r.Request, cl.secrets...))
	}
	return r, nil
}

// applyOptions carries out the call options once the response is in.
func (cl call) applyOptions(r *response) {
	if cl.o.responseInto != nil {
		*cl.o.responseInto = r.http()
	}
}

// wrap is the way out of every error of the call: built once, masked for
// req (the request sent; nil when there is none) and the call's secrets.
func (cl call) wrap(err error, req *http.Request) error {
	return cl.c.mask.wrap(err, req, cl.secrets...)
}

// transportError is a failure with no usable answer: a connection refused
// or reset, a timeout, a cancelled context, a body that could not be read.
type transportError struct {
	err  error
	mask func(string) string
}

func (e *transportError) Error() string {
	msg := e.err.Error()
	if !strings.HasPrefix(msg, errPrefix) {
		// Wording only: the text is masked whatever it says.
		msg = errPrefix + msg
	}
	return e.mask(msg)
}
func (e *transportError) Unwrap() error { return e.err }

// GoString keeps %#v to the masked text: the wrapped error may be a
// struct holding a credential.
func (e *transportError) GoString() string { return fmt.Sprintf("api.transportError(%q)", e.Error()) }

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
	return e.masked(fmt.Sprintf("%s%s %s: the %d answer does not decode: %v", errPrefix, e.Method, e.Path, e.StatusCode, e.err))
}

func (e *DecodeError) Unwrap() error { return e.err }

// GoString keeps %#v from printing the raw body, which may hold a fresh
// token.
//
// Values are masked before they are quoted, since quoting escapes what
// the masker looks for; the quoted text is masked again all the same.
func (e *DecodeError) GoString() string {
	return e.masked(fmt.Sprintf("&api.DecodeError{StatusCode:%d, Method:%q, Path:%q, Body:%q}",
		e.StatusCode, e.masked(e.Method), e.masked(e.Path), e.masked(string(redact.JSON(e.Body)))))
}

// masked is s masked for the request, or s as it is in a DecodeError the
// package did not build (a zero value has no masker).
func (e *DecodeError) masked(s string) string {
	if e.mask == nil {
		return s
	}
	return e.mask(s)
}

func (cl call) undecodable(r *response, err error) error {
	return &DecodeError{StatusCode: r.StatusCode, Method: r.Request.Method, Path: r.Request.URL.EscapedPath(), Body: r.data,
		err: err, mask: cl.c.mask.forRequest(r.Request, cl.secrets...)}
}

// decodeObject sends req (see finish) and decodes a 2xx answer into a T.
func decodeObject[T any](cl call, ctx context.Context, req *http.Request, err error) (*T, error) {
	r, err := cl.finish(ctx, req, err)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(r.data, v); err != nil {
		return nil, cl.undecodable(r, err)
	}
	return v, nil
}

// decodeList sends req (see finish) and decodes a 2xx answer into a []T;
// an empty list is an empty, non-nil slice.
func decodeList[T any](cl call, ctx context.Context, req *http.Request, err error) ([]T, error) {
	r, err := cl.finish(ctx, req, err)
	if err != nil {
		return nil, err
	}
	var v []T
	if err := json.Unmarshal(r.data, &v); err != nil {
		return nil, cl.undecodable(r, err)
	}
	if v == nil {
		v = []T{}
	}
	return v, nil
}

// decodeValue sends req (see finish) and decodes a 2xx answer into a T
// that is not a struct (a map, a string, a number).
//
//lint:ignore U1000 called by the generated methods of specs with such answers or models
func decodeValue[T any](cl call, ctx context.Context, req *http.Request, err error) (T, error) {
	var v T
	r, err := cl.finish(ctx, req, err)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(r.data, &v); err != nil {
		return v, cl.undecodable(r, err)
	}
	return v, nil
}

// decodeBytes sends req (see finish) and returns a 2xx answer's body as
// it came: a PDF, a CSV, any answer that is not JSON.
//
//lint:ignore U1000 called by the generated methods of specs with such answers or models
func decodeBytes(cl call, ctx context.Context, req *http.Request, err error) ([]byte, error) {
	r, err := cl.finish(ctx, req, err)
	if err != nil {
		return nil, err
	}
	return r.data, nil
}

// decodeBody decodes an answer's body into v, for the result types of
// operations with several 2xx answers.
func decodeBody(r *response, v any) error { return json.Unmarshal(r.data, v) }

// decodeListBody decodes an answer's body into a []T, an empty list being
// an empty, non-nil slice.
func decodeListBody[T any](r *response) ([]T, error) {
	var v []T
	if err := json.Unmarshal(r.data, &v); err != nil {
		return nil, err
	}
	if v == nil {
		v = []T{}
	}
	return v, nil
}

// isZero reports whether v is its type's zero value: an optional nested
// model left unset is not checked inside.
//
//lint:ignore U1000 called by the generated methods of specs with such answers or models
func isZero(v any) bool { return reflect.ValueOf(v).IsZero() }

// Ptr returns a pointer to v, for optional parameters:
//
//	params := api.CustomersListParams{Limit: api.Ptr(25)}
func Ptr[T any](v T) *T { return &v }

// decodeNone sends req (see finish) and checks a 2xx answer that carries
// no body.
func decodeNone(cl call, ctx context.Context, req *http.Request, err error) error {
	_, err = cl.finish(ctx, req, err)
	return err
}
