package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// Describe names the adapters without a password, user or token.
func TestDescribe(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		env  map[string]string
		want []string
	}{
		"Defaults": {nil, []string{"config=defaults", "store=sqlite", "store_path=data/tollgate.db", "cache=memory", "tracing=off"}},
		"PostgresURLAndRedisURL": {map[string]string{
			"TOLLGATE_PG_DSN":         "postgres://tollgate:pg-password@db.internal:5432/gate?sslmode=require&password=pg-password",
			"TOLLGATE_REDIS_ADDR":     "rediss://default:redis-password@cache.internal:6380/0",
			"TOLLGATE_OTLP_ENDPOINT":  "https://user:otlp-password@otel.internal:4318",
			"TOLLGATE_KEY_SECRET":     "0123456789abcdef0123",
			"TOLLGATE_ADMIN_KEY":      "admin-password",
			"TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ab", 32),
		}, []string{"store=postgres", "store_host=db.internal:5432", "store_database=gate", "cache=redis",
			"cache_addr=rediss://cache.internal:6380/0", "tracing=https://otel.internal:4318",
			"env TOLLGATE_ADMIN_KEY,TOLLGATE_ENCRYPTION_KEY,TOLLGATE_KEY_SECRET,TOLLGATE_OTLP_ENDPOINT,TOLLGATE_PG_DSN,TOLLGATE_REDIS_ADDR"}},
		"PostgresKeyValue": {map[string]string{
			"TOLLGATE_PG_DSN":         "host=db port=5433 user=tollgate password=pg-password dbname=gate",
			"TOLLGATE_KEY_SECRET":     "0123456789abcdef0123",
			"TOLLGATE_ADMIN_KEY":      "admin-password",
			"TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ab", 32),
		}, []string{"store_host=db:5433", "store_database=gate"}},
	} {
		t.Run(name, func(t *testing.T) {
			is := is.New(t)
			c, err := config.Load("", func(k string) string { return tc.env[k] })
			is.NoErr(err)
			kv := c.Describe()
			var b strings.Builder
			for i := 0; i+1 < len(kv); i += 2 {
				fmt.Fprintf(&b, "%v=%v ", kv[i], kv[i+1])
			}
			got := b.String()
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("%q lacks %q", got, want)
				}
			}
			is.True(!strings.Contains(got, "password")) // no secret's value
		})
	}
}
