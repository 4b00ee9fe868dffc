package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/finicity-go/connect-components/api"
	"github.com/finicity-go/connect-components/gen"
	"github.com/finicity-go/connect-components/internal/sandbox"
)

const (
	keyA   = "app-key-a"
	keyB   = "app-key-b"
	anyTok = "any-token"
)

// newSandbox returns a sandbox that fails t on any answer violating the
// spec, served on 127.0.0.1.
func newSandbox(t testing.TB, opts ...sandbox.Option) (*sandbox.Sandbox, *httptest.Server) {
	t.Helper()
	opts = append([]sandbox.Option{sandbox.WithResponseValidation(func(err error) { t.Errorf("%v", err) })}, opts...)
	sb := sandbox.New(opts...)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, srv
}

// apiClient is the client a user of the SDK builds, pointed at srv with
// app key key and the fixed token tok. Response validation is on, so an
// answer off the spec fails the call on the client's side too.
func apiClient(t testing.TB, srv *httptest.Server, key, tok string, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(key, append([]api.Option{api.WithAppToken(tok), api.WithBaseURL(srv.URL),
		api.WithHTTPClient(srv.Client()), api.WithResponseValidation()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// inProcessClient is apiClient over the sandbox's in-process transport.
func inProcessClient(t testing.TB, sb *sandbox.Sandbox, key, tok string, opts ...api.Option) *api.Client {
	t.Helper()
	c, err := api.NewClient(key, append([]api.Option{api.WithAppToken(tok), api.WithBaseURL(sandbox.InProcessURL),
		api.WithHTTPClient(sb.HTTPClient()), api.WithResponseValidation()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// genClient is the generated client pointed at srv, sending key and token
// (either left out when empty): for tests of the wire itself, such as a
// request without a token.
func genClient(t testing.TB, srv *httptest.Server, key, token string) *gen.ClientWithResponses {
	t.Helper()
	c, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(srv.Client()), gen.WithRequestEditorFn(headers(key, token)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// headers sets the credential headers that are not empty.
func headers(key, token string) gen.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		if key != "" {
			r.Header.Set("Finicity-App-Key", key)
		}
		if token != "" {
			r.Header.Set("Finicity-App-Token", token)
		}
		return nil
	}
}

// raw is one hand-made request. path is sent as written, escapes included.
type raw struct {
	method, path string
	key, token   string
	contentType  string
	body         string
}

func (r raw) send(t testing.TB, srv *httptest.Server) (int, []byte) {
	t.Helper()
	resp, body := r.exchange(t, srv)
	return resp.StatusCode, body
}

// exchange is send, keeping the response's status line and headers.
func (r raw) exchange(t testing.TB, srv *httptest.Server) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, srv.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.key != "" {
		req.Header.Set("Finicity-App-Key", r.key)
	}
	if r.token != "" {
		req.Header.Set("Finicity-App-Token", r.token)
	}
	ct := r.contentType
	if ct == "" && r.body != "" {
		ct = "application/json"
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// errorItem decodes the only error item of an error body, and checks it
// carries every field the API sends, Recoverable included when false.
func errorItem(t testing.TB, body []byte) gen.ErrorItem {
	t.Helper()
	var e gen.ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors.Error) != 1 {
		t.Fatalf("not an error body with one item: %s", body)
	}
	var keys struct {
		Errors struct{ Error []map[string]json.RawMessage }
	}
	if err := json.Unmarshal(body, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Source", "ReasonCode", "Description", "Recoverable", "Details"} {
		if _, ok := keys.Errors.Error[0][k]; !ok {
			t.Errorf("error item without %s: %s", k, body)
		}
	}
	return e.Errors.Error[0]
}

// apiError returns err as an *api.Error, failing t when it is not one.
func apiError(t testing.TB, err error) *api.Error {
	t.Helper()
	e, ok := errors.AsType[*api.Error](err)
	if !ok {
		t.Fatalf("want an *api.Error, got %T %v", err, err)
	}
	return e
}
