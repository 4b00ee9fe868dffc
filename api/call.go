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
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/validation"
)

// CallOption configures one call of a service method, after its
// arguments; an invalid one fails the call, naming it, before anything is
// sent.
//
//	cfgs, err := c.Configurations.List(ctx,
//		api.WithCallTimeout(5*time.Second), api.WithCallHeader("X-Request-Id", id))
type CallOption func(*callSettings)

// callSettings is how a call is sent: the client's defaults, and options.
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

// callOption applies set, and fails the call with msg unless valid.
func callOption(valid bool, msg string, set func(*callSettings)) CallOption {
	return func(s *callSettings) {
		if !valid {
			s.fail("%s", msg)
		}
		set(s)
	}
}

// WithResponseInto stores the call's HTTP response in *dst once it
// arrives, whatever its status (its body reads whole), for its status and
// headers; *dst is left alone when none arrived.
//
//	var resp *http.Response
//	cfg, err := c.Configurations.Create(ctx, params, api.WithResponseInto(&resp))
func WithResponseInto(dst **http.Response) CallOption {
	return callOption(dst != nil, "WithResponseInto: destination is nil", func(s *callSettings) { s.responseInto = dst })
}

// WithCallTimeout bounds this call as a whole: the token it may need,
// every attempt, the waits between them. So does its context: the earlier
// deadline wins.
func WithCallTimeout(d time.Duration) CallOption {
	return callOption(d > 0, fmt.Sprintf("WithCallTimeout: %v is not positive", d), func(s *callSettings) { s.timeout = d })
}

// WithCallRetries sets how many times this call may be retried, instead
// of the client's WithRetries (0: none), by the same rules.
func WithCallRetries(n int) CallOption {
	return callOption(n >= 0, fmt.Sprintf("WithCallRetries: %d is negative", n), func(s *callSettings) { s.retries = n })
}

// WithCallAttemptTimeout bounds each attempt of this call, instead of the
// client's WithAttemptTimeout (0: no per-attempt limit).
func WithCallAttemptTimeout(d time.Duration) CallOption {
	return callOption(d >= 0, fmt.Sprintf("WithCallAttemptTimeout: %v is negative", d), func(s *callSettings) { s.attemptTimeout = d })
}

// WithCallHeader adds a header to this call's request (a request id). The
// credentials, Host, Content-Type and Content-Length are refused.
func WithCallHeader(name, value string) CallOption {
	return func(s *callSettings) {
		key := http.CanonicalHeaderKey(strings.TrimSpace(name))
		switch {
		case key == "" || strings.ContainsAny(key, " :\r\n"):
			s.fail("WithCallHeader: %q is not a header name", name)
		case key == auth.HeaderAppKey || key == auth.HeaderAppToken:
			s.fail("WithCallHeader: %s is set by the client from its credentials", key)
		case key == "Host" || key == "Content-Type" || key == "Content-Length":
			s.fail("WithCallHeader: %s is set by the client", key)
		case strings.ContainsAny(value, "\r\n"):
			s.fail("WithCallHeader: the value of %s has a line break", key)
		default:
			if s.header == nil {
				s.header = http.Header{}
			}
			s.header.Add(key, value)
		}
	}
}

// call is one call of a generated service method.
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
	o := Ptr(c.defaults)
	for i, opt := range opts {
		if opt == nil {
			o.fail("call option %d is nil", i)
			continue
		}
		opt(o)
	}
	return call{c: c, op: op, o: *o}
}

// finish sends req, made by gen's builder (err is the builder's): a
// non-2xx answer is an *Error, any other failure is wrapped, masked.
func (cl call) finish(ctx context.Context, req *http.Request, err error) (*response, error) {
	if err != nil {
		return nil, cl.c.mask.wrap(err, nil, cl.secrets...) // a body that does not encode
	}
	if cl.o.err != nil {
		return nil, cl.o.err
	}
	if cl.o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cl.o.timeout)
		defer cancel() // the answer is in memory once send returns
	}
	*req = *req.WithContext(ctx) // in place: the copy stays on the stack
	setUserAgent(req)
	r, err := cl.c.send(req, &cl.o)
	if ve, ok := err.(*ValidationError); ok && ve.resp != nil {
		r = ve.resp // refused, but it arrived: WithResponseInto wants it
	}
	if r != nil && cl.o.responseInto != nil {
		*cl.o.responseInto = r.http()
	}
	switch {
	case err != nil:
		return nil, cl.c.mask.wrap(err, req, cl.secrets...)
	case !success(r.StatusCode):
		return nil, newError(r, cl.c.mask.forRequest(r.Request, cl.secrets...))
	}
	return r, nil
}

// transportError is a failure with no answer (refused, reset, timed out).
type transportError struct {
	err  error
	mask maskFunc
}

