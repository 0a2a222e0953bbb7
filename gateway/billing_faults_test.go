package gateway_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// A provider's own price ("p/m") is what a request is charged at, but the
// hold placed before the call is computed at the generic price of "m":
// a prepaid account whose balance does not cover the request at the
// provider's price gets it served anyway, and the part past its balance
// for free.
func TestHoldCoversTheProvidersOwnPrice(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 2500) // "m" at $1/M in, $2/M out: capped() holds 2001
	_, err := f.admin.PutModel(ctx, &gateway.Model{Name: "p/m", Prices: gateway.Prices{Input: 3_000_000, Output: 6_000_000}})
	is.NoErr(err)

	// At p's own price the request may cost 3*1001 + 6*500 = 6003 micros
	// (and does cost 6000): more than the 2500 the account holds.
	_, err = f.gw.Chat(ctx, c, capped())
	if err == nil {
		rs := f.records(t)
		es := f.settled(t, c.Account.ID, 1)
		var charged gateway.Micros
		for _, e := range es {
			charged -= e.Amount
		}
		t.Fatalf("served a request costing %d on a balance of 2500 (charged %d): want 402 insufficient_quota", rs[0].Cost, charged)
	}
	is.Equal(gateway.ErrorCode(err), gateway.CodeNoCredits)
}

// lossyCache applies a call and then reports a failure, as a Redis whose
// reply was lost (a timeout after the script ran) does.
type lossyCache struct {
	gateway.Cache
	mu         sync.Mutex
	loseSettle int // SettleFunds calls to apply and then fail
	loseFinish int
	loseCredit int
	loseDebit  int
	failCredit int  // CreditFunds calls to fail without running, as a Redis that is down
	failFinish bool // Finish fails without running, as a Redis that is down
	onGetFunds func()
}

var errLost = errors.New("redis: i/o timeout")

// newLossyFixture returns a fixture whose Cache is lc over the usual one.
func newLossyFixture(t *testing.T, lc *lossyCache) *fixture {
	return newFixtureWith(t, gateway.Config{}, func(c gateway.Cache) gateway.Cache { lc.Cache = c; return lc })
}

func (c *lossyCache) take(n *int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *n > 0 {
		*n--
		return true
	}
	return false
}

func (c *lossyCache) SettleFunds(ctx context.Context, a, id string, cost, seed gateway.Micros) (gateway.Micros, bool, error) {
	ch, first, err := c.Cache.SettleFunds(ctx, a, id, cost, seed)
	if err == nil && c.take(&c.loseSettle) {
		return 0, false, errLost
	}
	return ch, first, err
}

func (c *lossyCache) Finish(ctx context.Context, t gateway.Ticket, adjust []gateway.Bucket, cost gateway.Micros) (gateway.Micros, bool, error) {
	if c.failFinish {
		return 0, false, errDown
	}
	ch, first, err := c.Cache.Finish(ctx, t, adjust, cost)
	if err == nil && c.take(&c.loseFinish) {
		return 0, false, errLost
	}
	return ch, first, err
}

func (c *lossyCache) CreditFunds(ctx context.Context, a, id string, amount, seed gateway.Micros) (gateway.Micros, bool, error) {
	if c.take(&c.failCredit) {
		return 0, false, errDown
	}
	b, first, err := c.Cache.CreditFunds(ctx, a, id, amount, seed)
	if err == nil && c.take(&c.loseCredit) {
		return 0, false, errLost
	}
	return b, first, err
}

func (c *lossyCache) DebitFunds(ctx context.Context, a, id string, amount, seed gateway.Micros) (gateway.Micros, bool, error) {
	b, ok, err := c.Cache.DebitFunds(ctx, a, id, amount, seed)
	if err == nil && c.take(&c.loseDebit) {
		return 0, false, errLost
	}
	return b, ok, err
}

func (c *lossyCache) GetFunds(ctx context.Context, a string) (gateway.Funds, error) {
	f, err := c.Cache.GetFunds(ctx, a)
	c.mu.Lock()
	hook := c.onGetFunds
	c.onGetFunds = nil
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	return f, err
}

