package gateway

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults of the billing settings in Config.
const (
	// DefaultHoldTTL is how long a hold lasts when its request never
	// settles (its instance died): long enough for the longest stream.
	DefaultHoldTTL = 30 * time.Minute
	// DefaultHoldOutput is the output a request that sets no limit is held
	// for, in tokens.
	DefaultHoldOutput = 8192
)

// estimate is what a request may use, guessed before the call: the size
// of its prompt and the most output it asked for (0 when it set none).
type estimate struct {
	promptBytes int64
	output      int64
}

// tokens is the estimate the limits take: a token per four bytes of
// prompt, plus the output asked for.
func (e estimate) tokens() int64 { return e.promptBytes/4 + 1 + e.output }

// holdUsage is the usage a hold covers: a token per three bytes of prompt
// (text in most scripts tokenizes at more than that; CJK at about one
// token per three-byte character), plus the output asked for, or
// fallback (the model's output limit) when the request set no limit.
func (e estimate) holdUsage(fallback int64) Usage {
	out := e.output
	if out <= 0 {
		out = fallback
	}
	return Usage{PromptTokens: int(min(e.promptBytes/3+1, 1<<31-1)), CompletionTokens: int(min(out, 1<<31-1))}
}

// chatEstimate is the estimate of a chat request.
func chatEstimate(req *ChatRequest) estimate {
	e := estimate{promptBytes: int64(len(req.promptText()))}
	switch {
	case req.MaxCompletionTokens != nil:
		e.output = int64(*req.MaxCompletionTokens)
	case req.MaxTokens != nil:
		e.output = int64(*req.MaxTokens)
	}
	return e
}

// hold places holds for the most the request may cost, before any
// upstream call: on each capped period of the account's and the key's
// budgets, then, for a prepaid account, on its balance. CodeNoCredits
// (402) when one does not fit: insufficient_quota for the balance,
// budget_exceeded naming the budget; CodeUnavailable when the Cache
// cannot say. A model without prices costs nothing and needs no hold.
// What was held before a refusal is released when the request finishes.
func (g *Gateway) hold(ctx context.Context, c *Caller, in *inflight, est estimate) error {
	most := g.mostCost(c, in, est)
	if most <= 0 {
		return nil
	}
	if err := g.holdBudgets(ctx, c, in, most); err != nil {
		return err
	}
	if !c.Account.Prepaid {
		return nil
	}
	seed := g.snapshot().balances[c.Account.ID]
	granted, f, err := g.cache.HoldFunds(ctx, c.Account.ID, in.rec.ID, most, seed, g.cfg.HoldTTL)
	if err != nil {
		return balanceUnknown(err)
	}
	if !granted {
		return insufficientCredits(most, f)
	}
	in.holds = append(in.holds, heldFunds{funds: c.Account.ID, seed: seed, ledger: true})
	in.rec.Prepaid = true
	return nil
}

// mostCost is the most the request may cost, which its holds cover: at
// the dearest price among the providers that may serve it (a provider's
// own catalog entry prices what it serves), since the charge is at the
// price of the one that does. 0 when it needs none: a model without
// prices, or an account that is neither prepaid nor under a budget.
func (g *Gateway) mostCost(c *Caller, in *inflight, est estimate) Micros {
	if in.model == nil || (!c.Account.Prepaid && c.Account.Budget.IsZero() && (c.Key == nil || c.Key.Budget.IsZero())) {
		return 0
	}
	cost := func(m *Model) Micros {
		out := m.MaxOutput
		if out <= 0 {
			out = in.model.MaxOutput
		}
		if out <= 0 {
			out = g.cfg.HoldOutput
		}
		return max(m.Prices.Cost(est.holdUsage(out)), 0)
	}
	if len(in.chain) == 0 {
		return cost(in.model)
	}
	snap := g.snapshot()
	var most Micros
	for _, h := range in.chain {
		most = max(most, cost(snap.pricedModel(h.target.provider.ID, in.model)))
	}
	return most
}

func balanceUnknown(err error) error {
	return &Error{Code: CodeUnavailable, Message: "the credit balance cannot be checked now", Err: err}
}

func insufficientCredits(most Micros, f Funds) error {
	return &Error{Code: CodeNoCredits, Type: "insufficient_quota", Message: fmt.Sprintf(
		"insufficient credits: this request may cost up to %s, and the balance less open holds is %s",
		most.String(), (f.Balance - f.Held).String())}
}

// heldFunds are funds a request holds: an account's balance (ledger set:
// its charge is written to the ledger) or a budget period's remainder,
// which the Cache starts from seed and forgets after expires.
type heldFunds struct {
	funds   string
	seed    Micros
	ledger  bool
	expires time.Time
}

// String formats micros as credits with six decimals: "1.250000".
func (m Micros) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%06d", sign, m/1_000_000, m%1_000_000)
}

// settlement is a request to settle: its exact cost taken from the
// balance in place of its hold, then written to the ledger.
type settlement struct {
	heldFunds
	request string
	cost    Micros
	at      time.Time
}

