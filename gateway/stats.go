package gateway

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"
)

// LatencyBounds are the upper bounds (inclusive) of the buckets of the
// latency histogram in StatCounts, chosen for LLM calls, which take from
// tens of milliseconds (a cached embedding) to minutes (a long stream). A
// latency above the last bound falls in one more, open bucket. Stores keep
// the histogram by bucket index, so these bounds never change; a finer
// histogram would be a new field.
var LatencyBounds = [...]time.Duration{
	50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 20 * time.Second,
	30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
}

// LatencyBuckets is the length of StatCounts.Latency: one bucket per
// bound, and the open one above the last.
const LatencyBuckets = len(LatencyBounds) + 1

// StatKey names one row of statistics: a minute and the dimensions a
// request is counted under. Records without an account or key (anonymous
// or refused requests) are counted under empty IDs.
type StatKey struct {
	// Minute is the start of the minute, in UTC.
	Minute       time.Time
	AccountID    string
	KeyID        string
	ProviderID   string
	CredentialID string
	Model        string // as the client asked
}

// StatCounts are what the statistics count. The zero value counts
// nothing; Add sums two.
type StatCounts struct {
	Requests  int64
	Successes int64 // records with no error Code
	Failures  int64 // the others, refusals (rate limits, unknown models) included
	// Tokens, as the usage of each request reported them.
	PromptTokens, CompletionTokens, CachedTokens int64
	Cost                                         Micros
	// LatencyMicros is the sum of every request's Latency (until its
	// response ended; failures and refusals included), in microseconds: a
	// time.Duration in nanoseconds would overflow after some 292 years of
	// summed latency, days of busy traffic.
	LatencyMicros int64
	// Latency is the histogram of latencies: Latency[i] counts the
	// requests with LatencyBounds[i-1] < Latency <= LatencyBounds[i].
	Latency [LatencyBuckets]int64
}

// Add adds o to c.
func (c *StatCounts) Add(o StatCounts) {
	c.Requests += o.Requests
	c.Successes += o.Successes
	c.Failures += o.Failures
	c.PromptTokens += o.PromptTokens
	c.CompletionTokens += o.CompletionTokens
	c.CachedTokens += o.CachedTokens
	c.Cost += o.Cost
	c.LatencyMicros += o.LatencyMicros
	for i, n := range o.Latency {
		c.Latency[i] += n
	}
}

// MeanLatency returns the average latency, 0 when nothing was counted.
func (c StatCounts) MeanLatency() time.Duration {
	if c.Requests == 0 {
		return 0
	}
	return time.Duration(c.LatencyMicros/c.Requests) * time.Microsecond
}

// Percentile returns the p-quantile of the latency (p from 0 to 1: 0.5
// for the median, 0.99 for p99), by nearest rank, at the resolution of
// the histogram: the upper bound of the bucket that holds it. A p50 of 1s
// means the median lies in (500ms, 1s]. In the open bucket above the last
// bound it returns that bound, which the true value exceeds. It returns 0
// when nothing was counted.
func (c StatCounts) Percentile(p float64) time.Duration {
	var total int64
	for _, n := range c.Latency {
		total += n
	}
	if total == 0 {
		return 0
	}
	// The rank of the quantile among the sorted latencies, from 1.
	rank := int64(math.Ceil(p*float64(total) - 1e-9)) // 1e-9: p*total may land a hair above a whole rank
	rank = min(max(rank, 1), total)
	var seen int64
	for i, n := range c.Latency {
		seen += n
		if seen >= rank {
			return LatencyBounds[min(i, len(LatencyBounds)-1)]
		}
	}
	return LatencyBounds[len(LatencyBounds)-1]
}

// latencyBucket returns the index of the histogram bucket of d.
func latencyBucket(d time.Duration) int {
	i, _ := slices.BinarySearch(LatencyBounds[:], d)
	return i // len(LatencyBounds) for the open bucket
}

// StatRow is the counts of one StatKey.
type StatRow struct {
	StatKey
	StatCounts
}

// Aggregate counts records by minute and dimensions: one row per StatKey,
// ordered by Minute, then AccountID, KeyID, ProviderID, CredentialID and
// Model, so that stores that write the rows in this order lock them in
// one order. A record is a success when its Code is "".
func Aggregate(recs []*RequestRecord) []StatRow {
	byKey := make(map[StatKey]*StatCounts)
	for _, r := range recs {
		k := StatKey{
			Minute:    time.Unix(r.Time.Unix()-mod(r.Time.Unix(), 60), 0).UTC(),
			AccountID: r.AccountID, KeyID: r.KeyID, ProviderID: r.ProviderID,
			CredentialID: r.CredentialID, Model: r.Model,
		}
		c := byKey[k]
		if c == nil {
			c = new(StatCounts)
			byKey[k] = c
		}
		c.Requests++
		if r.Code == "" {
			c.Successes++
		} else {
			c.Failures++
		}
		c.PromptTokens += int64(r.Usage.PromptTokens)
		c.CompletionTokens += int64(r.Usage.CompletionTokens)
		c.CachedTokens += int64(r.Usage.CachedTokens())
		c.Cost += r.Cost
		c.LatencyMicros += r.Latency.Microseconds()
		c.Latency[latencyBucket(r.Latency)]++
	}
	rows := make([]StatRow, 0, len(byKey))
	for k, c := range byKey {
		rows = append(rows, StatRow{k, *c})
	}
	slices.SortFunc(rows, func(a, b StatRow) int { return compareStatKeys(a.StatKey, b.StatKey) })
	return rows
}

