package memory

import (
	"context"

	"github.com/tollgate-ai/tollgate/gateway"
)

// Admit takes the ticket's buckets, leases and funds, all or none; see
// gateway.Cache. Leases are holds of 1 on their key, as Reserve places
// them, so Release frees one too.
func (c *Cache) Admit(_ context.Context, t gateway.Ticket) (gateway.Admission, error) {
	if err := checkTicket(t); err != nil {
		return gateway.Admission{}, err
	}
	now := c.clock.Now()
	l, h := &c.limiters, &c.holds
	l.mu.Lock()
	defer l.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	a := l.take(now, t.Buckets, false)
	if !a.Allowed {
		return a, nil
	}
	for i, ls := range t.Leases {
		held := h.open(ls.Key, now)
		if !held.has(t.ID) && held.held()+1 > gateway.Micros(ls.Limit) {
			a.Allowed, a.Lease = false, i
			return a, nil
		}
	}
	if f := t.Funds; f != nil {
		bal := c.balance(f.Account, f.Seed)
		held := h.open(f.Account, now)
		if !held.has(t.ID) && held.held()+f.Amount > bal {
			a.Allowed, a.Broke = false, true
			a.Funds = gateway.Funds{Balance: bal, Held: held.held(), Known: true}
			return a, nil
		}
		_, a.Funds = c.holdFunds(f.Account, t.ID, f.Amount, f.Seed, now.Add(f.TTL))
	}
	for _, ls := range t.Leases {
		if !h.open(ls.Key, now).has(t.ID) {
			h.place(ls.Key, t.ID, 1, now.Add(t.LeaseTTL))
		}
	}
	a.Remaining = l.take(now, t.Buckets, true).Remaining
	return a, nil
}

// Finish gives back what Admit took and settles the funds; see
// gateway.Cache.
func (c *Cache) Finish(_ context.Context, t gateway.Ticket, adjust []gateway.Bucket, cost gateway.Micros) (gateway.Micros, bool, error) {
	for _, b := range adjust {
		if err := checkBucket(b, false); err != nil {
			return 0, false, err
		}
	}
	if cost < 0 {
		return 0, false, gateway.Invalid("cost", "a cost must not be negative")
	}
	now := c.clock.Now()
	l, h := &c.limiters, &c.holds
	l.mu.Lock()
	defer l.mu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	l.adjust(now, adjust)
	for _, ls := range t.Leases {
		h.open(ls.Key, now)
		h.remove(ls.Key, t.ID)
	}
	if t.Funds == nil {
		return 0, false, nil
	}
	charged, first := c.settleFunds(t.Funds.Account, t.ID, cost, t.Funds.Seed, now)
	return charged, first, nil
}

// checkTicket validates a ticket as Take, Reserve and HoldFunds would.
func checkTicket(t gateway.Ticket) error {
	for _, b := range t.Buckets {
		if err := checkBucket(b, true); err != nil {
			return err
		}
	}
	if len(t.Leases) > 0 && t.LeaseTTL <= 0 {
		return gateway.Invalid("lease_ttl", "a lease's ttl must be positive")
	}
	if f := t.Funds; f != nil {
		if f.Amount <= 0 {
			return gateway.Invalid("amount", "a hold's amount must be positive")
		}
		if f.TTL <= 0 {
			return gateway.Invalid("ttl", "a hold's ttl must be positive")
		}
	}
	return nil
}
