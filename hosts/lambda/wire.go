//go:build wireinject

package main

import (
	"log/slog"

	"github.com/google/wire"
	"github.com/tollgate-ai/tollgate/internal/compose"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// initApp composes the gateway from compose.Set, as the server does. The
// cleanup it returns closes the pieces in reverse order: the Gateway's
// reloads, then the tracer (flushing spans), the Recorder (flushing every
// record), then the Cache and the Store.
func initApp(cfg config.Config, logger *slog.Logger) (*compose.App, func(), error) {
	wire.Build(compose.Set)
	return nil, nil, nil
}
