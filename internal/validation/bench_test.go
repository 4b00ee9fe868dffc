package validation_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/finicity-go/connect-components/internal/specdoc"
)

const (
	benchLoginBody = `{"configurationId":"605543e1-f507-48ad-8127-95c40566597b","customerId":"1005061234","language":"en","serviceAgreement":{"acceptedDate":"2024-11-28T18:25:32Z","language":"en"}}`
	benchFormBody  = `{"id":"8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f","eventStreamId":"208a1170-875e-4656-85d0-27dfc3ee7137","elements":[{"id":"26410b1f-0347-4d57-bb03-f44d00e785e2","label":"username","sortOrder":0},{"id":"f2ce62c2-877f-4c26-9935-d1ab6084e6d0","label":"password","sortOrder":1}]}`
)

func BenchmarkValidateRequest(b *testing.B) {
	v := specdoc.MustValidator()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req := newReq("POST", loginPath, benchLoginBody, true)
		if _, err := v.ValidateRequest(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateResponse(b *testing.B) {
	v := specdoc.MustValidator()
	ctx := context.Background()
	req := newReq("POST", loginPath, benchLoginBody, true)
	h := http.Header{"Content-Type": {"application/json"}}
	body := []byte(benchFormBody)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.ValidateResponse(ctx, req, 201, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	v := specdoc.MustValidator()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := v.FindRoute("POST", loginPath); err != nil {
			b.Fatal(err)
		}
	}
}
