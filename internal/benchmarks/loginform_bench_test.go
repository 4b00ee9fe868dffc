// Package benchmarks measures the client's overhead against a hand-written
// net/http call (the floor), with the baseline in the same run, so results
// are read as ratios. `make bench` runs them and prints the ratios.
package benchmarks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/finicity-go/connect-components/api"
)

const (
	benchKey   = "bench-app-key"
	benchToken = "bench-app-token"
	instID     = 170716
)

var (
	cannedBody = []byte(`{"id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137","elements":[{"id":"26410b1f-0347-4d57-bb03-f44d00e785e2","label":"username","sortOrder":0},{"id":"f2ce62c2-877f-4c26-9935-d1ab6084e6d0","label":"password","sortOrder":1}]}`)
	cfgID      = uuid.MustParse("605543e1-f507-48ad-8127-95c40566597b")
	request    = api.LoginFormParams{
		Language: "en", CustomerID: "1005061234", ConfigurationID: cfgID,
		ServiceAgreement: api.ServiceAgreement{Language: "en", AcceptedDate: time.Date(2024, 11, 28, 18, 25, 32, 0, time.UTC)},
	}
)

// memTransport answers every request with the canned 201, without a
// network: what remains is the client's own CPU cost.
type memTransport struct{}

func (memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusCreated, Status: "201 Created", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(bytes.NewReader(cannedBody)),
		Request: r, ContentLength: int64(len(cannedBody)),
	}, nil
}

type transportCase struct {
	name string
	// setup returns the base URL and HTTP client to use.
	setup func(b *testing.B) (string, *http.Client)
}

func transports() []transportCase {
	return []transportCase{
		{"mem", func(b *testing.B) (string, *http.Client) {
			return "http://127.0.0.1", &http.Client{Transport: memTransport{}}
		}},
		{"loopback", func(b *testing.B) (string, *http.Client) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write(cannedBody)
			}))
			b.Cleanup(srv.Close)
			return srv.URL, srv.Client()
		}},
	}
}

// rawLoginForm is the hand-written call every client variant is compared
// with: encode, build, send, read, decode, nothing else.
func rawLoginForm(ctx context.Context, hc *http.Client, base string) (*api.LoginForm, error) {
	body, err := json.Marshal(request)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/connect-components/institutions/"+strconv.Itoa(instID)+"/login-forms", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Finicity-App-Key", benchKey)
	req.Header.Set("Finicity-App-Token", benchToken)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out api.LoginForm
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func check(b *testing.B, got *api.LoginForm, err error) {
	if err != nil {
		b.Fatal(err)
	}
	if len(got.Elements) != 2 {
		b.Fatalf("decoded %d elements", len(got.Elements))
	}
}

func BenchmarkLoginFormRaw(b *testing.B) {
	for _, tc := range transports() {
		b.Run(tc.name, func(b *testing.B) {
			base, hc := tc.setup(b)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				got, err := rawLoginForm(ctx, hc, base)
				check(b, got, err)
			}
		})
	}
}

func benchClient(b *testing.B, opts ...api.Option) {
	for _, tc := range transports() {
		b.Run(tc.name, func(b *testing.B) {
			base, hc := tc.setup(b)
			c, err := api.NewClient(benchKey, append([]api.Option{api.WithAppToken(benchToken), api.WithBaseURL(base), api.WithHTTPClient(hc)}, opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				got, err := c.LoginForms.Create(ctx, instID, request)
				check(b, got, err)
			}
		})
	}
}

func BenchmarkLoginFormClient(b *testing.B) { benchClient(b) }

func BenchmarkLoginFormValidated(b *testing.B) {
	benchClient(b, api.WithRequestValidation(), api.WithResponseValidation())
}
