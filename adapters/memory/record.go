package memory

import (
	"cmp"
	"context"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// defaultRecordLimit is how many records ListRecords returns when the
// filter sets no Limit.
const defaultRecordLimit = 100

// InsertRecords stores copies of rs. It is idempotent by ID: a record
// whose ID is already stored is skipped, so a retried batch is kept once.
// The statistics count the records it inserted, and only those, under
// the same lock.
func (s *Store) InsertRecords(_ context.Context, rs []*gateway.RequestRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inserted := make([]*gateway.RequestRecord, 0, len(rs))
	for _, r := range rs {
		if _, ok := s.records[r.ID]; !ok {
			s.records[r.ID] = copyRecord(r)
			inserted = append(inserted, r)
		}
	}
	s.addStats(inserted)
	return nil
}

// ListRecords returns copies of the records that match f, newest first
// (by Time, then ID, both descending), at most f.Limit of them (100 when
// f.Limit is 0 or negative).
func (s *Store) ListRecords(_ context.Context, f gateway.RecordFilter) ([]*gateway.RequestRecord, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultRecordLimit
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	keep := f.Matches
	// Sort the stored records themselves and copy only those returned. A
	// full sort per call is fine for the volumes the memory Store is for.
	rs := listOf(s.records, keep, func(r *gateway.RequestRecord) *gateway.RequestRecord { return r }, func(a, b *gateway.RequestRecord) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if len(rs) > limit {
		rs = rs[:limit]
	}
	for i, r := range rs {
		rs[i] = copyRecord(r)
	}
	return rs, nil
}

// DeleteRecordsBefore deletes at most limit records older than t, oldest
// first.
func (s *Store) DeleteRecordsBefore(_ context.Context, t time.Time, limit int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := listOf(s.records, func(r *gateway.RequestRecord) bool { return r.Time.Before(t) },
		func(r *gateway.RequestRecord) *gateway.RequestRecord { return r },
		func(a, b *gateway.RequestRecord) int {
			if c := a.Time.Compare(b.Time); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	if len(old) > limit {
		old = old[:limit]
	}
	for _, r := range old {
		delete(s.records, r.ID)
	}
	return len(old), nil
}
