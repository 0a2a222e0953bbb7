package sqlstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// sqliteFile returns the path of a SQLite database in a fresh directory.
func sqliteFile(t *testing.T) string {
	return filepath.Join(t.TempDir(), "tollgate.db")
}

// dialects are the databases every dialect-independent test runs on.
// newDB returns the DSN of a fresh, empty database.
var dialects = []struct {
	name  string
	newDB func(t *testing.T) string
}{
	{"SQLite", sqliteFile},
	{"PostgreSQL", pgSchema},
}

// forEachDialect runs fn as a subtest per dialect, with a fresh database.
func forEachDialect(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) { fn(t, d.newDB(t)) })
	}
}

// open opens a Store on dsn without migrating and closes it when the
// test ends.
func open(t *testing.T, dsn string, key []byte) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), sqlstore.Config{DSN: dsn, EncryptionKey: key, MaxOpenConns: pgConns})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// openMigrated opens a Store on dsn and migrates it.
func openMigrated(t *testing.T, dsn string, key []byte) *sqlstore.Store {
	t.Helper()
	s := open(t, dsn, key)
	if err := s.Migrate(t.Context(), nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestSQLiteStore(t *testing.T) {
	gatewaytest.TestStore(t, func(t *testing.T) gateway.Store {
		return openMigrated(t, sqliteFile(t), nil)
	})
}

// TestSQLiteMemoryStore runs the suite on ":memory:", whose Store has a
// single connection.
func TestSQLiteMemoryStore(t *testing.T) {
	gatewaytest.TestStore(t, func(t *testing.T) gateway.Store {
		return openMigrated(t, ":memory:", testKey(1))
	})
}

func TestPostgresStore(t *testing.T) {
	pgDatabase(t) // fail once, clearly, if PostgreSQL is not there
	gatewaytest.TestStore(t, func(t *testing.T) gateway.Store {
		return pgSuiteStore(t, testKey(1))
	})
}

func TestOpen(t *testing.T) {
	t.Run("ErrKeyLength", func(t *testing.T) {
		is := is.New(t)
		_, err := sqlstore.Open(t.Context(), sqlstore.Config{DSN: sqliteFile(t), EncryptionKey: make([]byte, 16)})
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "32")) // says what length it needs
	})
	t.Run("ErrPostgresUnreachable", func(t *testing.T) {
		is := is.New(t)
		_, err := sqlstore.Open(t.Context(), sqlstore.Config{DSN: "postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable"})
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "PostgreSQL"))
		is.True(!strings.Contains(err.Error(), "hunter2")) // no password in the error
	})
	t.Run("ErrBadPostgresDSN", func(t *testing.T) {
		is := is.New(t)
		_, err := sqlstore.Open(t.Context(), sqlstore.Config{DSN: "postgres://u:hunter2@127.0.0.1/x?sslmode=bogus"})
		is.True(err != nil) // an error, not pgdriver's panic
		_, err = sqlstore.Open(t.Context(), sqlstore.Config{DSN: "postgres://u:hunter2@[::1/%zz"})
		is.True(err != nil)
		is.True(!strings.Contains(err.Error(), "hunter2"))
	})
	t.Run("ErrEmptyDSN", func(t *testing.T) {
		_, err := sqlstore.Open(t.Context(), sqlstore.Config{})
		is.New(t).True(err != nil)
	})
	t.Run("MigrateOnOpen", func(t *testing.T) {
		is := is.New(t)
		var msgs []string
		s, err := sqlstore.Open(t.Context(), sqlstore.Config{DSN: sqliteFile(t), Migrate: true})
		is.NoErr(err)
		defer s.Close()
		is.NoErr(s.Migrate(t.Context(), func(m string) { msgs = append(msgs, m) }))
		is.Equal(len(msgs), 0) // Open migrated already
		is.NoErr(s.CreateAccount(t.Context(), &gateway.Account{ID: "acc_1", Name: "a", Status: gateway.StatusActive, DefaultNamespace: "default"}))
	})
	t.Run("Ping", func(t *testing.T) {
		is := is.New(t)
		s := open(t, sqliteFile(t), nil)
		is.NoErr(s.Ping(t.Context()))
		is.NoErr(s.Close())
		is.True(s.Ping(t.Context()) != nil) // a closed Store is not ready
	})
	t.Run("NotMigrated", func(t *testing.T) {
		is := is.New(t)
		s := open(t, sqliteFile(t), nil)
		_, err := s.GetAccount(t.Context(), "acc_1")
		is.Equal(gateway.ErrorCode(err), gateway.CodeInternal) // no tables: Open did not migrate
	})
}

