package gateway

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// limiter puts limits through the Cache and, when the Cache fails, either
// through a local fallback Cache with each instance's share of every
// limit, or not at all (the request is refused), as configured.
type limiter struct {
	cache    Cache
	fallback Cache // nil: refuse when the Cache fails
	share    int64 // how many instances split a limit in the fallback
	lease    time.Duration
	log      *slog.Logger
	failing  atomic.Bool
}

// failed notes a Cache failure (logged once until it recovers) and
// returns the Cache to use instead, or an error when there is none.
func (l *limiter) failed(err error) (Cache, error) {
	if !l.failing.Swap(true) {
		l.log.Error("limits: the cache failed; using the fallback", "fallback", l.fallback != nil, "err", err)
	}
	if l.fallback == nil {
		return nil, &Error{Code: CodeUnavailable, Message: "rate limits cannot be checked right now", Err: err}
	}
	return l.fallback, nil
}

func (l *limiter) ok() {
	if l.failing.Swap(false) {
		l.log.Info("limits: the cache answers again")
	}
}

// shared returns buckets with each limit cut to this instance's share.
func (l *limiter) shared(buckets []Bucket) []Bucket {
	out := make([]Bucket, len(buckets))
	for i, b := range buckets {
		b.Limit = max(b.Limit/l.share, 1)
		b.N = min(b.N, b.Limit)
		out[i] = b
	}
	return out
}

func (l *limiter) take(ctx context.Context, buckets []Bucket) (Admission, error) {
	a, err := l.cache.Take(ctx, buckets)
	if err == nil || IsCode(err, CodeInvalid) {
		l.ok()
		return a, err
	}
	fb, ferr := l.failed(err)
	if ferr != nil {
		return Admission{}, ferr
	}
	return fb.Take(ctx, l.shared(buckets))
}

func (l *limiter) adjust(ctx context.Context, buckets []Bucket) {
	err := l.cache.Adjust(ctx, buckets)
	if err == nil {
		return
	}
	if fb, ferr := l.failed(err); ferr == nil {
		err = fb.Adjust(ctx, l.shared(buckets))
	}
	if err != nil {
		l.log.Warn("limits: token correction lost", "err", err)
	}
}

func (l *limiter) reserve(ctx context.Context, key, id string, limit int64) (Reservation, error) {
	r, err := l.cache.Reserve(ctx, key, id, 1, Micros(limit), l.lease)
	if err == nil {
		l.ok()
		return r, nil
	}
	fb, ferr := l.failed(err)
	if ferr != nil {
		return Reservation{}, ferr
	}
	return fb.Reserve(ctx, key, id, 1, Micros(max(limit/l.share, 1)), l.lease)
}

// release gives a concurrency lease back to whichever Cache holds it.
func (l *limiter) release(ctx context.Context, key, id string) {
	_, found, err := l.cache.Release(ctx, key, id)
	if (err != nil || !found) && l.fallback != nil {
		_, _, err = l.fallback.Release(ctx, key, id)
	}
	if err != nil {
		l.log.Warn("limits: a concurrency lease was not released; it lapses by itself", "err", err)
	}
}
