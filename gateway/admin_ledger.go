package gateway

import (
	"context"
	"time"
	"unicode/utf8"
)

// MinReasonLength is the shortest reason a grant or adjustment takes, so
// that every change of a balance can be traced to a cause a person wrote.
const MinReasonLength = 10

// Credit asks for a change of an account's balance by an admin.
type Credit struct {
	AccountID string
	// Kind is EntryGrant, EntryPurchase or EntryRefund (an amount given
	// back without a request; Amount > 0), or EntryAdjustment (either
	// sign, never below zero).
	Kind   EntryKind
	Amount Micros
	Actor  string
	Reason string
}

// Credit changes a balance and writes the ledger entry for it. A credit
// (Amount > 0) is written to the Store first and then added to the
// balance in the Cache, once by the entry's ID, now or, should the Cache
// fail, at a retry: a credit the Store refuses never reaches the balance.
// A debit is taken from the balance in the Cache first (atomically
// refusing one past zero, and once by the entry's ID, so a retry after a
// lost reply finds it taken) and its entry then written, now or, should
// the Store fail, at a retry (the Store skips an entry it has): a debit
// once taken is never given back nor lost from the ledger. CodeInvalid for a
// bad amount, kind or reason (the field named), including a debit the
// balance does not cover; CodeNotFound for an unknown account.
func (a *Admin) Credit(ctx context.Context, c Credit) (*LedgerEntry, error) {
	switch {
	case c.Kind != EntryGrant && c.Kind != EntryPurchase && c.Kind != EntryRefund && c.Kind != EntryAdjustment:
		return nil, Invalid("kind", "kind must be grant, purchase, refund or adjustment")
	case c.Amount == 0, c.Amount < 0 && c.Kind != EntryAdjustment:
		return nil, Invalid("amount", "amount must be positive (an adjustment may be negative, never zero)")
	case utf8.RuneCountInString(c.Reason) < MinReasonLength:
		return nil, Invalid("reason", "reason must be at least %d characters", MinReasonLength)
	}
	if _, err := a.g.store.GetAccount(ctx, c.AccountID); err != nil {
		return nil, err
	}
	if c.Kind == EntryGrant {
		if err := a.checkGrantCaps(ctx, c); err != nil {
			return nil, err
		}
	}
	e := &LedgerEntry{ID: a.g.ids.NewID("led_"), AccountID: c.AccountID, Kind: c.Kind, Amount: c.Amount,
		Actor: c.Actor, Reason: c.Reason, Time: a.g.clock.Now()}
	if c.Amount > 0 {
		err := a.g.biller.writeCredit(ctx, c.AccountID, e.ID, func() (Micros, error) {
			_, err := a.g.store.AppendEntries(ctx, []*LedgerEntry{e})
			return c.Amount, err
		})
		if err != nil {
			return nil, err
		}
		return e, nil
	}
	seed, err := a.storedBalance(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	bal, ok, err := a.debit(ctx, e, seed)
	if err != nil {
		return nil, &Error{Code: CodeUnavailable, Message: "the credit balance cannot be changed now", Err: err}
	}
	if !ok {
		return nil, Invalid("amount", "the balance is %s: a debit of %s would take it below zero", bal.String(), (-c.Amount).String())
	}
	if _, err := a.g.store.AppendEntries(ctx, []*LedgerEntry{e}); err != nil {
		a.g.cfg.Logger.Warn("ledger entry kept for a retry", "entry", e.ID, "account", e.AccountID, "err", err)
		a.g.biller.record(e)
	}
	return e, nil
}

// debitTries is how many times debit asks the Cache.
const debitTries = 3

// debit takes e's debit from the balance in the Cache, asking again after
// a failure: the Cache takes it once by e's ID, so a retry after a lost
// reply does not take it twice, and finds it taken. When every try fails
// the last one may still have been taken, which is logged with the
// entry for a person to check.
func (a *Admin) debit(ctx context.Context, e *LedgerEntry, seed Micros) (Micros, bool, error) {
	var err error
	for range debitTries {
		var bal Micros
		var ok bool
		if bal, ok, err = a.g.cache.DebitFunds(ctx, e.AccountID, e.ID, -e.Amount, seed); err == nil {
			return bal, ok, nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	a.g.cfg.Logger.Error("a debit may have been taken from the balance without its ledger entry", "entry", e.ID,
		"account", e.AccountID, "amount", (-e.Amount).String(), "err", err)
	return 0, false, err
}

// checkGrantCaps refuses a grant past the caps in the settings, naming
// what is left of the actor's allowance. Two grants at the same moment
// may together pass the daily cap by one of them: the check reads the
// ledger, it does not lock it.
func (a *Admin) checkGrantCaps(ctx context.Context, c Credit) error {
	s, err := a.Settings(ctx)
	if err != nil {
		return err
	}
	caps := s.Grants
	if caps.PerGrant > 0 && c.Amount > caps.PerGrant {
		return Invalid("amount", "a grant may be at most %s", caps.PerGrant.String())
	}
	if caps.PerActorPerDay <= 0 {
		return nil
	}
	now := a.g.clock.Now()
	sums, err := a.g.store.SummarizeLedger(ctx, LedgerFilter{Kind: EntryGrant, Actor: c.Actor, Since: now.Add(-24 * time.Hour)})
	if err != nil {
		return err
	}
	var granted Micros
	for _, k := range sums {
		granted += k.Amount
	}
	if left := caps.PerActorPerDay - granted; c.Amount > left {
		return Invalid("amount", "%s may grant %s more in the next 24 hours (at most %s a day)", c.Actor, max(left, 0).String(),
			caps.PerActorPerDay.String())
	}
	return nil
}

// storedBalance is the Store's balance of an account (0 without
// entries), less the credits the Cache has yet to add: a seed.
func (a *Admin) storedBalance(ctx context.Context, account string) (Micros, error) {
	bs, err := a.g.biller.seeds(ctx)
	if err != nil {
		return 0, err
	}
	return bs[account], nil
}

// Balance is an account's credit position.
type Balance struct {
	AccountID string
	Prepaid   bool
	// Balance is what the account holds; Held what its requests in
	// flight may still cost; Available the difference.
	Balance, Held, Available Micros
	// Budgets are the account's capped periods and what is left of them.
	Budgets []BudgetUse
}

// BudgetUse is what is left of one capped period of a budget.
type BudgetUse struct {
	Period string // "daily" or "monthly"
	Cap    Micros
	// Left is the cap less what was spent and is held.
	Left Micros
	Ends time.Time
}

// Balance returns an account's balance and holds: the Cache's, which
// moves with every request, or the Store's while the Cache has none.
// CodeNotFound for an unknown account.
func (a *Admin) Balance(ctx context.Context, accountID string) (*Balance, error) {
	acct, err := a.g.store.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return a.g.balance(ctx, acct)
}

// Balance returns the caller's account's balance (GET /v1/balance).
func (g *Gateway) Balance(ctx context.Context, c *Caller) (*Balance, error) {
	return g.balance(ctx, c.Account)
}

func (g *Gateway) balance(ctx context.Context, acct *Account) (*Balance, error) {
	f, err := g.cache.GetFunds(ctx, acct.ID)
	if err != nil {
		return nil, &Error{Code: CodeUnavailable, Message: "the credit balance cannot be read now", Err: err}
	}
	if !f.Known {
		bs, err := g.store.Balances(ctx)
		if err != nil {
			return nil, err
		}
		f.Balance = bs[acct.ID]
	}
	b := &Balance{AccountID: acct.ID, Prepaid: acct.Prepaid, Balance: f.Balance, Held: f.Held, Available: f.Balance - f.Held}
	for _, p := range budgetPeriods(&Caller{Account: acct}, g.clock.Now()) {
		bf, err := g.cache.GetFunds(ctx, p.funds)
		if err != nil {
			return nil, &Error{Code: CodeUnavailable, Message: "the spend budget cannot be read now", Err: err}
		}
		left := p.cap
		if bf.Known {
			left = bf.Balance
		}
		b.Budgets = append(b.Budgets, BudgetUse{Period: p.period, Cap: p.cap, Left: max(left-bf.Held, 0), Ends: p.ends})
	}
	return b, nil
}

// Ledger returns ledger entries, newest first.
func (a *Admin) Ledger(ctx context.Context, f LedgerFilter) ([]*LedgerEntry, error) {
	return a.g.store.ListEntries(ctx, f)
}

// CheckLedger returns the accounts whose kept balance is not the sum of
// their entries (none, when all is well).
func (a *Admin) CheckLedger(ctx context.Context) ([]LedgerDrift, error) {
	return a.g.store.CheckLedger(ctx)
}

// Refund asks to give back what a request was charged.
type Refund struct {
	RequestID string
	// Amount is what to give back; zero means the whole charge. It may
	// not exceed the charge.
	Amount Micros
	Actor  string
	Reason string
}

// Refund gives back a request's charge, once: the refund entry (ID from
// the request) is appended first, so a second refund of the request is
// CodeConflict and changes nothing; then the balance is credited, and
// should the Cache not take it now, the credit is retried in the
// background until it does. CodeNotFound when the request was never
// charged; CodeInvalid for a bad amount or reason.
func (a *Admin) Refund(ctx context.Context, r Refund) (*LedgerEntry, error) {
	if utf8.RuneCountInString(r.Reason) < MinReasonLength {
		return nil, Invalid("reason", "reason must be at least %d characters", MinReasonLength)
	}
	usage, err := a.g.store.GetEntry(ctx, UsageEntryID(r.RequestID))
	if IsCode(err, CodeNotFound) {
		return nil, &Error{Code: CodeNotFound, Field: "request_id", Message: "request " + quote(r.RequestID) + " was not charged"}
	}
	if err != nil {
		return nil, err
	}
	charged := -usage.Amount
	amount := r.Amount
	if amount == 0 {
		amount = charged
	}
	if amount <= 0 || amount > charged {
		return nil, Invalid("amount", "amount must be between 1 and the %s the request was charged", charged.String())
	}
	e := &LedgerEntry{ID: RefundEntryID(r.RequestID), AccountID: usage.AccountID, Kind: EntryRefund, Amount: amount,
		Actor: r.Actor, Reason: r.Reason, RequestID: r.RequestID, Time: a.g.clock.Now()}
	var n int
	err = a.g.biller.writeCredit(ctx, usage.AccountID, e.ID, func() (Micros, error) {
		var err error
		if n, err = a.g.store.AppendEntries(ctx, []*LedgerEntry{e}); n == 0 {
			return 0, err // refunded already: nothing to add
		}
		return amount, err
	})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, &Error{Code: CodeConflict, Field: "request_id", Message: "request " + quote(r.RequestID) + " was refunded already"}
	}
	return e, nil
}

// LedgerSummary sums the entries f selects by kind.
func (a *Admin) LedgerSummary(ctx context.Context, f LedgerFilter) ([]KindTotal, error) {
	return a.g.store.SummarizeLedger(ctx, f)
}

// CreditResult is the outcome of one credit of a bulk call.
type CreditResult struct {
	AccountID string
	Entry     *LedgerEntry
	Err       error
}

// BulkCredit applies each credit on its own, in order, and reports each
// outcome: one refused does not stop the others.
func (a *Admin) BulkCredit(ctx context.Context, cs []Credit) []CreditResult {
	out := make([]CreditResult, len(cs))
	for i, c := range cs {
		e, err := a.Credit(ctx, c)
		out[i] = CreditResult{AccountID: c.AccountID, Entry: e, Err: err}
	}
	return out
}