// TestReopen checks that what one Store writes, another reads after the
// first is closed.
func TestReopen(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn string) {
		is := is.New(t)
		ctx := t.Context()
		at := time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)
		first := openMigrated(t, dsn, testKey(1))
		is.NoErr(first.CreateAccount(ctx, &gateway.Account{ID: "acc_1", Name: "acme", Status: gateway.StatusActive,
			DefaultNamespace: "prod", Namespaces: []string{"prod"}, CreatedAt: at}))
		is.NoErr(first.CreateProvider(ctx, &gateway.Provider{ID: "prv_1", Name: "one", Type: "openai", Status: gateway.StatusActive}))
		is.NoErr(first.CreateCredentials(ctx, []*gateway.Credential{{ID: "crd_1", ProviderID: "prv_1", Secret: "sk-1", Weight: 1, Status: gateway.StatusActive}}))
		is.NoErr(first.InsertRecords(ctx, []*gateway.RequestRecord{{ID: "req_1", Time: at, AccountID: "acc_1", Latency: time.Second}}))
		is.NoErr(first.Close())

		second := open(t, dsn, testKey(1))
		a, err := second.GetAccount(ctx, "acc_1")
		is.NoErr(err)
		is.Equal(a.Namespaces, []string{"prod"})
		is.True(a.CreatedAt.Equal(at))
		cs, err := second.ListCredentials(ctx, gateway.CredentialFilter{})
		is.NoErr(err)
		is.Equal(len(cs), 1)
		is.Equal(cs[0].Secret.Reveal(), "sk-1")
		rs, err := second.ListRecords(ctx, gateway.RecordFilter{})
		is.NoErr(err)
		is.Equal(len(rs), 1)
		is.Equal(rs[0].Latency, time.Second)
	})
}

// TestUpdateKeepsID checks that a closure cannot change the ID of what
// it updates.
func TestUpdateKeepsID(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn string) {
		is := is.New(t)
		s := openMigrated(t, dsn, nil)
		is.NoErr(s.CreateAccount(t.Context(), &gateway.Account{ID: "acc_1", Name: "a", Status: gateway.StatusActive, DefaultNamespace: "d"}))
		got, err := s.UpdateAccount(t.Context(), "acc_1", func(a *gateway.Account) error {
			a.ID, a.Name = "acc_2", "b"
			return nil
		})
		is.NoErr(err)
		is.Equal(got.ID, "acc_1")
		_, err = s.GetAccount(t.Context(), "acc_2")
		is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
		got, err = s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(got.Name, "b")
	})
}

// TestUpdateKeyErrNotFoundAccount checks that moving a key to an
// account that does not exist is CodeNotFound, by foreign key.
func TestUpdateKeyErrNotFoundAccount(t *testing.T) {
	forEachDialect(t, func(t *testing.T, dsn string) {
		is := is.New(t)
		s := openMigrated(t, dsn, nil)
		is.NoErr(s.CreateAccount(t.Context(), &gateway.Account{ID: "acc_1", Name: "a", Status: gateway.StatusActive, DefaultNamespace: "d"}))
		is.NoErr(s.CreateKey(t.Context(), &gateway.Key{ID: "key_1", AccountID: "acc_1", Digest: "d", Status: gateway.StatusActive}))
		_, err := s.UpdateKey(t.Context(), "key_1", func(k *gateway.Key) error {
			k.AccountID = "acc_2"
			return nil
		})
		is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
		var e *gateway.Error
		is.True(errors.As(err, &e))
		is.True(strings.Contains(e.Message, "acc_2"))
	})
}

// TestSQLiteSettings checks the connection settings Open documents, on
// a file given as a plain path.
func TestSQLiteSettings(t *testing.T) {
	is := is.New(t)
	path := sqliteFile(t)
	s := openMigrated(t, path, nil)
	pragma := func(name string) string {
		var v string
		is.NoErr(s.DB().QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v))
		return v
	}
	is.Equal(pragma("journal_mode"), "wal")
	is.Equal(pragma("synchronous"), "1") // NORMAL
	is.Equal(pragma("foreign_keys"), "1")
	is.Equal(pragma("busy_timeout"), "5000")
	entries, err := os.ReadDir(filepath.Dir(path))
	is.NoErr(err)
	for _, e := range entries {
		is.True(strings.HasPrefix(e.Name(), "tollgate.db")) // the DSN's parameters are not part of the file name
	}
}
