package memory

import (
	"context"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// holds keeps the open credit holds (and concurrency leases) of every
// account, each with the time it lapses.
type holds struct {
	mu        sync.Mutex
	byAccount map[string]*accountHolds
}

// accountHolds are one account's holds with their sum and a lower bound
// of their expiries, so that a call does not walk every hold: only once
// first has passed may one have lapsed, and one walk drops them all.
type accountHolds struct {
	byID  map[string]hold
	sum   gateway.Micros
	first time.Time
}

type hold struct {
	amount  gateway.Micros
	expires time.Time
}

// open returns the account's holds (nil when it has none), dropping
// lapsed ones; the caller holds h.mu.
func (h *holds) open(account string, now time.Time) *accountHolds {
	a := h.byAccount[account]
	if a == nil || now.Before(a.first) {
		return a
	}
	a.sum, a.first = 0, time.Time{}
	for id, ho := range a.byID {
		if !now.Before(ho.expires) {
			delete(a.byID, id)
			continue
		}
		a.sum += ho.amount
		if a.first.IsZero() || ho.expires.Before(a.first) {
			a.first = ho.expires
		}
	}
	if len(a.byID) == 0 {
		delete(h.byAccount, account)
		return nil
	}
	return a
}

// held returns the sum of the holds of a, which may be nil.
func (a *accountHolds) held() gateway.Micros {
	if a == nil {
		return 0
	}
	return a.sum
}

// has reports whether a, which may be nil, holds id.
func (a *accountHolds) has(id string) bool {
	if a == nil {
		return false
	}
	_, ok := a.byID[id]
	return ok
}

// place adds a hold on account; the caller holds h.mu and checked that
// id is not held.
func (h *holds) place(account, id string, amount gateway.Micros, expires time.Time) {
	a := h.byAccount[account]
	if a == nil {
		a = &accountHolds{byID: make(map[string]hold, 1)}
		h.byAccount[account] = a
	}
	a.byID[id] = hold{amount: amount, expires: expires}
	a.sum += amount
	if a.first.IsZero() || expires.Before(a.first) {
		a.first = expires
	}
}

// remove takes id's hold off account and returns it; the caller holds
// h.mu and opened the account.
func (h *holds) remove(account, id string) (hold, bool) {
	a := h.byAccount[account]
	if a == nil {
		return hold{}, false
	}
	ho, ok := a.byID[id]
	if !ok {
		return hold{}, false
	}
	delete(a.byID, id)
	a.sum -= ho.amount
	if len(a.byID) == 0 {
		delete(h.byAccount, account)
	}
	return ho, true
}

func (h *holds) sweep(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for account := range h.byAccount {
		h.open(account, now)
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
	a := h.open(account, now)
	sum := a.held()
	if a.has(id) {
		return gateway.Reservation{Granted: true, Held: sum}, nil
	}
	if sum+amount > limit {
		return gateway.Reservation{Held: sum}, nil
	}
	h.place(account, id, amount, now.Add(ttl))
	return gateway.Reservation{Granted: true, Held: sum + amount}, nil
}

// Release removes a hold and returns its amount; see gateway.Cache.
func (c *Cache) Release(_ context.Context, account, id string) (gateway.Micros, bool, error) {
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open(account, c.clock.Now())
	ho, ok := h.remove(account, id)
	return ho.amount, ok, nil
}

// Held returns the sum of the account's open holds.
func (c *Cache) Held(_ context.Context, account string) (gateway.Micros, error) {
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open(account, c.clock.Now()).held(), nil
}
