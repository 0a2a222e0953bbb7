package memory_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

func TestCache(t *testing.T) {
	gatewaytest.TestCache(t, func(t *testing.T) gateway.Cache {
		c := memory.NewCache(nil)
		t.Cleanup(c.Close)
		return c
	})
}

var t0 = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// newCache returns a Cache on a fake clock at t0, closed when the test
// ends.
func newCache(t *testing.T) (*memory.Cache, *gatewaytest.Clock) {
	clock := gatewaytest.NewClock(t0)
	c := memory.NewCache(clock)
	t.Cleanup(c.Close)
	return c, clock
}

// TestCacheAllowClock walks one bucket through time at exact instants:
// 3 units per second, so one unit every 333333333.3ns.
func TestCacheAllowClock(t *testing.T) {
	is := is.New(t)
	c, clock := newCache(t)
	ctx := t.Context()
	allow := func(n int64) gateway.Decision {
		t.Helper()
		d, err := c.Allow(ctx, "k", 3, time.Second, n)
		is.NoErr(err)
		return d
	}
	const third = 333333334 * time.Nanosecond // one unit, rounded up

	is.Equal(allow(1), gateway.Decision{Allowed: true, Remaining: 2})
	is.Equal(allow(2), gateway.Decision{Allowed: true, Remaining: 0})
	is.Equal(allow(1), gateway.Decision{Remaining: 0, RetryAfter: third})       // empty: one unit is a third of a second away
	is.Equal(allow(3), gateway.Decision{Remaining: 0, RetryAfter: time.Second}) // and the whole bucket a second

	clock.Advance(third - 10*time.Nanosecond)
	d := allow(1)
	is.True(!d.Allowed) // a little early
	is.True(d.RetryAfter > 0 && d.RetryAfter <= 10*time.Nanosecond)
	clock.Advance(d.RetryAfter)
	is.Equal(allow(1), gateway.Decision{Allowed: true, Remaining: 0}) // waiting RetryAfter is enough

	clock.Advance(time.Hour)
	is.Equal(allow(1), gateway.Decision{Allowed: true, Remaining: 2}) // refills to limit, no further

	d = allow(3)
	is.True(!d.Allowed) // two units are not three
	is.Equal(d.Remaining, int64(2))
	is.Equal(d.RetryAfter, third)

	// New settings for the key start a new, full bucket.
	d, err := c.Allow(ctx, "k", 10, time.Minute, 1)
	is.NoErr(err)
	is.Equal(d, gateway.Decision{Allowed: true, Remaining: 9})

	// The clock going back refills nothing and breaks nothing.
	clock.Advance(-time.Hour)
	d, err = c.Allow(ctx, "k", 10, time.Minute, 9)
	is.NoErr(err)
	is.Equal(d, gateway.Decision{Allowed: true, Remaining: 0})
}

func TestCacheExpiryClock(t *testing.T) {
	is := is.New(t)
	c, clock := newCache(t)
	ctx := t.Context()
	is.NoErr(c.Set(ctx, "v", []byte("x"), time.Second))
	n, err := c.Incr(ctx, "n", 5, time.Second)
	is.NoErr(err)
	is.Equal(n, int64(5))

	clock.Advance(time.Second - time.Nanosecond)
	_, err = c.Get(ctx, "v")
	is.NoErr(err) // still there a nanosecond before its expiry
	n, err = c.Incr(ctx, "n", 1, time.Hour)
	is.NoErr(err)
	is.Equal(n, int64(6)) // and the counter with it, keeping its expiry

	clock.Advance(time.Nanosecond)
	_, err = c.Get(ctx, "v")
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound) // gone at its expiry
	n, err = c.Incr(ctx, "n", 1, 0)
	is.NoErr(err)
	is.Equal(n, int64(1)) // the counter starts again

	got, err := c.Get(ctx, "n")
	is.NoErr(err)
	is.Equal(string(got), "1") // counters are decimal values
	is.NoErr(c.Set(ctx, "s", []byte("not a number"), 0))
	_, err = c.Incr(ctx, "s", 1, 0)
	is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
}

func TestCacheSweep(t *testing.T) {
	is := is.New(t)
	clock := gatewaytest.NewClock(t0)
	c := memory.NewCacheSweepingEvery(clock, time.Millisecond)
	t.Cleanup(c.Close)
	ctx := t.Context()

	is.NoErr(c.Set(ctx, "short", []byte("x"), time.Second))
	is.NoErr(c.Set(ctx, "forever", []byte("x"), 0))
	_, err := c.Incr(ctx, "counter", 1, time.Second)
	is.NoErr(err)
	_, err = c.Allow(ctx, "idle", 10, time.Second, 10)
	is.NoErr(err)
	_, err = c.Allow(ctx, "busy", 10, time.Hour, 10)
	is.NoErr(err)
	is.Equal(c.Len(), 3)
	is.Equal(c.Buckets(), 2)

	clock.Advance(2 * time.Second)
	deadline := time.Now().Add(2 * time.Second)
	for (c.Len() != 1 || c.Buckets() != 1) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	is.Equal(c.Len(), 1)     // expired values are dropped without being read
	is.Equal(c.Buckets(), 1) // and so is the refilled bucket; the other is kept
	_, err = c.Get(ctx, "forever")
	is.NoErr(err)
}

func TestCacheClose(t *testing.T) {
	is := is.New(t)
	c := memory.NewCache(nil)
	sub, err := c.Subscribe(context.Background(), "ch")
	is.NoErr(err)
	c.Close()
	c.Close() // twice is fine
	_, open := <-sub
	is.True(!open) // Close ends subscriptions
	_, err = c.Subscribe(context.Background(), "ch")
	is.Equal(gateway.ErrorCode(err), gateway.CodeUnavailable)
	is.NoErr(c.Publish(context.Background(), "ch", []byte("x")))
	is.NoErr(c.Set(context.Background(), "k", []byte("v"), 0)) // the rest still works
}

func TestCacheSlowSubscriber(t *testing.T) {
	is := is.New(t)
	c, _ := newCache(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sub, err := c.Subscribe(ctx, "ch")
	is.NoErr(err)
	for range 1000 {
		is.NoErr(c.Publish(ctx, "ch", []byte("x"))) // never blocks on a subscriber that does not read
	}
	n := 0
	for len(sub) > 0 {
		<-sub
		n++
	}
	is.True(n > 0 && n < 1000) // it got what fit and missed the rest
}
