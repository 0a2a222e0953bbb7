package gatewaytest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// bucketKeys returns bucket keys of one subtest that share a hash tag, as
// callers of Take must.
func bucketKeys(t *testing.T, c gateway.Cache, names ...string) []string {
	t.Helper()
	tag := "{" + runID + "/" + t.Name() + "}"
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = cacheKey(t, c, tag+n)
	}
	return keys
}

func testCacheTake(t *testing.T, newCache cacheFactory) {
	runCache(t, "AllOrNone", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := bucketKeys(t, c, "minute", "hour")
		take := func(n int64) gateway.Admission {
			a, err := c.Take(t.Context(), []gateway.Bucket{
				{Key: k[0], Limit: 10, Window: time.Hour, N: 1},
				{Key: k[1], Limit: 3, Window: time.Hour, N: n},
			})
			is.NoErr(err)
			return a
		}
		a := take(2)
		is.True(a.Allowed)
		is.Equal(a.Refused, -1)
		is.Equal(a.Remaining, []int64{9, 1})
		a = take(2) // the second bucket holds 1: nothing is taken from either
		is.True(!a.Allowed)
		is.Equal(a.Refused, 1)
		is.True(a.RetryAfter > 0 && a.RetryAfter <= time.Hour)
		is.Equal(a.Remaining, []int64{9, 1})
		a = take(1)
		is.True(a.Allowed)
		is.Equal(a.Remaining, []int64{8, 0})
	})
	runCache(t, "SharesBucketsWithAllow", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := bucketKeys(t, c, "b")
		d, err := c.Allow(t.Context(), k[0], 5, time.Hour, 3)
		is.NoErr(err)
		is.True(d.Allowed)
		a, err := c.Take(t.Context(), []gateway.Bucket{{Key: k[0], Limit: 5, Window: time.Hour, N: 3}})
		is.NoErr(err)
		is.True(!a.Allowed) // one bucket, whichever method takes from it
	})
	runCache(t, "ConcurrentExact", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := bucketKeys(t, c, "key", "account")
		var allowed atomic.Int64
		errs := race(60, func(int) error {
			a, err := c.Take(t.Context(), []gateway.Bucket{
				{Key: k[0], Limit: 40, Window: time.Hour, N: 1},
				{Key: k[1], Limit: 25, Window: time.Hour, N: 1},
			})
			if a.Allowed {
				allowed.Add(1)
			}
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		is.Equal(allowed.Load(), int64(25)) // the tighter bucket decides, exactly
		a, err := c.Take(t.Context(), []gateway.Bucket{{Key: k[0], Limit: 40, Window: time.Hour, N: 15}})
		is.NoErr(err)
		is.True(a.Allowed) // and the looser one lost only what was admitted
	})
	runCache(t, "ErrInvalid", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := bucketKeys(t, c, "b")
		for _, b := range []gateway.Bucket{
			{Key: k[0], Limit: 0, Window: time.Hour, N: 1},
			{Key: k[0], Limit: 3, Window: 0, N: 1},
			{Key: k[0], Limit: 3, Window: time.Hour, N: 0},
			{Key: k[0], Limit: 3, Window: time.Hour, N: 4},
		} {
			_, err := c.Take(t.Context(), []gateway.Bucket{b})
			is.Equal(codeOf(err), gateway.CodeInvalid)
		}
	})
}

func testCacheAdjust(t *testing.T, newCache cacheFactory) {
	runCache(t, "DebtAndRefund", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := bucketKeys(t, c, "tokens")
		b := gateway.Bucket{Key: k[0], Limit: 100, Window: time.Hour}
		take := func(n int64) gateway.Admission {
			b := b
			b.N = n
			a, err := c.Take(t.Context(), []gateway.Bucket{b})
			is.NoErr(err)
			return a
		}
		is.True(take(60).Allowed)
		b.N = 70 // the request used 70 more than it was admitted for
		is.NoErr(c.Adjust(t.Context(), []gateway.Bucket{b}))
		a := take(1)
		is.True(!a.Allowed) // 40 - 70: in debt, nothing to take
		is.Equal(a.Remaining, []int64{0})
		b.N = -80 // give back more than the debt
		is.NoErr(c.Adjust(t.Context(), []gateway.Bucket{b}))
		a = take(50)
		is.True(a.Allowed)
		is.Equal(a.Remaining, []int64{0}) // -30 + 80 = 50, taken
		b.N = -1000
		is.NoErr(c.Adjust(t.Context(), []gateway.Bucket{b}))
		a = take(1)
		is.Equal(a.Remaining, []int64{99}) // a refund never fills past the limit
	})
	runCache(t, "ErrInvalid", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := bucketKeys(t, c, "b")
		err := c.Adjust(t.Context(), []gateway.Bucket{{Key: k[0], Limit: 0, Window: time.Hour, N: 1}})
		is.Equal(codeOf(err), gateway.CodeInvalid)
	})
}
