package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fromEnv applies the TOLLGATE_* variables getenv knows over c.
func (c *Config) fromEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("TOLLGATE_ADDR", &c.Addr)
	str("TOLLGATE_DATA_DIR", &c.DataDir)
	str("TOLLGATE_ADMIN_KEY", &c.AdminKey)
	str("TOLLGATE_KEY_SECRET", &c.KeySecret)
	str("TOLLGATE_PG_DSN", &c.PGDSN)
	str("TOLLGATE_REDIS_ADDR", &c.RedisAddr)
	str("TOLLGATE_REDIS_PREFIX", &c.RedisPrefix)
	str("TOLLGATE_ENCRYPTION_KEY", &c.EncryptionKey)
	str("TOLLGATE_LIMIT_FALLBACK", &c.LimitFallback)
	str("TOLLGATE_SPILL_DIR", &c.SpillDir)
	str("TOLLGATE_INTERNAL_KEY", &c.InternalKey)
	str("TOLLGATE_ALERT_WEBHOOK_URL", &c.AlertWebhookURL)
	str("TOLLGATE_ALERT_WEBHOOK_SECRET", &c.AlertWebhookSecret)
	str("TOLLGATE_ALERT_SLACK_URL", &c.AlertSlackURL)
	str("TOLLGATE_ALERT_SMTP_ADDR", &c.AlertSMTP.Addr)
	str("TOLLGATE_ALERT_SMTP_USERNAME", &c.AlertSMTP.Username)
	str("TOLLGATE_ALERT_SMTP_PASSWORD", &c.AlertSMTP.Password)
	str("TOLLGATE_ALERT_SMTP_FROM", &c.AlertSMTP.From)
	if v := getenv("TOLLGATE_ALERT_SMTP_TO"); v != "" {
		c.AlertSMTP.To = splitList(v, ",")
	}
	if v := getenv("TOLLGATE_ALERT_ROUTES"); v != "" {
		routes, err := parseRoutes(v)
		if err != nil {
			return err
		}
		c.AlertRoutes = routes
	}
	switch v := getenv("TOLLGATE_LOG_BODIES"); v {
	case "":
	case "on", "true", "1":
		c.LogBodies = true
	case "off", "false", "0":
		c.LogBodies = false
	default:
		return fmt.Errorf("config: TOLLGATE_LOG_BODIES: %q is not on or off", v)
	}
	str("TOLLGATE_OTLP_ENDPOINT", &c.OTLPEndpoint)
	if v := getenv("TOLLGATE_TRACE_SAMPLE"); v != "" {
		parsed, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("config: TOLLGATE_TRACE_SAMPLE: %q is not a number such as 0.1", v)
		}
		c.TraceSample = parsed
	}
	if v := getenv("TOLLGATE_ANONYMOUS_MODELS"); v != "" {
		c.Anonymous.Models = splitList(v, ",")
	}
	str("TOLLGATE_LOG_LEVEL", &c.LogLevel)
	str("TOLLGATE_LOG_FORMAT", &c.LogFormat)
	switch v := getenv("TOLLGATE_METRICS"); strings.ToLower(v) {
	case "":
	case "on", "true":
		c.MetricsEnabled = true
	case "off", "false":
		c.MetricsEnabled = false
	default:
		return fmt.Errorf("config: TOLLGATE_METRICS: %q is not on or off", v)
	}
	switch v := getenv("TOLLGATE_UI"); strings.ToLower(v) {
	case "":
	case "on", "true":
		c.UIEnabled = true
	case "off", "false":
		c.UIEnabled = false
	default:
		return fmt.Errorf("config: TOLLGATE_UI: %q is not on or off", v)
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"TOLLGATE_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout},
		{"TOLLGATE_RELOAD_INTERVAL", &c.ReloadInterval},
		{"TOLLGATE_FAILOVER_DEADLINE", &c.FailoverDeadline},
		{"TOLLGATE_VALIDATION_INTERVAL", &c.ValidationInterval},
		{"TOLLGATE_ALERT_INTERVAL", &c.AlertInterval},
		{"TOLLGATE_RECONCILE_INTERVAL", &c.ReconcileInterval},
		{"TOLLGATE_RECORD_INTERVAL", &c.RecordInterval},
		{"TOLLGATE_RECORD_RETENTION", &c.RecordRetention},
		{"TOLLGATE_STATS_RETENTION", &c.StatsRetention},
	} {
		if v := getenv(d.name); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("config: %s: %q is not a duration such as 30s", d.name, v)
			}
			*d.dst = parsed
		}
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{
		{"TOLLGATE_MAX_ATTEMPTS", &c.MaxAttempts},
		{"TOLLGATE_RECORD_BATCH", &c.RecordBatch},
		{"TOLLGATE_INSTANCES", &c.Instances},
	} {
		if v := getenv(n.name); v != "" {
			parsed, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("config: %s: %q is not a whole number", n.name, v)
			}
			*n.dst = parsed
		}
	}
	if v := getenv("TOLLGATE_MAX_BODY_BYTES"); v != "" {
		parsed, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("config: TOLLGATE_MAX_BODY_BYTES: %q is not a whole number", v)
		}
		c.MaxBodyBytes = parsed
	}
	return nil
}

// splitList splits s at sep, trimmed, without empty items.
func splitList(s, sep string) []string {
	var out []string
	for _, item := range strings.Split(s, sep) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parseRoutes reads "type=a,b;other=c" into routes.
func parseRoutes(v string) (map[string][]string, error) {
	routes := make(map[string][]string)
	for _, route := range splitList(v, ";") {
		typ, to, ok := strings.Cut(route, "=")
		if typ = strings.TrimSpace(typ); !ok || typ == "" {
			return nil, fmt.Errorf("config: TOLLGATE_ALERT_ROUTES: %q is not type=notifier,notifier", route)
		}
		routes[typ] = splitList(to, ",")
	}
	return routes, nil
}
