package gateway_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// prepaid sets up a priced model "m" ($1/M input, $2/M output: the fake
// upstream's 1000 + 500 tokens cost 2000 micros) and a prepaid account
// with balance, and returns a caller of it.
func (f *fixture) prepaid(t *testing.T, balance gateway.Micros) *gateway.Caller {
	t.Helper()
	ctx := context.Background()
	f.provider(t, "p", []string{"m"}, 1)
	if _, err := f.admin.PutModel(ctx, &gateway.Model{Name: "m", Prices: gateway.Prices{Input: 1_000_000, Output: 2_000_000}}); err != nil {
		t.Fatal(err)
	}
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "payer", Prepaid: true})
	if err != nil {
		t.Fatal(err)
	}
	if balance > 0 {
		if _, err := f.admin.Credit(ctx, gateway.Credit{AccountID: acct.ID, Kind: gateway.EntryGrant, Amount: balance, Actor: "admin", Reason: "opening balance"}); err != nil {
			t.Fatal(err)
		}
	}
	_, secret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.gw.Authenticate(secret, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// capped is a chat request whose hold (a token per 3 bytes of prompt plus
// max_tokens, at the model's prices) covers the fake upstream's usage:
// 3001 bytes of prompt hold 1001 tokens, and the fake reports 1000.
func capped() *gateway.ChatRequest {
	r := userChat("m", strings.Repeat("x", 3000))
	n := 500
	r.MaxTokens = &n
	return r
}

// settled waits for the biller to write the ledger entries.
func (f *fixture) settled(t *testing.T, account string, n int) []*gateway.LedgerEntry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		es, err := f.admin.Ledger(context.Background(), gateway.LedgerFilter{AccountID: account, Kind: gateway.EntryUsage})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) >= n || time.Now().After(deadline) {
			return es
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPrepaidRequestIsHeldThenChargedExactly(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 10_000)

	_, err := f.gw.Chat(ctx, c, capped())
	is.NoErr(err)
	es := f.settled(t, c.Account.ID, 1)
	is.Equal(len(es), 1)
	is.Equal(es[0].Amount, gateway.Micros(-2000)) // the exact cost, not the hold
	is.Equal(es[0].BalanceAfter, gateway.Micros(8000))
	is.Equal(es[0].RequestID, c.RequestID)
	is.Equal(es[0].ID, gateway.UsageEntryID(c.RequestID))

	b, err := f.admin.Balance(ctx, c.Account.ID)
	is.NoErr(err)
	is.Equal(*b, gateway.Balance{AccountID: c.Account.ID, Prepaid: true, Balance: 8000, Held: 0, Available: 8000})
	drift, err := f.admin.CheckLedger(ctx)
	is.NoErr(err)
	is.Equal(len(drift), 0)
}

func TestInsufficientCreditsCallsNoUpstream(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	c := f.prepaid(t, 1000) // the hold needs about 1,000 micros for 500 output tokens alone, plus the prompt
	_, err := f.gw.Chat(context.Background(), c, capped())
	e := gateway.AsError(err)
	is.Equal(e.Code, gateway.CodeNoCredits)
	is.Equal(e.Type, "insufficient_quota")
	is.Equal(len(f.fakes.get("p").callLog()), 0) // refused before any upstream call
	rs := f.records(t)
	is.Equal(rs[0].Code, gateway.CodeNoCredits)
}

func TestConcurrentPrepaidRequestsNeverOverdraw(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 0)
	// The hold of one request: 1001 prompt tokens at $1/M and 500 at $2/M.
	hold := (&gateway.Prices{Input: 1_000_000, Output: 2_000_000}).Cost(gateway.Usage{PromptTokens: 1001, CompletionTokens: 500})
	_, err := f.admin.Credit(ctx, gateway.Credit{AccountID: c.Account.ID, Kind: gateway.EntryGrant, Amount: 5 * hold, Actor: "admin", Reason: "exactly five holds"})
	is.NoErr(err)

	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, err := f.gw.Chat(ctx, again(c), capped())
			switch gateway.ErrorCode(err) {
			case "":
				ok.Add(1)
			case gateway.CodeNoCredits:
				refused.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	is.True(ok.Load() <= 5 && ok.Load() >= 1) // never more than the balance holds
	is.Equal(ok.Load()+refused.Load(), int64(20))
	es := f.settled(t, c.Account.ID, int(ok.Load()))
	is.Equal(int64(len(es)), ok.Load())
	b, err := f.admin.Balance(ctx, c.Account.ID)
	is.NoErr(err)
	is.True(b.Balance >= 0)
	is.Equal(b.Balance, 5*hold-gateway.Micros(ok.Load())*2000) // each charged its exact cost
	drift, err := f.admin.CheckLedger(ctx)
	is.NoErr(err)
	is.Equal(len(drift), 0)
}

