package memory

import (
	"context"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// buckets is how many time buckets a window is split into.
const buckets = 10

// outcomes keeps, per key, success and failure counts in time buckets a
// tenth of a window wide.
type outcomes struct {
	mu    sync.Mutex
	byKey map[string]*series
}

// series is a ring of buckets; slot i holds the counts of the bucket
// numbered at[i] (time since the epoch divided by the bucket width).
type series struct {
	window time.Duration
	at     [buckets]int64
	counts [buckets]gateway.Outcomes
}

// AddOutcomes adds counts to the bucket of now and returns the totals of
// the buckets within the window; see gateway.Cache.
func (c *Cache) AddOutcomes(_ context.Context, key string, successes, failures int64, window time.Duration) (gateway.Outcomes, error) {
	if successes < 0 || failures < 0 {
		return gateway.Outcomes{}, gateway.Invalid("outcomes", "outcome counts must not be negative")
	}
	if window <= 0 {
		return gateway.Outcomes{}, gateway.Invalid("window", "window must be positive")
	}
	width := bucketWidth(window)
	now := c.clock.Now().UnixNano() / int64(width)
	o := &c.outcomes
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.byKey[key]
	if s == nil || s.window != window {
		s = &series{window: window} // new settings start new figures
		o.byKey[key] = s
	}
	slot := int(now % buckets)
	if s.at[slot] != now {
		s.at[slot], s.counts[slot] = now, gateway.Outcomes{}
	}
	s.counts[slot].Successes += successes
	s.counts[slot].Failures += failures
	var total gateway.Outcomes
	for i := range s.at {
		if now-s.at[i] < buckets {
			total.Successes += s.counts[i].Successes
			total.Failures += s.counts[i].Failures
		}
	}
	return total, nil
}

// bucketWidth is a tenth of window, at least a nanosecond.
func bucketWidth(window time.Duration) time.Duration {
	return max(window/buckets, 1)
}

// sweep drops the figures of keys that counted nothing for a whole window.
func (o *outcomes) sweep(now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for k, s := range o.byKey {
		current := now.UnixNano() / int64(bucketWidth(s.window))
		live := false
		for i := range s.at {
			live = live || current-s.at[i] < buckets
		}
		if !live {
			delete(o.byKey, k)
		}
	}
}
