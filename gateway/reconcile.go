package gateway

import (
	"context"
	"errors"
	"time"
)

// reconcileSpan is how far back Reconcile looks for requests whose
// settlement was lost, beyond the hold's lifetime.
const reconcileSpan = 6 * time.Hour

// Reconcile settles the prepaid requests whose settlement was lost: an
// instance that died between a request's end and its settlement (the
// biller's queue is in memory) still wrote the request's record, since
// records spill to disk and come back. For every record of a request
// that held its prepaid account's balance (RequestRecord.Prepaid: not
// one the account made while it was metered) with a cost, older than
// HoldTTL (its hold has lapsed, so its request is over) and at most
// reconcileSpan older, that has no usage entry, it charges the recorded cost (idempotent by request in the
// Cache, at most down to zero) and appends a hold_expiry entry under the
// usage entry's ID, so a late settlement never charges again. It returns
// how many it settled. Hosts run it on a schedule on one instance (see
// RunReconciler); running it twice changes nothing.
func (g *Gateway) Reconcile(ctx context.Context) (int, error) {
	snap := g.snapshot()
	until := g.clock.Now().Add(-g.cfg.HoldTTL)
	f := RecordFilter{Since: until.Add(-reconcileSpan), Until: until, Limit: 1000}
	settled := 0
	for {
		recs, err := g.store.ListRecords(ctx, f)
		if err != nil {
			return settled, err
		}
		for _, r := range recs {
			acct, ok := snap.accounts[r.AccountID]
			if !ok || !acct.Prepaid || !r.Prepaid || r.Cost <= 0 {
				continue
			}
			n, err := g.reconcile(ctx, r, snap.balances[r.AccountID])
			if err != nil {
				return settled, err
			}
			settled += n
		}
		if len(recs) < f.Limit {
			return settled, nil
		}
		last := recs[len(recs)-1]
		f.Before = &RecordCursor{Time: last.Time, ID: last.ID}
	}
}

// reconcile settles one record if its usage entry is missing.
func (g *Gateway) reconcile(ctx context.Context, r *RequestRecord, seed Micros) (int, error) {
	_, err := g.store.GetEntry(ctx, UsageEntryID(r.ID))
	if err == nil {
		return 0, nil // settled
	}
	if !IsCode(err, CodeNotFound) {
		return 0, err
	}
	charged, _, err := g.cache.SettleFunds(ctx, r.AccountID, r.ID, r.Cost, seed)
	if err != nil {
		return 0, err
	}
	// When !first, the Cache had settled it and the entry was lost with
	// its instance: the balance moved by what the Cache says it took, so
	// the ledger must say so too.
	if charged <= 0 {
		return 0, nil
	}
	e := &LedgerEntry{ID: UsageEntryID(r.ID), AccountID: r.AccountID, Kind: EntryHoldExpiry, Amount: -charged,
		Actor: "system", Reason: "settled after its hold lapsed", RequestID: r.ID, Time: g.clock.Now()}
	if _, err := g.store.AppendEntries(ctx, []*LedgerEntry{e}); err != nil {
		return 0, err
	}
	return 1, nil
}

// RunReconciler calls Reconcile every interval until ctx ends, on the one
// instance that takes each interval's turn, logging what it settled.
func (g *Gateway) RunReconciler(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		rctx, cancel := context.WithTimeout(ctx, interval)
		turn, err := g.cache.Incr(rctx, "reconcile:{turn}:"+g.clock.Now().Truncate(interval).Format(time.RFC3339), 1, 2*interval)
		if err == nil && turn == 1 {
			var n int
			n, err = g.Reconcile(rctx)
			if n > 0 {
				g.cfg.Logger.Warn("settled requests whose settlement was lost", "requests", n)
			}
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			g.cfg.Logger.Error("reconcile holds", "err", err)
		}
		cancel()
	}
}
