package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// Targets the harness can measure, in the order it runs them.
const (
	TargetDirect = "direct" // the load generator straight to the upstream
	TargetBare   = RoleBare
)

// AllTargets are every target, in the order of each round.
var AllTargets = []string{TargetDirect, TargetBare, RoleMemory, RoleSQLite, RolePostgres}

// Config tunes a run. The zero value runs the full benchmark: every
// target, concurrency 1 and 50, every Mode, three rounds of 2 s cells.
type Config struct {
	// Duration bounds each cell (one target, one mode, one concurrency,
	// one round). Default 2s.
	Duration time.Duration
	// Requests bounds each cell too; 0 means only Duration does.
	// Default 50,000.
	Requests int
	// Warmup is spent on each target and mode before the first round,
	// and not counted. Default 300ms.
	Warmup time.Duration
	// Rounds is how many times every cell runs, the targets interleaved
	// (direct, bare, each Tollgate, and again), so that a slow moment of
	// the machine hits them all alike. Default 3.
	Rounds int
	// Targets to measure, from AllTargets. Default all; a Tollgate on
	// PostgreSQL and Redis is skipped, with a message, when either cannot
	// be reached.
	Targets []string
	// Concurrency lists the numbers of workers to run each cell at.
	// Default 1 and 50.
	Concurrency []int
	// Modes lists what the requests ask for. Default all three.
	Modes []Mode
	// Chunks is how many chunks a streamed answer has. Default 20.
	Chunks int
	// Gap is the upstream's wait between chunks in ModeStreamGap.
	// Default 5ms.
	Gap time.Duration
	// PostgresDSN is the server a tollgate-pg run makes a database of its
	// own on (and drops after). Default TOLLGATE_TEST_PG_DSN, else
	// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
	PostgresDSN string
	// RedisAddr is the Redis of a tollgate-pg run; its keys take a
	// random prefix. Default TOLLGATE_TEST_REDIS_ADDR, else
	// 127.0.0.1:6379.
	RedisAddr string
	// CPUProfileDir, when set, makes the bare proxy and each Tollgate
	// target write a CPU profile of their whole run, warm-up included,
	// to CPUProfileDir/<target>.pprof (read with go tool pprof). One
	// profile spans every mode and concurrency the run measures: to
	// profile one cell, run only that mode and concurrency.
	CPUProfileDir string
	// Keys is how many client keys each Tollgate target loads besides
	// the benchmark's own before it serves, so that its idle RSS (read
	// as soon as it answers, before any load) shows what a large key
	// table costs. Default 100,000; negative: none.
	Keys int
	// Exe is the binary started for each role. Default os.Executable():
	// the running program, which must call Child when IsChild.
	Exe string
	// Log receives progress lines. Default os.Stderr.
	Log io.Writer
}

// Quick returns c scaled down to a smoke run that finishes in seconds:
// one round of at most 100 requests or 500 ms per cell, after a short
// warm-up, with 1,000 keys loaded rather than 100,000 (which take half a
// minute to insert into PostgreSQL). The other fields of c are kept.
func Quick(c Config) Config {
	c.Duration, c.Requests, c.Warmup, c.Rounds, c.Keys = 500*time.Millisecond, 100, 50*time.Millisecond, 1, 1000
	return c
}

