package memory

import (
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// NewCacheSweepingEvery is NewCache with a sweep interval a test can wait
// for.
func NewCacheSweepingEvery(clock gateway.Clock, every time.Duration) *Cache {
	return newCache(clock, every)
}

// Len returns how many values the Cache holds, expired ones included.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items)
}

// Buckets returns how many rate-limit buckets the Cache holds.
func (c *Cache) Buckets() int { return c.limiters.len() }