// ledgerSum is the sum of an account's ledger entries.
func ledgerSum(t *testing.T, f *fixture, account string) gateway.Micros {
	t.Helper()
	es, err := f.admin.Ledger(context.Background(), gateway.LedgerFilter{AccountID: account, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var sum gateway.Micros
	for _, e := range es {
		sum += e.Amount
	}
	return sum
}

// A Finish whose reply is lost after Redis ran it hands the settlement to
// the biller, whose retry finds it settled (first false) and writes no
// ledger entry: the balance in the Cache was charged, the ledger never
// says so.
func TestLostFinishReplyKeepsTheLedgerEntry(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	lc := &lossyCache{loseFinish: 1}
	f := newLossyFixture(t, lc)
	c := f.limitedPrepaid(t) // a ticket with the balance's hold

	_, err := f.gw.Chat(ctx, c, capped())
	is.NoErr(err)
	is.NoErr(f.gw.Flush(ctx))
	is.NoErr(f.gw.Flush(ctx))

	b, err := f.admin.Balance(ctx, c.Account.ID)
	is.NoErr(err)
	is.Equal(b.Balance, gateway.Micros(1_000_000-2000)) // the Cache charged it
	es, err := f.admin.Ledger(ctx, gateway.LedgerFilter{AccountID: c.Account.ID, Kind: gateway.EntryUsage})
	is.NoErr(err)
	if len(es) != 1 {
		t.Fatalf("usage entries: %d, want 1; ledger sum %d, cache balance %d", len(es), ledgerSum(t, f, c.Account.ID), b.Balance)
	}
}

// The same with the biller's own SettleFunds (after a Finish that failed
// outright): its reply lost, the retry finds it settled and writes no
// entry.
func TestLostSettleReplyKeepsTheLedgerEntry(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	lc := &lossyCache{loseSettle: 1, failFinish: true}
	f := newLossyFixture(t, lc)
	c := f.prepaid(t, 10_000)

	_, err := f.gw.Chat(ctx, c, capped())
	is.NoErr(err)
	_ = f.gw.Flush(ctx) // the settlement's reply is lost: kept for a retry
	is.NoErr(f.gw.Flush(ctx))

	b, err := f.admin.Balance(ctx, c.Account.ID)
	is.NoErr(err)
	is.Equal(b.Balance, gateway.Micros(10_000-2000)) // the Cache charged it
	if sum := ledgerSum(t, f, c.Account.ID); sum != b.Balance {
		t.Fatalf("ledger sum %d, cache balance %d: the usage entry was dropped", sum, b.Balance)
	}
}

// A credit the biller gives the Cache (a refund's, a coupon's) whose
// reply is lost after Redis applied it is retried: it must be added
// once (it was an AddFunds of the amount, which added it twice).
func TestLostCreditReplyCreditsOnce(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	lc := &lossyCache{}
	f := newLossyFixture(t, lc)
	c := f.prepaid(t, 10_000)
	_, err := f.gw.Chat(ctx, c, capped())
	is.NoErr(err)
	is.NoErr(f.gw.Flush(ctx))

	lc.mu.Lock()
	lc.loseCredit = 1
	lc.mu.Unlock()
	_, err = f.admin.Refund(ctx, gateway.Refund{RequestID: c.RequestID, Actor: "admin", Reason: "the answer was wrong"})
	is.NoErr(err)
	_ = f.gw.Flush(ctx) // the credit's reply is lost: kept for a retry
	is.NoErr(f.gw.Flush(ctx))

	b, err := f.admin.Balance(ctx, c.Account.ID)
	is.NoErr(err)
	sum := ledgerSum(t, f, c.Account.ID)
	is.Equal(sum, gateway.Micros(10_000))
	if b.Balance != sum {
		t.Fatalf("cache balance %d, ledger sum %d: the refund was credited twice", b.Balance, sum)
	}
}

// Reconcile judges a record by whether its account is prepaid now, not
// when the request ran: requests an account made while it was metered
// (never held, never meant to be paid from a balance) are charged from
// the balance it gets when it turns prepaid.
func TestReconcileSkipsRequestsMadeWhileMetered(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t)
	c := f.prepaid(t, 0)
	acct := c.Account.ID
	metered := false
	_, err := f.admin.UpdateAccount(ctx, acct, gateway.AccountUpdate{Prepaid: &metered})
	is.NoErr(err)
	is.NoErr(f.gw.Reload(ctx))
	c, err = f.gw.Authenticate(mustSecret(t, f, acct), "127.0.0.1")
	is.NoErr(err)
	is.True(!c.Account.Prepaid)

	_, err = f.gw.Chat(ctx, c, capped()) // metered: recorded at 2000, paid by invoice
	is.NoErr(err)
	is.Equal(f.records(t)[0].Cost, gateway.Micros(2000))

	// Later the account turns prepaid and buys credits.
	prepaid := true
	_, err = f.admin.UpdateAccount(ctx, acct, gateway.AccountUpdate{Prepaid: &prepaid})
	is.NoErr(err)
	_, err = f.admin.Credit(ctx, gateway.Credit{AccountID: acct, Kind: gateway.EntryPurchase, Amount: 10_000, Actor: "admin", Reason: "first purchase of credits"})
	is.NoErr(err)
	is.NoErr(f.gw.Reload(ctx))

	f.clock.Advance(gateway.DefaultHoldTTL + time.Minute)
	n, err := f.gw.Reconcile(ctx)
	is.NoErr(err)
	b, err := f.admin.Balance(ctx, acct)
	is.NoErr(err)
	if n != 0 || b.Balance != 10_000 {
		t.Fatalf("reconcile settled %d metered request(s); the purchased balance of 10000 is now %d", n, b.Balance)
	}
}

func mustSecret(t *testing.T, f *fixture, account string) string {
	t.Helper()
	_, secret, err := f.admin.IssueKey(context.Background(), account, gateway.KeySpec{}, gateway.IssuedByAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// A request refused before any upstream call (429 by the gateway-wide
// limit after its ticket was admitted; 402 for credits) still gets its
// model's per_request fee as its cost: the ticket's Finish takes it from
// the balance at once, and the reconciler takes it for a refusal that
// held nothing.
func TestRefusedRequestsPayNoPerRequestFee(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fee := gateway.Prices{Input: 1_000_000, Output: 2_000_000, PerRequest: 100}

	t.Run("429 after the ticket", func(t *testing.T) {
		is := is.New(t)
		f := newFixtureWith(t, gateway.Config{Limits: gateway.Limits{RequestsPerMinute: 1}})
		c := f.prepaid(t, 10_000)
		_, err := f.admin.PutModel(ctx, &gateway.Model{Name: "m", Prices: fee})
		is.NoErr(err)
		_, err = f.gw.Chat(ctx, c, capped())
		is.NoErr(err) // 2000 + 100
		_, err = f.gw.Chat(ctx, again(c), capped())
		is.Equal(gateway.ErrorCode(err), gateway.CodeRateLimited)
		is.NoErr(f.gw.Flush(ctx))
		b, err := f.admin.Balance(ctx, c.Account.ID)
		is.NoErr(err)
		if b.Balance != 10_000-2100 {
			t.Fatalf("balance %d, want %d: the refused request was charged %d", b.Balance, 10_000-2100, 10_000-2100-b.Balance)
		}
	})
	t.Run("402 then reconcile", func(t *testing.T) {
		is := is.New(t)
		f := newFixture(t)
		c := f.prepaid(t, 1000) // less than the 2101 capped() holds
		_, err := f.admin.PutModel(ctx, &gateway.Model{Name: "m", Prices: fee})
		is.NoErr(err)
		_, err = f.gw.Chat(ctx, c, capped())
		is.Equal(gateway.ErrorCode(err), gateway.CodeNoCredits)
		f.records(t)
		f.clock.Advance(gateway.DefaultHoldTTL + time.Minute)
		n, err := f.gw.Reconcile(ctx)
		is.NoErr(err)
		b, err := f.admin.Balance(ctx, c.Account.ID)
		is.NoErr(err)
		if n != 0 || b.Balance != 1000 {
			t.Fatalf("after a 402, reconcile settled %d request(s) and the balance is %d, want 1000", n, b.Balance)
		}
	})
}