func TestStreamClosedEarlyIsChargedWhatItDelivered(t *testing.T) {
	t.Parallel()
	t.Run("Next", func(t *testing.T) { testStreamClosedEarly(t, false) })
	t.Run("NextRaw", func(t *testing.T) { testStreamClosedEarly(t, true) })
}

func testStreamClosedEarly(t *testing.T, raw bool) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 10_000)
	req := capped()
	req.Stream = true
	s, err := f.gw.ChatStream(ctx, c, req)
	is.NoErr(err)
	for range 2 { // the role, then "hi"
		if raw {
			_, err = s.(gateway.RawStream).NextRaw()
		} else {
			_, err = s.Next()
		}
		is.NoErr(err)
	}
	is.NoErr(s.Close()) // the client leaves before the usage chunk
	// Charged what it was sent: the prompt (3001 bytes: 751 tokens at
	// $1/M) and "hi" (1 token at $2/M).
	es := f.settled(t, c.Account.ID, 1)
	is.Equal(len(es), 1)
	is.Equal(es[0].Amount, gateway.Micros(-(751 + 2)))
	var b *gateway.Balance
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err = f.admin.Balance(ctx, c.Account.ID)
		is.NoErr(err)
		if b.Held == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	is.Equal(b.Held, gateway.Micros(0)) // the rest of the hold is released
	is.Equal(b.Balance, gateway.Micros(10_000-753))
	rs := f.records(t)
	is.Equal(rs[0].Code, gateway.CodeCanceled)
	is.Equal(rs[0].Usage.CompletionTokens, 1)
}

func TestCreditRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 500)
	for _, tc := range []struct {
		name  string
		in    gateway.Credit
		field string
	}{
		{"ShortReason", gateway.Credit{Kind: gateway.EntryGrant, Amount: 1, Reason: "too short"}, "reason"},
		{"NegativeGrant", gateway.Credit{Kind: gateway.EntryGrant, Amount: -1, Reason: "long enough reason"}, "amount"},
		{"UnknownKind", gateway.Credit{Kind: gateway.EntryUsage, Amount: 1, Reason: "long enough reason"}, "kind"},
		{"DebitPastZero", gateway.Credit{Kind: gateway.EntryAdjustment, Amount: -501, Reason: "long enough reason"}, "amount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			tc.in.AccountID = c.Account.ID
			_, err := f.admin.Credit(ctx, tc.in)
			is.Equal(gateway.AsError(err).Field, tc.field)
		})
	}
	is := is.New(t)
	e, err := f.admin.Credit(ctx, gateway.Credit{AccountID: c.Account.ID, Kind: gateway.EntryAdjustment, Amount: -500, Actor: "admin", Reason: "refunded by wire transfer"})
	is.NoErr(err)
	is.Equal(e.BalanceAfter, gateway.Micros(0))
	_, err = f.admin.Credit(ctx, gateway.Credit{AccountID: "acc_missing", Kind: gateway.EntryGrant, Amount: 1, Reason: "long enough reason"})
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
}

func TestRefundOnce(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 10_000)
	_, err := f.gw.Chat(ctx, c, capped())
	is.NoErr(err)
	f.settled(t, c.Account.ID, 1)

	_, err = f.admin.Refund(ctx, gateway.Refund{RequestID: c.RequestID, Amount: 2001, Reason: "the answer was cut off"})
	is.Equal(gateway.AsError(err).Field, "amount") // more than was charged
	_, err = f.admin.Refund(ctx, gateway.Refund{RequestID: "req_never", Reason: "the answer was cut off"})
	is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)

	e, err := f.admin.Refund(ctx, gateway.Refund{RequestID: c.RequestID, Actor: "admin", Reason: "the answer was cut off"})
	is.NoErr(err)
	is.Equal(e.Amount, gateway.Micros(2000))
	is.Equal(e.BalanceAfter, gateway.Micros(10_000))
	_, err = f.admin.Refund(ctx, gateway.Refund{RequestID: c.RequestID, Reason: "the answer was cut off"})
	is.Equal(gateway.ErrorCode(err), gateway.CodeConflict) // once

	deadline := time.Now().Add(5 * time.Second)
	var b *gateway.Balance
	for {
		b, err = f.admin.Balance(ctx, c.Account.ID)
		is.NoErr(err)
		if b.Balance == 10_000 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	is.Equal(b.Balance, gateway.Micros(10_000)) // the Cache's balance took it back
	sums, err := f.admin.LedgerSummary(ctx, gateway.LedgerFilter{AccountID: c.Account.ID})
	is.NoErr(err)
	is.Equal(sums, []gateway.KindTotal{
		{Kind: gateway.EntryGrant, Entries: 1, Amount: 10_000},
		{Kind: gateway.EntryRefund, Entries: 1, Amount: 2000},
		{Kind: gateway.EntryUsage, Entries: 1, Amount: -2000},
	})
}

