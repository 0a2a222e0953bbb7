package gatewaytest

import (
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// statRecord returns a record of a request by acc/key through prv/crd to
// model, with a latency, tokens and a cost.
func statRecord(id string, sec int, acc, key, prv, crd, model string, code gateway.Code, latency time.Duration, prompt, completion, cached int, cost gateway.Micros) *gateway.RequestRecord {
	r := &gateway.RequestRecord{
		ID: id, Time: at(sec), AccountID: acc, KeyID: key, Endpoint: "chat", Model: model, ProviderID: prv, CredentialID: crd,
		Code: code, Latency: latency, Cost: cost,
		Usage: gateway.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion},
	}
	if cached > 0 {
		r.Usage.PromptTokensDetails = &gateway.PromptTokensDetails{CachedTokens: cached}
	}
	return r
}

// statRecords are requests over three minutes of one hour (base is
// 15:09:26 UTC, so at(34) is 15:10 and at(94) 15:11), one in the next
// hour and one on the next day, by two accounts, three keys, two
// providers and two models, with every kind of outcome and latencies in
// the first, the open and middle buckets of the histogram.
func statRecords() []*gateway.RequestRecord {
	return []*gateway.RequestRecord{
		statRecord("req_1", 0, "acc_1", "key_1", "prv_a", "crd_a1", "gpt-4o", "", 40*time.Millisecond, 10, 5, 2, 100),
		statRecord("req_2", 10, "acc_1", "key_1", "prv_a", "crd_a1", "gpt-4o", "", 700*time.Millisecond, 20, 10, 0, 200),
		statRecord("req_3", 20, "acc_1", "key_2", "prv_b", "crd_b1", "claude", gateway.CodeUpstream, 3*time.Second, 0, 0, 0, 0),
		statRecord("req_4", 40, "acc_2", "key_3", "prv_a", "crd_a2", "gpt-4o", "", 100*time.Millisecond, 30, 15, 0, 300),
		statRecord("req_5", 100, "acc_2", "key_3", "prv_b", "crd_b1", "claude", "", 10*time.Minute, 1, 1, 0, 1),
		statRecord("req_6", 3700, "acc_1", "key_1", "", "", "gpt-4o", gateway.CodeRateLimited, 0, 0, 0, 0, 0),
		statRecord("req_7", 40000, "acc_1", "key_1", "prv_a", "crd_a1", "gpt-4o", "", time.Second, 5, 5, 0, 50),
	}
}

// minute returns the start of the minute of at(sec), in UTC.
func minute(sec int) time.Time { return at(sec).UTC().Truncate(time.Minute) }

// queryStats runs q and fails the test on error.
func queryStats(t *testing.T, s gateway.Store, q gateway.StatsQuery) []gateway.StatPoint {
	t.Helper()
	ps, err := s.QueryStats(t.Context(), q)
	if err != nil {
		t.Fatalf("QueryStats(%+v): %v", q, err)
	}
	return normPoints(ps)
}

// expected answers q from rs as the port defines it: gateway.Rollup over
// gateway.Aggregate.
func expected(q gateway.StatsQuery, rs []*gateway.RequestRecord) []gateway.StatPoint {
	return normPoints(gateway.Rollup(q, gateway.Aggregate(rs)))
}

// normPoints makes points comparable with ==: times in UTC, and an empty
// answer nil.
func normPoints(ps []gateway.StatPoint) []gateway.StatPoint {
	if len(ps) == 0 {
		return nil
	}
	out := make([]gateway.StatPoint, len(ps))
	for i, p := range ps {
		p.Time = normTime(p.Time)
		out[i] = p
	}
	return out
}

// day is the Resolution of a day.
const day = 24 * time.Hour

