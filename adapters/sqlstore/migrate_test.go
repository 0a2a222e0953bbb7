package sqlstore_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/gateway"
)

// recorder collects progress messages; it is safe for concurrent use.
type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) progress(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, msg)
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs...)
}

// applied returns the migrations recorded as applied.
func applied(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	names, err := s.AppliedMigrations(t.Context())
	if err != nil {
		t.Fatalf("AppliedMigrations: %v", err)
	}
	return names
}

func TestMigrate(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn string) {
		is := is.New(t)
		s := open(t, dsn, nil)
		var first recorder
		is.NoErr(s.Migrate(t.Context(), first.progress))
		is.Equal(len(first.all()), sqlstore.MigrationCount()) // each migration is reported
		for _, msg := range first.all() {
			is.True(strings.HasPrefix(msg, "applied migration 20"))
		}
		is.Equal(len(applied(t, s)), sqlstore.MigrationCount())

		var second recorder
		is.NoErr(s.Migrate(t.Context(), second.progress))
		is.Equal(len(second.all()), 0)                          // migrating again is a no-op
		is.Equal(len(applied(t, s)), sqlstore.MigrationCount()) // and records nothing
		is.NoErr(open(t, dsn, nil).Migrate(t.Context(), nil))   // from another Store too
		is.Equal(len(applied(t, s)), sqlstore.MigrationCount())
	})
}

// TestMigrateConcurrent starts Stores on one database at once, as
// instances of a cluster do: every Migrate succeeds and each migration
// is applied once.
func TestMigrateConcurrent(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn string) {
		is := is.New(t)
		const n = 4
		stores := make([]*sqlstore.Store, n)
		for i := range stores {
			stores[i] = open(t, dsn, nil)
		}
		var rec recorder
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, s := range stores {
			wg.Go(func() { errs[i] = s.Migrate(t.Context(), rec.progress) })
		}
		wg.Wait()
		for _, err := range errs {
			is.NoErr(err)
		}
		is.Equal(len(rec.all()), sqlstore.MigrationCount())             // one Store applied each migration
		is.Equal(len(applied(t, stores[0])), sqlstore.MigrationCount()) // once
		is.NoErr(stores[1].CreateAccount(t.Context(), &gateway.Account{ID: "acc_1", Name: "a", Status: gateway.StatusActive, DefaultNamespace: "d"}))
	})
}

// TestMigrateOlderDatabase migrates a database that a previous version
// left with only its first migration.
func TestMigrateOlderDatabase(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn string) {
		is := is.New(t)
		ctx := t.Context()
		old := open(t, dsn, nil)
		is.NoErr(old.MigrateFirst(ctx, 1, nil))
		is.Equal(len(applied(t, old)), 1)
		// Written as the first version wrote it, before accounts had limits.
		_, err := old.DB().ExecContext(ctx, `INSERT INTO accounts (id, name, status, default_namespace, epoch) VALUES ('acc_1', 'a', 'active', 'd', 3)`)
		is.NoErr(err)
		err = old.InsertRecords(ctx, []*gateway.RequestRecord{{ID: "req_1", Time: time.Now()}})
		is.Equal(gateway.ErrorCode(err), gateway.CodeInternal) // no request_records yet

		var rec recorder
		s := open(t, dsn, nil)
		is.NoErr(s.Migrate(ctx, rec.progress))
		is.Equal(len(rec.all()), sqlstore.MigrationCount()-1) // only the missing ones are applied
		is.True(strings.HasSuffix(rec.all()[0], "request_records"))
		is.Equal(len(applied(t, s)), sqlstore.MigrationCount())
		a, err := s.GetAccount(ctx, "acc_1")
		is.NoErr(err)
		is.Equal(a.Name, "a")                // what was there is kept
		is.Equal(a.Epoch, int64(3))          //
		is.Equal(a.Limits, gateway.Limits{}) // and reads as unlimited
		is.NoErr(s.InsertRecords(ctx, []*gateway.RequestRecord{{ID: "req_1", Time: time.Now()}}))
	})
}
