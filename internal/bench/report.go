package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a Run: one Row per mode, concurrency and
// target, and what the run was made on.
type Report struct {
	Started   time.Time      `json:"started"`
	Elapsed   string         `json:"elapsed"`
	GoVersion string         `json:"go_version"`
	OS        string         `json:"os"`
	Arch      string         `json:"arch"`
	CPUs      int            `json:"cpus"`
	Config    map[string]any `json:"config"`
	Rows      []Row          `json:"rows"`
	// Idle is each target process's RSS as soon as it served, before any
	// load.
	Idle []Idle `json:"idle"`
	// Comparisons are the figures the rows imply as the performance
	// targets state them (see Comparison).
	Comparisons []Comparison `json:"comparisons,omitempty"`
	// CacheCalls are the Tollgate targets' Cache timings (see CacheCall).
	CacheCalls []CacheCall `json:"cache_calls,omitempty"`
	// RedisLoads are what the Redis of tollgate-pg did (see RedisLoad).
	RedisLoads []RedisLoad `json:"redis,omitempty"`
	// Skipped says which targets did not run, and why.
	Skipped []string `json:"skipped,omitempty"`
	Note    string   `json:"note"`
}

// note is printed under the table and saved in the JSON.
const note = "Absolute times depend on the machine and on what else runs on it: compare the ratios " +
	"(throughput and CPU per request against the bare httputil.ReverseProxy, latency added over direct)."

// Idle is a target's resident set size before any load, with the
// client keys it had loaded.
type Idle struct {
	Target string  `json:"target"`
	Keys   int     `json:"keys,omitempty"`
	RSSMiB float64 `json:"rss_mib"`
}

// Row is one cell of the table: a target under one mode and concurrency,
// over every round. Times are in milliseconds; ratios are to the bare
// proxy in the same mode and concurrency (0 when there is none), and
// AddedP50Ms is over direct (nil when direct did not run, and for
// direct itself).
type Row struct {
	Mode        Mode     `json:"mode"`
	Concurrency int      `json:"concurrency"`
	Target      string   `json:"target"`
	Requests    int      `json:"requests"`
	Failures    int      `json:"failures"`
	Truncated   int      `json:"truncated"`
	RPS         float64  `json:"requests_per_second"`
	P50Ms       float64  `json:"p50_ms"`
	P90Ms       float64  `json:"p90_ms"`
	P99Ms       float64  `json:"p99_ms"`
	TTFBP50Ms   float64  `json:"ttfb_p50_ms,omitempty"`
	AddedP50Ms  *float64 `json:"added_p50_ms,omitempty"`
	RPSVsBare   float64  `json:"throughput_vs_bare,omitempty"`
	// CPUPerRequestUs is the target process's user and system CPU time
	// per request, in microseconds; 0 for direct, which has no process
	// of its own.
	CPUPerRequestUs float64 `json:"cpu_per_request_us,omitempty"`
	CPUVsBare       float64 `json:"cpu_vs_bare,omitempty"`
	// RSSMiB is the target process's peak resident set size after a
	// load of this cell.
	RSSMiB float64  `json:"rss_mib,omitempty"`
	Errors []string `json:"errors,omitempty"`
}

// Verified reports whether every request of every row was answered and
// verified, and at least one was sent.
func (r *Report) Verified() bool {
	n := 0
	for _, row := range r.Rows {
		if row.Failures > 0 {
			return false
		}
		n += row.Requests
	}
	return n > 0
}

// describe is the Config as the Report records it.
func describe(c Config) map[string]any {
	modes := make([]string, len(c.Modes))
	for i, m := range c.Modes {
		modes[i] = string(m)
	}
	return map[string]any{
		"duration": c.Duration.String(), "requests": c.Requests, "warmup": c.Warmup.String(),
		"rounds": c.Rounds, "targets": c.Targets, "concurrency": c.Concurrency, "modes": modes,
		"chunks": c.Chunks, "gap": c.Gap.String(), "keys": c.Keys,
	}
}

