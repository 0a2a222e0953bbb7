//go:build wireinject

package main

import (
	"log/slog"

	"github.com/google/wire"
	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/internal/compose"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// initApp composes the gateway from compose.Set. The cleanup it returns
// closes the pieces in reverse order: the Gateway's reloads, then the
// tracer (flushing spans), the Recorder (flushing every record), then the
// Cache and the Store.
func initApp(cfg config.Config, logger *slog.Logger) (*compose.App, func(), error) {
	wire.Build(compose.Set)
	return nil, nil, nil
}

// initStore opens the Store alone, migrated, for the commands that need
// nothing else (migrate, reencrypt, check-ledger).
func initStore(cfg config.Config, logger *slog.Logger) (*sqlstore.Store, func(), error) {
	wire.Build(compose.ProvideStore)
	return nil, nil, nil
}
