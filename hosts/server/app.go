package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/filespill"
	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/metrics"
	"github.com/tollgate-ai/tollgate/adapters/notify"
	"github.com/tollgate-ai/tollgate/adapters/notify/email"
	"github.com/tollgate-ai/tollgate/adapters/notify/lognotify"
	"github.com/tollgate-ai/tollgate/adapters/notify/slack"
	"github.com/tollgate-ai/tollgate/adapters/notify/webhook"
	"github.com/tollgate-ai/tollgate/adapters/oteltrace"
	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/adapters/providers/azure"
	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/adapters/providers/openaicompat"
	"github.com/tollgate-ai/tollgate/adapters/redis"
	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/config"
	"github.com/tollgate-ai/tollgate/internal/pricetable"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.39.0"
)

// App is the composed gateway: what initApp wires from a Config.
type App struct {
	Store    *sqlstore.Store
	Gateway  *gateway.Gateway
	Admin    *gateway.Admin
	HTTP     *httpapi.Server
	Recorder *gateway.Recorder
	AdminKey AdminKey
}

// AdminKey is the digest of the admin key, and the key itself when it was
// made at this start and must be shown once.
type AdminKey struct {
	Digest  string
	Created string
}

func provideClock() gateway.Clock { return gateway.SystemClock{} }

func provideIDs() gateway.IDs { return gateway.RandomIDs{} }

func provideHasher(cfg config.Config) (*gateway.Hasher, error) {
	secret, err := cfg.LoadKeySecret()
	if err != nil {
		return nil, err
	}
	return gateway.NewHasher(secret)
}

// SessionSecret is the HMAC key of admin session tokens.
type SessionSecret []byte

// provideSessionSecret derives the admin session secret from the key
// secret, HMAC-SHA256(key secret, "tollgate admin sessions"), so that the
// two never serve as each other. Instances sharing PostgreSQL share
// TOLLGATE_KEY_SECRET (and the admin key), so a session token issued by one
// instance works on every instance; changing either ends every session.
func provideSessionSecret(cfg config.Config) (SessionSecret, error) {
	secret, err := cfg.LoadKeySecret()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tollgate admin sessions"))
	return m.Sum(nil), nil
}

func provideAdminKey(cfg config.Config, h *gateway.Hasher) (AdminKey, error) {
	digest, created, err := cfg.AdminKeyDigest(h.Digest, func() string {
		return "tg-admin-" + gateway.NewKeySecret()[len(gateway.KeyPrefix):]
	})
	return AdminKey{Digest: digest, Created: created}, err
}

// provideStore opens the Store the configuration names (SQLite in the
// data directory unless TOLLGATE_PG_DSN is set) and migrates it; Migrate
// holds a lock, so instances starting together migrate once.
func provideStore(cfg config.Config, logger *slog.Logger) (*sqlstore.Store, func(), error) {
	if cfg.PGDSN == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, nil, err
		}
		// The database holds key digests and sealed secrets: readable by
		// its owner only. SQLite gives its WAL files the same mode.
		f, err := os.OpenFile(filepath.Join(cfg.DataDir, "tollgate.db"), os.O_CREATE|os.O_RDONLY, 0o600)
		if err != nil {
			return nil, nil, err
		}
		_ = f.Close()
	}
	var key []byte
	text, err := cfg.LoadEncryptionKey()
	if err != nil {
		return nil, nil, err
	}
	if text != "" {
		if key, err = sqlstore.ParseEncryptionKey(text); err != nil {
			return nil, nil, fmt.Errorf("TOLLGATE_ENCRYPTION_KEY: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := sqlstore.Open(ctx, sqlstore.Config{DSN: cfg.StoreDSN(), EncryptionKey: key, Logger: logger, Migrate: true})
	if err != nil {
		return nil, nil, err
	}
	return s, func() {
		if err := s.Close(); err != nil {
			logger.Error("close store", "err", err)
		}
	}, nil
}

// provideCache returns the shared Redis Cache when TOLLGATE_REDIS_ADDR is
// set, else the in-process one.
func provideCache(cfg config.Config, clock gateway.Clock, logger *slog.Logger) (gateway.Cache, func(), error) {
	if cfg.RedisAddr == "" {
		c := memory.NewCache(clock)
		return c, c.Close, nil
	}
	c, err := redis.New(redis.Config{Addr: cfg.RedisAddr, Prefix: cfg.RedisPrefix, Logger: logger})
	if err != nil {
		return nil, nil, err
	}
	return c, c.Close, nil
}

// provideChecks names what /readyz checks: the Store, and the Cache when
// it is a server that can go away.
func provideChecks(store *sqlstore.Store, cache gateway.Cache) map[string]func(context.Context) error {
	checks := map[string]func(context.Context) error{"store": store.Ping}
	if p, ok := cache.(interface{ Ping(context.Context) error }); ok {
		checks["cache"] = p.Ping
	}
	return checks
}

func provideDrivers() gateway.Drivers {
	return gateway.Drivers{
		"openai":    openai.Driver(openai.Config{}),
		"azure":     azure.Driver(azure.Config{}),
		"anthropic": anthropic.Driver(anthropic.Config{}),
		"gemini":    gemini.Driver(gemini.Config{}),
		"mock":      mock.Driver(),
	}
}

// provideRecorder writes request records in batches, spilling to
// SpillDir (default DataDir/spill) what the store cannot take yet, and
// deletes records past the retention.
func provideRecorder(cfg config.Config, store gateway.Store, logger *slog.Logger) (*gateway.Recorder, func(), error) {
	dir := cfg.SpillDir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "spill")
	}
	spill, err := filespill.New(dir)
	if err != nil {
		return nil, nil, err
	}
	r := gateway.NewRecorder(gateway.RecorderConfig{
		BatchSize:      cfg.RecordBatch,
		Interval:       cfg.RecordInterval,
		Retention:      cfg.RecordRetention,
		StatsRetention: cfg.StatsRetention,
		Spill:          spill,
		Logger:         logger,
	}, store)
	return r, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			logger.Error("flush request records", "err", err)
		}
		if n := r.Spilled(); n > 0 {
			logger.Warn("request records kept in the spill for the next start", "records", n, "dir", dir)
		}
		_ = spill.Close()
	}, nil
}

