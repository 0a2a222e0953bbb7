package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func TestAggregate(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	rec := func(id string, tm time.Time, model string, code gateway.Code, latency time.Duration, prompt, cached int, cost gateway.Micros) *gateway.RequestRecord {
		r := &gateway.RequestRecord{ID: id, Time: tm, AccountID: "acc_1", KeyID: "key_1", ProviderID: "prv_1", CredentialID: "crd_1",
			Model: model, Code: code, Latency: latency, Cost: cost, Usage: gateway.Usage{PromptTokens: prompt, CompletionTokens: 1}}
		if cached > 0 {
			r.Usage.PromptTokensDetails = &gateway.PromptTokensDetails{CachedTokens: cached}
		}
		return r
	}
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	rows := gateway.Aggregate([]*gateway.RequestRecord{
		rec("r4", at(61), "b", "", 2*time.Second, 1, 0, 1),
		rec("r1", at(0), "b", "", 30*time.Millisecond, 10, 4, 100),
		rec("r2", at(59).In(time.FixedZone("X", 3600)), "b", gateway.CodeUpstream, 50*time.Millisecond, 20, 0, 0),
		rec("r3", at(30), "a", "", 6*time.Minute, 5, 0, 7),
	})
	is.Equal(len(rows), 3) // one per minute and model, ordered
	is.Equal(rows[0].Minute, t0)
	is.Equal(rows[0].Minute.Location(), time.UTC)
	is.Equal(rows[0].Model, "a")
	is.Equal(rows[1].Model, "b")
	is.Equal(rows[2].Minute, t0.Add(time.Minute))

	want := gateway.StatCounts{Requests: 2, Successes: 1, Failures: 1, PromptTokens: 30, CompletionTokens: 2, CachedTokens: 4,
		Cost: 100, LatencyMicros: 80_000}
	want.Latency[0] = 2 // 30ms and 50ms, at the bound
	is.Equal(rows[1].StatCounts, want)
	is.Equal(rows[1].StatKey, gateway.StatKey{Minute: t0, AccountID: "acc_1", KeyID: "key_1", ProviderID: "prv_1", CredentialID: "crd_1", Model: "b"})
	is.Equal(rows[0].Latency[gateway.LatencyBuckets-1], int64(1)) // beyond the last bound
	is.Equal(len(gateway.Aggregate(nil)), 0)
}

func TestStatCountsPercentile(t *testing.T) {
	t.Parallel()
	hist := func(counts ...int64) gateway.StatCounts {
		var c gateway.StatCounts
		copy(c.Latency[:], counts)
		return c
	}
	var open gateway.StatCounts
	open.Latency[gateway.LatencyBuckets-1] = 3
	last := gateway.LatencyBounds[len(gateway.LatencyBounds)-1]
	tests := []struct {
		name string
		c    gateway.StatCounts
		p    float64
		want time.Duration
	}{
		{"Empty", gateway.StatCounts{}, 0.5, 0},
		{"OneBucket", hist(0, 0, 0, 0, 4), 0.99, time.Second},
		{"Median", hist(1, 1, 1, 1), 0.5, 100 * time.Millisecond}, // rank 2 of 4
		{"MedianOdd", hist(1, 1, 1), 0.5, 100 * time.Millisecond}, // rank 2 of 3
		{"P90", hist(9, 0, 0, 1), 0.9, 50 * time.Millisecond},     // rank 9 of 10
		{"P99", hist(9, 0, 0, 1), 0.99, 500 * time.Millisecond},   // rank 10 of 10
		{"Zero", hist(0, 2, 2), 0, 100 * time.Millisecond},        // the smallest
		{"One", hist(0, 2, 2), 1, 250 * time.Millisecond},         // the largest
		{"OpenBucket", open, 0.5, last},                           // a lower bound of the truth
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is.New(t).Equal(tt.c.Percentile(tt.p), tt.want)
		})
	}
}

func TestStatCountsAdd(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	a := gateway.StatCounts{Requests: 2, Successes: 1, Failures: 1, PromptTokens: 3, CompletionTokens: 4, CachedTokens: 5, Cost: 6, LatencyMicros: 7}
	a.Latency[3] = 2
	sum := a
	sum.Add(a)
	want := gateway.StatCounts{Requests: 4, Successes: 2, Failures: 2, PromptTokens: 6, CompletionTokens: 8, CachedTokens: 10, Cost: 12, LatencyMicros: 14}
	want.Latency[3] = 4
	is.Equal(sum, want)
	is.Equal(sum.MeanLatency(), 3*time.Microsecond)
	is.Equal(gateway.StatCounts{}.MeanLatency(), time.Duration(0))
}

