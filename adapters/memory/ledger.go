package memory

import (
	"cmp"
	"context"
	"sort"

	"github.com/tollgate-ai/tollgate/gateway"
)

// ledger is the memory Store's credits ledger: the entries by ID and each
// account's balance, kept as entries are appended.
type ledger struct {
	entries  map[string]*gateway.LedgerEntry
	balances map[string]gateway.Micros
}

// AppendEntries appends copies of entries, each at most once by ID, and
// sets their BalanceAfter; see gateway.LedgerStore.
func (s *Store) AppendEntries(_ context.Context, entries []*gateway.LedgerEntry) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	appended := 0
	for _, e := range entries {
		if s.appendLocked(e) {
			appended++
		}
	}
	return appended, nil
}

// appendLocked appends a copy of e unless its ID is stored, and reports
// whether it did; the caller holds s.mu.
func (s *Store) appendLocked(e *gateway.LedgerEntry) bool {
	l := &s.ledger
	if l.entries == nil {
		l.entries = make(map[string]*gateway.LedgerEntry)
		l.balances = make(map[string]gateway.Micros)
	}
	if _, ok := l.entries[e.ID]; ok {
		return false
	}
	c := *e
	l.balances[c.AccountID] += c.Amount
	c.BalanceAfter = l.balances[c.AccountID]
	e.BalanceAfter = c.BalanceAfter
	l.entries[c.ID] = &c
	return true
}

// GetEntry returns a copy of the entry. CodeNotFound if there is none.
func (s *Store) GetEntry(_ context.Context, id string) (*gateway.LedgerEntry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.ledger.entries[id]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "ledger entry %q not found", id)
	}
	c := *e
	return &c, nil
}

// SummarizeLedger sums the entries f selects by kind, in kind order.
func (s *Store) SummarizeLedger(_ context.Context, f gateway.LedgerFilter) ([]gateway.KindTotal, error) {
	f.Before = nil
	s.mu.RLock()
	defer s.mu.RUnlock()
	by := make(map[gateway.EntryKind]*gateway.KindTotal)
	for _, e := range s.ledger.entries {
		if !f.Matches(e) {
			continue
		}
		t := by[e.Kind]
		if t == nil {
			t = &gateway.KindTotal{Kind: e.Kind}
			by[e.Kind] = t
		}
		t.Entries++
		t.Amount += e.Amount
	}
	out := make([]gateway.KindTotal, 0, len(by))
	for _, t := range by {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out, nil
}

// Balances returns the balance of every account with entries.
func (s *Store) Balances(_ context.Context) (map[string]gateway.Micros, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]gateway.Micros, len(s.ledger.balances))
	for a, b := range s.ledger.balances {
		out[a] = b
	}
	return out, nil
}

// ListEntries returns copies of the entries f selects, newest first (by
// Time, then ID), at most f.Limit (100 when not set).
func (s *Store) ListEntries(_ context.Context, f gateway.LedgerFilter) ([]*gateway.LedgerEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultRecordLimit
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	es := listOf(s.ledger.entries, f.Matches, func(e *gateway.LedgerEntry) *gateway.LedgerEntry { c := *e; return &c },
		func(a, b *gateway.LedgerEntry) int {
			if c := b.Time.Compare(a.Time); c != 0 {
				return c
			}
			return cmp.Compare(b.ID, a.ID)
		})
	if len(es) > limit {
		es = es[:limit]
	}
	return es, nil
}

// CheckLedger recomputes each balance from the entries; see
// gateway.LedgerStore.
func (s *Store) CheckLedger(_ context.Context) ([]gateway.LedgerDrift, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sums := make(map[string]gateway.Micros)
	for _, e := range s.ledger.entries {
		sums[e.AccountID] += e.Amount
	}
	var out []gateway.LedgerDrift
	for a, b := range s.ledger.balances {
		if sums[a] != b {
			out = append(out, gateway.LedgerDrift{AccountID: a, Balance: b, Sum: sums[a]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AccountID < out[j].AccountID })
	return out, nil
}
