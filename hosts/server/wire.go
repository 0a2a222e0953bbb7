//go:build wireinject

package main

import (
	"log/slog"

	"github.com/google/wire"
	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// initApp composes the gateway: the SQL Store (SQLite by default,
// PostgreSQL when configured) and the Cache (memory by default, Redis when
// configured). The cleanup it returns closes the pieces in reverse order:
// the Gateway's reloads, then the tracer (flushing spans), the Recorder
// (flushing every record), then the Cache and the Store.
func initApp(cfg config.Config, logger *slog.Logger) (*App, func(), error) {
	wire.Build(
		provideStore,
		wire.Bind(new(gateway.Store), new(*sqlstore.Store)),
		provideCache,
		provideChecks,
		provideClock,
		provideIDs,
		provideHasher,
		provideAdminKey,
		provideSessionSecret,
		provideDrivers,
		provideRecorder,
		provideNotifier,
		provideMetrics,
		provideTracer,
		provideGateway,
		gateway.NewAdmin,
		provideHTTP,
		wire.Struct(new(App), "*"),
	)
	return nil, nil, nil
}

// initStore opens the Store alone, migrated, for the commands that need
// nothing else (migrate, reencrypt).
func initStore(cfg config.Config, logger *slog.Logger) (*sqlstore.Store, func(), error) {
	wire.Build(provideStore)
	return nil, nil, nil
}