// provideNotifier routes each new alert to the notifiers its type's
// route names (AlertRoutes), by default every configured one: the log
// always, and the webhook, Slack and e-mail the configuration sets up;
// each delivery is retried with backoff and its outcome stored on the
// alert.
func provideNotifier(cfg config.Config, logger *slog.Logger) (gateway.Notifier, error) {
	byName := map[string]gateway.Notifier{"log": lognotify.New(logger)}
	all := []string{"log"}
	if cfg.AlertWebhookURL != "" {
		w, err := webhook.New(webhook.Config{URL: cfg.AlertWebhookURL, Secret: gateway.Secret(cfg.AlertWebhookSecret)})
		if err != nil {
			return nil, fmt.Errorf("TOLLGATE_ALERT_WEBHOOK_URL: %w", err)
		}
		byName["webhook"], all = w, append(all, "webhook")
	}
	if cfg.AlertSlackURL != "" {
		sl, err := slack.New(slack.Config{WebhookURL: cfg.AlertSlackURL})
		if err != nil {
			return nil, fmt.Errorf("TOLLGATE_ALERT_SLACK_URL: %w", err)
		}
		byName["slack"], all = sl, append(all, "slack")
	}
	if m := cfg.AlertSMTP; m.Addr != "" {
		e, err := email.New(email.Config{Addr: m.Addr, Username: m.Username, Password: gateway.Secret(m.Password), From: m.From, To: m.To})
		if err != nil {
			return nil, fmt.Errorf("TOLLGATE_ALERT_SMTP_*: %w", err)
		}
		byName["email"], all = e, append(all, "email")
	}
	routes := map[string][]string{notify.DefaultRoute: all}
	for typ, names := range cfg.AlertRoutes {
		routes[typ] = names
	}
	named := make(map[string][]notify.Named, len(routes))
	for typ, names := range routes {
		named[typ] = []notify.Named{}
		for _, name := range names {
			n, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("alert route %q names notifier %q, which is not configured (have %v)", typ, name, all)
			}
			named[typ] = append(named[typ], notify.Named{Name: name, Notifier: n})
		}
	}
	return notify.NewRouter(named, notify.RetryOptions{}), nil
}

// provideMetrics counts every request for Prometheus, on a registry of
// its own, with the recorder's queue as a gauge; nil when
// TOLLGATE_METRICS=off.
func provideMetrics(cfg config.Config, rec *gateway.Recorder) (*metrics.Metrics, error) {
	if !cfg.MetricsEnabled {
		return nil, nil
	}
	return metrics.New(metrics.Config{Queued: rec.Queued, Spilled: rec.Spilled})
}

// provideTracer switches OpenTelemetry tracing on when
// TOLLGATE_OTLP_ENDPOINT is set: spans (sampled at TOLLGATE_TRACE_SAMPLE,
// or as the caller's trace decided) leave in batches over OTLP/HTTP, and
// the global propagator becomes W3C trace context and baggage, so that
// requests join their caller's trace and carry it upstream. The standard
// OTEL_* variables tune the rest (OTEL_SERVICE_NAME,
// OTEL_EXPORTER_OTLP_HEADERS, ...). The cleanup flushes the spans not yet
// sent. Off, it returns nil: the Gateway traces nothing, allocating
// nothing for it.
func provideTracer(cfg config.Config, logger *slog.Logger) (gateway.Tracer, func(), error) {
	if cfg.OTLPEndpoint == "" {
		return nil, func() {}, nil
	}
	// A base URL, as OTEL_EXPORTER_OTLP_ENDPOINT: traces go to /v1/traces.
	endpoint := strings.TrimRight(cfg.OTLPEndpoint, "/")
	if !strings.HasSuffix(endpoint, "/v1/traces") {
		endpoint += "/v1/traces"
	}
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: %w", err)
	}
	res, err := resource.New(context.Background(),
		resource.WithAttributes(semconv.ServiceName("tollgate")), // unless OTEL_SERVICE_NAME says otherwise
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		logger.Warn("tracing: resource attributes", "err", err) // partial: keep what was detected
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.TraceSample))),
	)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { logger.Warn("tracing", "err", err) }))
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	logger.Info("tracing on", "sample", cfg.TraceSample)
	return oteltrace.New(tp), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			logger.Error("flush spans", "err", err)
		}
	}, nil
}

