package sqlstore

import (
	"context"

	"github.com/uptrace/bun"
)

// DB returns the Store's database, for tests that read raw rows.
func (s *Store) DB() *bun.DB { return s.db }

// MigrationCount is how many migrations Migrate knows.
func MigrationCount() int { return len(schemaVersions()) }

// MigrateFirst applies only the first n migrations, to build the
// database of an older version.
func (s *Store) MigrateFirst(ctx context.Context, n int, progress func(string)) error {
	return s.migrate(ctx, n, progress)
}

// AppliedMigrations returns the names of the applied migrations, as
// recorded, oldest first; a name applied twice appears twice.
func (s *Store) AppliedMigrations(ctx context.Context) ([]string, error) {
	var names []string
	err := s.db.NewSelect().ColumnExpr("name").TableExpr(migrationsTable).OrderExpr("name").Scan(ctx, &names)
	return names, err
}
