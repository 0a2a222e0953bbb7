package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
)

func TestScriptStats(t *testing.T) {
	is := is.New(t)
	stats := "# Commandstats\r\n" +
		"cmdstat_evalsha:calls=300,usec=12000,usec_per_call=40.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_eval:calls=2,usec=740,usec_per_call=370.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_hmget:calls=2400,usec=1100,usec_per_call=0.46,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_ping:calls=10,usec=1,usec_per_call=0.10,rejected_calls=0,failed_calls=0\r\n"
	usec, calls := scriptStats(strings.NewReader(stats))
	// The scripts' own commands (HMGET) run inside them: counting them
	// too would count their time twice.
	is.Equal(usec, int64(12740))
	is.Equal(calls, int64(302))
}

func TestRedisLoads(t *testing.T) {
	is := is.New(t)
	k := cellKey{mode: ModeChat, concurrency: 1, target: RolePostgres}
	s := &cellStats{redis: &redisTotals{}}
	s.redis.add(redisSample{cpu: time.Second, cpuKnown: true, scriptUsec: 1000, scriptCalls: 10},
		redisSample{cpu: time.Second + 100*time.Millisecond, cpuKnown: true, scriptUsec: 401000, scriptCalls: 4010}, 2000)
	s.redis.add(redisSample{cpu: 2 * time.Second, cpuKnown: true}, redisSample{cpu: 2*time.Second + 100*time.Millisecond,
		cpuKnown: true, scriptUsec: 400000, scriptCalls: 4000}, 2000)
	rows := []Row{{Mode: ModeChat, Concurrency: 1, Target: RolePostgres}, {Mode: ModeChat, Concurrency: 1, Target: RoleMemory}}
	loads := redisLoads(rows, map[cellKey]*cellStats{k: s, {mode: ModeChat, concurrency: 1, target: RoleMemory}: {}})
	is.Equal(len(loads), 1) // tollgate-memory has no Redis
	is.Equal(loads[0].ScriptsPerRequest, 2.0)
	is.Equal(loads[0].ScriptUsPerRequest, 200.0)
	is.Equal(loads[0].CPUPerRequestUs, 50.0)
	is.Equal(loads[0].RequestsPerCoreSecond, 20000.0)

	var out strings.Builder
	writeRedisLoads(&out, loads)
	is.Equal(out.String(), "Redis of tollgate-pg (chat c=1): 2.0 scripts per request, running 200µs; "+
		"its process's CPU 50µs per request, so one Redis core serves at most ~20000 requests/s across every gateway instance\n")

	// Too little CPU for /proc's ticks is left out too.
	few := &redisTotals{}
	few.add(redisSample{cpuKnown: true}, redisSample{cpu: 50 * time.Millisecond, cpuKnown: true, scriptUsec: 100, scriptCalls: 2}, 1)
	l, ok := few.load(k)
	is.True(ok)
	is.Equal(l.CPUPerRequestUs, 0.0)

	// A round whose first reading had no CPU time leaves the cell's CPU
	// out rather than counting Redis's whole life in it.
	s.redis.add(redisSample{}, redisSample{cpu: time.Hour, cpuKnown: true, scriptUsec: 200, scriptCalls: 2}, 1)
	l, ok = s.redis.load(k)
	is.True(ok)
	is.Equal(l.CPUPerRequestUs, 0.0)
}
