package connecttest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/api/connecttest"
	"github.com/finicity-go/connect-components/internal/spec"
	"github.com/finicity-go/connect-components/internal/specdoc"
)

// setBody replaces r's body with b.
func setBody(r *http.Request, b []byte) {
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// unknownName is a name no operation of the spec defines, as a query
// parameter or a property.
func unknownName(t *testing.T) string {
	t.Helper()
	const name = "notInTheSpec"
	for _, op := range model().Operations {
		for _, p := range op.Params() {
			if p.Name == name {
				t.Fatalf("%s: the spec defines the parameter %q, which %s sends as one it does not", at(p.Pointer), name, testFile())
			}
		}
	}
	if where, err := specdoc.PropertyDefined(name); err != nil || where != "" {
		t.Fatalf("openapi.yaml#%s defines %q, which %s sends as a field it does not (%v)", where, name, testFile(), err)
	}
	return name
}

// duplicated is the JSON text of an object with its first member given
// twice: first with a value of the wrong type, then the valid one, which
// a decoder keeps.
func duplicated(t *testing.T, body any) ([]byte, string) {
	t.Helper()
	m, _ := body.(map[string]any)
	keys := sortedKeys(m)
	if len(keys) == 0 {
		t.Fatalf("the example body has no member, which %s names twice", testFile())
	}
	k := keys[0]
	wrong := `1`
	if _, isString := m[k].(string); !isString {
		wrong = `"x"`
	}
	text := mustJSON(m)
	return append([]byte(`{"`+k+`":`+wrong+`,`), text[1:]...), k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

// offSpecCase is one way a request departs from the spec.
type offSpecCase struct {
	name string
	c    call
	// edit makes the request off the spec, as the app's own code (raw)
	// or a request editor of the client would.
	edit func(*http.Request)
	// detail is the violation recorded; outside, a request to no
	// operation (no hint: the message says so).
	detail  string
	outside bool
	// status is what the server answers: the API's answer (2xx for what
	// the API ignores).
	status int
	// unknownOnly: AllowUnknownFields allows it (else only
	// AllowInvalidRequests does).
	unknownOnly bool
	// client: WithRequestValidation refuses it before sending (what a
	// request editor can make of the client's request).
	client bool
}

func offSpecCases(t *testing.T) []offSpecCase {
	list := callOf(t, listOp(t))
	create := callOf(t, actionOp(t, "create"))
	recon := callOf(t, handlerOp(t, "reconnection"))
	withBody, field := objectBody(t, "an optional top-level field", func(f *spec.Field) bool { return len(f.Path) == 1 && !f.Required })
	withString, stringField := objectBody(t, "a top-level string field with no format, pattern or minimum length", func(f *spec.Field) bool {
		s := f.Schema.Value
		return len(f.Path) == 1 && s.Type.Is("string") && s.Format == "" && s.Pattern == "" && s.MinLength == 0 && len(s.Enum) == 0
	})
	badUTF8 := bytes.Replace(mustJSON(setField(withString.args.Body, stringField.Path, "\x01", false)), []byte(`"\u0001"`), []byte("\"\xff\""), 1)
	name := unknownName(t)
	misspelling := misspelt(t, field.Path[0])
	misspeltBody := setField(setField(withBody.args.Body, field.Path, nil, true), []string{misspelling}, 1, false)
	dup, dupKey := duplicated(t, withBody.args.Body)
	bodyOf := func(b []byte) func(*http.Request) { return func(r *http.Request) { setBody(r, b) } }
	created := func(c call) int { return c.op.Successes()[0].Code }
	return []offSpecCase{
		{"unknown query parameter", list, func(r *http.Request) { r.URL.RawQuery = name + "=1" },
			"query " + name + ": unknown parameter: the operation defines no such query parameter (names are exact and case-sensitive)", false, http.StatusOK, true, true},
		{"query on a POST", create, func(r *http.Request) { r.URL.RawQuery = name + "=1" },
			"query " + name + ": unknown parameter: the operation defines no such query parameter (names are exact and case-sensitive)", false, created(create), true, true},
		{"trailing slash", list, func(r *http.Request) { r.URL.Path += "/" },
			"no operation of the spec for GET " + list.path() + "/: trailing slash (the spec's path of " + list.op.Name() + " has none)", true, http.StatusNotFound, false, true},
		{"body on a GET", list, bodyOf([]byte(`{}`)), "body: the operation takes no body", false, http.StatusOK, false, true},
		{"duplicated Finicity-App-Key", list, func(r *http.Request) { r.Header.Add("Finicity-App-Key", connecttest.AppKey) },
			"header Finicity-App-Key: given 2 times; the spec defines one value (servers read only one)", false, http.StatusOK, false, false},
		{"duplicate JSON keys, the last valid", withBody, bodyOf(dup),
			"body " + dupKey + ": duplicate key: given 2 times; JSON decoders keep only the last", false, created(withBody), false, true},
		{"trailing garbage after the JSON", withBody, bodyOf(append(withBody.body(), "x"...)),
			"body: does not parse as JSON: text follows the value", false, http.StatusBadRequest, false, true},
		{"{}x to the reconnection", recon, bodyOf([]byte(`{}x`)),
			"body: does not parse as JSON: text follows the value", false, http.StatusBadRequest, false, true},
		{"misspelt field", withBody, bodyOf(mustJSON(misspeltBody)),
			"body " + misspelling + ": unknown field: not defined by the spec (names are exact and case-sensitive)", false, created(withBody), true, true},
		{"header newline", list, func(r *http.Request) { r.Header["X-Trace"] = []string{"a\nb"} },
			"header X-Trace: value holds a newline, CR, NUL or other control character: net/http refuses to send it", false, http.StatusOK, false, false},
		{"header CR", list, func(r *http.Request) { r.Header["X-Trace"] = []string{"a\rb"} },
			"header X-Trace: value holds a newline, CR, NUL or other control character: net/http refuses to send it", false, http.StatusOK, false, false},
		{"header NUL", list, func(r *http.Request) { r.Header["X-Trace"] = []string{"a\x00b"} },
			"header X-Trace: value holds a newline, CR, NUL or other control character: net/http refuses to send it", false, http.StatusOK, false, false},
		{"header space", list, func(r *http.Request) { r.Header["X-Trace"] = []string{" ab"} },
			"header X-Trace: value has leading or trailing whitespace: net/http trims it on a socket, so the server would receive another value", false, http.StatusOK, false, false},
		{"invalid UTF-8", withString, bodyOf(badUTF8),
			"body " + stringField.Path[0] + ": not valid UTF-8: JSON decoders replace the bytes, so the server would receive another value", false, http.StatusBadRequest, false, false},
	}
}

// TestOffSpecRequests: each way a request departs from the spec fails the
// test, naming the field, parameter or rule, the line that sent it first
// and the narrowest option that allows it; the server answers as the API
// would (what the API ignores is answered as valid).
func TestOffSpecRequests(t *testing.T) {
	for _, tc := range offSpecCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{TB: t}
			srv := connecttest.NewServer(ft)
			req := tc.c.request(t, tc.c.body())
			tc.edit(req)
			status, body := send(t, srv, req)
			if status != tc.status {
				t.Errorf("answered %d %s, want %d", status, body, tc.status)
			}
			errs, _ := ft.reported()
			if len(errs) != 1 || !callerAt.MatchString(errs[0]) {
				t.Fatalf("reported %q, want one failure at the line that sent it", errs)
			}
			got := callerAt.ReplaceAllString(errs[0], "")
			var want string
			switch {
			case tc.outside:
				want = "request outside the API spec: " + tc.detail
			default:
				answer := "the server answered with the API's documented error"
				if status/100 == 2 {
					answer = "the server answered it as if it were valid, as the API would"
				}
				hint := "NewServer(t, connecttest.AllowInvalidRequests()) accepts invalid requests sent on purpose"
				if tc.unknownOnly {
					hint = "NewServer(t, connecttest.AllowUnknownFields()) accepts fields and query parameters the spec does not define, sent on purpose"
				}
				want = tc.c.op.Name() + ": request breaks the API spec: " + tc.detail + "\n\t(" + tc.c.op.Method + " " + tc.c.op.Path + "; " + answer + "; " + hint + ")"
			}
			if got != want {
				t.Errorf("reported:\n%s\nwant:\n%s", got, want)
			}
			if r := srv.Requests()[0]; r.Violation != tc.detail || r.Status != tc.status {
				t.Errorf("recorded %q, %d", r.Violation, r.Status)
			}

			// The narrowest option allows it; AllowUnknownFields no more
			// than unknown names.
			for _, opt := range []struct {
				name   string
				option connecttest.Option
				allows bool
			}{
				{"AllowUnknownFields", connecttest.AllowUnknownFields(), tc.unknownOnly},
				{"AllowInvalidRequests", connecttest.AllowInvalidRequests(), true},
			} {
				ft := &fakeT{TB: t}
				srv := connecttest.NewServer(ft, opt.option)
				req := tc.c.request(t, tc.c.body())
				tc.edit(req)
				send(t, srv, req)
				if errs, _ := ft.reported(); (len(errs) == 0) != opt.allows {
					t.Errorf("%s: reported %q", opt.name, errs)
				}
			}
		})
	}
}

