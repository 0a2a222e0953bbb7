package memory

import (
	"context"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// holds keeps the open credit holds of every account, each with the time
// it lapses.
type holds struct {
	mu        sync.Mutex
	byAccount map[string]map[string]hold
}

type hold struct {
	amount  gateway.Micros
	expires time.Time
}

// open returns the account's live holds and their sum, dropping lapsed
// ones; the caller holds h.mu.
func (h *holds) open(account string, now time.Time) (map[string]hold, gateway.Micros) {
	m := h.byAccount[account]
	var sum gateway.Micros
	for id, ho := range m {
		if !now.Before(ho.expires) {
			delete(m, id)
			continue
		}
		sum += ho.amount
	}
	return m, sum
}

func (h *holds) sweep(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for account := range h.byAccount {
		if m, _ := h.open(account, now); len(m) == 0 {
			delete(h.byAccount, account)
		}
	}
}

// Reserve places a hold when the account's open holds plus amount fit
// under limit; see gateway.Cache.
func (c *Cache) Reserve(_ context.Context, account, id string, amount, limit gateway.Micros, ttl time.Duration) (gateway.Reservation, error) {
	if amount <= 0 {
		return gateway.Reservation{}, gateway.Invalid("amount", "a hold's amount must be positive")
	}
	if ttl <= 0 {
		return gateway.Reservation{}, gateway.Invalid("ttl", "a hold's ttl must be positive")
	}
	now := c.clock.Now()
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	m, sum := h.open(account, now)
	if _, ok := m[id]; ok {
		return gateway.Reservation{Granted: true, Held: sum}, nil
	}
	if sum+amount > limit {
		return gateway.Reservation{Held: sum}, nil
	}
	if m == nil {
		m = make(map[string]hold)
		h.byAccount[account] = m
	}
	m[id] = hold{amount: amount, expires: now.Add(ttl)}
	return gateway.Reservation{Granted: true, Held: sum + amount}, nil
}

// Release removes a hold and returns its amount; see gateway.Cache.
func (c *Cache) Release(_ context.Context, account, id string) (gateway.Micros, bool, error) {
	now := c.clock.Now()
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	m, _ := h.open(account, now)
	ho, ok := m[id]
	if !ok {
		return 0, false, nil
	}
	delete(m, id)
	return ho.amount, true, nil
}

// Held returns the sum of the account's open holds.
func (c *Cache) Held(_ context.Context, account string) (gateway.Micros, error) {
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	_, sum := h.open(account, c.clock.Now())
	return sum, nil
}
