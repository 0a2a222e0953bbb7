package gateway

import (
	"context"
	"time"
)

// DefaultStatsRange is how far back Stats and Summary look when the query
// sets no Since.
const DefaultStatsRange = 6 * time.Hour

// MaxStatBuckets bounds the buckets of time one Stats query spans (with
// each group, a point per bucket): 10,000 minutes is about a week, so a
// month asks for hours.
const MaxStatBuckets = 10000

// Stats returns usage statistics: the points q selects, ordered by Time,
// then Group. Until defaults to now, Since to DefaultStatsRange before
// Until, Resolution to a minute. CodeInvalid for a bad field of q
// ("until", "resolution", "group_by"), or a range of more than
// MaxStatBuckets buckets ("resolution": ask for a coarser one).
func (a *Admin) Stats(ctx context.Context, q StatsQuery) ([]StatPoint, error) {
	q = a.statsDefaults(q)
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.Until.Sub(q.Since)/q.Resolution > MaxStatBuckets {
		return nil, Invalid("resolution", "the range holds more than %d buckets of %v: choose a coarser resolution or a shorter range",
			MaxStatBuckets, q.Resolution)
	}
	return a.g.store.QueryStats(ctx, q)
}

func (a *Admin) statsDefaults(q StatsQuery) StatsQuery {
	if q.Until.IsZero() {
		q.Until = a.g.clock.Now()
	}
	if q.Since.IsZero() {
		q.Since = q.Until.Add(-DefaultStatsRange)
	}
	if q.Resolution == 0 {
		q.Resolution = time.Minute
	}
	return q
}

// StatsSummary is the figures of a dashboard.
type StatsSummary struct {
	// Since and Until are the range Totals cover: Since <= minute < Until.
	Since, Until time.Time
	// Totals sums every request of the range.
	Totals StatCounts
	// ActiveProviders counts the providers the gateway routes to now:
	// active, and opened by their Driver.
	ActiveProviders int
	// HealthyCredentials counts the credentials of those providers that
	// requests may use now (active, or back from a backoff).
	HealthyCredentials int
	// OpenBreakers counts the circuit breakers open or probing now.
	OpenBreakers int
}

// Summary returns the totals of [since, until) and the state of the
// providers now. Zero times take the defaults of Stats (until now, since
// DefaultStatsRange before). CodeInvalid ("until") when until is not
// after since.
func (a *Admin) Summary(ctx context.Context, since, until time.Time) (*StatsSummary, error) {
	q := a.statsDefaults(StatsQuery{Since: since, Until: until, Resolution: 24 * time.Hour})
	if err := q.Validate(); err != nil {
		return nil, err
	}
	points, err := a.g.store.QueryStats(ctx, q)
	if err != nil {
		return nil, err
	}
	s := &StatsSummary{Since: q.Since, Until: q.Until}
	for _, p := range points {
		s.Totals.Add(p.StatCounts)
	}
	s.ActiveProviders, s.HealthyCredentials = a.g.snapshot().health(a.g.clock.Now())
	for _, b := range a.Breakers() {
		if b.State != "closed" {
			s.OpenBreakers++
		}
	}
	return s, nil
}

// PruneStats deletes the statistics of the minutes before before and
// returns how many rows it deleted. Statistics are small next to request
// records and usually kept longer, so their retention is separate from
// the Recorder's: a host calls PruneStats on a schedule of its own.
func (a *Admin) PruneStats(ctx context.Context, before time.Time) (int, error) {
	return a.g.store.DeleteStatsBefore(ctx, before)
}

// health counts the providers s routes to and their healthy credentials
// at now (degraded ones resting from their failures do not count).
func (s *Snapshot) health(now time.Time) (providers, credentials int) {
	for _, t := range s.providers {
		providers++
		if t.picker == nil {
			continue
		}
		for _, c := range t.picker.creds { // set when the picker is made, never changed
			if c.healthy(now) {
				credentials++
			}
		}
	}
	return providers, credentials
}