func provideGateway(cfg config.Config, logger *slog.Logger, store gateway.Store, cache gateway.Cache, drivers gateway.Drivers,
	hasher *gateway.Hasher, clock gateway.Clock, ids gateway.IDs, rec *gateway.Recorder, m *metrics.Metrics, notifier gateway.Notifier, tracer gateway.Tracer) (*gateway.Gateway, func()) {
	var fallback *memory.Cache
	if cfg.LimitFallback == "local" {
		fallback = memory.NewCache(clock)
	}
	gcfg := gateway.Config{
		MaxAttempts:      cfg.MaxAttempts,
		FailoverDeadline: cfg.FailoverDeadline,
		ReloadInterval:   cfg.ReloadInterval,
		Logger:           logger,
		Limits:           gateway.Limits(cfg.Limits),
		Instances:        cfg.Instances,
		LogBodies:        cfg.LogBodies,
		Notifier:         notifier,
		Tracer:           tracer, // nil when tracing is off
		Anonymous: gateway.Anonymous{
			Models: cfg.Anonymous.Models, Limits: gateway.Limits(cfg.Anonymous.Limits), Namespace: cfg.Anonymous.Namespace,
		},
		HeaderProfiles: cfg.HeaderProfiles,
		Presets:        openaicompat.Presets(),
		DefaultModels:  pricetable.Models(),
		Alerts: gateway.AlertThresholds{GatewayRPS: cfg.Alerts.GatewayRPS, AccountRPM: cfg.Alerts.AccountRPM, AccountTPM: cfg.Alerts.AccountTPM,
			AccountRPD: cfg.Alerts.AccountRPD, AccountTPD: cfg.Alerts.AccountTPD, ErrorRatePercent: cfg.Alerts.ErrorRatePercent,
			ErrorWindow: cfg.Alerts.ErrorWindow, MinRequests: cfg.Alerts.MinRequests, Spill: cfg.Alerts.Spill,
			LowBalance: gateway.Micros(cfg.Alerts.LowBalance)},
	}
	if fallback != nil {
		gcfg.LimitFallback = fallback
	}
	if m != nil { // a nil *Metrics in the interface would not be a nil Observer
		gcfg.Observers = append(gcfg.Observers, m)
	}
	if m != nil {
		cache = m.Cache(cache) // time every Cache call
		if o, ok := store.(interface {
			ObserveQueries(func(string, time.Duration, error))
		}); ok {
			o.ObserveQueries(m.ObserveStore) // and every Store query
		}
	}
	g := gateway.New(gcfg, store, cache, drivers, hasher, clock, ids, rec)
	if m != nil {
		admin := gateway.NewAdmin(g)
		if err := m.WatchBreakers(admin.Breakers); err != nil {
			logger.Error("circuit breaker metrics", "err", err)
		}
		if err := m.WatchCredentials(func() (map[string]map[gateway.Status]int, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return admin.CredentialStates(ctx)
		}); err != nil {
			logger.Error("credential metrics", "err", err)
		}
	}
	detect, stopDetect := context.WithCancel(context.Background())
	go g.RunDetectors(detect, cfg.AlertInterval)
	go g.RunReconciler(detect, cfg.ReconcileInterval)
	if cfg.ValidationInterval > 0 {
		go g.RunValidation(detect, cfg.ValidationInterval)
	}
	return g, func() {
		stopDetect()
		if err := g.Close(); err != nil {
			logger.Error("close gateway", "err", err)
		}
		if fallback != nil {
			fallback.Close()
		}
	}
}

// provideHTTP serves the gateway, with admin sessions (POST /admin/login)
// signed under the session secret: a token from any instance that shares
// the key secret and admin key is accepted by all of them. GET /metrics
// is served when metrics are on.
func provideHTTP(cfg config.Config, logger *slog.Logger, g *gateway.Gateway, admin *gateway.Admin, key AdminKey,
	sessions SessionSecret, checks map[string]func(context.Context) error, m *metrics.Metrics) *httpapi.Server {
	var scrape http.Handler
	if m != nil {
		scrape = m.Handler()
	}
	var internal string
	if cfg.InternalKey != "" {
		internal = admin.KeyDigest(cfg.InternalKey)
	}
	return httpapi.New(httpapi.Config{
		AdminKeyDigest:    key.Digest,
		InternalKeyDigest: internal,
		MaxBodyBytes:      cfg.MaxBodyBytes,
		Logger:            logger,
		Checks:            checks,
		SessionSecret:     sessions,
		Metrics:           scrape,
	}, g, admin)
}
