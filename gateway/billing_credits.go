package gateway

import "context"

// Credits (an admin's grant, a refund, a coupon) are written to the
// Store first and then added to the balance in the Cache, once by their
// ledger entry's ID. An account the Cache has no balance for is seeded
// from the Store's figure, which already counts every credit written and
// not yet added: the biller keeps those by account (unadded), and seeds
// the balance at the Store's figure less them, so that none is counted
// twice. Writing a credit and adding one to the Cache take turns
// (creditMu), which keeps unadded and the Store's figure in step.

// credit is an amount the ledger gave an account and the Cache has not
// yet added to its balance.
type credit struct {
	account string
	id      string // its ledger entry's, which makes it once in the Cache
	amount  Micros
}

// writeCredit runs write, which writes a credit to account's ledger in
// the Store as entry id and returns its amount (0 for none), then adds
// the credit to the account's balance in the Cache, now or, if the
// Cache fails, at a retry. Until it is added it counts as unadded. The
// Cache adds it once by its id, so a retry after a lost reply adds
// nothing.
func (b *biller) writeCredit(ctx context.Context, account, id string, write func() (Micros, error)) error {
	amount, err := b.register(account, write)
	if err != nil || amount <= 0 {
		return err
	}
	c := credit{account, id, amount}
	if b.addCredit(ctx, c) == nil {
		return nil
	}
	b.mu.Lock()
	b.credits = append(b.credits, c)
	b.mu.Unlock()
	b.poke()
	return nil
}

// register runs write and counts the credit it wrote as unadded, in turn
// with seeds and addCredit.
func (b *biller) register(account string, write func() (Micros, error)) (Micros, error) {
	b.creditMu.Lock()
	defer b.creditMu.Unlock()
	amount, err := write()
	if err == nil && amount > 0 {
		b.unadded[account] += amount
	}
	return amount, err
}

// seeds returns the Store's balances less the credits not yet added to
// the Cache: what a balance the Cache does not have starts from, in a
// Snapshot or a seed, so that a credit added after counts once. Read in
// turn with the writing of credits, it counts exactly those registered.
func (b *biller) seeds(ctx context.Context) (map[string]Micros, error) {
	b.creditMu.Lock()
	defer b.creditMu.Unlock()
	bs, err := b.g.store.Balances(ctx)
	if err != nil || len(b.unadded) == 0 {
		return bs, err
	}
	out := make(map[string]Micros, len(bs)+len(b.unadded)) // the Store's map may be its own
	for acct, bal := range bs {
		out[acct] = bal
	}
	for acct, amount := range b.unadded {
		out[acct] -= amount
	}
	return out, nil
}

// addCredits gives the Cache the credits it has not taken, in order,
// keeping the rest when it fails.
func (b *biller) addCredits(ctx context.Context) error {
	b.mu.Lock()
	credits := b.credits
	b.credits = nil
	b.mu.Unlock()
	for i, c := range credits {
		if err := b.addCredit(ctx, c); err != nil {
			b.mu.Lock()
			b.credits = append(credits[i:], b.credits...)
			b.mu.Unlock()
			return err
		}
	}
	return nil
}

// addCredit gives the Cache one credit. For an account the Cache has no
// balance for, the seed is the Store's balance less the credits unadded,
// this one among them, which the Store already counts: one atomic
// CreditFunds then either starts the balance there and adds the credit,
// or, when a request seeded it in the meantime (from a snapshot older
// than the credit), adds the credit to that.
func (b *biller) addCredit(ctx context.Context, c credit) error {
	b.creditMu.Lock()
	defer b.creditMu.Unlock()
	f, err := b.g.cache.GetFunds(ctx, c.account)
	if err != nil {
		return err
	}
	var seed Micros
	if !f.Known {
		bs, err := b.g.store.Balances(ctx)
		if err != nil {
			return err
		}
		seed = bs[c.account] - b.unadded[c.account]
	}
	if _, _, err = b.g.cache.CreditFunds(ctx, c.account, c.id, c.amount, seed); err != nil {
		return err
	}
	if b.unadded[c.account] -= c.amount; b.unadded[c.account] <= 0 {
		delete(b.unadded, c.account)
	}
	return nil
}