func compareStatKeys(a, b StatKey) int {
	return cmp.Or(a.Minute.Compare(b.Minute), cmp.Compare(a.AccountID, b.AccountID), cmp.Compare(a.KeyID, b.KeyID),
		cmp.Compare(a.ProviderID, b.ProviderID), cmp.Compare(a.CredentialID, b.CredentialID), cmp.Compare(a.Model, b.Model))
}

// mod is a % n in [0, n), for times before 1970 too.
func mod(a, n int64) int64 { return ((a % n) + n) % n }

// The dimensions StatsQuery.GroupBy accepts.
const (
	GroupByAccount    = "account"
	GroupByKey        = "key"
	GroupByProvider   = "provider"
	GroupByCredential = "credential"
	GroupByModel      = "model"
)

// StatsQuery selects and shapes statistics.
type StatsQuery struct {
	// Since and Until select minutes: Since <= Minute < Until. Zero leaves
	// that side open (Admin.Stats sets both). A bucket holds only the
	// selected minutes, so one at either edge may be partial.
	Since, Until time.Time
	// Resolution is the width of a point: time.Minute, time.Hour or
	// 24*time.Hour (days start at midnight UTC); zero means a minute.
	Resolution time.Duration
	// GroupBy splits each point by one dimension (GroupByModel, ...);
	// "" sums them all.
	GroupBy string
	// Filters: a set field selects the rows with that value.
	AccountID, KeyID, ProviderID, CredentialID, Model string
}

// Validate reports the first field at fault as a CodeInvalid error
// ("until", "resolution", "group_by").
func (q StatsQuery) Validate() error {
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return Invalid("until", "until must be after since")
	}
	switch q.Resolution {
	case 0, time.Minute, time.Hour, 24 * time.Hour:
	default:
		return Invalid("resolution", "resolution must be a minute, an hour or a day")
	}
	switch q.GroupBy {
	case "", GroupByAccount, GroupByKey, GroupByProvider, GroupByCredential, GroupByModel:
	default:
		return Invalid("group_by", "group_by must be one of account, key, provider, credential or model")
	}
	return nil
}

// Seconds returns the Resolution in seconds (60 when it is zero).
func (q StatsQuery) Seconds() int64 {
	if q.Resolution == 0 {
		return 60
	}
	return int64(q.Resolution / time.Second)
}

// Matches reports whether q selects the row k; stores that filter in
// memory use it, and it is the meaning SQL stores follow.
func (q StatsQuery) Matches(k StatKey) bool {
	switch {
	case q.AccountID != "" && k.AccountID != q.AccountID,
		q.KeyID != "" && k.KeyID != q.KeyID,
		q.ProviderID != "" && k.ProviderID != q.ProviderID,
		q.CredentialID != "" && k.CredentialID != q.CredentialID,
		q.Model != "" && k.Model != q.Model,
		!q.Since.IsZero() && k.Minute.Before(q.Since),
		!q.Until.IsZero() && !k.Minute.Before(q.Until):
		return false
	}
	return true
}

// Group returns the value of k's dimension q.GroupBy, "" when not
// grouped.
func (q StatsQuery) Group(k StatKey) string {
	switch q.GroupBy {
	case GroupByAccount:
		return k.AccountID
	case GroupByKey:
		return k.KeyID
	case GroupByProvider:
		return k.ProviderID
	case GroupByCredential:
		return k.CredentialID
	case GroupByModel:
		return k.Model
	}
	return ""
}

// StatPoint is the counts of one bucket of time, and of one group when
// the query groups.
type StatPoint struct {
	// Time is the start of the bucket, in UTC.
	Time time.Time
	// Group is the ID (or model) of the group, "" when not grouped.
	Group string
	StatCounts
}

// Rollup answers q from minute rows: it keeps the rows q matches, buckets
// them by q's Resolution and group, and sums each bucket. Points are
// ordered by Time, then Group. The memory Store answers QueryStats with
// it; it is the meaning SQL stores follow.
func Rollup(q StatsQuery, rows []StatRow) []StatPoint {
	type bucket struct {
		time  int64
		group string
	}
	res := q.Seconds()
	sums := make(map[bucket]*StatCounts)
	for _, r := range rows {
		if !q.Matches(r.StatKey) {
			continue
		}
		sec := r.Minute.Unix()
		b := bucket{sec - mod(sec, res), q.Group(r.StatKey)}
		c := sums[b]
		if c == nil {
			c = new(StatCounts)
			sums[b] = c
		}
		c.Add(r.StatCounts)
	}
	points := make([]StatPoint, 0, len(sums))
	for b, c := range sums {
		points = append(points, StatPoint{Time: time.Unix(b.time, 0).UTC(), Group: b.group, StatCounts: *c})
	}
	slices.SortFunc(points, func(a, b StatPoint) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Group, b.Group))
	})
	return points
}

// StatsStore keeps usage statistics: per minute, the StatCounts of the
// request records of each account, key, provider, credential and model.
//
// The statistics are written by RecordStore.InsertRecords, never apart
// from the records: a store adds Aggregate of the records one call
// actually inserted, in the same transaction as the records. A record
// skipped as already stored (a retried or overlapping batch, even one
// racing the first write) adds nothing, so a record is counted exactly
// once, if and only if it is stored. Deleting records (DeleteRecordsBefore)
// leaves the statistics, which are kept for their own time and deleted
// with DeleteStatsBefore.
type StatsStore interface {
	// QueryStats returns the points q selects, as Rollup defines them:
	// the sums of the matching minutes by bucket and group, ordered by
	// Time, then Group; buckets with no matching row are absent.
	// CodeInvalid if q does not Validate.
	QueryStats(ctx context.Context, q StatsQuery) ([]StatPoint, error)
	// DeleteStatsBefore deletes the minutes before t (Minute < t) and
	// returns how many rows it deleted.
	DeleteStatsBefore(ctx context.Context, t time.Time) (int, error)
}
