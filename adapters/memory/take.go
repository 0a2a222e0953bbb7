package memory

import (
	"context"
	"math"
	"time"

	"golang.org/x/time/rate"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Take takes every bucket's units or none; see gateway.Cache.
func (c *Cache) Take(_ context.Context, buckets []gateway.Bucket) (gateway.Admission, error) {
	for _, b := range buckets {
		if err := checkBucket(b, true); err != nil {
			return gateway.Admission{}, err
		}
	}
	now := c.clock.Now()
	l := &c.limiters
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.check(now, buckets)
	if a.Allowed {
		l.apply(now, buckets, a.Remaining)
	}
	return a, nil
}

// check answers a Take of buckets, which are valid, taking nothing; the
// caller holds l.mu.
func (l *limiters) check(now time.Time, buckets []gateway.Bucket) gateway.Admission {
	out := gateway.Admission{Allowed: true, Refused: -1, Lease: -1, Remaining: make([]int64, len(buckets))}
	for i, b := range buckets {
		lim := l.bucket(b.Key, b.Limit, b.Window).lim
		tokens := lim.TokensAt(now)
		if out.Allowed && tokens < float64(b.N) {
			out.Allowed, out.Refused = false, i
			out.RetryAfter = retryAfter(lim, now, tokens, b.N)
		}
		out.Remaining[i] = whole(tokens)
	}
	return out
}

// apply takes the units of buckets, which check allowed under the same
// lock, and sets left to what each holds after; the caller holds l.mu.
func (l *limiters) apply(now time.Time, buckets []gateway.Bucket, left []int64) {
	for _, b := range buckets {
		l.buckets[b.Key].lim.AllowN(now, int(b.N)) // cannot fail: checked under the lock
	}
	for i, b := range buckets {
		left[i] = whole(l.buckets[b.Key].lim.TokensAt(now))
	}
}

// Adjust moves bucket levels regardless of what they hold; see
// gateway.Cache.
func (c *Cache) Adjust(_ context.Context, buckets []gateway.Bucket) error {
	for _, b := range buckets {
		if err := checkBucket(b, false); err != nil {
			return err
		}
	}
	l := &c.limiters
	l.mu.Lock()
	defer l.mu.Unlock()
	l.adjust(c.clock.Now(), buckets)
	return nil
}

// adjust moves the levels of buckets, which are valid; the caller holds
// l.mu.
func (l *limiters) adjust(now time.Time, buckets []gateway.Bucket) {
	for _, b := range buckets {
		bk := l.bucket(b.Key, b.Limit, b.Window)
		level := min(bk.lim.TokensAt(now)-float64(b.N), float64(b.Limit))
		bk.lim = limiterAt(now, b.Limit, b.Window, level)
	}
}

// limiterAt returns a limiter of limit per window that holds level tokens
// at now (level may be negative: a debt refill pays off first).
func limiterAt(now time.Time, limit int64, window time.Duration, level float64) *rate.Limiter {
	lim := rate.NewLimiter(rate.Limit(float64(limit)/window.Seconds()), int(limit))
	take := int64(math.Ceil(float64(limit) - level))
	for take > 0 {
		n := min(take, limit)
		lim.ReserveN(now, int(n)) // reservations are never cancelled: the tokens stay taken
		take -= n
	}
	return lim
}

// bucket returns the bucket at key, made anew (full) when it is missing
// or its shape changed; the caller holds l.mu.
func (l *limiters) bucket(key string, limit int64, window time.Duration) *bucket {
	b := l.buckets[key]
	if b == nil || b.limit != limit || b.window != window {
		b = &bucket{limit: limit, window: window, lim: limiterAt(time.Time{}, limit, window, float64(limit))}
		l.buckets[key] = b
	}
	return b
}

func checkBucket(b gateway.Bucket, take bool) error {
	switch {
	case b.Limit <= 0:
		return gateway.Errorf(gateway.CodeInvalid, "bucket %s: limit %d is not positive", b.Key, b.Limit)
	case b.Window <= 0:
		return gateway.Errorf(gateway.CodeInvalid, "bucket %s: window %v is not positive", b.Key, b.Window)
	case take && (b.N < 1 || b.N > b.Limit):
		return gateway.Errorf(gateway.CodeInvalid, "bucket %s: units %d are not between 1 and the limit %d", b.Key, b.N, b.Limit)
	case b.Limit > math.MaxInt:
		return gateway.Errorf(gateway.CodeInvalid, "bucket %s: limit %d is too large", b.Key, b.Limit)
	}
	return nil
}
