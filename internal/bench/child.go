package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

// Roles a child process plays. The harness starts one process per role.
const (
	RoleUpstream = "upstream"             // the OpenAI wire mock (Upstream)
	RoleBare     = "bare"                 // a bare httputil.ReverseProxy to the upstream
	RoleMemory   = "tollgate-memory"      // Tollgate on the memory Store and Cache
	RoleSQLite   = "tollgate-sqlite"      // Tollgate on SQLite and the memory Cache
	RolePostgres = "tollgate-pg"          // Tollgate on PostgreSQL and Redis
	childEnv     = "TOLLGATE_BENCH_CHILD" // set to "1" in a child's environment
)

// IsChild reports whether this process was started by the harness to
// play a role; the program must then call Child and exit with its code.
func IsChild() bool { return os.Getenv(childEnv) == "1" }

// ChildOptions are what a child needs for its role, passed as flags.
type ChildOptions struct {
	Role        string
	UpstreamURL string        // bare and Tollgate: where the upstream listens
	Chunks      int           // upstream: chunks per streamed answer
	Gap         time.Duration // upstream: wait between chunks of SlowModel
	DataDir     string        // tollgate-sqlite: where the database file goes
	PostgresDSN string        // tollgate-pg: a database of its own
	RedisAddr   string        // tollgate-pg
	RedisPrefix string        // tollgate-pg: keeps the run's keys apart
	CPUProfile  string        // bare and Tollgate: where to write a CPU profile of the run
	Keys        int           // Tollgate: client keys loaded besides the benchmark's own
}

// args returns o as the command line Child parses.
func (o ChildOptions) args() []string {
	return []string{"-role", o.Role, "-upstream", o.UpstreamURL, "-chunks", fmt.Sprint(o.Chunks),
		"-gap", o.Gap.String(), "-data", o.DataDir, "-pg", o.PostgresDSN,
		"-redis", o.RedisAddr, "-redis-prefix", o.RedisPrefix, "-cpuprofile", o.CPUProfile, "-keys", fmt.Sprint(o.Keys)}
}

// Handshake is the one JSON line a child prints on stdout once it
// serves: its address, and the client key for a Tollgate role.
type Handshake struct {
	Addr  string `json:"addr"`
	Key   string `json:"key,omitempty"`
	Error string `json:"error,omitempty"`
}

// Child plays the role args name, prints its Handshake and serves on a
// loopback port until its stdin closes (the harness ended or died) or it
// receives SIGINT or SIGTERM. It returns the process's exit code.
func Child(args []string) int {
	var o ChildOptions
	fs := flag.NewFlagSet("tollgate-bench child", flag.ContinueOnError)
	fs.StringVar(&o.Role, "role", "", "the role to play")
	fs.StringVar(&o.UpstreamURL, "upstream", "", "the upstream's base URL")
	fs.IntVar(&o.Chunks, "chunks", 20, "chunks per streamed answer")
	fs.DurationVar(&o.Gap, "gap", 5*time.Millisecond, "gap between chunks of "+SlowModel)
	fs.StringVar(&o.DataDir, "data", "", "SQLite data directory")
	fs.StringVar(&o.PostgresDSN, "pg", "", "PostgreSQL DSN")
	fs.StringVar(&o.RedisAddr, "redis", "", "Redis address")
	fs.StringVar(&o.RedisPrefix, "redis-prefix", "", "Redis key prefix")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.IntVar(&o.Keys, "keys", 0, "client keys to load besides the benchmark's own")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	enc := json.NewEncoder(os.Stdout)
	if err := serveChild(o, enc); err != nil {
		_ = enc.Encode(Handshake{Error: err.Error()})
		fmt.Fprintf(os.Stderr, "tollgate-bench %s: %v\n", o.Role, err)
		return 1
	}
	return 0
}

func serveChild(o ChildOptions, enc *json.Encoder) (err error) {
	if o.CPUProfile != "" {
		stopProfile, perr := startCPUProfile(o.CPUProfile)
		if perr != nil {
			return perr
		}
		// Deferred first, so it runs last: the profile covers the
		// shutdown too, and is flushed before Child returns and the
		// process exits.
		defer func() { err = errors.Join(err, stopProfile()) }()
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("role", o.Role)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var h Handshake
	var handler http.Handler
	var closeTarget func() error
	switch o.Role {
	case RoleUpstream:
		handler = NewUpstream(o.Chunks, o.Gap)
	case RoleBare:
		p, err := bareProxy(o.UpstreamURL)
		if err != nil {
			return err
		}
		handler = p
	case RoleMemory, RoleSQLite, RolePostgres:
		t, err := newTollgate(ctx, o.Role, o, logger)
		if err != nil {
			return err
		}
		handler, h.Key, closeTarget = t.handler, t.key, t.Close
	default:
		return fmt.Errorf("unknown role %q", o.Role)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	h.Addr = ln.Addr().String()
	if err := enc.Encode(h); err != nil {
		return err
	}

	// Serve until the harness closes our stdin (also when it dies) or
	// signals us.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(eof) }()
	select {
	case <-stop:
	case <-eof:
	case err := <-served:
		return err
	}
	shut, cancelShut := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelShut()
	err = srv.Shutdown(shut)
	if closeTarget != nil {
		err = errors.Join(err, closeTarget())
	}
	return err
}

// startCPUProfile starts profiling the process's CPU into path and
// returns what stops the profile and closes the file.
func startCPUProfile(path string) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// bareProxy is the lower bound of any Go gateway: an
// httputil.ReverseProxy to the upstream that does nothing but forward,
// over a transport tuned as a gateway's would be (a large idle pool, no
// compression) and flushing every write at once (FlushInterval -1).
func bareProxy(upstream string) (*httputil.ReverseProxy, error) {
	target, err := url.Parse(upstream)
	if err != nil || target.Host == "" {
		return nil, fmt.Errorf("bare proxy: bad upstream URL %q", upstream)
	}
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			// After sending a body of known length, the transport reads
			// once more to check that it has ended; a quick upstream's
			// headers, written back to the client first, make the server
			// close the inbound body, so that read fails and the
			// transport drops the upstream connection while the answer
			// streams (see golang/go#40747). A limited reader answers
			// that read with io.EOF itself, at no cost.
			if r.In.ContentLength > 0 {
				r.Out.Body = struct {
					io.Reader
					io.Closer
				}{io.LimitReader(r.In.Body, r.In.ContentLength), r.In.Body}
			}
		},
		Transport:     tunedTransport(),
		FlushInterval: -1,
	}, nil
}

// tunedTransport is the HTTP transport of the bare proxy and of the load
// generator's clients: enough idle connections for every worker, no
// compression, HTTP/1.1 on loopback.
func tunedTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}
