package gateway

import (
	"context"
	"testing"
)

// BenchmarkBreakerAllow measures the breaker check on the request path:
// a closed breaker is memory reads and gobreaker's own bookkeeping, no
// I/O (the Cache is nil here: touching it would panic).
func BenchmarkBreakerAllow(b *testing.B) {
	br := newBreaker("prv_bench", breakerSettings(&Provider{}))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tk, err := br.allow(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		tk.end(nil)
	}
}
