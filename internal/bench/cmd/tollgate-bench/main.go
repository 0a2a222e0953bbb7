// Command tollgate-bench measures what Tollgate adds to a request: it
// runs a zero-latency OpenAI wire mock, a bare httputil.ReverseProxy to
// it, and Tollgate on memory, SQLite and PostgreSQL+Redis adapters, each
// as a process of its own, drives them all with the same closed-loop
// load, verifies every response, and prints one table of throughput,
// latency, CPU and memory, as ratios to the bare proxy. It also saves
// the table as JSON.
//
//	go run ./internal/bench/cmd/tollgate-bench            # the full run, about 4 minutes
//	go run ./internal/bench/cmd/tollgate-bench -quick     # a smoke run of a few seconds
//	go run ./internal/bench/cmd/tollgate-bench -targets bare,tollgate-memory -modes chat \
//		-concurrency 50 -cpuprofile /tmp/prof            # CPU profiles: /tmp/prof/<target>.pprof
//
// The logic lives in internal/bench; see its package doc.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/tollgate-ai/tollgate/internal/bench"
)

func main() {
	if bench.IsChild() {
		os.Exit(bench.Child(os.Args[1:]))
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var cfg bench.Config
	var targets, conc, modes, out string
	var quick bool
	fs := flag.NewFlagSet("tollgate-bench", flag.ContinueOnError)
	fs.DurationVar(&cfg.Duration, "duration", 0, "time per cell (one target, mode, concurrency and round) (default 2s)")
	fs.IntVar(&cfg.Requests, "requests", 0, "most requests per cell (default 50000)")
	fs.DurationVar(&cfg.Warmup, "warmup", 0, "unmeasured load per target and mode before the first round (default 300ms)")
	fs.IntVar(&cfg.Rounds, "rounds", 0, "rounds, the targets interleaved in each (default 3)")
	fs.StringVar(&targets, "targets", "", "comma-separated targets (default all: "+strings.Join(bench.AllTargets, ",")+")")
	fs.StringVar(&conc, "concurrency", "", "comma-separated worker counts (default 1,50)")
	fs.StringVar(&modes, "modes", "", "comma-separated modes: chat, stream, stream-long, stream-gap (default all)")
	fs.IntVar(&cfg.Chunks, "chunks", 0, "chunks per streamed answer (default 20)")
	fs.DurationVar(&cfg.Gap, "gap", 0, "gap between chunks in stream-gap mode (default 5ms)")
	fs.StringVar(&cfg.PostgresDSN, "pg", "", "PostgreSQL server for tollgate-pg (default $TOLLGATE_TEST_PG_DSN or postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	fs.StringVar(&cfg.RedisAddr, "redis", "", "Redis for tollgate-pg (default $TOLLGATE_TEST_REDIS_ADDR or 127.0.0.1:6379)")
	fs.StringVar(&cfg.CPUProfileDir, "cpuprofile", "", "directory where the bare proxy and each Tollgate target write a CPU profile of their run, as <target>.pprof (one profile spans every mode and concurrency run: narrow -modes and -concurrency to profile one cell)")
	fs.IntVar(&cfg.Keys, "keys", 0, "client keys each Tollgate target loads before it serves, for its idle RSS (default 100000; -1: none)")
	fs.StringVar(&out, "out", "bench-results/bench.json", "where to save the results as JSON (empty: do not save)")
	fs.BoolVar(&quick, "quick", false, "a smoke run of a few seconds: one round of at most 100 requests or 500ms per cell, 1000 keys (flags set explicitly still apply)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if targets != "" {
		cfg.Targets = strings.Split(targets, ",")
	}
	for _, m := range splitList(modes) {
		cfg.Modes = append(cfg.Modes, bench.Mode(m))
	}
	for _, s := range splitList(conc) {
		n, err := strconv.Atoi(s)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tollgate-bench: -concurrency: %v\n", err)
			return 2
		}
		cfg.Concurrency = append(cfg.Concurrency, n)
	}
	if quick {
		// Quick scales the run down; what the command line sets
		// explicitly still wins.
		set := cfg
		cfg = bench.Quick(cfg)
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "duration":
				cfg.Duration = set.Duration
			case "requests":
				cfg.Requests = set.Requests
			case "warmup":
				cfg.Warmup = set.Warmup
			case "rounds":
				cfg.Rounds = set.Rounds
			case "keys":
				cfg.Keys = set.Keys
			}
		})
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tollgate-bench: %v\n", err)
		return 1
	}
	fmt.Println()
	if err := rep.WriteTable(os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "tollgate-bench: %v\n", err)
		return 1
	}
	if out != "" {
		if err := rep.WriteJSON(out); err != nil {
			fmt.Fprintf(os.Stderr, "tollgate-bench: %v\n", err)
			return 1
		}
		fmt.Printf("Saved to %s.\n", out)
	}
	if !rep.Verified() {
		fmt.Fprintln(os.Stderr, "tollgate-bench: some responses failed verification (see above)")
		return 1
	}
	return 0
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
