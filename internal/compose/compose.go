// Package compose builds Tollgate from a Config: the provider functions
// every host's google/wire graph is made of (Set), and the start-up steps
// hosts share. Hosts hold no logic (DESIGN.md rule 4): the stock server and
// the Lambda handler differ only in how they serve App.Handler (the HTTP
// API, with the dashboard under /ui).
package compose

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/wire"
	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/metrics"
	"github.com/tollgate-ai/tollgate/adapters/oauth"
	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/adapters/providers/azure"
	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/adapters/providers/openaicompat"
	"github.com/tollgate-ai/tollgate/adapters/redis"
	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/adapters/webui"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/config"
	"github.com/tollgate-ai/tollgate/internal/pricetable"
)

// Set provides an *App from a config.Config and a *slog.Logger: the SQL
// Store (SQLite by default, PostgreSQL when configured), the Cache (memory
// by default, Redis when configured), the provider drivers, the Recorder
// with its spill, notifiers, metrics, tracing, the Gateway and its HTTP
// surface. The cleanup wire returns closes them in reverse order.
var Set = wire.NewSet(
	ProvideStore,
	wire.Bind(new(gateway.Store), new(*sqlstore.Store)),
	ProvideCache,
	ProvideChecks,
	ProvideClock,
	ProvideIDs,
	ProvideHasher,
	ProvideAdminKey,
	ProvideSessionSecret,
	ProvideDrivers,
	ProvideRecorder,
	ProvideNotifier,
	ProvideMetrics,
	ProvideTracer,
	ProvideGateway,
	gateway.NewAdmin,
	ProvideHTTP,
	ProvideUI,
	wire.Struct(new(App), "*"),
)

// App is the composed gateway: what a host's injector wires from Set.
type App struct {
	Store   *sqlstore.Store
	Gateway *gateway.Gateway
	Admin   *gateway.Admin
	HTTP    *httpapi.Server
	// UI is the admin dashboard, served under /ui by Handler.
	UI       *webui.UI
	Recorder *gateway.Recorder
	AdminKey AdminKey
}

// Handler is what a host serves: the dashboard for the paths under its
// prefix (/ui), the HTTP API for every other. Without a UI it is HTTP.
func (a *App) Handler() http.Handler {
	if a.UI == nil {
		return a.HTTP
	}
	return mount(a.UI, a.HTTP)
}

// mount serves the paths ui owns with ui and the others with rest.
func mount(ui *webui.UI, rest http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ui.Owns(r.URL.Path) {
			ui.ServeHTTP(w, r)
			return
		}
		rest.ServeHTTP(w, r)
	})
}

// AdminKey is the digest of the admin key, and the key itself when it was
// made at this start and must be shown once.
type AdminKey struct {
	Digest  string
	Created string
}

func ProvideClock() gateway.Clock { return gateway.SystemClock{} }

func ProvideIDs() gateway.IDs { return gateway.RandomIDs{} }

func ProvideHasher(cfg config.Config) (*gateway.Hasher, error) {
	secret, err := cfg.LoadKeySecret()
	if err != nil {
		return nil, err
	}
	return gateway.NewHasher(secret)
}

// SessionSecret is the HMAC key of admin session tokens.
type SessionSecret []byte

// ProvideSessionSecret derives the admin session secret from the key
// secret, HMAC-SHA256(key secret, "tollgate admin sessions"), so that the
// two never serve as each other. Instances sharing PostgreSQL share
// TOLLGATE_KEY_SECRET (and the admin key), so a session token issued by one
// instance works on every instance; changing either ends every session.
func ProvideSessionSecret(cfg config.Config) (SessionSecret, error) {
	secret, err := cfg.LoadKeySecret()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("tollgate admin sessions"))
	return m.Sum(nil), nil
}

func ProvideAdminKey(cfg config.Config, h *gateway.Hasher) (AdminKey, error) {
	digest, created, err := cfg.AdminKeyDigest(h.Digest, func() string {
		return "tg-admin-" + gateway.NewKeySecret()[len(gateway.KeyPrefix):]
	})
	return AdminKey{Digest: digest, Created: created}, err
}

// ProvideStore opens the Store the configuration names (SQLite in the
// data directory unless TOLLGATE_PG_DSN is set) and migrates it; Migrate
// holds a lock, so instances starting together migrate once.
func ProvideStore(cfg config.Config, logger *slog.Logger) (*sqlstore.Store, func(), error) {
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

// ProvideCache returns the shared Redis Cache when TOLLGATE_REDIS_ADDR is
// set, else the in-process one.
func ProvideCache(cfg config.Config, clock gateway.Clock, logger *slog.Logger) (gateway.Cache, func(), error) {
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

// ProvideChecks names what /readyz checks: the Store, and the Cache when
// it is a server that can go away.
func ProvideChecks(store *sqlstore.Store, cache gateway.Cache) map[string]func(context.Context) error {
	checks := map[string]func(context.Context) error{"store": store.Ping}
	if p, ok := cache.(interface{ Ping(context.Context) error }); ok {
		checks["cache"] = p.Ping
	}
	return checks
}

func ProvideDrivers() gateway.Drivers {
	return gateway.Drivers{
		"openai":    openai.Driver(openai.Config{}),
		"azure":     azure.Driver(azure.Config{}),
		"anthropic": anthropic.Driver(anthropic.Config{}),
		"gemini":    gemini.Driver(gemini.Config{}),
		"mock":      mock.Driver(),
	}
}

func ProvideGateway(cfg config.Config, logger *slog.Logger, store gateway.Store, cache gateway.Cache, drivers gateway.Drivers,
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
		Refresher:        oauth.New(oauth.Config{}),
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
	go g.RunTokenRefresh(detect, 30*time.Second)
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

// ProvideHTTP serves the gateway, with admin sessions (POST /admin/login)
// signed under the session secret: a token from any instance that shares
// the key secret and admin key is accepted by all of them. GET /metrics
// is served when metrics are on.
func ProvideHTTP(cfg config.Config, logger *slog.Logger, g *gateway.Gateway, admin *gateway.Admin, key AdminKey,
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

// ProvideUI is the admin dashboard under /ui (nil with TOLLGATE_UI=off): the admin signs in with the
// admin key, an account with its master key. Its cookies are keyed by the
// session secret (and the admin key's digest), so a session from one
// instance is good on every instance that shares them.
func ProvideUI(cfg config.Config, logger *slog.Logger, g *gateway.Gateway, admin *gateway.Admin, key AdminKey, sessions SessionSecret) *webui.UI {
	if !cfg.UIEnabled {
		return nil // TOLLGATE_UI=off: Handler serves the API alone
	}
	return webui.New(webui.Config{
		AdminKeyDigest: key.Digest,
		SessionSecret:  sessions,
		Logger:         logger,
	}, g, admin)
}

// Start loads the gateway's configuration from the Store and applies the
// configuration's seed section (providers, accounts and keys it declares),
// reading ${ENV} references through getenv. Every host calls it once,
// before serving.
func (a *App) Start(ctx context.Context, cfg config.Config, getenv func(string) string, logger *slog.Logger) error {
	if err := a.Gateway.Start(ctx); err != nil {
		return fmt.Errorf("load configuration: %w", err)
	}
	logf := func(format string, args ...any) { logger.Info(fmt.Sprintf(format, args...)) }
	return cfg.ApplySeed(ctx, a.Admin, getenv, logf)
}