// An instance that died after recording a request but before settling it
// (or after settling it but before writing its entry) leaves the ledger
// short; once the hold has lapsed, the reconciler settles from the record,
// once.
func TestReconcilerSettlesLostSettlements(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 10_000)
	acct := c.Account.ID
	now := f.clock.Now()
	// req_dead: held and recorded, never settled. req_half: settled in the
	// Cache, its entry lost.
	_, _, err := f.cache.HoldFunds(ctx, acct, "req_dead", 3000, 10_000, gateway.DefaultHoldTTL)
	is.NoErr(err)
	_, _, err = f.cache.SettleFunds(ctx, acct, "req_half", 700, 10_000)
	is.NoErr(err)
	is.NoErr(f.store.InsertRecords(ctx, []*gateway.RequestRecord{
		{ID: "req_dead", AccountID: acct, Time: now, Cost: 2000, Prepaid: true},
		{ID: "req_half", AccountID: acct, Time: now, Cost: 700, Prepaid: true},
	}))

	n, err := f.gw.Reconcile(ctx)
	is.NoErr(err)
	is.Equal(n, 0) // their holds may still be live: not yet

	f.clock.Advance(gateway.DefaultHoldTTL + time.Minute)
	n, err = f.gw.Reconcile(ctx)
	is.NoErr(err)
	is.Equal(n, 2)
	n, err = f.gw.Reconcile(ctx)
	is.NoErr(err)
	is.Equal(n, 0) // once

	b, err := f.admin.Balance(ctx, acct)
	is.NoErr(err)
	is.Equal(b.Balance, gateway.Micros(10_000-2000-700))
	es, err := f.admin.Ledger(ctx, gateway.LedgerFilter{AccountID: acct, Kind: gateway.EntryHoldExpiry})
	is.NoErr(err)
	is.Equal(len(es), 2)
	var sum gateway.Micros
	all, err := f.admin.Ledger(ctx, gateway.LedgerFilter{AccountID: acct})
	is.NoErr(err)
	for _, e := range all {
		sum += e.Amount
	}
	is.Equal(sum, b.Balance) // the ledger and the balance agree again
}

// Spend budgets cap an account or a key per day and month, prepaid or
// not: a request that may not fit is 402 budget_exceeded, naming the
// budget, and the next period starts afresh.
func TestBudgets(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	f.provider(t, "p", []string{"m"}, 1)
	_, err := f.admin.PutModel(ctx, &gateway.Model{Name: "m", Prices: gateway.Prices{Input: 1_000_000, Output: 2_000_000}})
	is.NoErr(err)
	// Each request costs 2000 and holds 2001: a daily budget of 6000 pays
	// for two at a time, and for the third once two are settled (4000
	// spent, 2000 left < 2001).
	acct, err := f.admin.CreateAccount(ctx, &gateway.Account{Name: "capped", Budget: gateway.Budget{Daily: 6000}})
	is.NoErr(err)
	_, secret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	is.NoErr(err)
	c, err := f.gw.Authenticate(secret, "127.0.0.1")
	is.NoErr(err)
	spent := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			fs, err := f.cache.GetFunds(ctx, "budget:"+acct.ID+":d"+f.clock.Now().UTC().Format("20060102"))
			is.NoErr(err)
			if fs.Held == 0 && fs.Balance == 6000-gateway.Micros(n)*2000 {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("the budget did not settle to %d requests", n)
	}
	for i := range 2 {
		_, err := f.gw.Chat(ctx, again(c), capped())
		is.NoErr(err)
		spent(i + 1)
	}
	_, err = f.gw.Chat(ctx, again(c), capped())
	e := gateway.AsError(err)
	is.Equal(e.Code, gateway.CodeNoCredits)
	is.Equal(e.Type, "budget_exceeded")
	is.True(strings.Contains(e.Message, "the daily budget of the account"))
	es, err := f.admin.Ledger(ctx, gateway.LedgerFilter{AccountID: acct.ID})
	is.NoErr(err)
	is.Equal(len(es), 0) // metered, not prepaid: no ledger
	b, err := f.admin.Balance(ctx, acct.ID)
	is.NoErr(err)
	is.Equal(len(b.Budgets), 1)
	is.Equal(b.Budgets[0].Period, "daily")
	is.Equal(b.Budgets[0].Left, gateway.Micros(2000)) // what /v1/balance shows

	f.clock.Advance(24 * time.Hour) // a new day
	_, err = f.gw.Chat(ctx, again(c), capped())
	is.NoErr(err)

	// A key's own monthly budget.
	_, keySecret, err := f.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Budget: gateway.Budget{Monthly: 1000}}, gateway.IssuedByAdmin)
	is.NoErr(err)
	kc, err := f.gw.Authenticate(keySecret, "127.0.0.1")
	is.NoErr(err)
	_, err = f.gw.Chat(ctx, kc, capped())
	is.True(strings.Contains(gateway.ErrorMessage(err), "the monthly budget of the key"))
	_, err = f.admin.UpdateAccount(ctx, acct.ID, gateway.AccountUpdate{Budget: &gateway.Budget{Daily: -1}})
	is.Equal(gateway.AsError(err).Field, "budget.daily")
}