// buildRows turns the cells into rows, in the order they ran.
func buildRows(cfg Config, eps []*endpoint, cells map[cellKey]*cellStats) []Row {
	var rows []Row
	for _, m := range cfg.Modes {
		for _, n := range cfg.Concurrency {
			group := make([]Row, 0, len(eps))
			var direct, bare *Row
			for _, ep := range eps {
				s := cells[cellKey{mode: m, concurrency: n, target: ep.name}]
				if s == nil {
					continue
				}
				row := Row{Mode: m, Concurrency: n, Target: ep.name, Requests: s.requests, Failures: s.failures,
					Truncated: s.truncated, Errors: s.errs}
				if s.elapsed > 0 {
					row.RPS = float64(s.requests) / s.elapsed.Seconds()
				}
				row.P50Ms, row.P90Ms, row.P99Ms = ms(percentile(s.latencies, 50)), ms(percentile(s.latencies, 90)), ms(percentile(s.latencies, 99))
				if m.Streams() {
					row.TTFBP50Ms = ms(percentile(s.ttfb, 50))
				}
				if ep.proc != nil && s.requests > 0 && s.procErr == nil {
					row.CPUPerRequestUs = float64(s.cpu.Microseconds()) / float64(s.requests)
					row.RSSMiB = float64(s.rss) / (1 << 20)
				}
				group = append(group, row)
			}
			for i := range group {
				switch group[i].Target {
				case TargetDirect:
					direct = &group[i]
				case TargetBare:
					bare = &group[i]
				}
			}
			for i := range group {
				r := &group[i]
				if direct != nil && r != direct {
					added := r.P50Ms - direct.P50Ms
					r.AddedP50Ms = &added
				}
				if bare != nil && bare.RPS > 0 {
					r.RPSVsBare = r.RPS / bare.RPS
				}
				if bare != nil && bare.CPUPerRequestUs > 0 && r.CPUPerRequestUs > 0 {
					r.CPUVsBare = r.CPUPerRequestUs / bare.CPUPerRequestUs
				}
			}
			rows = append(rows, group...)
		}
	}
	return rows
}

// percentile returns the p-th percentile of ds (nearest rank); it sorts
// ds in place.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p/100+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// WriteTable prints the report as one table, grouped by mode and
// concurrency, followed by the skipped targets and the note on reading
// it.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tconc\ttarget\treq/s\tp50\tp90\tp99\tTTFB p50\t+p50 vs direct\tthroughput vs bare\tCPU/req\tCPU vs bare\tRSS\tfailed\ttruncated\t")
	var last string
	for _, row := range r.Rows {
		group := fmt.Sprintf("%s/%d", row.Mode, row.Concurrency)
		mode, conc := string(row.Mode), fmt.Sprint(row.Concurrency)
		if group == last {
			mode, conc = "", ""
		}
		last = group
		ttfb := "-"
		if row.Mode.Streams() {
			ttfb = fmtMs(row.TTFBP50Ms)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n",
			mode, conc, row.Target, row.RPS, fmtMs(row.P50Ms), fmtMs(row.P90Ms), fmtMs(row.P99Ms), ttfb,
			fmtAdded(row), ratio(row.RPSVsBare), fmtCPU(row.CPUPerRequestUs), ratio(row.CPUVsBare),
			fmtRSS(row.RSSMiB), row.Failures, row.Truncated)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Idle) > 0 {
		var parts []string
		for _, i := range r.Idle {
			part := fmt.Sprintf("%s %s", i.Target, fmtRSS(i.RSSMiB))
			if i.Keys > 0 {
				part += fmt.Sprintf(" (with %d keys loaded)", i.Keys)
			}
			parts = append(parts, part)
		}
		fmt.Fprintf(w, "Idle RSS: %s\n", strings.Join(parts, ", "))
	}
	writeComparisons(w, r.Comparisons)
	writeCacheCalls(w, r.CacheCalls)
	writeRedisLoads(w, r.RedisLoads)
	for _, s := range r.Skipped {
		fmt.Fprintln(w, s)
	}
	for _, row := range r.Rows {
		for _, e := range row.Errors {
			fmt.Fprintf(w, "%s/%d %s: %s\n", row.Mode, row.Concurrency, row.Target, e)
		}
	}
	_, err := fmt.Fprintf(w, "%d CPUs, %s %s/%s, %s. %s\n", r.CPUs, r.GoVersion, r.OS, r.Arch, r.Elapsed, note)
	return err
}

func fmtMs(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.0fµs", v*1000)
	}
	return fmt.Sprintf("%.2fms", v)
}

func fmtAdded(row Row) string {
	if row.AddedP50Ms == nil {
		return "-"
	}
	return fmt.Sprintf("%+.0fµs", *row.AddedP50Ms*1000)
}

func ratio(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", v)
}

func fmtCPU(us float64) string {
	if us == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fµs", us)
}

func fmtRSS(mib float64) string {
	if mib == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fMiB", mib)
}

// WriteJSON saves the report at path, making its directory.
func (r *Report) WriteJSON(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	r.Note = note
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// String is the table, for logs.
func (r *Report) String() string {
	var b strings.Builder
	_ = r.WriteTable(&b)
	return b.String()
}
