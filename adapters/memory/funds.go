package memory

import (
	"context"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// funds keeps the credit balances and the settled request ids; the
// holds on balances are in holds, under the account's ID. Both are
// guarded by holds.mu, so a settlement is one step.
type funds struct {
	balances map[string]gateway.Micros
	expires  map[string]time.Time   // balances to forget
	settled  map[string]settledMark // account + "\x00" + id
}

// settledMark remembers a settlement: what it took, and until when.
type settledMark struct {
	charged gateway.Micros
	until   time.Time
}

// balance returns the account's balance, starting it at seed; the caller
// holds c.holds.mu.
func (c *Cache) balance(account string, seed gateway.Micros) gateway.Micros {
	c.fundsMaps()
	c.expire(account, c.clock.Now())
	b, ok := c.funds.balances[account]
	if !ok {
		b = seed
		c.funds.balances[account] = b
	}
	return b
}

// expire forgets the account's balance and holds if their time is past;
// the caller holds c.holds.mu.
func (c *Cache) expire(account string, now time.Time) {
	if at, ok := c.funds.expires[account]; ok && !now.Before(at) {
		delete(c.funds.balances, account)
		delete(c.funds.expires, account)
		delete(c.holds.byAccount, account)
	}
}

// fundsMaps makes the maps of funds on first use; the caller holds
// c.holds.mu.
func (c *Cache) fundsMaps() {
	if c.funds.balances == nil {
		c.funds.balances = make(map[string]gateway.Micros)
		c.funds.settled = make(map[string]settledMark)
		c.funds.expires = make(map[string]time.Time)
	}
}

// HoldFunds places a hold when the balance minus the open holds covers
// it; see gateway.Cache.
func (c *Cache) HoldFunds(_ context.Context, account, id string, amount, seed gateway.Micros, ttl time.Duration) (bool, gateway.Funds, error) {
	if amount <= 0 {
		return false, gateway.Funds{}, gateway.Invalid("amount", "a hold's amount must be positive")
	}
	if ttl <= 0 {
		return false, gateway.Funds{}, gateway.Invalid("ttl", "a hold's ttl must be positive")
	}
	now := c.clock.Now()
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	granted, f := c.holdFunds(account, id, amount, seed, now.Add(ttl))
	return granted, f, nil
}

// SettleFunds removes the hold and takes cost from the balance, once per
// id; see gateway.Cache.
func (c *Cache) SettleFunds(_ context.Context, account, id string, cost, seed gateway.Micros) (gateway.Micros, bool, error) {
	if cost < 0 {
		return 0, false, gateway.Invalid("cost", "a cost must not be negative")
	}
	now := c.clock.Now()
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	charged, first := c.settleFunds(account, id, cost, seed, now)
	return charged, first, nil
}

// holdFunds is HoldFunds with the checks done; the caller holds
// c.holds.mu.
func (c *Cache) holdFunds(account, id string, amount, seed gateway.Micros, expires time.Time) (bool, gateway.Funds) {
	h := &c.holds
	bal := c.balance(account, seed)
	a := h.open(account, c.clock.Now())
	sum := a.held()
	if a.has(id) {
		return true, gateway.Funds{Balance: bal, Held: sum, Known: true}
	}
	if sum+amount > bal {
		return false, gateway.Funds{Balance: bal, Held: sum, Known: true}
	}
	h.place(account, id, amount, expires)
	return true, gateway.Funds{Balance: bal, Held: sum + amount, Known: true}
}

// settleFunds is SettleFunds with the checks done; the caller holds
// c.holds.mu.
func (c *Cache) settleFunds(account, id string, cost, seed gateway.Micros, now time.Time) (gateway.Micros, bool) {
	bal := c.balance(account, seed)
	c.holds.open(account, now)
	c.holds.remove(account, id)
	mark := account + "\x00" + id
	if m, ok := c.funds.settled[mark]; ok && now.Before(m.until) {
		return m.charged, false
	}
	charged := min(cost, max(bal, 0))
	c.funds.settled[mark] = settledMark{charged: charged, until: now.Add(gateway.SettleMemory)}
	c.funds.balances[account] = bal - charged
	return charged, true
}

// CreditFunds adds amount once per id; see gateway.Cache.
func (c *Cache) CreditFunds(_ context.Context, account, id string, amount, seed gateway.Micros) (gateway.Micros, bool, error) {
	if amount < 0 {
		return 0, false, gateway.Invalid("amount", "a credit must not be negative")
	}
	bal, first, _ := c.applyOnce(account, id, amount, seed)
	return bal, first, nil
}

// DebitFunds takes amount once per id, never below zero; see
// gateway.Cache.
func (c *Cache) DebitFunds(_ context.Context, account, id string, amount, seed gateway.Micros) (gateway.Micros, bool, error) {
	if amount < 0 {
		return 0, false, gateway.Invalid("amount", "a debit must not be negative")
	}
	bal, _, ok := c.applyOnce(account, id, -amount, seed)
	return bal, ok, nil
}

// applyOnce moves the balance by delta once per ledger entry id, never
// below zero: first when it moved it now, ok unless it was refused. Its
// marks live beside the settlements', apart by a prefix no request id
// has.
func (c *Cache) applyOnce(account, id string, delta, seed gateway.Micros) (bal gateway.Micros, first, ok bool) {
	now := c.clock.Now()
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	bal = c.balance(account, seed)
	mark := account + "\x00\x01applied:" + id
	if m, seen := c.funds.settled[mark]; seen && now.Before(m.until) {
		return bal, false, true
	}
	if bal+delta < 0 {
		return bal, false, false
	}
	c.funds.settled[mark] = settledMark{charged: delta, until: now.Add(gateway.SettleMemory)}
	c.funds.balances[account] = bal + delta
	return bal + delta, true, true
}

// GetFunds returns the balance and open holds; see gateway.Cache.
func (c *Cache) GetFunds(_ context.Context, account string) (gateway.Funds, error) {
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	c.fundsMaps()
	c.expire(account, c.clock.Now())
	sum := h.open(account, c.clock.Now()).held()
	bal, ok := c.funds.balances[account]
	return gateway.Funds{Balance: bal, Held: sum, Known: ok}, nil
}

// ExpireFunds forgets the account's balance and holds at at; see
// gateway.Cache.
func (c *Cache) ExpireFunds(_ context.Context, account string, at time.Time) error {
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	c.fundsMaps()
	if _, ok := c.funds.balances[account]; ok {
		c.funds.expires[account] = at
	}
	return nil
}

// sweepSettled forgets settled ids past SettleMemory, and balances past
// their expiry.
func (c *Cache) sweepSettled(now time.Time) {
	h := &c.holds
	h.mu.Lock()
	defer h.mu.Unlock()
	for a := range c.funds.expires {
		c.expire(a, now)
	}
	for k, m := range c.funds.settled {
		if !now.Before(m.until) {
			delete(c.funds.settled, k)
		}
	}
}
