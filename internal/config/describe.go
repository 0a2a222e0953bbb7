package config

import (
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
)

// Sources says where a configuration came from, for the start log: the
// YAML file Load read (empty for none) and the names of the TOLLGATE_*
// environment variables that were set. It never holds a value.
type Sources struct {
	File string
	Env  []string
}

// String describes the sources in one line: "defaults", then the file,
// then the variables' names.
func (s Sources) String() string {
	parts := []string{"defaults"}
	if s.File != "" {
		parts = append(parts, "file "+s.File)
	}
	if len(s.Env) > 0 {
		parts = append(parts, "env "+strings.Join(s.Env, ","))
	}
	return strings.Join(parts, " < ")
}

// recordEnv wraps getenv so that the names of the variables that answer
// are kept in s.Env, sorted and once each.
func (s *Sources) recordEnv(getenv func(string) string) func(string) string {
	seen := map[string]bool{}
	return func(name string) string {
		v := getenv(name)
		if v != "" && !seen[name] {
			seen[name] = true
			s.Env = append(s.Env, name)
			sort.Strings(s.Env)
		}
		return v
	}
}

// Describe returns, as slog key-value pairs, the adapters the
// configuration selects and where it came from: the store (sqlite and its
// file, or postgres and its host and database, never the user or
// password), the cache (memory, or redis and its address without
// credentials), the alert notifiers, metrics and tracing. No secret is in
// it.
func (c *Config) Describe() []any {
	out := []any{"config", c.Sources.String()}
	if c.PGDSN == "" {
		out = append(out, "store", "sqlite", "store_path", filepath.Join(c.DataDir, "tollgate.db"))
	} else {
		host, db := pgTarget(c.PGDSN)
		out = append(out, "store", "postgres", "store_host", host, "store_database", db)
	}
	if c.RedisAddr == "" {
		out = append(out, "cache", "memory")
	} else {
		out = append(out, "cache", "redis", "cache_addr", redisTarget(c.RedisAddr))
	}
	notifiers := []string{"log"}
	if c.AlertWebhookURL != "" {
		notifiers = append(notifiers, "webhook")
	}
	if c.AlertSlackURL != "" {
		notifiers = append(notifiers, "slack")
	}
	if c.AlertSMTP.Addr != "" {
		notifiers = append(notifiers, "email")
	}
	out = append(out, "notifiers", strings.Join(notifiers, ","), "metrics", c.MetricsEnabled)
	if c.OTLPEndpoint != "" {
		out = append(out, "tracing", redactURL(c.OTLPEndpoint))
	} else {
		out = append(out, "tracing", "off")
	}
	return out
}

// pgTarget returns the host and database of a PostgreSQL DSN, in URL
// ("postgres://user:pass@host:5432/db") or key=value form.
func pgTarget(dsn string) (host, db string) {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" && u.Host != "" {
		return u.Host, strings.TrimPrefix(u.Path, "/")
	}
	var port string
	for _, field := range strings.Fields(dsn) {
		k, v, _ := strings.Cut(field, "=")
		switch k {
		case "host":
			host = v
		case "port":
			port = v
		case "dbname":
			db = v
		}
	}
	if port != "" {
		host += ":" + port
	}
	return host, db
}

// redisTarget returns a Redis address without the credentials a
// redis:// URL may carry.
func redisTarget(addr string) string {
	if strings.Contains(addr, "://") {
		return redactURL(addr)
	}
	return addr
}

// redactURL drops a URL's user information and query, which may hold
// credentials.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

// NewLogger returns the logger the configuration asks for: text or JSON
// on w, at its level.
func (c *Config) NewLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
