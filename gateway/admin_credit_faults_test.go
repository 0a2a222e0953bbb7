package gateway_test

import (
	"context"
	"sync"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// entriesDown is a Store whose AppendEntries fails, after running
// before, while down is set.
type entriesDown struct {
	gateway.Store
	mu     sync.Mutex
	down   bool
	before func()
}

func (s *entriesDown) set(down bool, before func()) {
	s.mu.Lock()
	s.down, s.before = down, before
	s.mu.Unlock()
}

func (s *entriesDown) AppendEntries(ctx context.Context, es []*gateway.LedgerEntry) (int, error) {
	s.mu.Lock()
	down, before := s.down, s.before
	s.mu.Unlock()
	if before != nil {
		before()
	}
	if down {
		return 0, errDown
	}
	return s.Store.AppendEntries(ctx, es)
}

// A grant the Store fails to write was added to the Cache's balance
// first and taken back after; when a request spent it in between, the
// taking back was refused (a debit past zero) and ignored: the balance
// kept money the ledger never gave.
func TestFailedGrantLeavesNoBalance(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	sd := &entriesDown{}
	f := newFixtureOver(t, gateway.Config{}, func(s gateway.Store) gateway.Store { sd.Store = s; return sd })
	c := f.prepaid(t, 0)
	acct := c.Account.ID

	sd.set(true, func() {
		// A request of the account's, finishing meanwhile, spends what
		// the balance has, and its usage is written.
		fs, _ := f.cache.GetFunds(ctx, acct)
		if fs.Balance > 0 {
			charged, _, _ := f.cache.SettleFunds(ctx, acct, "req_meanwhile", fs.Balance, 0)
			_, _ = sd.Store.AppendEntries(ctx, []*gateway.LedgerEntry{{ID: gateway.UsageEntryID("req_meanwhile"),
				AccountID: acct, Kind: gateway.EntryUsage, Amount: -charged, Actor: "system", RequestID: "req_meanwhile", Time: t0}})
		}
	})
	_, err := f.admin.Credit(ctx, gateway.Credit{AccountID: acct, Kind: gateway.EntryGrant, Amount: 5000, Actor: "admin", Reason: "a grant the Store loses"})
	if err == nil {
		t.Fatal("the grant succeeded with the Store down")
	}
	sd.set(false, nil)
	is.NoErr(f.gw.Flush(ctx))

	fs, err := f.cache.GetFunds(ctx, acct)
	is.NoErr(err)
	if sum := ledgerSum(t, f, acct); fs.Balance != sum {
		t.Fatalf("cache balance %d, ledger sum %d after a grant the Store refused", fs.Balance, sum)
	}
}

// A debit the Store fails to write at once is not lost, nor given back:
// the Cache took it, and its ledger entry is written at a retry.
func TestDebitWrittenWhenTheStoreComesBack(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	sd := &entriesDown{}
	f := newFixtureOver(t, gateway.Config{}, func(s gateway.Store) gateway.Store { sd.Store = s; return sd })
	c := f.prepaid(t, 10_000)
	acct := c.Account.ID

	sd.set(true, nil)
	e, err := f.admin.Credit(ctx, gateway.Credit{AccountID: acct, Kind: gateway.EntryAdjustment, Amount: -3000, Actor: "admin", Reason: "a correction while the Store is down"})
	is.NoErr(err)
	is.Equal(e.Amount, gateway.Micros(-3000))
	_ = f.gw.Flush(ctx) // the Store still down: kept
	sd.set(false, nil)
	is.NoErr(f.gw.Flush(ctx))

	b, err := f.admin.Balance(ctx, acct)
	is.NoErr(err)
	is.Equal(b.Balance, gateway.Micros(7000))
	is.Equal(ledgerSum(t, f, acct), gateway.Micros(7000))
}

// A debit whose reply is lost after the Cache took it was reported as
// failed, its entry never written: the balance and the ledger then
// disagreed by the debit, and a person asking again took it twice.
func TestLostDebitReplyDebitsOnceWithItsEntry(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	lc := &lossyCache{}
	f := newLossyFixture(t, lc)
	c := f.prepaid(t, 10_000)
	acct := c.Account.ID

	lc.mu.Lock()
	lc.loseDebit = 1
	lc.mu.Unlock()
	_, err := f.admin.Credit(ctx, gateway.Credit{AccountID: acct, Kind: gateway.EntryAdjustment, Amount: -3000, Actor: "admin", Reason: "a correction whose reply is lost"})
	is.NoErr(err)

	b, err := f.admin.Balance(ctx, acct)
	is.NoErr(err)
	is.Equal(b.Balance, gateway.Micros(7000)) // taken once
	is.Equal(ledgerSum(t, f, acct), gateway.Micros(7000))
}
