package api_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/internal/spec"
)

// FuzzEveryOperation answers an operation of the spec (the input picks
// one, in the model's order), called with its examples through its typed
// method, with an arbitrary status and body, with and without strict
// response validation. Nothing may panic; a non-2xx is always an
// *api.Error (possibly inside a *ValidationError) carrying that status and
// the exact body; a 2xx is a value or an error that is not an *api.Error,
// never both and never neither; a list is never nil; a result type has the
// field of the answered status set. The seeds (each documented answer's
// example, and a few malformed bodies) run as ordinary tests, so they are
// kept few.
func FuzzEveryOperation(f *testing.F) {
	m := specModel(f)
	calls := make([]*specCall, len(m.Operations))
	for i, op := range m.Operations {
		sc, err := newSpecCall(op, true)
		if err != nil {
			f.Fatalf("%v (%s)", err, testFile())
		}
		calls[i] = sc
		for _, r := range op.Responses {
			if _, body, err := answerOf(op, r, false); err == nil && statusOf(r) != 0 {
				f.Add(uint8(i), uint16(statusOf(r)), []byte(body))
			}
		}
	}
	for i, body := range []string{`{"Errors":{"Error":[{"ReasonCode":10023,"Recoverable":"no"}]}}`, `{"Errors":null}`, `null`, ``, `[`, `{"id":"not-a-uuid"}`, "\x00\xff"} {
		f.Add(uint8(i), uint16(200+i*50), []byte(body))
	}
	f.Fuzz(func(t *testing.T, pick uint8, code uint16, body []byte) {
		sc := calls[int(pick)%len(calls)]
		status := 200 + int(code)%400
		for _, opts := range [][]api.Option{nil, {api.WithResponseValidation()}} {
			v, err := sc.result(context.Background(), fuzzClient(t, status, body, opts...))
			if err != nil {
				if v != nil {
					t.Fatalf("%s %d: a value %#v with the error %v", sc.name(), status, v, err)
				}
				if msg := err.Error(); !strings.HasPrefix(msg, "finicity: ") {
					t.Fatalf("%s %d: message %q", sc.name(), status, msg)
				}
				_ = fmt.Sprintf("%+v %#v", err, err)
			}
			apiErr, isAPI := errors.AsType[*api.Error](err)
			if status >= 200 && status <= 299 {
				if isAPI {
					t.Fatalf("%s %d: a 2xx became an *api.Error: %v", sc.name(), status, err)
				}
				if err == nil {
					checkFuzzValue(t, sc.op, status, v)
				}
				continue
			}
			if !isAPI {
				t.Fatalf("%s %d: got %T %v, want an *api.Error", sc.name(), status, err, err)
			}
			if apiErr.StatusCode != status || !bytes.Equal(apiErr.Body, body) {
				t.Fatalf("%s %d: *api.Error says %d, body %q; want the answer's", sc.name(), status, apiErr.StatusCode, apiErr.Body)
			}
			_ = fmt.Sprintf("%v %#v", apiErr, apiErr)
		}
	})
}

// checkFuzzValue checks the value of a 2xx: a list is not nil, and a
// result type has the field of the answered status set (the first
// success's for a status it does not document), the others nil.
func checkFuzzValue(t *testing.T, op *spec.Operation, status int, v any) {
	successes := op.Successes()
	if op.Result == "" {
		if len(successes) > 0 && successes[0].JSON && schemaOf(successes[0].Schema).Type.Is(openapi3.TypeArray) {
			if rv := reflect.ValueOf(v); rv.Kind() != reflect.Slice || rv.IsNil() {
				t.Fatalf("%s %d: a nil list", op.Qualified(), status)
			}
		}
		return
	}
	rv := reflect.ValueOf(v).Elem()
	if got := rv.FieldByName("StatusCode").Int(); got != int64(status) {
		t.Fatalf("%s %d: %s.StatusCode is %d", op.Qualified(), status, op.Result, got)
	}
	answered := successes[0]
	for _, r := range successes {
		if r.Code == status {
			answered = r
		}
	}
	for _, r := range successes {
		if r.Field == "" {
			continue
		}
		if set := !rv.FieldByName(r.Field).IsNil(); set != (r == answered) {
			t.Fatalf("%s %d: %s.%s set is %v", op.Qualified(), status, op.Result, r.Field, set)
		}
	}
}

// fuzzClient answers every request with status and body, in process.
func fuzzClient(t *testing.T, status int, body []byte, opts ...api.Option) *api.Client {
	hc := &http.Client{Transport: transportFunc(func(r *http.Request) (*http.Response, error) {
		h := http.Header{"Content-Type": {"application/json"}}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
	})}
	return newClient(t, "https://api.example.com", append([]api.Option{api.WithHTTPClient(hc), api.WithRetries(0)}, opts...)...)
}
