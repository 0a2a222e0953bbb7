package bench

import (
	"strings"
	"testing"

	"github.com/matryer/is"
)

func TestCompare(t *testing.T) {
	is := is.New(t)
	added := func(ms float64) *float64 { return &ms }
	rows := []Row{
		{Mode: ModeChat, Concurrency: 1, Target: TargetDirect, P50Ms: 0.2},
		{Mode: ModeChat, Concurrency: 1, Target: TargetBare, AddedP50Ms: added(0.2), CPUPerRequestUs: 100},
		{Mode: ModeChat, Concurrency: 1, Target: RoleMemory, AddedP50Ms: added(0.25), CPUPerRequestUs: 120},
		{Mode: ModeChat, Concurrency: 1, Target: RolePostgres, AddedP50Ms: added(0.45), CPUPerRequestUs: 200},
		{Mode: ModeStream, Concurrency: 1, Target: TargetDirect, TTFBP50Ms: 0.2},
		{Mode: ModeStream, Concurrency: 1, Target: TargetBare, TTFBP50Ms: 0.4, CPUPerRequestUs: 140},
		{Mode: ModeStream, Concurrency: 1, Target: RoleMemory, TTFBP50Ms: 0.46, CPUPerRequestUs: 220},
	}
	cs := compare(rows, 20)
	is.Equal(len(cs), 5)
	is.Equal(cs[0].What, "added latency") // memory, chat
	is.Equal(cs[0].Ratio, 0.25/0.2)
	is.Equal(cs[1].What, "added latency") // PostgreSQL, chat
	is.Equal(cs[2].What, "added beyond memory")
	is.True(cs[2].Value > 0.199 && cs[2].Value < 0.201)
	is.Equal(cs[3].What, "ttfb added")
	is.True(cs[3].Ratio > 1.299 && cs[3].Ratio < 1.301) // 0.26 over 0.2
	is.Equal(cs[4], Comparison{What: "relay cpu per chunk", Mode: ModeStream, Concurrency: 1, Target: RoleMemory,
		Value: 5, Bare: 2, Ratio: 2.5}) // (220-120)/20 against (140-100)/20

	var out strings.Builder
	writeComparisons(&out, cs)
	is.True(strings.Contains(out.String(), "tollgate-memory c=1 5.0µs vs 2.0µs (2.50x)"))
	is.True(strings.Contains(out.String(), "tollgate-pg c=1 +200µs"))
}

// With a long stream beside the stream, the relay's cost per chunk is the
// difference of the two over the chunks more, so a stream's own cost per
// request (setting up, the first flush) is not counted as the chunks'.
func TestCompareRelayFromLongStreams(t *testing.T) {
	is := is.New(t)
	rows := []Row{
		{Mode: ModeChat, Concurrency: 50, Target: TargetBare, CPUPerRequestUs: 100},
		{Mode: ModeChat, Concurrency: 50, Target: RoleMemory, CPUPerRequestUs: 120},
		{Mode: ModeStream, Concurrency: 50, Target: TargetBare, CPUPerRequestUs: 140},
		{Mode: ModeStream, Concurrency: 50, Target: RoleMemory, CPUPerRequestUs: 220},
		{Mode: ModeStreamLong, Concurrency: 50, Target: TargetBare, CPUPerRequestUs: 300},
		{Mode: ModeStreamLong, Concurrency: 50, Target: RoleMemory, CPUPerRequestUs: 540},
	}
	cs := compare(rows, 20) // the long stream has 100 chunks: 80 more
	is.Equal(len(cs), 1)
	is.Equal(cs[0], Comparison{What: "relay cpu per chunk", Mode: ModeStreamLong, Concurrency: 50, Target: RoleMemory,
		Value: 4, Bare: 2, Ratio: 2}) // (540-220)/80 against (300-140)/80

	var out strings.Builder
	writeComparisons(&out, cs)
	is.True(strings.Contains(out.String(), "Relay CPU per chunk (stream-long less stream CPU, over the chunks more)"))
	is.True(strings.Contains(out.String(), "tollgate-memory c=50 4.0µs vs 2.0µs (2.00x)"))
}