// TestClientRefusesWhatTheKitRefuses: a request a request editor makes
// off the spec is refused by WithRequestValidation before it is sent,
// as a *api.ValidationError worded as the kit words it; without
// validation the kit fails the test with the same words.
func TestClientRefusesWhatTheKitRefuses(t *testing.T) {
	for _, tc := range offSpecCases(t) {
		if !tc.client {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			edit := api.WithRequestEditor(func(_ context.Context, r *http.Request) error {
				tc.edit(r)
				return nil
			})
			ft := &fakeT{TB: t}
			srv := connecttest.NewServer(ft)
			err := tc.c.do(context.Background(), srv.Client(api.WithRequestValidation(), edit))
			ve, ok := errors.AsType[*api.ValidationError](err)
			if !ok || ve.Response || !strings.HasSuffix(ve.Error(), ": "+tc.detail) && !strings.Contains(ve.Error(), ": "+tc.detail+";") {
				t.Errorf("WithRequestValidation: %v, want a refusal saying %q", err, tc.detail)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d request(s) sent", n)
			}
			_ = tc.c.do(context.Background(), srv.Client(edit))
			if errs, _ := ft.reported(); len(errs) != 1 || !strings.Contains(errs[0], tc.detail) {
				t.Errorf("the kit reported %q, want %q", errs, tc.detail)
			}
		})
	}
}

// TestNumbersOutOfRange: a path parameter too large for its Go type says
// so, as the CLI does, not that it is not an integer.
func TestNumbersOutOfRange(t *testing.T) {
	op := opWhere(t, "operation with an integer path parameter", func(o *spec.Operation) bool {
		for _, p := range o.PathParams {
			if p.Schema.Value.Type.Is("integer") {
				return true
			}
		}
		return false
	})
	c := callOf(t, op)
	for i, p := range op.PathParams {
		if !p.Schema.Value.Type.Is("integer") {
			continue
		}
		goType := "int64"
		if p.Schema.Value.Format == "int32" {
			goType = "int32"
		}
		ft := &fakeT{TB: t}
		srv := connecttest.NewServer(ft)
		for n, tc := range []struct{ value, rule string }{
			{"99999999999999999999", "out of range for " + goType},
			{"x", "must be an integer"},
		} {
			bad := c.withPath(i, tc.value)
			send(t, srv, bad.request(t, bad.body()))
			if r := srv.Requests()[n]; r.Violation != "path "+p.Name+": "+tc.rule {
				t.Errorf("%s = %s: recorded %q, want %q", p.Name, tc.value, r.Violation, "path "+p.Name+": "+tc.rule)
			}
		}
	}
}
