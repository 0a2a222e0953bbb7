// Command server is Tollgate's stock server, the tollgate binary: the
// gateway's HTTP API on one address (`tollgate serve`, the default),
// configured by TOLLGATE_* environment variables, a YAML file (--config or
// TOLLGATE_CONFIG) and defaults, in that order; and the commands that
// manage it (internal/cli: `tollgate help` lists them).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tollgate-ai/tollgate/internal/cli"
	"github.com/tollgate-ai/tollgate/internal/compose"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// Set by the build (make build, the Dockerfile) with -ldflags
// "-X main.version=... -X main.commit=... -X main.buildTime=..."; empty
// values are filled from the Go toolchain's build information.
var version, commit, buildTime string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	m.stopSignals = stop // after the first signal, a second one ends the process at once
	code := m.Execute(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Main is the server program, apart from signal handling, so that tests
// run the same program in process.
type Main struct {
	Config config.Config
	Getenv func(string) string
	Stdin  io.Reader // files named "-" by commands
	Stdout io.Writer // where the admin key is shown at first start, and commands' results
	Stderr io.Writer // where logs, errors and progress go

	logger      *slog.Logger
	app         *compose.App
	cleanup     func()
	srv         *http.Server
	ln          net.Listener
	served      chan error
	stopSignals func()
}

// NewMain returns a Main reading the process environment.
func NewMain() *Main {
	return &Main{Config: config.Default(), Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// Execute runs the command line args (without the program name) and
// returns the exit code: the commands live in internal/cli; serving is
// Run, then Close once ctx is done.
func (m *Main) Execute(ctx context.Context, args []string) int {
	p := &cli.Program{
		Stdin: m.Stdin, Stdout: m.Stdout, Stderr: m.Stderr, Getenv: m.Getenv,
		Build:     Build(),
		Serve:     m.serve,
		OpenStore: initStore,
	}
	return p.Run(ctx, args)
}

// Build describes this binary.
func Build() cli.Build { return cli.ReadBuild(version, commit, buildTime) }

// serve runs the server with cfg until ctx is done, then shuts it down.
func (m *Main) serve(ctx context.Context, cfg config.Config) error {
	m.Config = cfg
	if err := m.Run(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	if m.stopSignals != nil {
		m.stopSignals()
	}
	return m.Close()
}

// ParseFlags reads [--config FILE] and loads the configuration, for
// Run; Execute does the same for the serve command.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("tollgate", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	path := fs.String("config", m.Getenv("TOLLGATE_CONFIG"), "path of a YAML configuration file (TOLLGATE_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*path, m.Getenv)
	if err != nil {
		return err
	}
	m.Config = cfg
	return nil
}

// Run composes the gateway, loads its configuration, applies the seed and
// starts serving; it returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	m.logger = m.Config.NewLogger(m.Stderr)
	m.logStart()
	app, cleanup, err := initApp(m.Config, m.logger)
	if err != nil {
		return err
	}
	m.app, m.cleanup = app, cleanup
	if err := app.Start(ctx, m.Config, m.Getenv, m.logger); err != nil {
		return m.fail(err)
	}
	if app.AdminKey.Created != "" {
		fmt.Fprintf(m.Stdout, "\nTollgate admin key (shown once; its digest is kept in %s):\n\n    %s\n\n", m.Config.DataDir, app.AdminKey.Created)
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return m.fail(err)
	}
	m.ln = ln
	m.srv = &http.Server{
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.srv.Serve(ln) }()
	m.logger.Info("tollgate listening", "addr", ln.Addr().String(), "data_dir", m.Config.DataDir)
	return nil
}

func (m *Main) fail(err error) error {
	m.cleanup()
	m.cleanup = nil
	return err
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// App returns the composed gateway, for tests.
func (m *Main) App() *compose.App { return m.app }

// Close shuts down gracefully; calling it again does nothing: /readyz fails at once, no new connection is
// accepted, requests and streams in flight get ShutdownTimeout to finish
// (after that they are cut), and then every request record is written.
func (m *Main) Close() error {
	var err error
	if m.srv != nil {
		m.app.HTTP.Drain()
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err = m.srv.Shutdown(ctx); err != nil {
			m.logger.Warn("requests still running at the shutdown timeout were cut", "err", err)
			err = m.srv.Close()
		}
		if serr := <-m.served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		m.srv = nil
	}
	if m.cleanup != nil {
		m.cleanup()
		m.cleanup = nil
	}
	return err
}
