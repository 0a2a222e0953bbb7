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
	a := l.check(now, t.Buckets)
	if !a.Allowed {
		return a, nil
	}
	place := make([]bool, len(t.Leases))
	for i, ls := range t.Leases {
		held := h.open(ls.Key, now)
		if held.has(t.ID) {
			continue // a retry: its lease is placed
		}
		if held.held()+1 > gateway.Micros(ls.Limit) {
			a.Allowed, a.Lease = false, i
			return a, nil
		}
		place[i] = true
	}
	if f := t.Funds; f != nil {
		// The last check, so that its refusal leaves nothing placed.
		var granted bool
		if granted, a.Funds = c.holdFunds(f.Account, t.ID, f.Amount, f.Seed, now.Add(f.TTL)); !granted {
			a.Allowed, a.Broke = false, true
			return a, nil
		}
	}
	for i, ls := range t.Leases {
		if place[i] {
			h.place(ls.Key, t.ID, 1, now.Add(t.LeaseTTL))
		}
	}
	l.apply(now, t.Buckets, a.Remaining)
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

// checkTicket validates a ticket's buckets as Take does, and the rest as
// gateway.Ticket.Validate.
func checkTicket(t gateway.Ticket) error {
	for _, b := range t.Buckets {
		if err := checkBucket(b, true); err != nil {
			return err
		}
	}
	return t.Validate()
}
