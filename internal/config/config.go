// Package config loads the configuration of Tollgate's hosts: defaults,
// then a YAML file, then TOLLGATE_* environment variables, each overriding
// the one before. Only hosts read the environment; they pass a lookup
// function here so tests can supply their own.
package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is everything a host needs to compose a gateway.
type Config struct {
	// Addr is where the server listens. TOLLGATE_ADDR, default ":8080".
	Addr string `yaml:"addr"`
	// DataDir holds the key secret, the admin key's digest and (with the
	// embedded store) the database. TOLLGATE_DATA_DIR, default "./data".
	DataDir string `yaml:"data_dir"`
	// AdminKey is the bootstrap admin key. TOLLGATE_ADMIN_KEY; when empty,
	// one is generated at first start and printed once.
	AdminKey string `yaml:"admin_key"`
	// PGDSN switches the Store from the embedded SQLite database
	// (DataDir/tollgate.db) to PostgreSQL. TOLLGATE_PG_DSN, e.g.
	// "postgres://tollgate@db:5432/tollgate?sslmode=disable".
	PGDSN string `yaml:"pg_dsn"`
	// RedisAddr switches the Cache from in-process memory to Redis, which
	// instances share. TOLLGATE_REDIS_ADDR: "host:port", comma-separated
	// cluster seeds, or a redis:// or rediss:// URL.
	RedisAddr string `yaml:"redis_addr"`
	// RedisPrefix starts every Redis key and channel, so deployments can
	// share a Redis. TOLLGATE_REDIS_PREFIX, default "tollgate:".
	RedisPrefix string `yaml:"redis_prefix"`
	// EncryptionKey seals upstream credential secrets at rest with
	// AES-256-GCM: 64 hex characters or base64 of 32 bytes.
	// TOLLGATE_ENCRYPTION_KEY. With the embedded database one is
	// generated into DataDir when none is set; with PostgreSQL it is
	// required, the same on every instance.
	EncryptionKey string `yaml:"encryption_key"`
	// KeySecret keys the HMAC under which client keys are stored (at least
	// 16 bytes). TOLLGATE_KEY_SECRET; when empty, one is generated into
	// DataDir and kept there. Instances that share a PostgreSQL must share
	// it, so it is required with PGDSN, as AdminKey is.
	KeySecret string `yaml:"key_secret"`
	// ShutdownTimeout bounds how long in-flight requests and streams may
	// take to finish at shutdown. TOLLGATE_SHUTDOWN_TIMEOUT, default 30s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MaxBodyBytes bounds request bodies. TOLLGATE_MAX_BODY_BYTES, default
	// 16 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// LogLevel is debug, info, warn or error. TOLLGATE_LOG_LEVEL, default
	// info.
	LogLevel string `yaml:"log_level"`
	// LogFormat is text or json. TOLLGATE_LOG_FORMAT, default text.
	LogFormat string `yaml:"log_format"`
	// MaxAttempts bounds upstream calls per request.
	// TOLLGATE_MAX_ATTEMPTS, default 3.
	MaxAttempts int `yaml:"max_attempts"`
	// ReloadInterval is how often configuration is reloaded without a
	// change event. TOLLGATE_RELOAD_INTERVAL, default 1m.
	ReloadInterval time.Duration `yaml:"reload_interval"`
	// RecordBatch and RecordInterval tune the request-log writer.
	// TOLLGATE_RECORD_BATCH (default 500), TOLLGATE_RECORD_INTERVAL
	// (default 1s).
	RecordBatch    int           `yaml:"record_batch"`
	RecordInterval time.Duration `yaml:"record_interval"`
	// RecordRetention deletes request records older than this, in the
	// background; 0 keeps them. TOLLGATE_RECORD_RETENTION, default 720h
	// (30 days).
	RecordRetention time.Duration `yaml:"record_retention"`
	// StatsRetention deletes usage statistics older than this; 0 keeps
	// them. TOLLGATE_STATS_RETENTION, default 2160h (90 days).
	StatsRetention time.Duration `yaml:"stats_retention"`
	// InternalKey authorizes other components' calls to /internal routes
	// (POST /internal/alerts/report). TOLLGATE_INTERNAL_KEY; empty turns
	// them off.
	InternalKey string `yaml:"internal_key"`
	// AlertWebhookURL and AlertWebhookSecret send every new alert to a
	// webhook, signed; AlertSlackURL to a Slack incoming webhook. Alerts
	// always go to the log. TOLLGATE_ALERT_WEBHOOK_URL,
	// TOLLGATE_ALERT_WEBHOOK_SECRET, TOLLGATE_ALERT_SLACK_URL.
	AlertWebhookURL    string `yaml:"alert_webhook_url"`
	AlertWebhookSecret string `yaml:"alert_webhook_secret"`
	AlertSlackURL      string `yaml:"alert_slack_url"`
	// AlertSMTP sends alerts by e-mail when its Addr is set.
	AlertSMTP SMTP `yaml:"alert_smtp"`
	// AlertRoutes send each alert type to chosen notifiers ("log",
	// "webhook", "slack", "email"); "*" is the route of types without
	// their own, by default every configured notifier.
	// TOLLGATE_ALERT_ROUTES="error_rate=slack,email;*=log,webhook".
	AlertRoutes map[string][]string `yaml:"alert_routes"`
	// LogBodies keeps request and response bodies (redacted, at most 64
	// KiB each) in every request record; a provider's "log_bodies" option
	// asks for its own. TOLLGATE_LOG_BODIES=on, default off.
	LogBodies bool `yaml:"log_bodies"`
	// SpillDir holds request records the store could not take yet.
	// TOLLGATE_SPILL_DIR, default DataDir/spill.
	SpillDir string `yaml:"spill_dir"`
	// Limits cap the whole gateway (YAML only): requests_per_second, ...,
	// concurrent, as on accounts and keys.
	Limits Limits `yaml:"limits"`
	// LimitFallback says what limits do while Redis is unreachable:
	// "local" (each instance enforces its share, 1/Instances, of every
	// limit) or "refuse" (requests with limits are refused with 503).
	// TOLLGATE_LIMIT_FALLBACK, default local.
	LimitFallback string `yaml:"limit_fallback"`
	// Instances is how many instances share the limits, for the local
	// fallback's share. TOLLGATE_INSTANCES, default 1.
	Instances int `yaml:"instances"`
	// MetricsEnabled serves Prometheus metrics at GET /metrics, without
	// authentication: keep that path off the public internet.
	// TOLLGATE_METRICS, "on" (default) or "off".
	MetricsEnabled bool `yaml:"metrics"`
	// UIEnabled serves the admin dashboard under /ui. TOLLGATE_UI, "on"
	// (default) or "off".
	UIEnabled bool `yaml:"ui"`
	// OTLPEndpoint switches OpenTelemetry tracing on: spans are sent
	// over OTLP/HTTP to this collector base URL (the exporter posts to
	// /v1/traces under it), and W3C trace context goes upstream.
	// TOLLGATE_OTLP_ENDPOINT, e.g. "http://127.0.0.1:4318"; empty (the
	// default) leaves tracing off.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// TraceSample is the share of new traces recorded, from 0 to 1; a
	// request that joins a caller's trace follows the caller's decision.
	// TOLLGATE_TRACE_SAMPLE, default 1.
	TraceSample float64 `yaml:"trace_sample"`
	// Anonymous lets requests without a key call some models, each
	// client address limited on its own. Off unless models are listed;
	// TOLLGATE_ANONYMOUS_MODELS takes a comma-separated list.
	Anonymous Anonymous `yaml:"anonymous"`
	// ValidationInterval is how often every credential is checked in the
	// background (a models listing); 0 turns it off.
	// TOLLGATE_VALIDATION_INTERVAL, default 1h.
	ValidationInterval time.Duration `yaml:"validation_interval"`
	// FailoverDeadline stops failover once a request is this old.
	// TOLLGATE_FAILOVER_DEADLINE, default 0: no bound but max_attempts.
	FailoverDeadline time.Duration `yaml:"failover_deadline"`
	// AlertInterval is how often the alert detectors run.
	// TOLLGATE_ALERT_INTERVAL, default 1m.
	AlertInterval time.Duration `yaml:"alert_interval"`
	// ReconcileInterval is how often lost settlements of prepaid requests
	// are looked for. TOLLGATE_RECONCILE_INTERVAL, default 5m.
	ReconcileInterval time.Duration `yaml:"reconcile_interval"`
	// Alerts are the detectors' thresholds until an admin stores some
	// (PUT /admin/alerts/thresholds); zero turns a detector off.
	Alerts AlertThresholds `yaml:"alerts"`
	// HeaderProfiles are named header sets that providers take with their
	// "headers_profile" option (YAML only), under their own headers.
	HeaderProfiles map[string]map[string]string `yaml:"header_profiles"`
	// Seed declares providers, credentials, models and bindings to create
	// at start when they do not exist yet.
	Seed Seed `yaml:"seed"`
	// Sources says where Load found this configuration (not YAML).
	Sources Sources `yaml:"-"`
}