func TestGrantCaps(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 0)
	_, err := f.admin.PutSettings(ctx, &gateway.Settings{Grants: gateway.GrantCaps{PerGrant: 1000, PerActorPerDay: 1500}})
	is.NoErr(err)
	grant := func(actor string, amount gateway.Micros) error {
		_, err := f.admin.Credit(ctx, gateway.Credit{AccountID: c.Account.ID, Kind: gateway.EntryGrant, Amount: amount, Actor: actor, Reason: "capped grants for testing"})
		return err
	}
	is.Equal(gateway.AsError(grant("ann", 1001)).Field, "amount") // past one grant's cap
	is.NoErr(grant("ann", 1000))
	err = grant("ann", 600)
	is.True(strings.Contains(gateway.ErrorMessage(err), "ann may grant 0.000500 more")) // names what is left
	is.NoErr(grant("ann", 500))
	is.NoErr(grant("bob", 1000)) // each admin has their own allowance
	f.clock.Advance(25 * time.Hour)
	is.NoErr(grant("ann", 1000)) // a rolling day
	// Adjustments are corrections, not grants: uncapped.
	_, err = f.admin.Credit(ctx, gateway.Credit{AccountID: c.Account.ID, Kind: gateway.EntryAdjustment, Amount: 5000, Actor: "ann", Reason: "wire transfer received"})
	is.NoErr(err)
}

// A request that sets no max_tokens is held for the model's output limit,
// or for Config.HoldOutput when the catalog gives none.
func TestHoldForTheModelsOutputLimit(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 5000) // the default 8192 tokens at $2/M would hold 16,384 and more
	unbounded := userChat("m", strings.Repeat("x", 3000))
	_, err := f.gw.Chat(ctx, again(c), unbounded)
	is.Equal(gateway.ErrorCode(err), gateway.CodeNoCredits)
	_, err = f.admin.PutModel(ctx, &gateway.Model{Name: "m", Prices: gateway.Prices{Input: 1_000_000, Output: 2_000_000}, MaxOutput: 500})
	is.NoErr(err)
	_, err = f.gw.Chat(ctx, again(c), unbounded)
	is.NoErr(err) // 1001 + 500×2 = 2001 fits
}

// Streams cut by the client at random points are each charged once,
// exactly what their record says, and the ledger sums to the balance.
func TestStreamsCutAtRandomPointsChargeOnce(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 1_000_000)
	r := rand.New(rand.NewPCG(7, 7))
	for range 30 {
		req := capped()
		req.Stream = true
		s, err := f.gw.ChatStream(ctx, again(c), req)
		is.NoErr(err)
		for range r.IntN(5) { // 0 to 4 chunks of 3 (and the usage one), then leave or finish
			if _, err := s.Next(); err != nil {
				break
			}
		}
		is.NoErr(s.Close())
		_ = s.Close() // closing twice changes nothing
	}
	recs := f.records(t)
	is.Equal(len(recs), 30)
	var due gateway.Micros
	charged := 0
	for _, rec := range recs {
		due += rec.Cost
		if rec.Cost > 0 {
			charged++
		}
	}
	es := f.settled(t, c.Account.ID, charged)
	is.Equal(len(es), charged) // one entry per charged request, none twice
	var paid gateway.Micros
	for _, e := range es {
		paid -= e.Amount
	}
	is.Equal(paid, due) // each exactly its record's cost
	drift, err := f.admin.CheckLedger(ctx)
	is.NoErr(err)
	is.Equal(len(drift), 0)
}

// Flush settles now: a host that is frozen after answering (Lambda)
// finds every charge in the ledger when Flush returns, not a moment later.
func TestFlushSettlesBeforeReturning(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 100_000)
	for i := 1; i <= 20; i++ {
		call := *c
		call.RequestID = fmt.Sprintf("req-flush-%d", i) // a request id is charged once
		_, err := f.gw.Chat(ctx, &call, capped())
		is.NoErr(err)
		is.NoErr(f.gw.Flush(ctx))
		es, err := f.admin.Ledger(ctx, gateway.LedgerFilter{AccountID: c.Account.ID, Kind: gateway.EntryUsage})
		is.NoErr(err)
		is.Equal(len(es), i) // every charge so far, at once
	}
}
