//go:build wireinject

package main

import (
	"log/slog"

	"github.com/google/wire"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// initApp composes the gateway on its embedded default: the memory Store
// and Cache. The cleanup it returns closes the pieces in reverse order:
// the Gateway's reloads, then the Recorder (flushing every record), then
// the Cache.
func initApp(cfg config.Config, logger *slog.Logger) (*App, func(), error) {
	wire.Build(
		memory.NewStore,
		wire.Bind(new(gateway.Store), new(*memory.Store)),
		provideCache,
		wire.Bind(new(gateway.Cache), new(*memory.Cache)),
		provideClock,
		provideIDs,
		provideHasher,
		provideAdminKey,
		provideDrivers,
		provideRecorder,
		provideGateway,
		gateway.NewAdmin,
		provideHTTP,
		wire.Struct(new(App), "*"),
	)
	return nil, nil, nil
}
