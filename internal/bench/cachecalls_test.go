package bench

import (
	"strings"
	"testing"

	"github.com/matryer/is"
)

func TestParseCacheCalls(t *testing.T) {
	is := is.New(t)
	exposition := `# HELP tollgate_cache_call_seconds How long Cache calls took.
# TYPE tollgate_cache_call_seconds histogram
tollgate_cache_call_seconds_bucket{op="admit",outcome="ok",le="0.001"} 90
tollgate_cache_call_seconds_sum{op="admit",outcome="ok"} 0.0135
tollgate_cache_call_seconds_count{op="admit",outcome="ok"} 90
tollgate_cache_call_seconds_sum{op="admit",outcome="error"} 0.0015
tollgate_cache_call_seconds_count{op="admit",outcome="error"} 10
tollgate_cache_call_seconds_sum{op="finish",outcome="ok"} 0.02
tollgate_cache_call_seconds_count{op="finish",outcome="ok"} 100
tollgate_store_query_seconds_sum{op="admit"} 99
`
	calls, err := parseCacheCalls(strings.NewReader(exposition))
	is.NoErr(err)
	is.Equal(len(calls), 2)
	is.Equal(calls["admit"].Calls, int64(100))                                // both outcomes
	is.True(calls["admit"].MeanUs > 149.99 && calls["admit"].MeanUs < 150.01) // 15 ms over 100 calls
	is.True(calls["finish"].MeanUs > 199.99 && calls["finish"].MeanUs < 200.01)

	var out strings.Builder
	writeCacheCalls(&out, []CacheCall{{Target: RolePostgres, Op: "admit", Calls: 100, MeanUs: 150},
		{Target: RolePostgres, Op: "finish", Calls: 100, MeanUs: 200}})
	is.True(strings.Contains(out.String(), "tollgate-pg admit 150µs, finish 200µs"))
}
