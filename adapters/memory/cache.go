package memory

import (
	"context"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Cache = (*Cache)(nil)

// sweepEvery is how often a Cache drops expired values and idle rate
// limiters in the background.
const sweepEvery = time.Minute

// Cache is a gateway.Cache in process memory: exact for one gateway
// instance, and shared by nothing else. Values and counters live in one
// key space, as in Redis: a counter is a value holding a decimal integer,
// so Get returns it and Delete removes it.
//
// Expiry follows the Clock given to NewCache. An expired value is gone as
// soon as its expiry passes (every read checks it) and its memory is
// reclaimed by a sweep that runs every minute in a goroutine, which also
// drops rate limiters that have refilled completely, lapsed holds and
// outcome figures older than their window. Close stops that
// goroutine.
//
// Use NewCache; the zero value is not usable. A Cache is safe for
// concurrent use.
type Cache struct {
	clock gateway.Clock

	mu    sync.Mutex
	items map[string]item

	limiters limiters
	holds    holds
	funds    funds
	outcomes outcomes
	pubsub   pubsub

	closeOnce sync.Once
	quit      chan struct{} // closed by Close
	swept     chan struct{} // closed when the sweep goroutine returns
}

// item is a value and its expiry; the zero expires means never.
type item struct {
	value   []byte
	expires time.Time
}

func (it item) expiredAt(now time.Time) bool {
	return !it.expires.IsZero() && !now.Before(it.expires)
}

// NewCache returns an empty Cache that reads the time from clock
// (gateway.SystemClock when nil) and starts its sweep goroutine; call
// Close to stop it.
func NewCache(clock gateway.Clock) *Cache {
	return newCache(clock, sweepEvery)
}

// newCache is NewCache with the sweep interval as a parameter, for tests.
func newCache(clock gateway.Clock, every time.Duration) *Cache {
	if clock == nil {
		clock = gateway.SystemClock{}
	}
	c := &Cache{
		clock:    clock,
		items:    make(map[string]item),
		limiters: limiters{buckets: make(map[string]*bucket)},
		holds:    holds{byAccount: make(map[string]*accountHolds)},
		outcomes: outcomes{byKey: make(map[string]*series)},
		pubsub:   pubsub{subs: make(map[string]map[*subscriber]struct{})},
		quit:     make(chan struct{}),
		swept:    make(chan struct{}),
	}
	go c.sweepLoop(every)
	return c
}

// Close stops the sweep goroutine and ends every subscription, closing
// its channel; later Subscribe calls fail with CodeUnavailable. The other
// methods keep working, with expired values reclaimed only when read.
// Close is safe to call more than once.
func (c *Cache) Close() {
	c.closeOnce.Do(func() {
		close(c.quit)
		<-c.swept
		c.pubsub.close()
	})
}

func (c *Cache) sweepLoop(every time.Duration) {
	defer close(c.swept)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-t.C:
			c.sweep()
		}
	}
}

// sweep drops the values that have expired and the rate limiters that
// have refilled completely.
func (c *Cache) sweep() {
	now := c.clock.Now()
	c.mu.Lock()
	for k, it := range c.items {
		if it.expiredAt(now) {
			delete(c.items, k)
		}
	}
	c.mu.Unlock()
	c.limiters.sweep(now)
	c.holds.sweep(now)
	c.sweepSettled(now)
	c.outcomes.sweep(now)
}

// load returns the live item at key, dropping it if it has expired. The
// caller holds c.mu.
func (c *Cache) load(key string, now time.Time) (item, bool) {
	it, ok := c.items[key]
	if ok && it.expiredAt(now) {
		delete(c.items, key)
		return item{}, false
	}
	return it, ok
}

// Get returns a copy of the value at key. CodeNotFound if there is none or
// it expired.
func (c *Cache) Get(_ context.Context, key string) ([]byte, error) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.load(key, now)
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "cache key %q not found", key)
	}
	return append([]byte{}, it.value...), nil
}