func (c Config) withDefaults() Config {
	if c.Duration <= 0 {
		c.Duration = 2 * time.Second
	}
	if c.Requests == 0 {
		c.Requests = 50_000
	}
	if c.Warmup <= 0 {
		c.Warmup = 300 * time.Millisecond
	}
	if c.Rounds <= 0 {
		c.Rounds = 3
	}
	if c.Keys == 0 {
		c.Keys = 100_000
	}
	if len(c.Targets) == 0 {
		c.Targets = AllTargets
	}
	if len(c.Concurrency) == 0 {
		c.Concurrency = []int{1, 50}
	}
	if len(c.Modes) == 0 {
		c.Modes = []Mode{ModeChat, ModeStream, ModeStreamLong, ModeStreamGap}
	}
	if c.Chunks <= 0 {
		c.Chunks = 20
	}
	c.Chunks = max(c.Chunks, 2)
	if c.Gap <= 0 {
		c.Gap = 5 * time.Millisecond
	}
	if c.PostgresDSN == "" {
		c.PostgresDSN = cmp(os.Getenv("TOLLGATE_TEST_PG_DSN"), "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	if c.RedisAddr == "" {
		c.RedisAddr = cmp(os.Getenv("TOLLGATE_TEST_REDIS_ADDR"), "127.0.0.1:6379")
	}
	if c.Log == nil {
		c.Log = os.Stderr
	}
	return c
}

// cmp returns a unless it is empty, else b.
func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Validate reports a Config the harness cannot run.
func (c Config) Validate() error {
	for _, t := range c.Targets {
		if !slices.Contains(AllTargets, t) {
			return fmt.Errorf("unknown target %q (have %v)", t, AllTargets)
		}
	}
	for _, n := range c.Concurrency {
		if n < 1 || n > 10_000 {
			return fmt.Errorf("concurrency %d: want 1 to 10000", n)
		}
	}
	for _, m := range c.Modes {
		if m != ModeChat && m != ModeStream && m != ModeStreamLong && m != ModeStreamGap {
			return fmt.Errorf("unknown mode %q", m)
		}
	}
	return nil
}

// Run starts the upstream and every target as processes of their own,
// measures every cell in interleaved rounds, stops them, and returns the
// Report. A target that cannot start fails the run, except tollgate-pg
// without PostgreSQL or Redis, which is skipped (Report.Skipped says
// why).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	exe := cfg.Exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	logf := func(format string, args ...any) { fmt.Fprintf(cfg.Log, format+"\n", args...) }
	rep := &Report{Started: time.Now().UTC(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		CPUs: runtime.NumCPU(), Config: describe(cfg), Note: note}

	// undo stops the children and removes what the run made, last
	// first: each Tollgate stops before its database is dropped.
	var undo []func()
	defer func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}()
	up, err := startChild(exe, ChildOptions{Role: RoleUpstream, Chunks: cfg.Chunks, Gap: cfg.Gap}, time.Minute)
	if err != nil {
		return nil, err
	}
	undo = append(undo, up.stop)
	upstream := "http://" + up.hand.Addr
	logf("upstream on %s (pid %d)", upstream, up.pid())

	if cfg.CPUProfileDir != "" {
		if err := os.MkdirAll(cfg.CPUProfileDir, 0o755); err != nil {
			return nil, err
		}
	}
	var eps []*endpoint
	for _, name := range cfg.Targets {
		if name == TargetDirect {
			eps = append(eps, newEndpoint(name, upstream, "sk-bench-direct", nil))
			continue
		}
		o := ChildOptions{Role: name, UpstreamURL: upstream}
		if cfg.CPUProfileDir != "" {
			o.CPUProfile = filepath.Join(cfg.CPUProfileDir, name+".pprof")
		}
		switch name {
		case RoleMemory:
			o.Keys = max(cfg.Keys, 0)
		case RoleSQLite:
			o.Keys = max(cfg.Keys, 0)
			dir, err := os.MkdirTemp("", "tollgate-bench-")
			if err != nil {
				return nil, err
			}
			undo = append(undo, func() { _ = os.RemoveAll(dir) })
			o.DataDir = dir
		case RolePostgres:
			dsn, drop, err := postgresDatabase(ctx, cfg.PostgresDSN)
			if drop != nil {
				undo = append(undo, drop)
			}
			if err == nil {
				err = redisReachable(cfg.RedisAddr)
			}
			if err != nil {
				msg := fmt.Sprintf("%s skipped: %v (set -pg and -redis, or TOLLGATE_TEST_PG_DSN and TOLLGATE_TEST_REDIS_ADDR)", name, err)
				logf("%s", msg)
				rep.Skipped = append(rep.Skipped, msg)
				continue
			}
			o.PostgresDSN, o.RedisAddr, o.RedisPrefix = dsn, cfg.RedisAddr, "tollgate-bench-"+randomHex(6)+":"
			o.Keys = max(cfg.Keys, 0)
		}
		c, err := startChild(exe, o, 2*time.Minute)
		if err != nil {
			return nil, err
		}
		undo = append(undo, c.stop)
		logf("%s on %s (pid %d)", name, c.hand.Addr, c.pid())
		if u, err := readUsage(c.pid()); err == nil {
			rep.Idle = append(rep.Idle, Idle{Target: name, Keys: o.Keys, RSSMiB: float64(u.rss) / (1 << 20)})
		}
		ep := newEndpoint(name, "http://"+c.hand.Addr, c.hand.Key, c)
		if name == RolePostgres {
			if ep.redis, err = openRedisProbe(cfg.RedisAddr); err != nil {
				logf("Redis's own figures skipped: %v", err)
			} else {
				undo = append(undo, ep.redis.Close)
			}
		}
		eps = append(eps, ep)
	}

	l := newLoader(cfg.Chunks)
	// Warm up every target in every mode: connection pools, the
	// gateways' caches and breakers, the Go runtime's heap.
	for _, ep := range eps {
		for _, m := range cfg.Modes {
			l.run(ctx, ep, m, slices.Max(cfg.Concurrency), bound{requests: 2000, duration: cfg.Warmup})
		}
	}

	cells := make(map[cellKey]*cellStats)
	for round := range cfg.Rounds {
		for _, m := range cfg.Modes {
			for _, n := range cfg.Concurrency {
				for _, ep := range eps {
					if err := ctx.Err(); err != nil {
						return nil, err
					}
					k := cellKey{mode: m, concurrency: n, target: ep.name}
					s := cells[k]
					if s == nil {
						s = &cellStats{}
						cells[k] = s
					}
					measure(ctx, l, ep, k, bound{requests: cfg.Requests, duration: cfg.Duration}, s)
					logf("round %d/%d  %-10s c=%-3d %-16s %6d req  %8.0f req/s  %d failed",
						round+1, cfg.Rounds, m, n, ep.name, s.last.requests,
						float64(s.last.requests)/s.last.elapsed.Seconds(), s.last.failures)
				}
			}
		}
	}
	rep.Rows = buildRows(cfg, eps, cells)
	rep.Comparisons = compare(rep.Rows, cfg.Chunks)
	rep.CacheCalls = cacheCalls(rep.Rows, cells)
	rep.RedisLoads = redisLoads(rep.Rows, cells)
	rep.Elapsed = time.Since(rep.Started).Round(time.Second).String()
	return rep, nil
}

