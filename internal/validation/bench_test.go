package validation_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/finicity-go/connect-components/internal/specdoc"
)

func BenchmarkCheckRequest(b *testing.B) {
	v := specdoc.MustValidator()
	login := lookup(b, "LoginForms.Create")
	body := []byte(example(b, login, nil))
	req := request(b, login)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, fs := v.CheckRequest(ctx, req, body); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}

func BenchmarkCheckResponse(b *testing.B) {
	v := specdoc.MustValidator()
	login := lookup(b, "LoginForms.Create")
	req := request(b, login)
	body := answer(b, login, "201", nil)
	h := http.Header{"Content-Type": {"application/json"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, fs := v.CheckResponse(ctx, req, 201, h, body); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}

func BenchmarkFindRoute(b *testing.B) {
	v := specdoc.MustValidator()
	path := examplePath(b, lookup(b, "LoginForms.Create"))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := v.FindRoute("POST", path); err != nil {
			b.Fatal(err)
		}
	}
}