// Limits are the gateway-wide limits in YAML; zero means none.
type Limits struct {
	RequestsPerSecond int64 `yaml:"requests_per_second"`
	RequestsPerMinute int64 `yaml:"requests_per_minute"`
	RequestsPerHour   int64 `yaml:"requests_per_hour"`
	RequestsPerDay    int64 `yaml:"requests_per_day"`
	TokensPerMinute   int64 `yaml:"tokens_per_minute"`
	TokensPerHour     int64 `yaml:"tokens_per_hour"`
	TokensPerDay      int64 `yaml:"tokens_per_day"`
	Concurrent        int64 `yaml:"concurrent"`
}

// Anonymous configures anonymous access.
type Anonymous struct {
	Models    []string `yaml:"models"`
	Limits    Limits   `yaml:"limits"`
	Namespace string   `yaml:"namespace"`
}

// SMTP is a mail server that takes alerts. TOLLGATE_ALERT_SMTP_ADDR,
// _USERNAME, _PASSWORD, _FROM and _TO (comma-separated).
type SMTP struct {
	Addr     string   `yaml:"addr"`
	Username string   `yaml:"username"`
	Password string   `yaml:"password"`
	From     string   `yaml:"from"`
	To       []string `yaml:"to"`
}

// AlertThresholds are the alert detectors' thresholds; see
// gateway.AlertThresholds.
type AlertThresholds struct {
	GatewayRPS       int64         `yaml:"gateway_rps"`
	AccountRPM       int64         `yaml:"account_rpm"`
	AccountTPM       int64         `yaml:"account_tpm"`
	AccountRPD       int64         `yaml:"account_rpd"`
	AccountTPD       int64         `yaml:"account_tpd"`
	ErrorRatePercent int64         `yaml:"error_rate_percent"`
	ErrorWindow      time.Duration `yaml:"error_window"`
	MinRequests      int64         `yaml:"min_requests"`
	Spill            bool          `yaml:"spill"`
	LowBalance       int64         `yaml:"low_balance"`
}

