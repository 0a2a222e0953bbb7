package redis_test

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// TestAllowExactUnderConcurrency races 50 callers for a bucket of 5: the
// script is atomic, so exactly 5 win (plus whatever refilled while they
// raced, one unit per 200ms, which a healthy run never sees).
func TestAllowExactUnderConcurrency(t *testing.T) {
	is := is.New(t)
	c := open(t)
	const callers, limit = 50, 5
	var (
		start   = make(chan struct{})
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
		errs    []error
	)
	for range callers {
		wg.Go(func() {
			<-start
			d, err := c.Allow(t.Context(), "bucket", limit, time.Second, 1)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if d.Allowed {
				allowed++
			}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(began)
	for _, err := range errs {
		is.NoErr(err)
	}
	refilled := int(took / (time.Second / limit))
	if refilled > 0 {
		t.Logf("the race took %v: %d units refilled meanwhile", took, refilled)
	}
	if allowed < limit || allowed > limit+refilled {
		t.Fatalf("%d of %d callers allowed in %v, want %d", allowed, callers, took, limit)
	}
}

// TestAllowRetryAfterExact waits exactly RetryAfter, not a hair more:
// the unit must be there. A token a second, so that a busy machine's
// pause between two calls does not refill one.
func TestAllowRetryAfterExact(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	for range 3 {
		d, err := c.Allow(ctx, "bucket", 3, 3*time.Second, 1)
		is.NoErr(err)
		is.True(d.Allowed)
	}
	for i := range 3 {
		d, err := c.Allow(ctx, "bucket", 3, 3*time.Second, 1)
		is.NoErr(err)
		is.True(!d.Allowed)
		is.True(d.RetryAfter > 0 && d.RetryAfter <= time.Second)
		time.Sleep(d.RetryAfter)
		d, err = c.Allow(ctx, "bucket", 3, 3*time.Second, 1)
		is.NoErr(err)
		if !d.Allowed {
			t.Fatalf("round %d: refused after waiting RetryAfter: %+v", i, d)
		}
	}
}

func TestAllowNewSettingsStartFull(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	d, err := c.Allow(ctx, "bucket", 2, time.Hour, 2)
	is.NoErr(err)
	is.Equal(d, gateway.Decision{Allowed: true, Remaining: 0})
	d, err = c.Allow(ctx, "bucket", 3, time.Hour, 1)
	is.NoErr(err)
	is.Equal(d, gateway.Decision{Allowed: true, Remaining: 2}) // a new limit: a new, full bucket
	d, err = c.Allow(ctx, "bucket", 3, time.Minute, 1)
	is.NoErr(err)
	is.Equal(d, gateway.Decision{Allowed: true, Remaining: 2}) // a new window too
}

func TestAllowSubMicrosecondWindow(t *testing.T) {
	is := is.New(t)
	c := open(t)
	d, err := c.Allow(t.Context(), "bucket", 1, time.Nanosecond, 1) // counted as 1µs
	is.NoErr(err)
	is.True(d.Allowed)
}

// TestAllowBucketExpires checks that a bucket that was taken from
// expires a window after it is full again, so idle buckets cost nothing.
func TestAllowBucketExpires(t *testing.T) {
	is := is.New(t)
	prefix := newPrefix()
	c := openWith(t, prefix, "")
	raw := rawClient(t)
	ctx := t.Context()
	_, err := c.Allow(ctx, "bucket", 10, time.Minute, 5)
	is.NoErr(err)
	// 5 units at 10 a minute come back in 30s; the key lasts a window
	// more, so that the next takes need not move its expiry.
	ttl, err := raw.Do(ctx, raw.B().Pttl().Key(prefix+"r:bucket").Build()).AsInt64()
	is.NoErr(err)
	is.True(ttl > 89_000 && ttl <= 90_001)

	d, err := c.Allow(ctx, "short", 2, 100*time.Millisecond, 2)
	is.NoErr(err)
	is.True(d.Allowed)
	deadline := time.Now().Add(2 * time.Second)
	for {
		n, err := raw.Do(ctx, raw.B().Exists().Key(prefix+"r:short").Build()).AsInt64()
		is.NoErr(err)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a full bucket is still kept")
		}
		time.Sleep(10 * time.Millisecond)
	}
	d, err = c.Allow(ctx, "short", 2, 100*time.Millisecond, 2)
	is.NoErr(err)
	is.True(d.Allowed) // and a new one is as full
}

// BenchmarkAllow measures one Allow, one caller at a time and many at
// once, on a bucket that never runs dry.
func BenchmarkAllow(b *testing.B) {
	c := open(b)
	ctx := context.Background()
	b.Run("Single", func(b *testing.B) {
		for b.Loop() {
			if _, err := c.Allow(ctx, "single", 1<<40, time.Second, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parallel", func(b *testing.B) {
		b.SetParallelism(8) // callers per CPU: they wait on the network, not the CPU
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Allow(ctx, "parallel", 1<<40, time.Second, 1); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// TestAllowHugeLimit runs a bucket far past the doubles' exact range:
// the answers stay within bounds.
func TestAllowHugeLimit(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx := t.Context()
	const limit, window = math.MaxInt64, time.Duration(math.MaxInt64)
	d, err := c.Allow(ctx, "bucket", limit, window, 1)
	is.NoErr(err)
	is.True(d.Allowed)
	is.True(d.Remaining > limit/2 && d.Remaining <= limit)
	d, err = c.Allow(ctx, "empty", limit, window, limit)
	is.NoErr(err)
	is.True(d.Allowed)
	is.True(d.Remaining >= 0 && d.Remaining < 1e9) // nothing, give or take rounding and refill
	d, err = c.Allow(ctx, "empty", limit, window, limit)
	is.NoErr(err)
	is.True(!d.Allowed)
	is.True(d.RetryAfter > window/2 && d.RetryAfter <= window)
}
