package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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

// genClient is the generated client pointed at srv, sending key and token.
func genClient(t testing.TB, srv *httptest.Server, key, token string) *gen.ClientWithResponses {
	t.Helper()
	c, err := gen.NewClientWithResponses(srv.URL, gen.WithHTTPClient(srv.Client()),
		gen.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			if key != "" {
				r.Header.Set("Finicity-App-Key", key)
			}
			if token != "" {
				r.Header.Set("Finicity-App-Token", token)
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// raw is one hand-made request.
type raw struct {
	method, path string
	key, token   string
	contentType  string
	body         string
}

func (r raw) send(t testing.TB, srv *httptest.Server) (int, []byte) {
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
	return resp.StatusCode, b
}

// errorItem decodes the first error item of an error body.
func errorItem(t testing.TB, body []byte) gen.ErrorItem {
	t.Helper()
	var e gen.ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors.Error) == 0 {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Errors.Error[0]
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
