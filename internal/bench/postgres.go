package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

// postgresDatabase creates a database of its own on the PostgreSQL
// server at base, as the server's tests do, and returns its DSN and a
// function that drops it. It fails when the server cannot be reached.
func postgresDatabase(ctx context.Context, base string) (string, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL DSN: %w", err)
	}
	if err := reachable(u.Host); err != nil {
		return "", nil, fmt.Errorf("PostgreSQL: %w", err)
	}
	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
	defer db.Close()
	name := "tollgate_bench_" + randomHex(6)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", u.Redacted(), err)
	}
	drop := func() {
		db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// reachable reports whether something accepts TCP connections at addr
// ("host:port") within two seconds.
func reachable(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return fmt.Errorf("%s is not reachable: %w", addr, err)
	}
	return c.Close()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// redisReachable is reachable for a Redis address as redis.Config takes
// it: "host:port", seeds separated by commas (the first is tried), or a
// redis:// URL.
func redisReachable(addr string) error {
	addr, _, _ = strings.Cut(addr, ",")
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		addr = u.Host
	}
	if err := reachable(addr); err != nil {
		return fmt.Errorf("Redis: %w", err)
	}
	return nil
}