func TestRollup(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	row := func(min int, model string, n int64) gateway.StatRow {
		return gateway.StatRow{
			StatKey:    gateway.StatKey{Minute: t0.Add(time.Duration(min) * time.Minute), Model: model},
			StatCounts: gateway.StatCounts{Requests: n},
		}
	}
	rows := []gateway.StatRow{row(0, "b", 1), row(1, "a", 2), row(61, "b", 4), row(24*60, "a", 8)}
	points := gateway.Rollup(gateway.StatsQuery{Resolution: time.Hour, GroupBy: gateway.GroupByModel}, rows)
	is.Equal(len(points), 4)
	is.Equal(points[0], gateway.StatPoint{Time: t0, Group: "a", StatCounts: gateway.StatCounts{Requests: 2}})
	is.Equal(points[1].Group, "b")
	is.Equal(points[2].Time, t0.Add(time.Hour))
	is.Equal(points[3].Time, t0.Add(24*time.Hour))

	days := gateway.Rollup(gateway.StatsQuery{Resolution: 24 * time.Hour, Until: t0.Add(24 * time.Hour)}, rows)
	is.Equal(len(days), 1)
	is.Equal(days[0].Time, t0.Truncate(24*time.Hour)) // midnight UTC
	is.Equal(days[0].Requests, int64(7))
	is.Equal(len(gateway.Rollup(gateway.StatsQuery{Model: "c"}, rows)), 0)
}

func TestStatsQueryValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		q     gateway.StatsQuery
		field string
	}{
		{"OK", gateway.StatsQuery{Since: t0, Until: t0.Add(time.Hour), Resolution: time.Hour, GroupBy: gateway.GroupByCredential}, ""},
		{"OKZero", gateway.StatsQuery{}, ""},
		{"ErrUntil", gateway.StatsQuery{Since: t0, Until: t0}, "until"},
		{"ErrResolution", gateway.StatsQuery{Resolution: 5 * time.Minute}, "resolution"},
		{"ErrGroupBy", gateway.StatsQuery{GroupBy: "namespace"}, "group_by"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			err := tt.q.Validate()
			if tt.field == "" {
				is.NoErr(err)
				return
			}
			e := gateway.AsError(err)
			is.Equal(e.Code, gateway.CodeInvalid)
			is.Equal(e.Field, tt.field)
		})
	}
}

// The Admin reads statistics through the Store, with defaults, and sums
// a summary with the providers' state.
func TestAdminStats(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t)
	ctx := context.Background()
	f.provider(t, "one", []string{"m-*"}, 1, 2)
	p := f.provider(t, "two", []string{"n-*"}, 1)
	disabled := gateway.StatusDisabled
	_, err := f.admin.UpdateProvider(ctx, p.ID, gateway.ProviderUpdate{Status: &disabled})
	is.NoErr(err)
	now := f.clock.Now()
	is.NoErr(f.store.InsertRecords(ctx, []*gateway.RequestRecord{
		{ID: "r1", Time: now.Add(-time.Minute), Model: "m-1", Latency: 300 * time.Millisecond},
		{ID: "r2", Time: now.Add(-2 * time.Minute), Model: "m-1", Code: gateway.CodeUpstream, Latency: 3 * time.Second},
		{ID: "r3", Time: now.Add(-7 * time.Hour), Model: "m-1"}, // before the default range
	}))

	points, err := f.admin.Stats(ctx, gateway.StatsQuery{})
	is.NoErr(err)
	is.Equal(len(points), 2) // the last 6 hours, by minute
	is.Equal(points[0].Time, now.Add(-2*time.Minute).Truncate(time.Minute))

	sum, err := f.admin.Summary(ctx, time.Time{}, time.Time{})
	is.NoErr(err)
	is.Equal(sum.Until, now)
	is.Equal(sum.Since, now.Add(-gateway.DefaultStatsRange))
	is.Equal(sum.Totals.Requests, int64(2))
	is.Equal(sum.Totals.Failures, int64(1))
	is.Equal(sum.Totals.Percentile(0.5), 500*time.Millisecond)
	is.Equal(sum.ActiveProviders, 1)    // "two" is disabled
	is.Equal(sum.HealthyCredentials, 2) // the credentials of "one"
	is.Equal(sum.OpenBreakers, 0)

	_, err = f.admin.Stats(ctx, gateway.StatsQuery{Since: now.Add(-30 * 24 * time.Hour)})
	is.Equal(gateway.AsError(err).Field, "resolution") // a month of minutes is too many
	_, err = f.admin.Stats(ctx, gateway.StatsQuery{Since: now.Add(-30 * 24 * time.Hour), Resolution: time.Hour})
	is.NoErr(err)
	_, err = f.admin.Summary(ctx, now, now.Add(-time.Hour))
	is.Equal(gateway.AsError(err).Field, "until")

	n, err := f.admin.PruneStats(ctx, now.Add(-time.Hour))
	is.NoErr(err)
	is.Equal(n, 1) // r3's minute
}
