package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/finicity-go/connect-components/api"
)

// BenchmarkClientOverhead measures what the client's layers cost per call,
// with an in-memory transport so that no network time hides it:
//
//	go test ./api -run '^$' -bench ClientOverhead -benchmem
func BenchmarkClientOverhead(b *testing.B) {
	loginForm := []byte(`{"id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137","elements":[{"id":"26410b1f-0347-4d57-bb03-f44d00e785e2","label":"username","sortOrder":0},{"id":"f2ce62c2-877f-4c26-9935-d1ab6084e6d0","label":"password","sortOrder":1}]}`)
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		return &http.Response{StatusCode: 201, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(bytes.NewReader(loginForm)), Request: r}, nil
	})}
	for _, tc := range []struct {
		name string
		opts []api.Option
	}{
		{"plain", nil},
		{"request-validation", []api.Option{api.WithRequestValidation()}},
		{"response-validation", []api.Option{api.WithResponseValidation()}},
		{"both-validations", []api.Option{api.WithRequestValidation(), api.WithResponseValidation()}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := append([]api.Option{api.WithBaseURL("https://api.example.com"), api.WithHTTPClient(hc)}, tc.opts...)
			c, err := api.NewClient(testKey, testToken, opts...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.PostInstitutionsInstitutionIdLoginForms(ctx, 170716, loginFormRequest); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
