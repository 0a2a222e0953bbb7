package memory_test

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// admissionBuckets are the buckets one request takes from a key and its
// account when both set requests per second and minute and tokens per
// minute, as the gateway's admission builds them (one hash tag per
// account): six buckets, the token ones taking the request's estimate.
func admissionBuckets(account string) []gateway.Bucket {
	var out []gateway.Bucket
	for _, scope := range []string{"k:key_1:", "a:"} {
		prefix := "rl:{" + account + "}:" + scope
		out = append(out,
			gateway.Bucket{Key: prefix + "rrequests_per_second", Limit: 1 << 40, Window: time.Second, N: 1},
			gateway.Bucket{Key: prefix + "rrequests_per_minute", Limit: 1 << 40, Window: time.Minute, N: 1},
			gateway.Bucket{Key: prefix + "ttokens_per_minute", Limit: 1 << 50, Window: time.Minute, N: 300},
		)
	}
	return out
}

// BenchmarkTake measures admission through the memory Cache: one Take
// of a request's six buckets that never run dry, one caller at a time,
// many callers on one account (one lock), and many on accounts of their
// own.
func BenchmarkTake(b *testing.B) {
	c := memory.NewCache(nil)
	b.Cleanup(c.Close)
	ctx := context.Background()
	b.Run("Single", func(b *testing.B) {
		bs := admissionBuckets("single")
		b.ReportAllocs()
		for b.Loop() {
			if a, err := c.Take(ctx, bs); err != nil || !a.Allowed {
				b.Fatal(a, err)
			}
		}
	})
	b.Run("ParallelOneAccount", func(b *testing.B) {
		bs := admissionBuckets("shared")
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if a, err := c.Take(ctx, bs); err != nil || !a.Allowed {
					b.Error(a, err)
					return
				}
			}
		})
	})
	b.Run("ParallelAccounts", func(b *testing.B) {
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			bs := admissionBuckets(fmt.Sprintf("acct_%d", next.Add(1)))
			for pb.Next() {
				if a, err := c.Take(ctx, bs); err != nil || !a.Allowed {
					b.Error(a, err)
					return
				}
			}
		})
	})
}

// BenchmarkHoldSettle measures what a prepaid request costs the memory
// Cache: a hold of its most expensive outcome on the account's balance
// (HoldFunds) and, once it is over, the settlement of its exact cost
// (SettleFunds), each request under an id of its own.
func BenchmarkHoldSettle(b *testing.B) {
	c := memory.NewCache(nil)
	b.Cleanup(c.Close)
	ctx := context.Background()
	const seed = gateway.Micros(math.MaxInt64 / 4)
	// A settlement is remembered by id, and a benchmark function runs
	// several times: ids never repeat within the benchmark.
	var next atomic.Int64
	cycle := func(account, id string) error {
		granted, _, err := c.HoldFunds(ctx, account, id, 2_700, seed, 30*time.Minute)
		if err != nil {
			return err
		}
		if !granted {
			return fmt.Errorf("hold %s refused", id)
		}
		_, first, err := c.SettleFunds(ctx, account, id, 350, seed)
		if err == nil && !first {
			err = fmt.Errorf("settle %s: not the first", id)
		}
		return err
	}
	b.Run("Single", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := cycle("single", "req_"+fmt.Sprint(next.Add(1))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParallelOneAccount", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := cycle("shared", "req_"+fmt.Sprint(next.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkTicket measures Admit and Finish of one request (see
// gatewaytest.BenchmarkTicket).
func BenchmarkTicket(b *testing.B) {
	c := memory.NewCache(nil)
	b.Cleanup(c.Close)
	gatewaytest.BenchmarkTicket(b, c)
}
