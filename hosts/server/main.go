// Command server is Tollgate's stock server: the gateway's HTTP API on one
// address, configured by TOLLGATE_* environment variables, a YAML file
// (--config or TOLLGATE_CONFIG) and defaults, in that order.
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

	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/internal/compose"
	"github.com/tollgate-ai/tollgate/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if m.Command != "" {
		if err := m.RunCommand(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	<-ctx.Done()
	stop() // a second signal ends the process at once
	if err := m.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// Main is the server program, apart from signal handling, so that tests
// run the same program in process.
type Main struct {
	Config config.Config
	// Command is "" to serve, or one of the commands RunCommand runs.
	Command string
	Getenv  func(string) string
	Stdout  io.Writer // where the admin key is shown at first start
	Stderr  io.Writer // where logs go

	logger  *slog.Logger
	app     *compose.App
	cleanup func()
	srv     *http.Server
	ln      net.Listener
	served  chan error
}

// NewMain returns a Main reading the process environment.
func NewMain() *Main {
	return &Main{Config: config.Default(), Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr}
}

// ParseFlags reads the command line and loads the configuration.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("tollgate", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: tollgate [--config FILE] [command]

With no command, serve. Commands:
  migrate     bring the database schema up to date, then exit
  reencrypt   seal every upstream secret under TOLLGATE_NEW_ENCRYPTION_KEY
              (from plaintext or from TOLLGATE_ENCRYPTION_KEY), in one transaction
  check-ledger  recompute every account's balance from its ledger entries and
              report drift; exits 1 when there is any

Flags:
`)
		fs.PrintDefaults()
	}
	path := fs.String("config", m.Getenv("TOLLGATE_CONFIG"), "path of a YAML configuration file (TOLLGATE_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch cmd := fs.Arg(0); cmd {
	case "", "migrate", "reencrypt", "check-ledger":
		m.Command = cmd
	default:
		fs.Usage()
		return fmt.Errorf("unknown command %q", cmd)
	}
	cfg, err := config.Load(*path, m.Getenv)
	if err != nil {
		return err
	}
	m.Config = cfg
	return nil
}

// newLogger returns the logger the configuration asks for: text or JSON
// on Stderr, at its level.
func (m *Main) newLogger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: level(m.Config.LogLevel)}
	if m.Config.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(m.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, opts))
}

// RunCommand runs m.Command and returns when it is done.
func (m *Main) RunCommand(ctx context.Context) error {
	m.logger = m.newLogger()
	var newKey []byte
	if m.Command == "reencrypt" {
		raw := m.Getenv("TOLLGATE_NEW_ENCRYPTION_KEY")
		if raw == "" {
			return errors.New("reencrypt: set TOLLGATE_NEW_ENCRYPTION_KEY to the key to seal secrets under")
		}
		var err error
		if newKey, err = sqlstore.ParseEncryptionKey(raw); err != nil {
			return fmt.Errorf("TOLLGATE_NEW_ENCRYPTION_KEY: %w", err)
		}
	}
	store, cleanup, err := initStore(m.Config, m.logger) // opening migrates
	if err != nil {
		return err
	}
	defer cleanup()
	switch m.Command {
	case "migrate":
		fmt.Fprintln(m.Stdout, "migrate: the database schema is up to date")
	case "check-ledger":
		drift, err := store.CheckLedger(ctx)
		if err != nil {
			return err
		}
		for _, d := range drift {
			fmt.Fprintf(m.Stdout, "check-ledger: account %s keeps a balance of %s, its entries sum to %s\n", d.AccountID, d.Balance, d.Sum)
		}
		if len(drift) > 0 {
			return fmt.Errorf("check-ledger: %d accounts drift", len(drift))
		}
		fmt.Fprintln(m.Stdout, "check-ledger: every balance is the sum of its entries")
	case "reencrypt":
		err := store.Reencrypt(ctx, newKey, func(done, total int) {
			fmt.Fprintf(m.Stdout, "\rreencrypt: %d/%d credentials", done, total)
		})
		fmt.Fprintln(m.Stdout)
		if err != nil {
			return err
		}
		if m.Config.ManagesEncryptionKey() {
			if err := m.Config.SaveEncryptionKey(m.Getenv("TOLLGATE_NEW_ENCRYPTION_KEY")); err != nil {
				return fmt.Errorf("reencrypt: the secrets are sealed under the new key, but it could not be saved in the data directory; start with TOLLGATE_ENCRYPTION_KEY set to it: %w", err)
			}
			fmt.Fprintln(m.Stdout, "reencrypt: done; the new key replaces the one in the data directory")
			return nil
		}
		fmt.Fprintln(m.Stdout, "reencrypt: done; start Tollgate with TOLLGATE_ENCRYPTION_KEY set to the new key")
	}
	return nil
}

// Run composes the gateway, loads its configuration, applies the seed and
// starts serving; it returns once the server listens.
func (m *Main) Run(ctx context.Context) error {
	m.logger = m.newLogger()
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
		Handler:           app.HTTP,
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

func level(s string) slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(s))
	return l
}