// StoreDSN is the database the Store opens: PGDSN when set, else the
// SQLite file tollgate.db in DataDir.
func (c *Config) StoreDSN() string {
	if c.PGDSN != "" {
		return c.PGDSN
	}
	return "file:" + filepath.Join(c.DataDir, "tollgate.db")
}

// Default returns the configuration with nothing set.
func Default() Config {
	return Config{
		Addr:               ":8080",
		DataDir:            "./data",
		RedisPrefix:        "tollgate:",
		LimitFallback:      "local",
		Instances:          1,
		ShutdownTimeout:    30 * time.Second,
		MaxBodyBytes:       16 << 20,
		LogLevel:           "info",
		LogFormat:          "text",
		MaxAttempts:        3,
		ReloadInterval:     time.Minute,
		AlertInterval:      time.Minute,
		ReconcileInterval:  5 * time.Minute,
		ValidationInterval: time.Hour,
		RecordBatch:        500,
		RecordInterval:     time.Second,
		RecordRetention:    30 * 24 * time.Hour,
		StatsRetention:     90 * 24 * time.Hour,
		MetricsEnabled:     true,
		UIEnabled:          true,
		TraceSample:        1,
	}
}

// Load returns the defaults overridden by the YAML file at path (none when
// path is empty) and then by the environment, read through getenv.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	c.Sources.File = path
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		if err := yaml.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := c.fromEnv(c.Sources.recordEnv(getenv)); err != nil {
		return c, err
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	switch {
	case c.Addr == "":
		return fmt.Errorf("config: addr is empty")
	case c.DataDir == "":
		return fmt.Errorf("config: data_dir is empty")
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("config: shutdown_timeout must be positive")
	case c.MaxBodyBytes <= 0:
		return fmt.Errorf("config: max_body_bytes must be positive")
	case c.MaxAttempts <= 0:
		return fmt.Errorf("config: max_attempts must be positive")
	case c.AlertInterval < time.Second:
		return fmt.Errorf("config: alert_interval must be at least 1s")
	case c.ReconcileInterval < time.Second:
		return fmt.Errorf("config: reconcile_interval must be at least 1s")
	case c.KeySecret != "" && len(c.KeySecret) < 16:
		return fmt.Errorf("config: key_secret must be at least 16 characters")
	case c.PGDSN != "" && c.KeySecret == "":
		// A secret generated into each instance's data directory would
		// make every instance hash client keys differently.
		return fmt.Errorf("config: TOLLGATE_KEY_SECRET is required with TOLLGATE_PG_DSN, the same on every instance (make one with: openssl rand -hex 32)")
	case c.PGDSN != "" && c.AdminKey == "":
		return fmt.Errorf("config: TOLLGATE_ADMIN_KEY is required with TOLLGATE_PG_DSN, the same on every instance")
	case c.PGDSN != "" && c.EncryptionKey == "":
		return fmt.Errorf("config: TOLLGATE_ENCRYPTION_KEY is required with TOLLGATE_PG_DSN, the same on every instance (make one with: openssl rand -hex 32)")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("config: log_format %q is not text or json", c.LogFormat)
	}
	if c.LimitFallback != "local" && c.LimitFallback != "refuse" {
		return fmt.Errorf("config: limit_fallback %q is not local or refuse", c.LimitFallback)
	}
	if c.Instances < 1 {
		return fmt.Errorf("config: instances must be at least 1")
	}
	if !(c.TraceSample >= 0 && c.TraceSample <= 1) { // NaN fails too
		return fmt.Errorf("config: trace_sample must be from 0 to 1")
	}
	if c.OTLPEndpoint != "" {
		if u, err := url.Parse(c.OTLPEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: otlp_endpoint is not an http(s) URL such as http://127.0.0.1:4318")
		}
	}
	if len(c.Anonymous.Models) > 0 && c.Anonymous.Limits == (Limits{}) {
		return fmt.Errorf("config: anonymous access needs limits (anonymous.limits), or anyone could use the listed models without bound")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: log_level %q is not debug, info, warn or error", c.LogLevel)
	}
	return nil
}
