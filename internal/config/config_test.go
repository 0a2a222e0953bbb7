package config_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/config"
)

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "c.yaml")
	is.NoErr(os.WriteFile(path, []byte("addr: \":9000\"\nmax_attempts: 5\nshutdown_timeout: 5s\nheader_profiles:\n  team: {X-Team: blue}\nalerts: {account_rpm: 600, error_window: 10m}\n"), 0o600))
	env := map[string]string{"TOLLGATE_MAX_ATTEMPTS": "7", "TOLLGATE_ALERT_ROUTES": "error_rate=slack, email;*=log",
		"TOLLGATE_ALERT_SMTP_TO": "a@example.com, b@example.com"}
	c, err := config.Load(path, func(k string) string { return env[k] })
	is.NoErr(err)
	is.Equal(c.Addr, ":9000")                  // file over default
	is.Equal(c.MaxAttempts, 7)                 // environment over file
	is.Equal(c.ShutdownTimeout, 5*time.Second) // file
	is.Equal(c.DataDir, "./data")              // default
	is.Equal(c.HeaderProfiles["team"]["X-Team"], "blue")
	is.Equal(c.Alerts.AccountRPM, int64(600))
	is.Equal(c.Alerts.ErrorWindow, 10*time.Minute)
	is.Equal(c.AlertInterval, time.Minute) // default
	is.Equal(c.AlertRoutes, map[string][]string{"error_rate": {"slack", "email"}, "*": {"log"}})
	is.Equal(c.AlertSMTP.To, []string{"a@example.com", "b@example.com"})
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for name, env := range map[string]map[string]string{
		"BadDuration":                   {"TOLLGATE_SHUTDOWN_TIMEOUT": "soon"},
		"BadNumber":                     {"TOLLGATE_MAX_ATTEMPTS": "many"},
		"BadLevel":                      {"TOLLGATE_LOG_LEVEL": "loud"},
		"ShortSecret":                   {"TOLLGATE_KEY_SECRET": "short"},
		"SharedStoreNeedsKeySecret":     {"TOLLGATE_PG_DSN": "postgres://db/x", "TOLLGATE_ADMIN_KEY": "a", "TOLLGATE_ENCRYPTION_KEY": "k"},
		"SharedStoreNeedsAdminKey":      {"TOLLGATE_PG_DSN": "postgres://db/x", "TOLLGATE_KEY_SECRET": "0123456789abcdef", "TOLLGATE_ENCRYPTION_KEY": "k"},
		"SharedStoreNeedsEncryptionKey": {"TOLLGATE_PG_DSN": "postgres://db/x", "TOLLGATE_KEY_SECRET": "0123456789abcdef", "TOLLGATE_ADMIN_KEY": "a"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Load("", func(k string) string { return env[k] })
			is.New(t).True(err != nil)
		})
	}
}

// The key secret and the admin key's digest are made once and kept; the
// admin key itself is never written.
func TestSecretsPersist(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	c := config.Default()
	c.DataDir = t.TempDir()
	s1, err := c.LoadKeySecret()
	is.NoErr(err)
	s2, err := c.LoadKeySecret()
	is.NoErr(err)
	is.Equal(s1, s2)

	digest := func(k string) string { return "digest-of-" + k }
	d1, created, err := c.AdminKeyDigest(digest, func() string { return "new-admin-key" })
	is.NoErr(err)
	is.Equal(created, "new-admin-key")
	d2, created, err := c.AdminKeyDigest(digest, func() string { return "another" })
	is.NoErr(err)
	is.Equal(created, "") // not made again
	is.Equal(d1, d2)
	b, err := os.ReadFile(filepath.Join(c.DataDir, "admin_key.digest"))
	is.NoErr(err)
	is.Equal(string(b), "digest-of-new-admin-key\n")
}
