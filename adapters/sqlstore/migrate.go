package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// The bookkeeping tables of bun's migrator, named for Tollgate so that
// they cannot mix with an application's own bun migrations in a shared
// schema.
const (
	migrationsTable = "tollgate_migrations"
	locksTable      = "tollgate_migration_locks"
)

// Migrate brings the database's schema up to date: it applies, in
// order, each migration the database has not had, and calls progress
// (if not nil) after each with a line that names it. Migrating an
// up-to-date database changes nothing and reports nothing. Each
// migration runs in its own transaction and is recorded in
// tollgate_migrations once it has committed; its statements are
// idempotent, so a run cut short is finished by the next.
//
// Stores that start together may all call Migrate: one migrates and the
// others wait, then find nothing to do. On PostgreSQL they wait on a
// session advisory lock, keyed by the current schema, held on a
// connection of its own; the server releases it if the process dies.
// On SQLite they take bun's lock row in tollgate_migration_locks,
// retrying every 100 ms for up to a minute (or until ctx ends); a
// process killed while migrating leaves that row behind, and the error
// says to delete it.
func (s *Store) Migrate(ctx context.Context, progress func(msg string)) error {
	return s.migrate(ctx, len(schemaVersions()), progress)
}

// migrate applies the first n migrations.
func (s *Store) migrate(ctx context.Context, n int, progress func(string)) error {
	if progress == nil {
		progress = func(string) {}
	}
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()

	ms := migrate.NewMigrations()
	for _, v := range schemaVersions()[:n] {
		ms.Add(migrate.Migration{Name: v.name, Comment: v.comment, Up: s.up(v, progress)})
	}
	db := s.db
	if s.pg {
		db = s.pgMigrationDB()
		defer db.Close()
	}
	m := migrate.NewMigrator(db, ms,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(locksTable),
		migrate.WithMarkAppliedOnSuccess(true))

	// On PostgreSQL the lock comes first: concurrent CREATE TABLE IF NOT
	// EXISTS can fail there. On SQLite Init creates the lock's table.
	if s.pg {
		unlock, err := pgLock(ctx, db)
		if err != nil {
			return internal("migrate", err)
		}
		defer unlock()
	}
	if err := m.Init(ctx); err != nil {
		return internal("migrate", err)
	}
	if !s.pg {
		unlock, err := sqliteLock(ctx, m)
		if err != nil {
			return internal("migrate", err)
		}
		defer unlock()
	}
	if _, err := m.Migrate(ctx); err != nil {
		return internal("migrate", err)
	}
	return nil
}

// up returns the function that applies v.
func (s *Store) up(v schemaVersion, progress func(string)) func(context.Context, *migrate.Migrator, *migrate.Migration) error {
	types := strings.NewReplacer("{id}", "TEXT", "{json}", "TEXT", "{time}", "TEXT", "{nf}", "", "{serial}", "INTEGER")
	if s.pg {
		types = strings.NewReplacer("{id}", `TEXT COLLATE "C"`, "{json}", "JSONB", "{time}", "TIMESTAMPTZ", "{nf}", " NULLS FIRST", "{serial}", "BIGSERIAL")
	}
	return func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
		err := m.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for _, stmt := range v.statements {
				if _, err := tx.ExecContext(ctx, types.Replace(stmt)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		progress(fmt.Sprintf("applied migration %s_%s", v.name, v.comment))
		return nil
	}
}

// pgLock takes the migration lock of the current schema on a connection
// of db that it keeps until released, and returns what releases it.
func pgLock(ctx context.Context, db *bun.DB) (func(), error) {
	const key = `hashtextextended('tollgate.sqlstore.migrate:' || coalesce(current_schema(), ''), 0)`
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")"); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	return func() {
		// Closing the connection would end the session and the lock with
		// it, but database/sql may keep it open: unlock explicitly.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock("+key+")")
		_ = conn.Close()
	}, nil
}

// sqliteLock takes bun's migration lock, waiting for another migrator
// to release it, and returns what releases it.
func sqliteLock(ctx context.Context, m *migrate.Migrator) (func(), error) {
	const wait, every = time.Minute, 100 * time.Millisecond
	deadline := time.Now().Add(wait)
	for {
		err := m.Lock(ctx)
		if err == nil {
			return func() { _ = m.Unlock(context.WithoutCancel(ctx)) }, nil
		}
		if violationOf(err) != uniqueViolation {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("another migration has held the lock for over %v; if none is running, "+
				"a migration was interrupted: delete the rows of %s and retry", wait, locksTable)
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