// cellKey names one cell of the table.
type cellKey struct {
	mode        Mode
	concurrency int
	target      string
}

// cellStats gathers one cell's loads over the rounds, and the CPU time
// and peak RSS of the target's process while they ran.
type cellStats struct {
	result
	cpu     time.Duration
	rss     int64
	procErr error
	cache   cacheTotals  // Tollgate targets: the Cache's time by operation
	redis   *redisTotals // tollgate-pg: what its Redis did
	last    result       // the latest round's, for progress lines
}

// measure runs one load on ep, reading its process's usage before and
// after (and its Redis's, when it has one), and adds both to s.
func measure(ctx context.Context, l *loader, ep *endpoint, k cellKey, b bound, s *cellStats) {
	cacheBefore := readCacheTotals(ctx, ep)
	var redisBefore redisSample
	var redisErr error
	if ep.redis != nil {
		redisBefore, redisErr = ep.redis.sample(ctx)
	}
	var before usage
	if ep.proc != nil {
		before, s.procErr = readUsage(ep.proc.pid())
	}
	r := l.run(ctx, ep, k.mode, k.concurrency, b)
	if ep.proc != nil && s.procErr == nil {
		var after usage
		if after, s.procErr = readUsage(ep.proc.pid()); s.procErr == nil {
			s.cpu += after.cpu - before.cpu
			s.rss = max(s.rss, after.rss)
		}
	}
	if cacheBefore != nil {
		if cacheAfter := readCacheTotals(ctx, ep); cacheAfter != nil {
			if s.cache == nil {
				s.cache = make(cacheTotals)
			}
			s.cache.addDelta(cacheBefore, cacheAfter)
		}
	}
	if ep.redis != nil && redisErr == nil {
		if after, err := ep.redis.sample(ctx); err == nil {
			if s.redis == nil {
				s.redis = &redisTotals{}
			}
			s.redis.add(redisBefore, after, r.requests)
		}
	}
	s.add(r)
	s.last = r
}
