package memory

import (
	"context"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// addStats adds the statistics of rs, records just inserted. The caller
// holds s.mu for writing.
func (s *Store) addStats(rs []*gateway.RequestRecord) {
	for _, row := range gateway.Aggregate(rs) {
		c := s.stats[row.StatKey]
		if c == nil {
			c = new(gateway.StatCounts)
			s.stats[row.StatKey] = c
		}
		c.Add(row.StatCounts)
	}
}

// QueryStats returns the points q selects, summed from the minute rows
// by gateway.Rollup. CodeInvalid if q does not Validate.
func (s *Store) QueryStats(_ context.Context, q gateway.StatsQuery) ([]gateway.StatPoint, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	rows := make([]gateway.StatRow, 0, len(s.stats))
	for k, c := range s.stats {
		if q.Matches(k) {
			rows = append(rows, gateway.StatRow{StatKey: k, StatCounts: *c})
		}
	}
	s.mu.RUnlock()
	return gateway.Rollup(q, rows), nil
}

// DeleteStatsBefore deletes the minutes before t.
func (s *Store) DeleteStatsBefore(_ context.Context, t time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.stats {
		if k.Minute.Before(t) {
			delete(s.stats, k)
			n++
		}
	}
	return n, nil
}
