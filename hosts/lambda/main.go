// Command lambda serves Tollgate on AWS Lambda: the whole HTTP surface of
// the stock server (the OpenAI-compatible API, the native pass-through,
// admin, health and metrics) behind an API Gateway HTTP API (payload
// format 2.0) and a Lambda Function URL, streamed chat completions
// included when the URL's InvokeMode is RESPONSE_STREAM.
//
// It is configured by the environment exactly as the server is
// (TOLLGATE_PG_DSN, TOLLGATE_REDIS_ADDR, TOLLGATE_ENCRYPTION_KEY,
// TOLLGATE_KEY_SECRET, ...; see internal/config), and shares the server's
// state through the same Store and Cache, with three differences:
//
//   - TOLLGATE_ADMIN_KEY is required: the server prints a generated key
//     once, which on Lambda would land in CloudWatch Logs and differ per
//     container. Without it the function fails at its cold start.
//   - TOLLGATE_DATA_DIR defaults to /tmp/tollgate, the only writable place
//     (the embedded SQLite database there is per container and lost with
//     it: a demo, not a deployment; set TOLLGATE_PG_DSN).
//   - TOLLGATE_LAMBDA_STREAMING=on streams responses to Function URL
//     events; set it when the URL's InvokeMode is RESPONSE_STREAM (see
//     adapters/awslambda). API Gateway events are answered buffered.
//
// The gateway is composed and its configuration loaded once per container
// (the cold start); it keeps its snapshot fresh itself, through change
// events on the Cache and its periodic reload. Lambda freezes the process
// between invocations, so every invocation flushes the request-log and
// ledger queues before it ends.
//
// Build for provided.al2023 on arm64:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./hosts/lambda
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/tollgate-ai/tollgate/adapters/awslambda"
	"github.com/tollgate-ai/tollgate/internal/compose"
	"github.com/tollgate-ai/tollgate/internal/config"
)

func main() {
	m := NewMain()
	if err := m.Start(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1) // Lambda reports a failed init and tries a new container
	}
	// SIGTERM reaches the function only when an extension is registered;
	// then the queues are flushed and the Store closed before it ends.
	lambda.StartWithOptions(m.Handler().Invoke, lambda.WithEnableSIGTERM(func() { _ = m.Close() }))
}

// Main is the Lambda program apart from the runtime loop, so that tests
// drive the same handler in process.
type Main struct {
	Getenv func(string) string
	Stderr io.Writer // where logs go (CloudWatch Logs on Lambda)
	Config config.Config

	logger  *slog.Logger
	app     *compose.App
	cleanup func()
	handler *awslambda.Handler
}

// NewMain returns a Main reading the process environment.
func NewMain() *Main {
	return &Main{Getenv: os.Getenv, Stderr: os.Stderr}
}

// Start is the cold start: it loads the configuration, composes the
// gateway, loads the gateway's configuration from the Store and applies
// the seed. It fails without TOLLGATE_ADMIN_KEY, and for a
// TOLLGATE_LAMBDA_STREAMING that is not on or off.
func (m *Main) Start(ctx context.Context) error {
	began := time.Now()
	getenv := config.LambdaEnv(m.Getenv)
	cfg, err := config.Load("", getenv)
	if err != nil {
		return err
	}
	if err := cfg.ValidateLambda(); err != nil {
		return err
	}
	stream, err := onOff("TOLLGATE_LAMBDA_STREAMING", m.Getenv("TOLLGATE_LAMBDA_STREAMING"))
	if err != nil {
		return err
	}
	m.Config = cfg
	m.logger = cfg.NewLogger(m.Stderr)
	app, cleanup, err := initApp(cfg, m.logger)
	if err != nil {
		return err
	}
	if err := app.Start(ctx, cfg, getenv, m.logger); err != nil {
		cleanup()
		return err
	}
	m.app, m.cleanup = app, cleanup
	m.handler = awslambda.New(app.Handler(), awslambda.Config{Stream: stream, After: m.flush})
	m.logger.Info("tollgate ready", "init_ms", time.Since(began).Milliseconds(), "streaming", stream, "data_dir", cfg.DataDir)
	return nil
}

// flush writes what the gateway's queues hold (settlements, usage, breaker
// figures, request records) before the invocation ends and Lambda freezes
// the process.
func (m *Main) flush(ctx context.Context) {
	if err := m.app.Gateway.Flush(ctx); err != nil {
		m.logger.Error("flush the gateway's queues", "err", err)
	}
	if err := m.app.Recorder.Flush(ctx); err != nil {
		m.logger.Error("flush the request records", "err", err)
	}
}

// Handler returns the invocation handler Start made.
func (m *Main) Handler() *awslambda.Handler { return m.handler }

// App returns the composed gateway, for tests.
func (m *Main) App() *compose.App { return m.app }

// Close stops the gateway, writes every record and closes the Store and
// Cache; calling it again does nothing.
func (m *Main) Close() error {
	if m.cleanup != nil {
		m.cleanup()
		m.cleanup = nil
	}
	return nil
}

func onOff(name, v string) (bool, error) {
	switch v {
	case "", "off", "false", "0":
		return false, nil
	case "on", "true", "1":
		return true, nil
	}
	return false, fmt.Errorf("config: %s: %q is not on or off", name, v)
}
