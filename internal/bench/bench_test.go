package bench_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/bench"
)

// TestMain lets the test binary play the harness's roles: Run starts
// this same binary for each target.
func TestMain(m *testing.M) {
	if bench.IsChild() {
		os.Exit(bench.Child(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// TestQuickRun runs the harness end to end in quick mode: the upstream,
// direct, the bare proxy and Tollgate on memory and SQLite (and on
// PostgreSQL and Redis when both are reachable), every mode, and checks
// that every response was verified and the JSON was written.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	is := is.New(t)
	out := filepath.Join(t.TempDir(), "results", "bench.json")
	var log strings.Builder
	cfg := bench.Quick(bench.Config{
		Targets:     bench.AllTargets, // tollgate-pg is skipped when it cannot run
		Concurrency: []int{1, 4},
		Log:         &log,
	})
	cfg.Requests = 40 // Quick's 100 would do too; fewer keep the test short
	cfg.Keys = 2000
	rep, err := bench.Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	t.Log("\n" + rep.String())

	ran := []string{bench.TargetDirect, bench.TargetBare, bench.RoleMemory, bench.RoleSQLite}
	if len(rep.Skipped) == 0 {
		ran = append(ran, bench.RolePostgres)
	} else {
		t.Logf("skipped: %v", rep.Skipped)
	}
	is.Equal(len(rep.Rows), len(ran)*4*2) // every target, mode and concurrency
	for _, row := range rep.Rows {
		is.True(slices.Contains(ran, row.Target))
		is.True(row.Requests > 0) // every cell sent requests
		if row.Failures > 0 {
			t.Errorf("%s/%d %s: %d of %d failed: %v", row.Mode, row.Concurrency, row.Target, row.Failures, row.Requests, row.Errors)
		}
		is.True(row.P50Ms > 0)
		if row.Mode.Streams() {
			is.True(row.TTFBP50Ms > 0)
		}
		if row.Target != bench.TargetDirect {
			is.True(row.RSSMiB > 0) // read from /proc
		}
	}
	is.True(rep.Verified())
	idle := map[string]bench.Idle{}
	for _, i := range rep.Idle {
		idle[i.Target] = i
	}
	for _, target := range ran[1:] {
		is.True(idle[target].RSSMiB > 0) // read as each target started
	}
	is.Equal(idle[bench.RoleMemory].Keys, 2000)
	is.Equal(idle[bench.RoleSQLite].Keys, 2000)
	if slices.Contains(ran, bench.RolePostgres) {
		is.Equal(idle[bench.RolePostgres].Keys, 2000)
	}
	is.Equal(idle[bench.TargetBare].Keys, 0)
	admits := map[string]int64{} // every Tollgate target's Admit calls, read from its /metrics
	for _, c := range rep.CacheCalls {
		if c.Op == "admit" {
			is.True(c.MeanUs > 0)
			admits[c.Target] = c.Calls
		}
	}
	for _, target := range ran[2:] {
		is.True(admits[target] > 0) // one Admit a request, warm-up included
	}
	if slices.Contains(ran, bench.RolePostgres) {
		// Its Redis ran an admission script for each request, and a
		// finish for most (the last ones may land in the next cell).
		is.Equal(len(rep.RedisLoads), 4*2)
		for _, l := range rep.RedisLoads {
			is.Equal(l.Target, bench.RolePostgres)
			is.True(l.ScriptsPerRequest >= 1)
			is.True(l.ScriptUsPerRequest > 0)
		}
	}

	is.NoErr(rep.WriteJSON(out))
	b, err := os.ReadFile(out)
	is.NoErr(err)
	var saved bench.Report
	is.NoErr(json.Unmarshal(b, &saved))
	is.Equal(len(saved.Rows), len(rep.Rows))
	is.True(strings.Contains(saved.Note, "ratios"))
}

// TestCPUProfile checks that with CPUProfileDir set, the bare proxy and
// a Tollgate target each leave a CPU profile once the run has stopped
// them, and that the upstream, which is not measured, leaves none.
func TestCPUProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("starts several processes")
	}
	is := is.New(t)
	dir := filepath.Join(t.TempDir(), "prof")
	var log strings.Builder
	cfg := bench.Quick(bench.Config{
		Targets:       []string{bench.TargetBare, bench.RoleMemory},
		Concurrency:   []int{2},
		Modes:         []bench.Mode{bench.ModeChat},
		CPUProfileDir: dir,
		Log:           &log,
	})
	cfg.Keys = -1
	rep, err := bench.Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	is.True(rep.Verified())
	for _, target := range []string{bench.TargetBare, bench.RoleMemory} {
		b, err := os.ReadFile(filepath.Join(dir, target+".pprof"))
		is.NoErr(err)
		is.True(len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b) // a gzipped profile, flushed and closed
	}
	_, err = os.Stat(filepath.Join(dir, bench.RoleUpstream+".pprof"))
	is.True(os.IsNotExist(err))
}