func (e *transportError) Error() string {
	msg := e.err.Error()
	if !strings.HasPrefix(msg, errPrefix) { // wording only: all is masked
		msg = errPrefix + msg
	}
	return e.mask(msg)
}

func (e *transportError) Unwrap() error { return e.err }

// GoString keeps %#v to the masked text.
func (e *transportError) GoString() string { return fmt.Sprintf("api.transportError(%q)", e.Error()) }

// DecodeError is a 2xx answer whose body does not decode into the
// documented type; Unwrap gives the decoder's error.
type DecodeError struct {
	StatusCode   int    // the answer's 2xx status
	Method, Path string // the request's
	Body         []byte // the body, exactly as received

	err  error
	mask maskFunc
}

func (e *DecodeError) Error() string {
	return e.mask.in(fmt.Sprintf("%s%s %s: the %d answer does not decode: %v", errPrefix, e.Method, e.Path, e.StatusCode, e.err))
}

func (e *DecodeError) Unwrap() error { return e.err }

// GoString keeps %#v from printing the raw body, which may hold a fresh
// token (see Error.GoString).
func (e *DecodeError) GoString() string {
	return e.mask.in(fmt.Sprintf("&api.DecodeError{StatusCode:%d, Method:%q, Path:%q, Body:%q}",
		e.StatusCode, e.mask.in(e.Method), e.mask.in(e.Path), e.mask.in(string(redact.JSON(e.Body)))))
}

func (cl call) undecodable(r *response, err error) error {
	return &DecodeError{StatusCode: r.StatusCode, Method: r.Request.Method, Path: r.Request.URL.EscapedPath(), Body: r.data,
		err: err, mask: cl.c.mask.forRequest(r.Request, cl.secrets...)}
}

// decodeValue sends req (see finish) and decodes a 2xx answer into a T.
func decodeValue[T any](cl call, ctx context.Context, req *http.Request, err error) (v T, _ error) {
	r, err := cl.finish(ctx, req, err)
	if err == nil {
		if derr := json.Unmarshal(r.data, &v); derr != nil {
			err = cl.undecodable(r, derr)
		}
	}
	return v, err
}

// decodeObject is decodeValue for a model.
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

// decodeList is decodeValue for a list: an empty one is a non-nil slice.
func decodeList[T any](cl call, ctx context.Context, req *http.Request, err error) ([]T, error) {
	v, err := decodeValue[[]T](cl, ctx, req, err)
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = []T{}
	}
	return v, nil
}

// decodeBytes sends req (see finish) and returns a 2xx answer's body as
// it came: a PDF, a CSV.
//
//lint:ignore U1000 called by the generated methods of specs with such answers
func decodeBytes(cl call, ctx context.Context, req *http.Request, err error) ([]byte, error) {
	r, err := cl.finish(ctx, req, err)
	if err != nil {
		return nil, err
	}
	return r.data, nil
}

// decodeNone sends req (see finish) and checks a 2xx answer without body.
func decodeNone(cl call, ctx context.Context, req *http.Request, err error) error {
	_, err = cl.finish(ctx, req, err)
	return err
}

// decodeBody decodes an answer into v (operations with several 2xx).
func decodeBody(r *response, v any) error { return json.Unmarshal(r.data, v) }

// decodeListBody decodes an answer into a []T, non-nil.
func decodeListBody[T any](r *response) ([]T, error) {
	var v []T
	err := json.Unmarshal(r.data, &v)
	if v == nil {
		v = []T{}
	}
	return v, err
}

// isZero reports whether v is its zero value: an optional nested model
// left unset is not checked inside.
//
//lint:ignore U1000 called by the generated methods of specs with such models
func isZero(v any) bool { return reflect.ValueOf(v).IsZero() }

// Ptr returns a pointer to v, for optional parameters:
//
//	params := api.CustomersListParams{Limit: api.Ptr(25)}
func Ptr[T any](v T) *T { return &v }

// operationRoute is an operation's method and path template
// (operationRoutes, generated).
type operationRoute struct{ method, path string }

// missingParam is the error of a required parameter (location "path",
// "query" or "header") left at its zero value.
func (cl call) missingParam(location, name, reason string) error {
	r := operationRoutes[cl.op]
	return &ValidationError{Method: r.method, Path: r.path, Location: location, Field: name, Reason: reason}
}

// checkBody turns the verdict of a generated check<Body> (the wire path of
// the first required field left at its Go zero value, or "": an empty
// customerId would pass any schema check) into the caller's error. The
// check noted the body's secrets in cl.secrets, for masking.
func (cl *call) checkBody(missing string) error {
	if missing == "" {
		return nil
	}
	r := operationRoutes[cl.op]
	// Worded as every check words a missing required value.
	return &ValidationError{Method: r.method, Path: r.path, Location: "body", Field: missing, Pointer: spec.Pointer(strings.Split(missing, ".")...),
		Kind: string(validation.KindMissingRequired), Reason: validation.RuleRequired}
}
