package gateway

import (
	"context"
	"errors"
)

// enter admits a request and holds what it may cost, in as few Cache
// round trips as the configuration allows: one Cache.Admit takes the
// key's and the account's limits, their concurrency leases and, for a
// prepaid account, the balance's hold, all or none. The gateway-wide
// limits (another hash tag) and spend budgets (funds of their own) cost a
// round trip each, when they are set. When the Cache fails, the request
// goes the long way (admit, then hold), where limits have their fallback.
// Errors are as admit's and hold's.
func (g *Gateway) enter(ctx context.Context, c *Caller, in *inflight, est estimate) error {
	tagged, global := g.scopes(c)
	estimate := est.tokens()
	most := g.mostCost(c, in, est)
	lbs := bucketsFor(tagged, estimate)
	t := Ticket{ID: in.rec.ID, LeaseTTL: g.limiter.lease, Buckets: make([]Bucket, len(lbs))}
	for i, lb := range lbs {
		t.Buckets[i] = lb.Bucket
	}
	for _, s := range tagged {
		if s.limits.Concurrent > 0 {
			if t.Leases == nil {
				t.Leases = make([]Lease, 0, len(tagged))
			}
			t.Leases = append(t.Leases, Lease{Key: s.prefix + "cc", Limit: s.limits.Concurrent})
		}
	}
	var funds *heldFunds
	if most > 0 && c.Account.Prepaid {
		seed := g.snapshot().balances[c.Account.ID]
		t.Funds = &TicketFunds{Account: c.Account.ID, Amount: most, Seed: seed, TTL: g.cfg.HoldTTL}
		funds = &heldFunds{funds: c.Account.ID, seed: seed, ledger: true}
	}
	if len(t.Buckets) == 0 && len(t.Leases) == 0 && t.Funds == nil {
		if err := g.admit(ctx, c, in, estimate); err != nil {
			return err
		}
		return g.hold(ctx, c, in, est)
	}
	a, err := g.cache.Admit(ctx, t)
	if err == nil && g.remote && mayGiveBack(a, lbs) && g.late.await(ctx, c.Account.ID) {
		// What refused it may be what the account's late finishes give
		// back (see RemoteCache): ask again once they have.
		a, err = g.cache.Admit(ctx, t)
	}
	if err != nil && !IsCode(err, CodeInvalid) {
		g.cfg.Logger.Warn("the cache failed to admit a request; taking the long way", "err", err)
		if err := g.admit(ctx, c, in, estimate); err != nil {
			return err
		}
		return g.hold(ctx, c, in, est)
	}
	if err != nil {
		return err
	}
	status := &RateStatus{}
	c.RateStatus = status
	status.observe(lbs, a.Remaining)
	adm := &admission{}
	in.adm = adm
	switch {
	case a.Allowed:
	case a.Refused >= 0 && a.Refused < len(lbs):
		in.rec.LimitedBy = lbs[a.Refused].dim
		return rateLimited(lbs[a.Refused].name(), a.RetryAfter)
	case a.Lease >= 0:
		in.rec.LimitedBy = "concurrent"
		return concurrencyLimited(leaseScope(tagged, a.Lease))
	case a.Broke:
		return insufficientCredits(most, a.Funds)
	default:
		return Internal(errors.New("the cache refused a ticket without saying why"))
	}
	g.limiter.ok()
	adm.ticket, adm.funds = &t, funds
	in.rec.Prepaid = funds != nil
	for _, lb := range lbs {
		if lb.tokens {
			if adm.ticketTokens == nil {
				adm.ticketTokens = make([]Bucket, 0, len(lbs))
			}
			adm.ticketTokens = append(adm.ticketTokens, lb.Bucket)
		}
	}
	if err := g.takeGroups(ctx, in, status, [][]scope{{global}}, estimate); err != nil {
		adm.giveBack = requestBuckets(lbs)
		return err
	}
	if most > 0 {
		if err := g.holdBudgets(ctx, c, in, most); err != nil {
			adm.giveBack = requestBuckets(lbs)
			return err
		}
	}
	return nil
}

// mayGiveBack reports whether a refusal is of what a Finish gives back:
// a lease, credit, or tokens (a request that used fewer than its
// estimate). Request counts are not given back, so a client over its
// request rate is refused at once, at one round trip.
func mayGiveBack(a Admission, lbs []limitBucket) bool {
	if a.Allowed {
		return false
	}
	return a.Refused < 0 || a.Refused >= len(lbs) || lbs[a.Refused].tokens
}

// leaseScope is the scope of the i-th lease of a ticket made of scopes.
func leaseScope(scopes []scope, i int) scope {
	for _, s := range scopes {
		if s.limits.Concurrent == 0 {
			continue
		}
		if i == 0 {
			return s
		}
		i--
	}
	return scope{kind: "the caller"}
}

// requestBuckets are the request-count buckets of lbs.
func requestBuckets(lbs []limitBucket) []Bucket {
	var out []Bucket
	for _, lb := range lbs {
		if !lb.tokens {
			out = append(out, lb.Bucket)
		}
	}
	return out
}

// leave ends what enter's ticket began, in one Cache.Finish: the token
// buckets are corrected to the tokens used (and a request refused after
// the ticket gives its request units back), the leases are given back
// and the balance's hold is settled at cost, whose ledger entry the
// biller then writes. When the Cache fails, the settlement goes to the
// biller, which retries it; the leases lapse by themselves. On a
// RemoteCache the Finish runs after the answer is on its way.
func (g *Gateway) leave(ctx context.Context, in *inflight, cost Micros) {
	adm := in.adm
	if adm == nil || adm.ticket == nil {
		return
	}
	adjust := shifted(make([]Bucket, 0, len(adm.ticketTokens)+len(adm.giveBack)), adm.ticketTokens, int64(in.rec.Usage.TotalTokens))
	adjust = shifted(adjust, adm.giveBack, 0)
	s := settlement{request: in.rec.ID, cost: cost, at: in.rec.Time}
	if adm.funds != nil {
		s.heldFunds = *adm.funds
	}
	if g.remote {
		// The answer need not wait for this round trip; see RemoteCache.
		g.late.start(in.rec.AccountID, func() {
			ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
			defer cancel()
			g.finishTicket(ctx, adm, adjust, s)
		})
		return
	}
	g.finishTicket(ctx, adm, adjust, s)
}

// finishTicket makes leave's Cache.Finish and hands the settlement to
// the biller.
func (g *Gateway) finishTicket(ctx context.Context, adm *admission, adjust []Bucket, s settlement) {
	charged, first, err := g.cache.Finish(ctx, *adm.ticket, adjust, s.cost)
	if err != nil {
		g.cfg.Logger.Warn("the cache failed to finish a request; its leases lapse by themselves", "request", s.request, "err", err)
		if adm.funds != nil {
			g.biller.settle(s)
		}
		return
	}
	if adm.funds != nil {
		g.biller.settled(s, charged, first)
	}
}
