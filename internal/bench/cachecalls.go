package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// CacheCall is how long a Tollgate target's Cache took for one operation
// in one cell (mode and concurrency, over every round), on average, as
// its tollgate_cache_call_seconds histogram counted it: the harness reads
// the target's /metrics before and after each load. It tells where the
// latency a target adds beyond another goes: with Redis, Admit is the
// one round trip a client waits for, and Finish the one after the answer.
type CacheCall struct {
	Mode        Mode    `json:"mode"`
	Concurrency int     `json:"concurrency"`
	Target      string  `json:"target"`
	Op          string  `json:"op"`
	Calls       int64   `json:"calls"`
	MeanUs      float64 `json:"mean_us"`
}

// reportedOps are the Cache operations of the request path.
var reportedOps = []string{"admit", "finish"}

// opTotal is a histogram's sum of seconds and count of calls.
type opTotal struct {
	seconds float64
	calls   int64
}

// cacheTotals are a target's opTotals by Cache operation.
type cacheTotals map[string]opTotal

// readCacheTotals scrapes ep's /metrics when it is a Tollgate target;
// nil otherwise, or when it does not answer: the figures explain the
// table, they are not part of it.
func readCacheTotals(ctx context.Context, ep *endpoint) cacheTotals {
	if ep.proc == nil || !strings.HasPrefix(ep.name, "tollgate-") {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	t, err := scrapeCacheCalls(ctx, ep.client, "http://"+ep.proc.hand.Addr+"/metrics")
	if err != nil {
		return nil
	}
	return t
}

// addDelta adds after less before to t.
func (t cacheTotals) addDelta(before, after cacheTotals) {
	for op, a := range after {
		b := before[op]
		c := t[op]
		c.seconds += a.seconds - b.seconds
		c.calls += a.calls - b.calls
		t[op] = c
	}
}

// cacheCalls returns the CacheCalls of the cells, in the order of rows.
func cacheCalls(rows []Row, cells map[cellKey]*cellStats) []CacheCall {
	var out []CacheCall
	for _, r := range rows {
		s := cells[cellKey{mode: r.Mode, concurrency: r.Concurrency, target: r.Target}]
		if s == nil {
			continue
		}
		for _, op := range reportedOps {
			if t := s.cache[op]; t.calls > 0 {
				out = append(out, CacheCall{Mode: r.Mode, Concurrency: r.Concurrency, Target: r.Target, Op: op,
					Calls: t.calls, MeanUs: t.seconds / float64(t.calls) * 1e6})
			}
		}
	}
	return out
}

// scrapeCacheCalls gets url and sums tollgate_cache_call_seconds by op,
// over every outcome.
func scrapeCacheCalls(ctx context.Context, client *http.Client, url string) (cacheTotals, error) {
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

// parseCacheCalls sums the tollgate_cache_call_seconds histograms of a
// Prometheus text exposition by op, over every outcome.
func parseCacheCalls(r io.Reader) (cacheTotals, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, err
	}
	totals := make(cacheTotals)
	for _, m := range families["tollgate_cache_call_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "op" {
				t := totals[l.GetValue()]
				t.seconds += m.GetHistogram().GetSampleSum()
				t.calls += int64(m.GetHistogram().GetSampleCount())
				totals[l.GetValue()] = t
			}
		}
	}
	return totals, nil
}

// writeCacheCalls prints the Cache timings of the chat cells, a line
// per concurrency (the JSON has every cell's).
func writeCacheCalls(w io.Writer, calls []CacheCall) {
	var concs []int
	for _, c := range calls {
		if c.Mode == ModeChat && !slices.Contains(concs, c.Concurrency) {
			concs = append(concs, c.Concurrency)
		}
	}
	for _, n := range concs {
		var targets []string
		for _, c := range calls {
			if c.Mode == ModeChat && c.Concurrency == n && !slices.Contains(targets, c.Target) {
				targets = append(targets, c.Target)
			}
		}
		parts := make([]string, 0, len(targets))
		for _, t := range targets {
			var ops []string
			for _, c := range calls {
				if c.Mode == ModeChat && c.Concurrency == n && c.Target == t {
					ops = append(ops, fmt.Sprintf("%s %.0fµs", c.Op, c.MeanUs))
				}
			}
			parts = append(parts, t+" "+strings.Join(ops, ", "))
		}
		fmt.Fprintf(w, "Cache calls, mean (chat c=%d): %s\n", n, strings.Join(parts, "; "))
	}
}
