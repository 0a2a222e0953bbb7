package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"
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

// mapCache is the part of a Cache a breaker's flush uses, in a map.
// beforeRead, if set, runs once when the reset generation is next read,
// after the read: what another goroutine does in that gap.
type mapCache struct {
	Cache
	values     map[string][]byte
	counts     map[string]int64
	outcomes   map[string]Outcomes
	beforeRead func()
}

func newMapCache() *mapCache {
	return &mapCache{values: map[string][]byte{}, counts: map[string]int64{}, outcomes: map[string]Outcomes{}}
}

func (c *mapCache) Get(_ context.Context, key string) ([]byte, error) {
	if v, ok := c.values[key]; ok {
		return v, nil
	}
	return nil, &Error{Code: CodeNotFound, Message: "no " + key}
}

func (c *mapCache) Set(_ context.Context, key string, v []byte, _ time.Duration) error {
	c.values[key] = v
	return nil
}

func (c *mapCache) Delete(_ context.Context, key string) error {
	delete(c.values, key)
	return nil
}

func (c *mapCache) Incr(_ context.Context, key string, delta int64, _ time.Duration) (int64, error) {
	c.counts[key] += delta
	n := c.counts[key]
	if f := c.beforeRead; f != nil && delta == 0 {
		c.beforeRead = nil
		f()
	}
	return n, nil
}

func (c *mapCache) AddOutcomes(_ context.Context, key string, ok, failed int64, _ time.Duration) (Outcomes, error) {
	o := c.outcomes[key]
	o.Successes += ok
	o.Failures += failed
	c.outcomes[key] = o
	return o, nil
}

// A reset on this instance while a flush is reading the reset generation
// stays a reset: the flush must not take the generation back to the one
// it read, or it would reopen the breaker on the figures the reset left.
func TestBreakerResetDuringFlush(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	br := newBreaker("prv_race", BreakerSettings{FailurePercent: 50, MinRequests: 4, Open: time.Minute, Probes: 1})
	cache := newMapCache()
	for range 4 {
		tk, err := br.allow(ctx, cache)
		is.NoErr(err)
		tk.end(&Error{Code: CodeUpstream, Status: 503})
	}
	is.NoErr(br.flush(ctx, cache))
	is.Equal(br.state("p", "p").State, "open")

	cache.beforeRead = func() { is.NoErr(br.reset(ctx, cache)) }
	is.NoErr(br.flush(ctx, cache))
	is.Equal(br.state("p", "p").State, "closed")
	is.Equal(br.resets.Load(), int64(1))
	_, err := cache.Get(ctx, br.key("open"))
	is.True(IsCode(err, CodeNotFound)) // no marker to reopen the others
}
