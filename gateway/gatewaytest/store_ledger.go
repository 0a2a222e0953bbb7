package gatewaytest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func entry(id, account string, kind gateway.EntryKind, amount gateway.Micros, sec int) *gateway.LedgerEntry {
	return &gateway.LedgerEntry{ID: id, AccountID: account, Kind: kind, Amount: amount, Actor: "admin", Reason: "reason " + id,
		RequestID: "req-" + id, Time: at(sec)}
}

func testLedger(t *testing.T, newStore storeFactory) {
	run(t, "AppendKeepsBalances", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		es := []*gateway.LedgerEntry{
			entry("e1", "acc_a", gateway.EntryGrant, 1000, 1),
			entry("e2", "acc_a", gateway.EntryUsage, -300, 2),
			entry("e3", "acc_b", gateway.EntryGrant, 50, 3),
		}
		_, err := s.AppendEntries(t.Context(), es)
		is.NoErr(err)
		is.Equal(es[1].BalanceAfter, gateway.Micros(700)) // set on the caller's entries too
		bs, err := s.Balances(t.Context())
		is.NoErr(err)
		is.Equal(bs, map[string]gateway.Micros{"acc_a": 700, "acc_b": 50})
		got, err := s.ListEntries(t.Context(), gateway.LedgerFilter{AccountID: "acc_a"})
		is.NoErr(err)
		is.Equal(len(got), 2)
		want := *es[1]
		want.Time = normTime(want.Time)
		g := *got[0]
		g.Time = normTime(g.Time)
		is.Equal(g, want) // newest first, every field round-trips
		is.Equal(got[1].BalanceAfter, gateway.Micros(1000))
	})
	run(t, "AppendIsIdempotent", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		e := entry("usage:req-1", "acc_a", gateway.EntryUsage, -40, 1)
		for i := range 3 {
			n, err := s.AppendEntries(t.Context(), []*gateway.LedgerEntry{e, entry("g1", "acc_a", gateway.EntryGrant, 100, 0)})
			is.NoErr(err)
			is.Equal(n, map[int]int{0: 2}[i]) // two the first time, none after
		}
		bs, err := s.Balances(t.Context())
		is.NoErr(err)
		is.Equal(bs["acc_a"], gateway.Micros(60)) // each entry counted once
		all, err := s.ListEntries(t.Context(), gateway.LedgerFilter{})
		is.NoErr(err)
		is.Equal(len(all), 2)
	})
	run(t, "ListFiltersAndPages", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		var es []*gateway.LedgerEntry
		for i := range 6 {
			kind := gateway.EntryGrant
			if i%2 == 1 {
				kind = gateway.EntryUsage
			}
			es = append(es, entry(fmt.Sprint("e", i), "acc_a", kind, 10, i))
		}
		_, err := s.AppendEntries(t.Context(), es)
		is.NoErr(err)
		ids := func(f gateway.LedgerFilter) []string {
			got, err := s.ListEntries(t.Context(), f)
			is.NoErr(err)
			var out []string
			for _, e := range got {
				out = append(out, e.ID)
			}
			return out
		}
		is.Equal(ids(gateway.LedgerFilter{Kind: gateway.EntryUsage}), []string{"e5", "e3", "e1"})
		is.Equal(ids(gateway.LedgerFilter{Since: at(2), Until: at(4)}), []string{"e3", "e2"})
		is.Equal(ids(gateway.LedgerFilter{Limit: 2}), []string{"e5", "e4"})
		is.Equal(ids(gateway.LedgerFilter{Limit: 2, Before: &gateway.RecordCursor{Time: at(4), ID: "e4"}}), []string{"e3", "e2"})
		is.Equal(len(ids(gateway.LedgerFilter{AccountID: "acc_other"})), 0)
		sums, err := s.SummarizeLedger(t.Context(), gateway.LedgerFilter{AccountID: "acc_a", Until: at(5)})
		is.NoErr(err)
		is.Equal(sums, []gateway.KindTotal{{Kind: gateway.EntryGrant, Entries: 3, Amount: 30}, {Kind: gateway.EntryUsage, Entries: 2, Amount: 20}})
		got, err := s.GetEntry(t.Context(), "e2")
		is.NoErr(err)
		is.Equal(got.BalanceAfter, gateway.Micros(30))
		_, err = s.GetEntry(t.Context(), "nope")
		is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
	})
	run(t, "BatchAcrossAccounts", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		_, err := s.AppendEntries(t.Context(), []*gateway.LedgerEntry{entry("g0", "acc_b", gateway.EntryGrant, 1000, 0)})
		is.NoErr(err)
		es := []*gateway.LedgerEntry{
			entry("a1", "acc_a", gateway.EntryGrant, 100, 1),
			entry("b1", "acc_b", gateway.EntryUsage, -10, 2),
			entry("a2", "acc_a", gateway.EntryUsage, -30, 3),
			entry("a1", "acc_a", gateway.EntryGrant, 100, 1), // twice in one batch: once
			entry("b2", "acc_b", gateway.EntryUsage, -20, 4),
		}
		n, err := s.AppendEntries(t.Context(), es)
		is.NoErr(err)
		is.Equal(n, 4)
		after := map[string]gateway.Micros{}
		for _, id := range []string{"a1", "b1", "a2", "b2"} {
			e, err := s.GetEntry(t.Context(), id)
			is.NoErr(err)
			after[id] = e.BalanceAfter
		}
		is.Equal(after, map[string]gateway.Micros{"a1": 100, "a2": 70, "b1": 990, "b2": 970}) // each account counted in order
		bs, err := s.Balances(t.Context())
		is.NoErr(err)
		is.Equal(bs["acc_a"], gateway.Micros(70))
		is.Equal(bs["acc_b"], gateway.Micros(970))
	})
	run(t, "ConcurrentAppendsOfOneEntry", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		var appended atomic.Int64
		errs := race(10, func(i int) error {
			n, err := s.AppendEntries(t.Context(), []*gateway.LedgerEntry{
				entry("shared", "acc_a", gateway.EntryGrant, 7, 0),
				entry(fmt.Sprint("own", i), "acc_a", gateway.EntryGrant, 1, i+1),
			})
			appended.Add(int64(n))
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		is.Equal(appended.Load(), int64(11)) // the shared entry once, each own one once
		bs, err := s.Balances(t.Context())
		is.NoErr(err)
		is.Equal(bs["acc_a"], gateway.Micros(17))
		drift, err := s.CheckLedger(t.Context())
		is.NoErr(err)
		is.Equal(len(drift), 0)
	})
	run(t, "ConcurrentAppendsAreExact", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		errs := race(20, func(i int) error {
			_, err := s.AppendEntries(t.Context(), []*gateway.LedgerEntry{entry(fmt.Sprint("c", i), "acc_a", gateway.EntryGrant, 5, i)})
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		bs, err := s.Balances(t.Context())
		is.NoErr(err)
		is.Equal(bs["acc_a"], gateway.Micros(100))
		all, err := s.ListEntries(t.Context(), gateway.LedgerFilter{})
		is.NoErr(err)
		seen := map[gateway.Micros]bool{}
		for _, e := range all {
			is.True(!seen[e.BalanceAfter]) // each append saw the one before it
			seen[e.BalanceAfter] = true
		}
		drift, err := s.CheckLedger(t.Context())
		is.NoErr(err)
		is.Equal(len(drift), 0)
	})
}
