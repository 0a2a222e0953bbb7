package redis

import (
	"context"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// bucketKey is where the token bucket called key is kept. (Versions
// before this one kept buckets as hashes at "b:"; the new name keeps an
// instance of each from failing on the other's keys while both run.)
func (c *Cache) bucketKey(key string) string { return c.prefix + "r:" + key }

// Allow takes n units from the token bucket at key, which holds at most
// limit units and refills limit units per window, evenly; a new bucket is
// full. It takes nothing when the bucket holds fewer than n, and the
// Decision says how long until it will: waiting exactly RetryAfter is
// enough, if nobody else takes units meanwhile. Calling Allow for a key
// with a different limit or window than before starts a new, full bucket.
//
// The bucket lives in Redis and runs on the Redis server's clock, so
// every instance shares it exactly; see the package doc for its layout.
// Time is counted in microseconds: window is rounded up to a whole one,
// and RetryAfter is a whole number of them, rounded up.
//
// CodeInvalid if limit or window is not positive, or n is not in
// [1, limit].
func (c *Cache) Allow(ctx context.Context, key string, limit int64, window time.Duration, n int64) (gateway.Decision, error) {
	switch {
	case limit <= 0:
		return gateway.Decision{}, gateway.Errorf(gateway.CodeInvalid, "rate limit %d is not positive", limit)
	case window <= 0:
		return gateway.Decision{}, gateway.Errorf(gateway.CodeInvalid, "rate window %v is not positive", window)
	case n < 1 || n > limit:
		return gateway.Decision{}, gateway.Errorf(gateway.CodeInvalid, "rate units %d are not between 1 and the limit %d", n, limit)
	}
	// One bucket is the simplest Take: the same script, the same key.
	a, err := c.Take(ctx, []gateway.Bucket{{Key: key, Limit: limit, Window: window, N: n}})
	if err != nil {
		return gateway.Decision{}, err
	}
	return gateway.Decision{Allowed: a.Allowed, Remaining: a.Remaining[0], RetryAfter: a.RetryAfter}, nil
}

// clamp returns f as an int64 between lo and hi. The script's numbers are
// doubles, which may overshoot an int64 near its maximum.
func clamp(f float64, lo, hi int64) int64 {
	switch {
	case f <= float64(lo):
		return lo
	case f >= float64(hi):
		return hi
	}
	return int64(f)
}

// micros returns d in whole microseconds, rounded up.
func micros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	if d%time.Microsecond != 0 {
		us++
	}
	return us
}