func testStats(t *testing.T, newStore storeFactory) {
	run(t, "OKEmpty", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.Equal(queryStats(t, s, gateway.StatsQuery{}), nil)
	})
	run(t, "InsertRecordsCounts", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustInsertRecords(t, s, statRecords()...)
		got := queryStats(t, s, gateway.StatsQuery{Resolution: time.Minute})
		is.Equal(len(got), 5) // 15:09, 15:10, 15:11, 16:11 and the next day
		first := gateway.StatCounts{
			Requests: 3, Successes: 2, Failures: 1, PromptTokens: 30, CompletionTokens: 15, CachedTokens: 2, Cost: 300,
			LatencyMicros: 40_000 + 700_000 + 3_000_000,
		}
		first.Latency[0], first.Latency[4], first.Latency[6] = 1, 1, 1 // 40ms, 700ms, 3s
		is.Equal(got[0], gateway.StatPoint{Time: minute(0), StatCounts: first})
		is.Equal(got[1].Time, minute(40))
		is.Equal(got[1].Latency[1], int64(1)) // 100ms, at a bound, is in the bucket it bounds
		is.Equal(got[2].Latency[gateway.LatencyBuckets-1], int64(1))
		is.Equal(got[3].Failures, int64(1)) // a refusal is a failure
		is.Equal(got, expected(gateway.StatsQuery{}, statRecords()))
	})
	run(t, "RetriedBatchCountsOnce", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		rs := statRecords()
		mustInsertRecords(t, s, rs...)
		mustInsertRecords(t, s, rs...)                                                       // a retried batch
		mustInsertRecords(t, s, rs[2:5]...)                                                  // an overlapping one
		is.Equal(queryStats(t, s, gateway.StatsQuery{}), expected(gateway.StatsQuery{}, rs)) // counted once
		fresh := statRecord("req_8", 1, "acc_1", "key_1", "prv_a", "crd_a1", "gpt-4o", "", time.Second, 1, 1, 0, 7)
		twin := statRecord("req_8", 2, "acc_9", "key_9", "prv_a", "crd_a1", "gpt-4o", "", time.Second, 1000, 1, 0, 7000)
		mustInsertRecords(t, s, rs[0], fresh, twin, rs[1]) // one new record, repeated within the batch
		is.Equal(queryStats(t, s, gateway.StatsQuery{GroupBy: gateway.GroupByAccount}),
			expected(gateway.StatsQuery{GroupBy: gateway.GroupByAccount}, append(rs, fresh))) // as first written
	})
	run(t, "ConcurrentRetriesCountOnce", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		rs := statRecords()
		for _, err := range race(8, func(int) error { return s.InsertRecords(t.Context(), rs) }) {
			is.NoErr(err)
		}
		is.Equal(queryStats(t, s, gateway.StatsQuery{}), expected(gateway.StatsQuery{}, rs))
	})
	run(t, "Filters", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		rs := statRecords()
		mustInsertRecords(t, s, rs...)
		for _, q := range []gateway.StatsQuery{
			{AccountID: "acc_2"}, {KeyID: "key_1"}, {ProviderID: "prv_b"}, {CredentialID: "crd_a1"}, {Model: "claude"},
			{AccountID: "acc_1", Model: "gpt-4o", ProviderID: "prv_a"}, {AccountID: "acc_3"},
		} {
			is.Equal(queryStats(t, s, q), expected(q, rs))
		}
		got := queryStats(t, s, gateway.StatsQuery{Resolution: day, AccountID: "acc_1", KeyID: "key_1"})
		is.Equal(len(got), 2)
		is.Equal(got[0].Requests, int64(3)) // req_1, req_2, req_6: both filters apply
		is.Equal(got[1].Requests, int64(1))
		is.Equal(queryStats(t, s, gateway.StatsQuery{AccountID: "acc_2", KeyID: "key_1"}), nil)
	})
	run(t, "GroupBy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		rs := statRecords()
		mustInsertRecords(t, s, rs...)
		for _, by := range []string{gateway.GroupByAccount, gateway.GroupByKey, gateway.GroupByProvider, gateway.GroupByCredential, gateway.GroupByModel} {
			for _, res := range []time.Duration{time.Minute, time.Hour, day} {
				q := gateway.StatsQuery{Resolution: res, GroupBy: by}
				is.Equal(queryStats(t, s, q), expected(q, rs))
			}
		}
		got := queryStats(t, s, gateway.StatsQuery{Resolution: day, GroupBy: gateway.GroupByCredential, Until: minute(40000)})
		is.Equal(len(got), 4) // "" (the refusal), crd_a1, crd_a2, crd_b1
		is.Equal([]string{got[0].Group, got[1].Group, got[2].Group, got[3].Group}, []string{"", "crd_a1", "crd_a2", "crd_b1"})
		is.Equal(got[3].Successes, int64(1)) // per-credential outcomes
		is.Equal(got[3].Failures, int64(1))
	})
	run(t, "HourAndDaySumMinutes", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		rs := statRecords()
		mustInsertRecords(t, s, rs...)
		hours := queryStats(t, s, gateway.StatsQuery{Resolution: time.Hour})
		is.Equal(len(hours), 3)
		is.Equal(hours[0].Time, minute(0).Truncate(time.Hour))
		is.Equal(hours[0].Requests, int64(5)) // 15:09, 15:10 and 15:11
		is.Equal(hours, expected(gateway.StatsQuery{Resolution: time.Hour}, rs))
		days := queryStats(t, s, gateway.StatsQuery{Resolution: day})
		is.Equal(len(days), 2)
		is.Equal(days[0].Time, time.Date(2025, time.March, 14, 0, 0, 0, 0, time.UTC)) // days start at midnight UTC
		is.Equal(days[0].Requests, int64(6))
		is.Equal(days[1].Time, time.Date(2025, time.March, 15, 0, 0, 0, 0, time.UTC))
		is.Equal(days, expected(gateway.StatsQuery{Resolution: day}, rs))
	})
	run(t, "SinceUntil", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		rs := statRecords()
		mustInsertRecords(t, s, rs...)
		q := gateway.StatsQuery{Since: minute(40), Until: minute(100)}
		got := queryStats(t, s, q) // since included, until not
		is.Equal(len(got), 1)
		is.Equal(got[0].Time, minute(40))
		is.Equal(got, expected(q, rs))
		q = gateway.StatsQuery{Since: minute(0).Add(time.Second).In(elsewhere), Until: minute(100).Add(time.Millisecond).In(elsewhere)}
		got = queryStats(t, s, q) // 15:09 starts before Since; 15:11 starts before Until
		is.Equal(len(got), 2)
		is.Equal([]time.Time{got[0].Time, got[1].Time}, []time.Time{minute(40), minute(100)})
		is.Equal(got, expected(q, rs))
		q = gateway.StatsQuery{Since: minute(40), Until: minute(3700), Resolution: time.Hour, GroupBy: gateway.GroupByModel}
		got = queryStats(t, s, q) // the 15:00 bucket holds only the minutes selected
		is.Equal(len(got), 2)
		is.Equal(got[0].Requests+got[1].Requests, int64(2))
		is.Equal(got, expected(q, rs))
	})
	run(t, "OrderedByTimeThenGroup", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		rs := append(statRecords(),
			statRecord("req_8", 1, "acc_1", "key_1", "prv_a", "crd_a1", "Zeta", "", time.Second, 0, 0, 0, 0),
			statRecord("req_9", 2, "acc_1", "key_1", "prv_a", "crd_a1", "alpha", "", time.Second, 0, 0, 0, 0))
		mustInsertRecords(t, s, rs...)
		q := gateway.StatsQuery{GroupBy: gateway.GroupByModel}
		got := queryStats(t, s, q)
		is.Equal([]string{got[0].Group, got[1].Group, got[2].Group, got[3].Group}, []string{"Zeta", "alpha", "claude", "gpt-4o"}) // by bytes
		is.Equal(got[4].Time, minute(40))
		is.Equal(got, expected(q, rs))
	})
	run(t, "Percentiles", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		var rs []*gateway.RequestRecord
		for i, ms := range []int{10, 20, 30, 60, 80, 200, 300, 400, 900, 1500} {
			rs = append(rs, statRecord("req_"+string(rune('a'+i)), i, "acc_1", "key_1", "prv_a", "crd_a1", "gpt-4o", "",
				time.Duration(ms)*time.Millisecond, 0, 0, 0, 0))
		}
		mustInsertRecords(t, s, rs...)
		got := queryStats(t, s, gateway.StatsQuery{Resolution: day})
		is.Equal(len(got), 1)
		is.Equal(got[0].Latency, [gateway.LatencyBuckets]int64{3, 2, 1, 2, 1, 1}) // the histogram round-trips
		is.Equal(got[0].Percentile(0.5), 100*time.Millisecond)                    // the 5th of 10, 80ms, is in (50ms, 100ms]
		is.Equal(got[0].Percentile(0.9), time.Second)
		is.Equal(got[0].Percentile(0.99), 2*time.Second)
		is.Equal(got[0].MeanLatency(), 350*time.Millisecond)
	})
	run(t, "DeleteStatsBefore", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		rs := statRecords()
		mustInsertRecords(t, s, rs...)
		n, err := s.DeleteStatsBefore(t.Context(), minute(100).In(elsewhere))
		is.NoErr(err)
		is.Equal(n, 3) // the rows of 15:09 (req_1 and req_2 share one) and 15:10
		is.Equal(queryStats(t, s, gateway.StatsQuery{}), expected(gateway.StatsQuery{}, rs[4:]))
		is.Equal(len(recordIDs(t, s, gateway.RecordFilter{})), len(rs)) // the records stay
		n, err = s.DeleteStatsBefore(t.Context(), minute(100))
		is.NoErr(err)
		is.Equal(n, 0)
		_, err = s.DeleteRecordsBefore(t.Context(), at(50000), 100)
		is.NoErr(err)
		is.Equal(queryStats(t, s, gateway.StatsQuery{}), expected(gateway.StatsQuery{}, rs[4:])) // and outlive them
	})
	run(t, "ErrInvalid", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		for _, q := range []gateway.StatsQuery{
			{Resolution: 2 * time.Minute}, {GroupBy: "namespace"}, {Since: at(10), Until: at(10)},
		} {
			_, err := s.QueryStats(t.Context(), q)
			is.Equal(codeOf(err), gateway.CodeInvalid)
		}
	})
}