// biller settles requests and writes their ledger entries off the request
// path, in order, retrying what fails: a settlement the Cache has not
// taken yet, or an entry the Store has not, is kept until it has. The
// Cache's settlement is idempotent by request, and the ledger's append
// by entry ID, so a retry never charges twice.
type biller struct {
	g       *Gateway
	working sync.Mutex // one work at a time: the worker's, or a Flush's
	mu      sync.Mutex
	queued  []settlement
	entries []*LedgerEntry
	credits []credit // ledger entries written whose balance the Cache has yet to take
	// creditMu makes the writing of a credit to the Store and its
	// addition to the Cache's balance one at a time, so that unadded (by
	// account, the credits the Store counts and the Cache does not yet)
	// is what a balance seeded from the Store must leave out.
	creditMu sync.Mutex
	unadded  map[string]Micros
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// ledgerGather is how long the biller lets settlements gather before it
// writes their ledger entries.
const ledgerGather = 20 * time.Millisecond

func newBiller(g *Gateway) *biller {
	b := &biller{g: g, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), unadded: map[string]Micros{}}
	go b.run()
	return b
}

// record queues a ledger entry the Store failed to write, for a retry;
// the Store skips it if the failure was a lost reply.
func (b *biller) record(e *LedgerEntry) {
	b.mu.Lock()
	b.entries = append(b.entries, e)
	b.mu.Unlock()
	b.poke()
}

// poke wakes the worker, if it sleeps.
func (b *biller) poke() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// settle queues a settlement; it never blocks.
func (b *biller) settle(s settlement) {
	b.mu.Lock()
	b.queued = append(b.queued, s)
	b.mu.Unlock()
	b.poke()
}

// settled queues the ledger entry of a settlement the Cache made (in a
// Cache.Finish); it never blocks.
func (b *biller) settled(s settlement, charged Micros, first bool) {
	if b.entry(s, charged, first) {
		b.poke()
	}
}

// entry queues the ledger entry of a settlement the Cache made and
// reports whether there was one to write: a charge of nothing writes
// nothing. A settlement the Cache had made already (first false) still
// writes it, with the charge the Cache remembers: that is a retry after
// a reply was lost, whose entry may never have been queued, and the
// Store skips an entry it has.
func (b *biller) entry(s settlement, charged Micros, first bool) bool {
	if charged < s.cost && first {
		b.g.cfg.Logger.Error("request cost more than the balance held for it", "request", s.request,
			"account", s.funds, "cost", s.cost.String(), "charged", charged.String())
	}
	if charged <= 0 {
		return false
	}
	b.mu.Lock()
	b.entries = append(b.entries, &LedgerEntry{ID: UsageEntryID(s.request), AccountID: s.funds, Kind: EntryUsage,
		Amount: -charged, Actor: "system", RequestID: s.request, Time: s.at})
	b.mu.Unlock()
	return true
}

// run works the queue until stopped, then once more.
func (b *biller) run() {
	defer close(b.done)
	retry := time.NewTicker(time.Second)
	defer retry.Stop()
	last := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = b.work(ctx)
		cancel()
	}
	for {
		select {
		case <-b.stop:
			last()
			return
		case <-b.wake:
			// A moment for the requests finishing around this one, so
			// that a burst's entries go to the Store in one transaction
			// rather than one each. The Cache has the balance already.
			select {
			case <-b.stop:
				last()
				return
			case <-time.After(ledgerGather):
			}
		case <-retry.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := b.work(ctx); err != nil {
			b.g.cfg.Logger.Warn("settlements kept for a retry", "err", err)
		}
		cancel()
	}
}

// work settles what is queued and writes the entries made; it returns the
// first failure, leaving the rest queued.
func (b *biller) work(ctx context.Context) error {
	b.working.Lock()
	defer b.working.Unlock()
	if err := b.addCredits(ctx); err != nil {
		return err
	}
	b.mu.Lock()
	queued := b.queued
	b.queued = nil
	b.mu.Unlock()
	var failed []settlement
	var firstErr error
	for i, s := range queued {
		charged, first, err := b.g.cache.SettleFunds(ctx, s.funds, s.request, s.cost, s.seed)
		if err == nil && !s.expires.IsZero() {
			err = b.g.cache.ExpireFunds(ctx, s.funds, s.expires.Add(time.Hour))
		}
		if err != nil {
			failed = append(failed, queued[i:]...)
			firstErr = err
			break
		}
		if s.ledger {
			b.entry(s, charged, first)
		}
	}
	b.mu.Lock()
	b.queued = append(failed, b.queued...)
	entries := b.entries
	b.mu.Unlock()
	if len(entries) > 0 {
		if _, err := b.g.store.AppendEntries(ctx, entries); err != nil {
			return errors.Join(firstErr, err)
		}
		b.mu.Lock()
		b.entries = b.entries[len(entries):]
		b.mu.Unlock()
	}
	return firstErr
}

// pending reports how many settlements, entries and credits wait.
func (b *biller) pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queued) + len(b.entries) + len(b.credits)
}

// close stops the worker after a last pass and reports what it could not
// finish.
func (b *biller) close() error {
	close(b.stop)
	<-b.done
	if n := b.pending(); n > 0 {
		return Errorf(CodeInternal, "%d settlements or ledger entries could not be written", n)
	}
	return nil
}
