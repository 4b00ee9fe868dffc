package benchmarks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/finicity-go/connect-components/gen"
)

// BenchmarkRequestBuild isolates what building the login-form request
// costs: raw is what the hand-written call does (encode, one
// NewRequestWithContext), stock what oapi-codegen's stock client does
// before sending (its builder, then WithContext). The difference is the
// share of the client's overhead that comes from the stock client.
func BenchmarkRequestBuild(b *testing.B) {
	ctx := context.Background()
	const base = "http://127.0.0.1/"
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			body, err := json.Marshal(request)
			if err != nil {
				b.Fatal(err)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"connect-components/institutions/"+strconv.Itoa(instID)+"/login-forms", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
		}
	})
	b.Run("stock", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, err := gen.NewPostInstitutionsInstitutionIDLoginFormsRequest(base, instID, request)
			if err != nil {
				b.Fatal(err)
			}
			_ = req.WithContext(ctx)
		}
	})
}
