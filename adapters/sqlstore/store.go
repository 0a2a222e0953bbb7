// Package sqlstore implements gateway.Store on uptrace/bun, for
// PostgreSQL (the shared database of a gateway cluster) and SQLite (the
// embedded default of a single instance).
//
// Both dialects keep the same tables, written by versioned migrations
// (see Store.Migrate), and pass the same gatewaytest.TestStore suite.
// Credential secrets are encrypted at rest with AES-256-GCM when the
// Config names a key (see Config.EncryptionKey and Store.Reencrypt).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tollgate-ai/tollgate/gateway"
)

var _ gateway.Store = (*Store)(nil)

// Config says which database a Store opens and how. The zero value is
// not usable: DSN is required.
type Config struct {
	// DSN selects the database. "postgres://..." or "postgresql://..."
	// opens PostgreSQL with pgdriver; its query parameters other than the
	// driver's own (sslmode, application_name, timeouts, ...) are sent as
	// session parameters, so "?search_path=tollgate" puts the tables in
	// the schema tollgate. Anything else is a SQLite database for modernc
	// sqlite: "file:data/tollgate.db", a plain path, or ":memory:". Open
	// does not create missing directories.
	DSN string
	// EncryptionKey is the 32-byte AES-256 key credential secrets are
	// sealed with (see ParseEncryptionKey). Empty means secrets are
	// stored in plaintext, marked as such, so that a key can be added
	// later with Reencrypt. Any other length is an error.
	EncryptionKey []byte
	// Logger receives migration progress and warnings; nil discards them.
	// Nothing the Store logs holds a secret.
	Logger *slog.Logger
	// Migrate makes Open run Migrate before it returns. Without it Open
	// leaves the schema alone, so that a deployment can migrate once,
	// from one place, before starting instances.
	Migrate bool
	// MaxOpenConns caps the connection pool; 0 picks the default:
	// 4 * GOMAXPROCS for PostgreSQL, 4 for a SQLite file. An in-memory
	// SQLite database always has exactly one connection (see Open).
	MaxOpenConns int
}

// Store is a gateway.Store on a SQL database. Open it with Open and
// release it with Close; the zero value is not usable. A Store is safe
// for concurrent use, and several Stores (in one process or many) may
// share a database.
//
// Update closures run inside a transaction that holds the row (on
// PostgreSQL SELECT ... FOR UPDATE; on SQLite the database's single write
// lock), so they must be quick and must not call the Store. A closure
// cannot change the ID of what it updates: the Store restores it.
type Store struct {
	db  *bun.DB
	pg  bool // PostgreSQL; else SQLite
	log *slog.Logger
	// observer is called after each query (ObserveQueries).
	observer atomic.Pointer[queryObserver]
	// pgMigrationDB opens the pool Migrate runs on (PostgreSQL only): two
	// connections, one to hold the advisory lock, and no read timeout,
	// since a migration may wait for the lock or build a large index for
	// longer than pgdriver's default of 10 s; ctx bounds it instead.
	pgMigrationDB func() *bun.DB

	// keyMu guards key. Credential reads and writes hold it shared, so
	// Reencrypt, which holds it exclusively, never lets anyone see a
	// secret sealed under a key the Store does not hold yet.
	keyMu sync.RWMutex
	key   *sealer // nil: plaintext

	migrateMu sync.Mutex // one Migrate at a time within this Store
}

// Open connects to the database cfg.DSN names and checks that it
// answers. It migrates only when cfg.Migrate is set.
//
// SQLite connections run with journal_mode WAL (readers do not block the
// writer), synchronous NORMAL (safe with WAL, without an fsync per
// commit), foreign_keys ON (the cascades depend on it), busy_timeout
// 5000 ms (a writer waits for the lock instead of failing) and
// _txlock=immediate: every transaction begins with BEGIN IMMEDIATE and so
// takes the write lock first, which is what makes Update closures atomic
// (a deferred transaction that read first could not upgrade safely).
// SQLite allows one writer at a time, so a small pool is enough: extra
// connections only serve concurrent reads. ":memory:" gets exactly one
// connection that is never closed, since each connection to it would
// otherwise see its own empty database.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	key, err := newSealer(cfg.EncryptionKey)
	if err != nil {
		return nil, err
	}
	s := &Store{log: cfg.Logger, key: key}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if isPostgres(cfg.DSN) {
		err = s.openPostgres(cfg)
	} else {
		err = s.openSQLite(cfg)
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.PingContext(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("sqlstore: connect to %s: %w", s.dialectName(), err)
	}
	s.db.AddQueryHook(queryHook{observer: &s.observer})
	if key == nil {
		s.log.Warn("sqlstore: no encryption key: credential secrets are stored in plaintext")
	}
	if cfg.Migrate {
		progress := func(msg string) { s.log.Info("sqlstore: " + msg) }
		if err := s.Migrate(ctx, progress); err != nil {
			_ = s.db.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes the connection pool. Calls in flight may fail.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers, for readiness probes. It
// reports an error once the Store is closed.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: %s does not answer: %w", s.dialectName(), err)
	}
	return nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func (s *Store) dialectName() string {
	if s.pg {
		return "PostgreSQL"
	}
	return "SQLite"
}

func (s *Store) openPostgres(cfg Config) error {
	// pgdriver panics on a DSN it cannot parse, and url.Parse's error
	// quotes the DSN, password included: check it here, say less.
	if _, err := url.Parse(cfg.DSN); err != nil {
		return errors.New("sqlstore: the PostgreSQL DSN is not a valid URL")
	}
	connector, err := pgConnector(pgdriver.WithDSN(cfg.DSN))
	if err != nil {
		return err
	}
	n := cfg.MaxOpenConns
	if n <= 0 {
		n = 4 * runtime.GOMAXPROCS(0)
	}
	sqldb := sql.OpenDB(connector)
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	s.db, s.pg = bun.NewDB(sqldb, pgdialect.New()), true
	// The DSN parsed above, so this connector cannot panic.
	slow, _ := pgConnector(pgdriver.WithDSN(cfg.DSN), pgdriver.WithReadTimeout(0))
	s.pgMigrationDB = func() *bun.DB {
		sqldb := sql.OpenDB(slow)
		sqldb.SetMaxOpenConns(2)
		return bun.NewDB(sqldb, pgdialect.New())
	}
	return nil
}

// pgConnector returns pgdriver's connector, turning its panic on a DSN
// it cannot parse into an error.
func pgConnector(opts ...pgdriver.Option) (c *pgdriver.Connector, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("sqlstore: invalid PostgreSQL DSN: %v", r)
		}
	}()
	return pgdriver.NewConnector(opts...), nil
}

