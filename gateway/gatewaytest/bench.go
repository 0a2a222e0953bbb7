package gatewaytest

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// BenchmarkTicket measures a request's whole way through c as the
// gateway makes it: one Admit of the six buckets a key and its account
// are limited by (requests per second and minute, tokens per minute),
// their two concurrency leases and the credit hold, then one Finish
// correcting the token buckets, giving the leases back and settling the
// cost. An adapter's benchmark calls it with a fresh Cache.
func BenchmarkTicket(b *testing.B, c gateway.Cache) {
	ctx := context.Background()
	var buckets []gateway.Bucket
	for _, scope := range []string{"k:key_1:", "a:"} {
		prefix := "rl:{acc_t}:" + scope
		buckets = append(buckets,
			gateway.Bucket{Key: prefix + "rrequests_per_second", Limit: 1 << 40, Window: time.Second, N: 1},
			gateway.Bucket{Key: prefix + "rrequests_per_minute", Limit: 1 << 40, Window: time.Minute, N: 1},
			gateway.Bucket{Key: prefix + "ttokens_per_minute", Limit: 1 << 50, Window: time.Minute, N: 300})
	}
	adjust := []gateway.Bucket{buckets[2], buckets[5]}
	adjust[0].N, adjust[1].N = -200, -200 // used 100 of the 300 taken
	leases := []gateway.Lease{{Key: "rl:{acc_t}:k:key_1:cc", Limit: 1000}, {Key: "rl:{acc_t}:a:cc", Limit: 1000}}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		t := gateway.Ticket{ID: "req_" + strconv.Itoa(n), Buckets: buckets, LeaseTTL: time.Minute, Leases: leases,
			Funds: &gateway.TicketFunds{Account: "acc_t", Amount: 2_700, Seed: math.MaxInt64 / 4, TTL: 30 * time.Minute}}
		a, err := c.Admit(ctx, t)
		if err != nil || !a.Allowed {
			b.Fatalf("admit: %v %+v", err, a)
		}
		if _, first, err := c.Finish(ctx, t, adjust, 350); err != nil || !first {
			b.Fatalf("finish: %v %v", err, first)
		}
	}
}
