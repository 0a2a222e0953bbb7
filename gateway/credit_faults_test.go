package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// wantBalance checks that the ledger and the Cache's balance both say
// want: a credit counted twice, or lost, makes them part.
func wantBalance(t *testing.T, f *fixture, account string, want gateway.Micros) {
	t.Helper()
	if sum := ledgerSum(t, f, account); sum != want {
		t.Fatalf("ledger sum %d, want %d", sum, want)
	}
	b, err := f.admin.Balance(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	if b.Balance != want {
		t.Fatalf("cache balance %d, want %d as the ledger says", b.Balance, want)
	}
}

// addCredits reads that the Cache has no balance for the account, then
// seeds it from the Store with AddFunds(0, storeBalance); when another
// request (another instance, whose snapshot predates the credit) seeds
// the balance in between, the seed is ignored and the credit is lost.
func TestCreditToAnUnseededBalanceRacingASeed(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	lc := &lossyCache{}
	f := newLossyFixture(t, lc)
	c := f.prepaid(t, 0) // no balance in the Cache yet
	_, err := f.admin.CreateCoupon(ctx, &gateway.Coupon{Code: "WELCOME", Amount: 5000})
	is.NoErr(err)

	acct := c.Account.ID
	lc.mu.Lock()
	lc.onGetFunds = func() {
		// Another instance's request, its snapshot from before the
		// redemption: it seeds the balance at 0 (and is refused).
		_, _, _ = lc.Cache.HoldFunds(ctx, acct, "req_elsewhere", 2001, 0, gateway.DefaultHoldTTL)
	}
	lc.mu.Unlock()
	_, err = f.gw.RedeemCoupon(ctx, c, "WELCOME")
	is.NoErr(err)
	is.NoErr(f.gw.Flush(ctx))

	wantBalance(t, f, acct, 5000)
}

// Two credits to an account the Cache has no balance for, the second
// written to the Store while the first is being given to the Cache: the
// first seeds the balance at the Store's figure less its own amount, but
// that figure counts the second credit too, which is then added again.
func TestTwoCreditsToAnUnseededBalance(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	lc := &lossyCache{}
	f := newLossyFixture(t, lc)
	c := f.prepaid(t, 0) // no balance in the Cache yet
	for _, cp := range []*gateway.Coupon{{Code: "FIRST", Amount: 5000}, {Code: "SECOND", Amount: 700}} {
		_, err := f.admin.CreateCoupon(ctx, cp)
		is.NoErr(err)
	}
	acct := c.Account.ID
	lc.mu.Lock()
	second := make(chan error, 1)
	lc.onGetFunds = func() {
		// The second redemption, while the first's credit is on its way:
		// given a moment to be written (it may have to wait its turn).
		go func() {
			_, err := f.gw.RedeemCoupon(ctx, c, "SECOND")
			second <- err
		}()
		time.Sleep(100 * time.Millisecond)
	}
	lc.mu.Unlock()
	_, err := f.gw.RedeemCoupon(ctx, c, "FIRST")
	is.NoErr(err)
	is.NoErr(<-second)
	is.NoErr(f.gw.Flush(ctx))

	wantBalance(t, f, acct, 5700)
}

// Two credits kept for a retry while the Cache is down, to an account it
// has no balance for: the first seeds the balance at the Store's figure
// less what is still to be added, both credits, not its own alone.
func TestQueuedCreditsToAnUnseededBalance(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	lc := &lossyCache{failCredit: 2}
	f := newLossyFixture(t, lc)
	c := f.prepaid(t, 0) // no balance in the Cache yet
	for _, cp := range []*gateway.Coupon{{Code: "FIRST", Amount: 5000}, {Code: "SECOND", Amount: 700}} {
		_, err := f.admin.CreateCoupon(ctx, cp)
		is.NoErr(err)
		_, err = f.gw.RedeemCoupon(ctx, c, cp.Code) // written; the Cache fails: kept
		is.NoErr(err)
	}
	is.NoErr(f.gw.Flush(ctx))

	wantBalance(t, f, c.Account.ID, 5700)
}

// A Snapshot loaded after a credit was written, and before the Cache
// took it, seeded a request's balance with the credit in it; the credit
// was then added again. The Snapshot's balances leave out the credits
// still to be added.
func TestSnapshotSeedLeavesOutUnaddedCredits(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	lc := &lossyCache{failCredit: 1}
	f := newLossyFixture(t, lc)
	c := f.prepaid(t, 0) // no balance in the Cache yet
	_, err := f.admin.CreateCoupon(ctx, &gateway.Coupon{Code: "WELCOME", Amount: 5000})
	is.NoErr(err)
	_, err = f.gw.RedeemCoupon(ctx, c, "WELCOME") // written; the Cache fails: kept
	is.NoErr(err)
	is.NoErr(f.gw.Reload(ctx)) // a Snapshot after the credit's write

	_, _ = f.gw.Chat(ctx, c, capped()) // seeds the balance from the Snapshot
	is.NoErr(f.gw.Flush(ctx))          // the credit, added at the retry
	is.NoErr(f.gw.Flush(ctx))

	wantBalance(t, f, c.Account.ID, ledgerSum(t, f, c.Account.ID))
}