// sqliteParams come first in the DSN's query so that _txlock=immediate
// wins (the driver reads the first value) and a pragma the caller sets
// runs after, and overrides, the default.
const sqliteParams = "_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"

func (s *Store) openSQLite(cfg Config) error {
	if cfg.DSN == "" {
		return errors.New("sqlstore: Config.DSN is empty")
	}
	name, query, _ := strings.Cut(cfg.DSN, "?")
	if name == ":memory:" {
		name = "file::memory:"
	}
	memory := strings.HasPrefix(name, "file::memory:") || strings.Contains(query, "mode=memory")
	dsn := name + "?" + sqliteParams
	if query != "" {
		dsn += "&" + query
	}
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("sqlstore: open SQLite: %w", err)
	}
	n := cfg.MaxOpenConns
	if n <= 0 {
		n = 4
	}
	if memory {
		n = 1
	}
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxLifetime(0)
	sqldb.SetConnMaxIdleTime(0)
	s.db = bun.NewDB(sqldb, sqlitedialect.New())
	return nil
}

// update loads into row the row whose primary key column is id, inside
// a transaction that locks it, calls apply and saves row. It returns
// sql.ErrNoRows, without calling apply, if there is no such row, and
// apply's error as is.
func update[R any](ctx context.Context, s *Store, row *R, id string, apply func() error) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model(row).Where("id = ?", id)
		if s.pg {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		if err := apply(); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model(row).WherePK().Exec(ctx)
		return err
	})
}

// exists reports whether table has a row whose column equals value. It
// reports false if it cannot tell: it only picks an error message.
func (s *Store) exists(ctx context.Context, model any, column, value string) bool {
	ok, err := s.db.NewSelect().Model(model).Where("? = ?", bun.Ident(column), value).Exists(ctx)
	return err == nil && ok
}

// deleteByID deletes the row of model's table whose key column equals
// id and reports whether there was one.
func (s *Store) deleteByID(ctx context.Context, model any, column, id string) (bool, error) {
	res, err := s.db.NewDelete().Model(model).Where("? = ?", bun.Ident(column), id).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// violation is the kind of constraint a driver error reports.
type violation int

const (
	noViolation violation = iota
	uniqueViolation
	foreignKeyViolation
)

// violationOf classifies err by the driver's error code, never by its
// text: PostgreSQL's SQLSTATE, SQLite's extended result code.
func violationOf(err error) violation {
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) {
		switch pgErr.Field('C') {
		case "23505": // unique_violation
			return uniqueViolation
		case "23503": // foreign_key_violation
			return foreignKeyViolation
		}
		return noViolation
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation
		}
	}
	return noViolation
}

// internal wraps an unexpected error as CodeInternal, naming the
// operation for the logs.
func internal(op string, err error) error {
	return gateway.Internal(fmt.Errorf("sqlstore: %s: %w", op, err))
}

// notFound returns the CodeNotFound error for the entity kind with id.
func notFound(kind, id string) error {
	return gateway.Errorf(gateway.CodeNotFound, "%s %q not found", kind, id)
}

// dbTime returns t as the Store keeps it: in UTC, at microsecond
// precision (what PostgreSQL keeps), the zero time staying zero (and
// stored as NULL). On SQLite bun writes times as text, always in UTC as
// "2006-01-02 15:04:05.999999+00:00"; the fraction drops its trailing
// zeros, but '+' sorts before '.' and the digits, so text order is still
// time order.
func dbTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// nullsFirst orders NULLs (zero times) before every time, as SQLite
// does by itself; PostgreSQL puts them last unless told.
func (s *Store) nullsFirst() string {
	if s.pg {
		return " NULLS FIRST"
	}
	return ""
}

// nullsLast orders NULLs after every time in a descending order.
func (s *Store) nullsLast() string {
	if s.pg {
		return " NULLS LAST"
	}
	return ""
}

// oldestFirst is the order of the List methods: by CreatedAt (a zero
// time first), then ID.
func (s *Store) oldestFirst() string {
	return "created_at ASC" + s.nullsFirst() + ", id ASC"
}
