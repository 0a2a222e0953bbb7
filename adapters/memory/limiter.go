package memory

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tollgate-ai/tollgate/gateway"
)

// limiters holds one token bucket per key, each a rate.Limiter driven by
// the Cache's Clock through the …N(now, n) methods.
type limiters struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

// bucket is a limiter and the limit and window it was made for.
type bucket struct {
	limit  int64
	window time.Duration
	lim    *rate.Limiter
}

// allow takes n units from the bucket at key at now; the arguments are
// valid. It holds l.mu throughout, so that reading the bucket and taking
// from it is one step.
func (l *limiters) allow(now time.Time, key string, limit int64, window time.Duration, n int64) gateway.Decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, limit, window)
	if b.lim.AllowN(now, int(n)) {
		return gateway.Decision{Allowed: true, Remaining: whole(b.lim.TokensAt(now))}
	}
	tokens := b.lim.TokensAt(now)
	return gateway.Decision{Remaining: whole(tokens), RetryAfter: retryAfter(b.lim, now, tokens, n)}
}

// retryAfter returns how long after now lim will hold n tokens, given
// that it holds tokens < n now: the shortest wait after which AllowN
// succeeds, never zero.
func retryAfter(lim *rate.Limiter, now time.Time, tokens float64, n int64) time.Duration {
	need := float64(n) - tokens
	d := time.Duration(math.Ceil(need / float64(lim.Limit()) * float64(time.Second)))
	d = max(d, 1)
	// Rounding in rate's float arithmetic may leave the bucket a hair
	// short at now+d; step forward until it is not, so that a caller that
	// waits exactly RetryAfter is allowed.
	for i := 0; i < 1000 && lim.TokensAt(now.Add(d)) < float64(n); i++ {
		d++
	}
	return d
}

// whole returns the whole units in tokens.
func whole(tokens float64) int64 {
	return int64(math.Floor(max(tokens, 0)))
}

// sweep drops the buckets that are full at now: a new bucket would be
// the same.
func (l *limiters) sweep(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, b := range l.buckets {
		if b.lim.TokensAt(now) >= float64(b.limit) {
			delete(l.buckets, k)
		}
	}
}

// len returns how many buckets are kept.
func (l *limiters) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
