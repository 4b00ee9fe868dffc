package redistoken

import (
	"context"
	"testing"

	"github.com/finicity-go/connect-components/api"
)

// staticSource is the baseline: a TokenSource that returns a constant,
// the least a TokenSource can cost.
type staticSource string

func (s staticSource) Token(context.Context) (string, error) { return string(s), nil }
func (staticSource) Invalidate(string)                       {}

// BenchmarkToken compares Source.Token, once it holds a token, with the
// baseline and with one Redis GET, the cost a source that read Redis on
// every call would add. make bench-redis prints the ratios.
func BenchmarkToken(b *testing.B) {
	needRedis(b)
	ctx := context.Background()
	f := newFakeAPI(b)
	rdb := shared.client(b)
	s := newSource(b, rdb, testConfig(b, f, goodSecret, testPrefix(b)))
	tok, err := s.Token(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for _, bm := range []struct {
		name string
		ts   api.TokenSource
	}{{"Static", staticSource(tok)}, {"Source", s}} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bm.ts.Token(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bm.name+"Parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := bm.ts.Token(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	b.Run("RedisGET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rdb.Get(ctx, s.keys.token).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
