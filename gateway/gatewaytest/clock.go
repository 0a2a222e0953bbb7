package gatewaytest

import (
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Clock = (*Clock)(nil)

// Clock is a fake gateway.Clock: its time moves only when a test calls
// Advance or Set, so code that reads the Clock can be tested at exact
// instants without sleeping.
//
// The zero value reads the zero time. A Clock is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock that reads t until it is moved.
func NewClock(t time.Time) *Clock {
	return &Clock{now: t}
}

// Now returns the Clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the Clock forward by d (backward if d is negative) and
// returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the Clock to t, which may be earlier than its current time.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
