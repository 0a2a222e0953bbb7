package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
)

// The PostgreSQL tests share one database per test run, created on first
// use and dropped by TestMain; each Store gets a schema of its own in it
// (search_path in its DSN), which is far cheaper than a database each.
// PostgreSQL must be running: the tests fail, never skip, without it.

// defaultPGDSN is the server the tests use when TOLLGATE_TEST_PG_DSN is
// not set: a local one with trust auth, as `make test` starts it.
const defaultPGDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pgStores caps how many test Stores are open at once, so that the
// suite's parallel subtests stay well under max_connections (100 by
// default): each Store has at most pgConns connections, plus one while
// it migrates.
const (
	pgStores = 8
	pgConns  = 4
)

var pg struct {
	once  sync.Once
	err   error
	base  string  // the DSN the run's database was created from
	name  string  // the run's database
	dsn   string  // the run's database's DSN
	admin *sql.DB // a connection to it, to create schemas
	slots chan struct{}
	free  chan string // DSNs of migrated, empty schemas (see pgSuiteStore)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if err := dropPGDatabase(); err != nil {
		fmt.Fprintln(os.Stderr, "sqlstore_test:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// randomName returns prefix followed by 12 random hex digits.
func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// openPGAdmin opens a small pool on dsn and checks that it answers.
func openPGAdmin(dsn string) (*sql.DB, error) {
	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	db.SetMaxOpenConns(2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	return db, nil
}

// pgDatabase returns the DSN of the run's database, creating it on first
// use. It fails the test with what to do if PostgreSQL cannot be reached.
func pgDatabase(t *testing.T) string {
	t.Helper()
	pg.once.Do(func() {
		pg.slots = make(chan struct{}, pgStores)
		pg.free = make(chan string, pgStores)
		pg.base = os.Getenv("TOLLGATE_TEST_PG_DSN")
		if pg.base == "" {
			pg.base = defaultPGDSN
		}
		u, err := url.Parse(pg.base)
		if err != nil {
			pg.err = fmt.Errorf("TOLLGATE_TEST_PG_DSN is not a URL")
			return
		}
		admin, err := openPGAdmin(pg.base)
		if err != nil {
			pg.err = fmt.Errorf("PostgreSQL is unreachable at %s (%v): start it (make test does) "+
				"or point TOLLGATE_TEST_PG_DSN at one", u.Redacted(), err)
			return
		}
		defer admin.Close()
		pg.name = randomName("tollgate_")
		if _, err := admin.Exec("CREATE DATABASE " + pg.name); err != nil {
			pg.err, pg.name = fmt.Errorf("create the test database: %w", err), ""
			return
		}
		u.Path = "/" + pg.name
		// The test data need not survive a crash of the server: commits
		// that do not wait for the disk make the run several times faster.
		q := u.Query()
		q.Set("synchronous_commit", "off")
		u.RawQuery = q.Encode()
		pg.dsn = u.String()
		if pg.admin, pg.err = openPGAdmin(pg.dsn); pg.err != nil {
			pg.err = fmt.Errorf("connect to the test database: %w", pg.err)
		}
	})
	if pg.err != nil {
		t.Fatal(pg.err)
	}
	return pg.dsn
}

// dropPGDatabase drops the run's database, if it was created.
func dropPGDatabase() error {
	if pg.name == "" {
		return nil
	}
	if pg.admin != nil {
		_ = pg.admin.Close()
	}
	admin, err := openPGAdmin(pg.base)
	if err != nil {
		return fmt.Errorf("drop %s: %w", pg.name, err)
	}
	defer admin.Close()
	if _, err := admin.Exec("DROP DATABASE IF EXISTS " + pg.name + " WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop %s: %w", pg.name, err)
	}
	return nil
}

// pgSchema creates an empty schema in the run's database and returns a
// DSN whose connections use it.
func pgSchema(t *testing.T) string {
	t.Helper()
	dsn := pgDatabase(t)
	schema := randomName("s_")
	if _, err := pg.admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	return dsn + "&search_path=" + schema
}

// pgSlot waits until fewer than pgStores test Stores are open and holds
// a place until the test ends.
func pgSlot(t *testing.T) {
	t.Helper()
	pgDatabase(t)
	pg.slots <- struct{}{}
	t.Cleanup(func() { <-pg.slots })
}

// pgSuiteStore returns a Store on an empty, migrated schema for one
// subtest of the conformance suite. Creating and migrating a schema
// takes PostgreSQL some 60 ms, longer than most subtests, so schemas
// are recycled: when the subtest ends its rows are deleted and the
// schema goes back to the pool, for the next subtest. There are never
// more schemas than slots.
func pgSuiteStore(t *testing.T, key []byte) *sqlstore.Store {
	t.Helper()
	pgSlot(t)
	var dsn string
	select {
	case dsn = <-pg.free:
	default:
		dsn = pgSchema(t)
	}
	s := openMigrated(t, dsn, key) // a no-op on a recycled schema
	t.Cleanup(func() {
		// Children first, for the foreign keys.
		const empty = "DELETE FROM request_records; DELETE FROM request_stats; DELETE FROM bindings; DELETE FROM credentials; " +
			"DELETE FROM providers; DELETE FROM keys; DELETE FROM accounts; DELETE FROM models; DELETE FROM settings; DELETE FROM alerts; DELETE FROM ledger_entries; DELETE FROM account_balances; DELETE FROM coupons; DELETE FROM coupon_redemptions; DELETE FROM credential_events; DELETE FROM retry_policies"
		if _, err := s.DB().ExecContext(context.WithoutCancel(t.Context()), empty); err != nil {
			t.Errorf("empty the schema for the next subtest: %v", err)
			return // and do not reuse it
		}
		pg.free <- dsn
	})
	return s
}
