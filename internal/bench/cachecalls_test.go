package bench

import (
	"strings"
	"testing"

	"github.com/matryer/is"
)

func TestCacheCalls(t *testing.T) {
	is := is.New(t)
	exposition := `# HELP tollgate_cache_call_seconds How long Cache calls took.
# TYPE tollgate_cache_call_seconds histogram
tollgate_cache_call_seconds_bucket{op="admit",outcome="ok",le="0.001"} 90
tollgate_cache_call_seconds_sum{op="admit",outcome="ok"} 0.0235
tollgate_cache_call_seconds_count{op="admit",outcome="ok"} 190
tollgate_cache_call_seconds_sum{op="admit",outcome="error"} 0.0015
tollgate_cache_call_seconds_count{op="admit",outcome="error"} 10
tollgate_cache_call_seconds_sum{op="finish",outcome="ok"} 0.02
tollgate_cache_call_seconds_count{op="finish",outcome="ok"} 100
tollgate_store_query_seconds_sum{op="admit"} 99
`
	after, err := parseCacheCalls(strings.NewReader(exposition))
	is.NoErr(err)
	is.Equal(len(after), 2)
	is.Equal(after["admit"].calls, int64(200)) // both outcomes

	// A cell counts what its load added: 100 admits in 15 ms, 100
	// finishes in 20 ms.
	s := &cellStats{cache: make(cacheTotals)}
	s.cache.addDelta(cacheTotals{"admit": {seconds: 0.01, calls: 100}}, after)
	rows := []Row{{Mode: ModeChat, Concurrency: 1, Target: RolePostgres}}
	calls := cacheCalls(rows, map[cellKey]*cellStats{{mode: ModeChat, concurrency: 1, target: RolePostgres}: s})
	is.Equal(len(calls), 2)
	is.Equal(calls[0].Op, "admit")
	is.Equal(calls[0].Calls, int64(100))
	is.True(calls[0].MeanUs > 149.99 && calls[0].MeanUs < 150.01)
	is.True(calls[1].MeanUs > 199.99 && calls[1].MeanUs < 200.01)

	var out strings.Builder
	writeCacheCalls(&out, calls)
	is.Equal(out.String(), "Cache calls, mean (chat c=1): tollgate-pg admit 150µs, finish 200µs\n")
}
