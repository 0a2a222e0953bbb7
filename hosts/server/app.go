package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/config"
)

// App is the composed gateway: what initApp wires from a Config.
type App struct {
	Gateway  *gateway.Gateway
	Admin    *gateway.Admin
	HTTP     *httpapi.Server
	Recorder *gateway.Recorder
	AdminKey AdminKey
}

// AdminKey is the digest of the admin key, and the key itself when it was
// made at this start and must be shown once.
type AdminKey struct {
	Digest  string
	Created string
}

func provideClock() gateway.Clock { return gateway.SystemClock{} }

func provideIDs() gateway.IDs { return gateway.RandomIDs{} }

func provideHasher(cfg config.Config) (*gateway.Hasher, error) {
	secret, err := cfg.LoadKeySecret()
	if err != nil {
		return nil, err
	}
	return gateway.NewHasher(secret)
}

func provideAdminKey(cfg config.Config, h *gateway.Hasher) (AdminKey, error) {
	digest, created, err := cfg.AdminKeyDigest(h.Digest, func() string {
		return "tg-admin-" + gateway.NewKeySecret()[len(gateway.KeyPrefix):]
	})
	return AdminKey{Digest: digest, Created: created}, err
}

func provideCache(clock gateway.Clock) (*memory.Cache, func()) {
	c := memory.NewCache(clock)
	return c, c.Close
}

func provideDrivers() gateway.Drivers {
	return gateway.Drivers{
		"openai": openai.Driver(openai.Config{}),
		"mock":   mock.Driver(),
	}
}

func provideRecorder(cfg config.Config, store gateway.Store, logger *slog.Logger) (*gateway.Recorder, func()) {
	r := gateway.NewRecorder(gateway.RecorderConfig{
		BatchSize: cfg.RecordBatch,
		Interval:  cfg.RecordInterval,
		Logger:    logger,
	}, store)
	return r, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			logger.Error("flush request records", "err", err)
		}
	}
}

func provideGateway(cfg config.Config, logger *slog.Logger, store gateway.Store, cache gateway.Cache, drivers gateway.Drivers,
	hasher *gateway.Hasher, clock gateway.Clock, ids gateway.IDs, rec *gateway.Recorder) (*gateway.Gateway, func()) {
	g := gateway.New(gateway.Config{
		MaxAttempts:    cfg.MaxAttempts,
		ReloadInterval: cfg.ReloadInterval,
		Logger:         logger,
	}, store, cache, drivers, hasher, clock, ids, rec)
	return g, func() {
		if err := g.Close(); err != nil {
			logger.Error("close gateway", "err", err)
		}
	}
}

func provideHTTP(cfg config.Config, logger *slog.Logger, g *gateway.Gateway, admin *gateway.Admin, key AdminKey) *httpapi.Server {
	return httpapi.New(httpapi.Config{
		AdminKeyDigest: key.Digest,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		Logger:         logger,
	}, g, admin)
}