// Set stores a copy of value at key for ttl, replacing any value and
// expiry the key had; ttl 0 keeps it until deleted. CodeInvalid if ttl is
// negative.
func (c *Cache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl < 0 {
		return gateway.Errorf(gateway.CodeInvalid, "cache ttl %v is negative", ttl)
	}
	now := c.clock.Now()
	it := item{value: append([]byte{}, value...)}
	if ttl > 0 {
		it.expires = now.Add(ttl)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[key] = it
	return nil
}

// Delete removes key; removing a missing key is not an error.
func (c *Cache) Delete(_ context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, key)
	return nil
}

// Incr adds delta to the counter at key and returns the new value. A
// missing or expired key counts from 0 and, when ttl > 0, expires ttl
// after this call; later calls keep that expiry. CodeInvalid if ttl is
// negative, if the key holds a value Set stored that is not a decimal
// integer, or if the sum overflows an int64.
func (c *Cache) Incr(_ context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	if ttl < 0 {
		return 0, gateway.Errorf(gateway.CodeInvalid, "cache ttl %v is negative", ttl)
	}
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.load(key, now)
	var n int64
	if ok {
		var err error
		if n, err = strconv.ParseInt(string(it.value), 10, 64); err != nil {
			return 0, gateway.Errorf(gateway.CodeInvalid, "cache key %q does not hold an integer", key)
		}
	} else if ttl > 0 {
		it.expires = now.Add(ttl)
	}
	if (delta > 0 && n > math.MaxInt64-delta) || (delta < 0 && n < math.MinInt64-delta) {
		return 0, gateway.Errorf(gateway.CodeInvalid, "cache counter %q would overflow", key)
	}
	n += delta
	it.value = strconv.AppendInt(nil, n, 10)
	c.items[key] = it
	return n, nil
}

// Allow takes n units from the token bucket at key, which holds at most
// limit units and refills limit units per window, evenly; a new bucket is
// full. It takes nothing when the bucket holds fewer than n, and the
// Decision says how long until it will. Calling Allow for a key with a
// different limit or window than before starts a new, full bucket.
// CodeInvalid if limit or window is not positive, or n is not in
// [1, limit].
func (c *Cache) Allow(_ context.Context, key string, limit int64, window time.Duration, n int64) (gateway.Decision, error) {
	switch {
	case limit <= 0:
		return gateway.Decision{}, gateway.Errorf(gateway.CodeInvalid, "rate limit %d is not positive", limit)
	case window <= 0:
		return gateway.Decision{}, gateway.Errorf(gateway.CodeInvalid, "rate window %v is not positive", window)
	case n < 1 || n > limit:
		return gateway.Decision{}, gateway.Errorf(gateway.CodeInvalid, "rate units %d are not between 1 and the limit %d", n, limit)
	case limit > math.MaxInt:
		// Only on 32-bit platforms, where rate.Limiter's burst is smaller.
		return gateway.Decision{}, gateway.Errorf(gateway.CodeInvalid, "rate limit %d is too large", limit)
	}
	return c.limiters.allow(c.clock.Now(), key, limit, window, n), nil
}

// Publish sends a copy of payload to every current subscriber of channel.
// It never blocks: a subscriber whose buffer is full misses the payload,
// as the port allows.
func (c *Cache) Publish(_ context.Context, channel string, payload []byte) error {
	c.pubsub.publish(channel, payload)
	return nil
}

// Subscribe returns the payloads published to channel from now on, in
// order, until ctx ends or the Cache is closed; then the channel is
// closed. The channel buffers 64 payloads; a subscriber that falls
// further behind misses payloads. CodeUnavailable after Close.
func (c *Cache) Subscribe(ctx context.Context, channel string) (<-chan []byte, error) {
	return c.pubsub.subscribe(ctx, channel, c.quit)
}
