package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"
)

// RedisLoad is what the Redis of the PostgreSQL + Redis target did for
// one cell (mode and concurrency, over every round), per request: the
// CPU time of its process, when it runs on this machine and spent enough
// for /proc's ticks to measure (0 otherwise),
// and the scripts it ran and for how long, as INFO commandstats counts
// them (the execution alone: reading, parsing and answering the command
// is in the CPU time). Every gateway instance shares that Redis, so its
// CPU per request bounds what a deployment serves: a Redis core runs out
// at about a second divided by it.
type RedisLoad struct {
	Mode                  Mode    `json:"mode"`
	Concurrency           int     `json:"concurrency"`
	Target                string  `json:"target"`
	CPUPerRequestUs       float64 `json:"cpu_per_request_us,omitempty"`
	ScriptsPerRequest     float64 `json:"scripts_per_request"`
	ScriptUsPerRequest    float64 `json:"script_us_per_request"`
	RequestsPerCoreSecond float64 `json:"requests_per_core_second,omitempty"`
}

// scriptCommands are the commands that run a script.
var scriptCommands = []string{"evalsha", "eval", "evalsha_ro", "eval_ro", "fcall", "fcall_ro"}

// redisProbe reads the Redis of the PostgreSQL + Redis target around each
// of its loads.
type redisProbe struct {
	client rueidis.Client
	pid    int // Redis's process, 0 when it is not visible here
}

// redisSample is a reading of the probe: the counters only grow, so two
// readings around a load give what it cost.
type redisSample struct {
	cpu         time.Duration
	cpuKnown    bool // Redis's process was read
	scriptUsec  int64
	scriptCalls int64
}

// redisTotals add up the samples' differences over a cell's rounds.
type redisTotals struct {
	redisSample
	cpuUnknown bool // some reading had no CPU time
	requests   int
}

// openRedisProbe connects to addr (as the harness's -redis flag names
// it) on a connection of its own and finds Redis's process: INFO
// server's process_id, when /proc shows it here.
func openRedisProbe(addr string) (*redisProbe, error) {
	opt := rueidis.ClientOption{InitAddress: strings.Split(addr, ",")}
	if strings.Contains(addr, "://") {
		var err error
		if opt, err = rueidis.ParseURL(addr); err != nil {
			return nil, err
		}
	}
	opt.DisableCache = true
	client, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, err
	}
	p := &redisProbe{client: client}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := client.Do(ctx, client.B().Info().Section("server").Build()).ToString()
	if err != nil {
		client.Close()
		return nil, err
	}
	if v, ok := infoFields(strings.NewReader(info))["process_id"]; ok {
		if pid, err := strconv.Atoi(v); err == nil {
			if _, err := readUsage(pid); err == nil {
				p.pid = pid
			}
		}
	}
	return p, nil
}

// Close closes the probe's connection.
func (p *redisProbe) Close() { p.client.Close() }

// sample reads Redis's CPU time (when its process is visible) and its
// scripts' counters.
func (p *redisProbe) sample(ctx context.Context) (redisSample, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	stats, err := p.client.Do(ctx, p.client.B().Info().Section("commandstats").Build()).ToString()
	if err != nil {
		return redisSample{}, err
	}
	var s redisSample
	s.scriptUsec, s.scriptCalls = scriptStats(strings.NewReader(stats))
	if p.pid == 0 {
		return s, nil
	}
	if u, err := readUsage(p.pid); err == nil {
		s.cpu, s.cpuKnown = u.cpu, true
	} // else Redis restarted, say: the scripts' figures still hold
	return s, nil
}

// scriptStats sums the calls and microseconds of the script commands in
// INFO commandstats ("cmdstat_evalsha:calls=3,usec=120,...").
func scriptStats(r io.Reader) (usec, calls int64) {
	for name, v := range infoFields(r) {
		cmd, ok := strings.CutPrefix(name, "cmdstat_")
		if !ok || !slices.Contains(scriptCommands, cmd) {
			continue
		}
		for _, kv := range strings.Split(v, ",") {
			k, n, _ := strings.Cut(kv, "=")
			x, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				continue
			}
			switch k {
			case "calls":
				calls += x
			case "usec":
				usec += x
			}
		}
	}
	return usec, calls
}

// infoFields reads the "name:value" lines of an INFO answer.
func infoFields(r io.Reader) map[string]string {
	out := make(map[string]string)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if name, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
			out[name] = v
		}
	}
	return out
}

// add adds what Redis did between before and after, for requests.
func (t *redisTotals) add(before, after redisSample, requests int) {
	t.cpuUnknown = t.cpuUnknown || !before.cpuKnown || !after.cpuKnown
	t.cpu += after.cpu - before.cpu
	t.scriptUsec += after.scriptUsec - before.scriptUsec
	t.scriptCalls += after.scriptCalls - before.scriptCalls
	t.requests += requests
}

// load returns the totals per request, for the cell k.
func (t *redisTotals) load(k cellKey) (RedisLoad, bool) {
	if t == nil || t.requests == 0 {
		return RedisLoad{}, false
	}
	n := float64(t.requests)
	l := RedisLoad{Mode: k.mode, Concurrency: k.concurrency, Target: k.target,
		ScriptsPerRequest: float64(t.scriptCalls) / n, ScriptUsPerRequest: float64(t.scriptUsec) / n}
	// /proc counts CPU time in ticks: below minRedisCPU, a tick more or
	// less would move the figure by a tenth or more.
	if !t.cpuUnknown && t.cpu >= minRedisCPU {
		l.CPUPerRequestUs = float64(t.cpu.Microseconds()) / n
		l.RequestsPerCoreSecond = 1e6 / l.CPUPerRequestUs
	}
	return l, true
}

// writeRedisLoads prints a line per cell.
func writeRedisLoads(w io.Writer, loads []RedisLoad) {
	for _, l := range loads {
		line := fmt.Sprintf("Redis of %s (%s c=%d): %.1f scripts per request, running %.0fµs",
			l.Target, l.Mode, l.Concurrency, l.ScriptsPerRequest, l.ScriptUsPerRequest)
		if l.CPUPerRequestUs > 0 {
			line += fmt.Sprintf("; its process's CPU %.0fµs per request, so one Redis core serves at most ~%.0f requests/s across every gateway instance",
				l.CPUPerRequestUs, l.RequestsPerCoreSecond)
		}
		fmt.Fprintln(w, line)
	}
}

// minRedisCPU is the least CPU time of Redis's from which a cell reports
// it per request: ten ticks of /proc's clock.
const minRedisCPU = 10 * time.Second / clockTicks

// redisLoads returns the RedisLoads of the cells, in the order of rows.
func redisLoads(rows []Row, cells map[cellKey]*cellStats) []RedisLoad {
	var out []RedisLoad
	for _, r := range rows {
		k := cellKey{mode: r.Mode, concurrency: r.Concurrency, target: r.Target}
		if s := cells[k]; s != nil {
			if l, ok := s.redis.load(k); ok {
				out = append(out, l)
			}
		}
	}
	return out
}
