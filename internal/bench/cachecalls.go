package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CacheCall is how long a Tollgate target's Cache took for one operation,
// on average over the whole run (warm-up included), as its
// tollgate_cache_call_seconds histogram counted it. It tells where the
// latency a target adds beyond another goes: with Redis, Admit is the
// one round trip a client waits for, and Finish the one after the answer.
type CacheCall struct {
	Target string  `json:"target"`
	Op     string  `json:"op"`
	Calls  int64   `json:"calls"`
	MeanUs float64 `json:"mean_us"`
}

// reportedOps are the Cache operations of the request path.
var reportedOps = []string{"admit", "finish"}

// cacheCalls reads the Cache timings of each Tollgate target from its
// /metrics. A target that does not answer is left out: the figures
// explain the table, they are not part of it.
func cacheCalls(ctx context.Context, eps []*endpoint) []CacheCall {
	var out []CacheCall
	for _, ep := range eps {
		if ep.proc == nil || !strings.HasPrefix(ep.name, "tollgate-") {
			continue
		}
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		calls, err := scrapeCacheCalls(ctx, ep.client, "http://"+ep.proc.hand.Addr+"/metrics")
		cancel()
		if err != nil {
			continue
		}
		for _, op := range reportedOps {
			if c, ok := calls[op]; ok && c.Calls > 0 {
				c.Target, c.Op = ep.name, op
				out = append(out, c)
			}
		}
	}
	return out
}

// scrapeCacheCalls gets url and sums tollgate_cache_call_seconds by op,
// over every outcome.
func scrapeCacheCalls(ctx context.Context, client *http.Client, url string) (map[string]CacheCall, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return parseCacheCalls(resp.Body)
}

// parseCacheCalls reads the _sum and _count samples of
// tollgate_cache_call_seconds from a Prometheus text exposition.
func parseCacheCalls(r io.Reader) (map[string]CacheCall, error) {
	const metric = "tollgate_cache_call_seconds"
	sums := make(map[string]float64)
	calls := make(map[string]CacheCall)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, metric)
		if !ok {
			continue
		}
		kind, rest, ok := strings.Cut(rest, "{")
		if !ok || (kind != "_sum" && kind != "_count") {
			continue
		}
		labels, value, ok := strings.Cut(rest, "} ")
		if !ok {
			continue
		}
		op := label(labels, "op")
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if op == "" || err != nil {
			continue
		}
		if kind == "_sum" {
			sums[op] += v
		} else {
			c := calls[op]
			c.Calls += int64(v)
			calls[op] = c
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for op, c := range calls {
		if c.Calls > 0 {
			c.MeanUs = sums[op] / float64(c.Calls) * 1e6
			calls[op] = c
		}
	}
	return calls, nil
}

// label returns the value of name in a Prometheus label list such as
// `op="admit",outcome="ok"` (the values the metrics use need no
// unescaping).
func label(labels, name string) string {
	for _, pair := range strings.Split(labels, ",") {
		if v, ok := strings.CutPrefix(pair, name+`="`); ok {
			return strings.TrimSuffix(v, `"`)
		}
	}
	return ""
}

// writeCacheCalls prints the Cache timings, one line per target.
func writeCacheCalls(w io.Writer, calls []CacheCall) {
	if len(calls) == 0 {
		return
	}
	var targets []string
	for _, c := range calls {
		if !slices.Contains(targets, c.Target) {
			targets = append(targets, c.Target)
		}
	}
	parts := make([]string, 0, len(targets))
	for _, t := range targets {
		var ops []string
		for _, c := range calls {
			if c.Target == t {
				ops = append(ops, fmt.Sprintf("%s %.0fµs", c.Op, c.MeanUs))
			}
		}
		parts = append(parts, t+" "+strings.Join(ops, ", "))
	}
	fmt.Fprintf(w, "Cache calls, mean over the run: %s (a client waits for Admit; with Redis, Finish runs after the answer)\n",
		strings.Join(parts, "; "))
}
