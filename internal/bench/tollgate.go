package bench

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/metrics"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/adapters/redis"
	"github.com/tollgate-ai/tollgate/adapters/sqlstore"
	"github.com/tollgate-ai/tollgate/gateway"
)

// generous are the limits of the benchmark's account and key: evaluated
// on every request (a Take of request and token buckets, a concurrency
// lease) but far above anything a run reaches, so they never refuse.
var generous = gateway.Limits{
	RequestsPerSecond: 1_000_000,
	RequestsPerMinute: 60_000_000,
	TokensPerMinute:   1_000_000_000_000,
	Concurrent:        100_000,
}

// prices make every request cost something, so that each one holds
// credits and settles them: $2.50 and $10 per million tokens.
var prices = gateway.Prices{Input: 2_500_000, Output: 10_000_000}

// balance is the prepaid account's opening balance: a million credits.
const balance gateway.Micros = 1_000_000_000_000

// tollgate is one composed gateway and what closes it.
type tollgate struct {
	handler http.Handler
	key     string // the client key issued for the benchmark
	closers []func() error
}

// Close stops the gateway, writes the records still queued and closes
// the adapters, in reverse order of opening.
func (t *tollgate) Close() error {
	var errs []error
	for i := len(t.closers) - 1; i >= 0; i-- {
		errs = append(errs, t.closers[i]())
	}
	return errors.Join(errs...)
}

// ports are the adapters of a Tollgate target.
type ports struct {
	store gateway.Store
	cache gateway.Cache
}

// openPorts opens the Store and Cache of role: memory for both
// (RoleMemory); SQLite in dir with the memory Cache (RoleSQLite);
// PostgreSQL at o.PostgresDSN with Redis at o.RedisAddr under o.RedisPrefix
// (RolePostgres).
func openPorts(ctx context.Context, role string, o ChildOptions, logger *slog.Logger, t *tollgate) (ports, error) {
	clock := gateway.SystemClock{}
	switch role {
	case RoleMemory:
		c := memory.NewCache(clock)
		t.closers = append(t.closers, func() error { c.Close(); return nil })
		return ports{store: memory.NewStore(), cache: c}, nil
	case RoleSQLite, RolePostgres:
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		dsn := "file:" + filepath.Join(o.DataDir, "tollgate.db")
		if role == RolePostgres {
			dsn = o.PostgresDSN
		}
		s, err := sqlstore.Open(ctx, sqlstore.Config{DSN: dsn, EncryptionKey: key, Logger: logger, Migrate: true})
		if err != nil {
			return ports{}, fmt.Errorf("open the store: %w", err)
		}
		t.closers = append(t.closers, s.Close)
		if role == RoleSQLite {
			c := memory.NewCache(clock)
			t.closers = append(t.closers, func() error { c.Close(); return nil })
			return ports{store: s, cache: c}, nil
		}
		c, err := redis.New(redis.Config{Addr: o.RedisAddr, Prefix: o.RedisPrefix, Logger: logger})
		if err != nil {
			return ports{}, fmt.Errorf("connect to Redis: %w", err)
		}
		t.closers = append(t.closers, func() error { c.Close(); return nil })
		return ports{store: s, cache: c}, nil
	}
	return ports{}, fmt.Errorf("unknown Tollgate role %q", role)
}

// newTollgate composes Tollgate for role the way the stock server does
// (internal/compose), by hand and with only what the request path uses:
// the Recorder writing request records to the Store, Prometheus metrics
// observing every request and timing every Cache call and Store query,
// the openai driver pointed at the upstream, and the HTTP API. It then
// configures, through gateway.Admin, a provider with one credential
// serving bench-* at a price, a prepaid account with a large balance
// and generous limits, and a client key with the same limits.
func newTollgate(ctx context.Context, role string, o ChildOptions, logger *slog.Logger) (_ *tollgate, err error) {
	t := &tollgate{}
	defer func() {
		if err != nil {
			_ = t.Close()
		}
	}()
	p, err := openPorts(ctx, role, o, logger, t)
	if err != nil {
		return nil, err
	}
	rec := gateway.NewRecorder(gateway.RecorderConfig{Logger: logger}, p.store)
	t.closers = append(t.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return rec.Close(ctx)
	})
	m, err := metrics.New(metrics.Config{Queued: rec.Queued, Spilled: rec.Spilled})
	if err != nil {
		return nil, err
	}
	if s, ok := p.store.(interface {
		ObserveQueries(func(string, time.Duration, error))
	}); ok {
		s.ObserveQueries(m.ObserveStore)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	hasher, err := gateway.NewHasher(secret)
	if err != nil {
		return nil, err
	}
	drivers := gateway.Drivers{"openai": openai.Driver(openai.Config{})}
	g := gateway.New(gateway.Config{Logger: logger, Observers: []gateway.Observer{m}},
		p.store, m.Cache(p.cache), drivers, hasher, gateway.SystemClock{}, gateway.RandomIDs{}, rec)
	t.closers = append(t.closers, g.Close)
	if err := g.Start(ctx); err != nil {
		return nil, fmt.Errorf("start the gateway: %w", err)
	}
	admin := gateway.NewAdmin(g)
	var account string
	if t.key, account, err = configure(ctx, admin, o.UpstreamURL); err != nil {
		return nil, fmt.Errorf("configure the gateway: %w", err)
	}
	if o.Keys > 0 {
		if err := loadKeys(ctx, p.store, hasher, account, o.Keys); err != nil {
			return nil, fmt.Errorf("load %d keys: %w", o.Keys, err)
		}
		if err := g.Reload(ctx); err != nil {
			return nil, err
		}
	}
	// What setting up left behind is garbage: the harness reads the idle
	// RSS as soon as the child answers.
	runtime.GC()
	debug.FreeOSMemory()
	t.handler = httpapi.New(httpapi.Config{Logger: logger, Metrics: m.Handler()}, g, admin)
	return t, nil
}

// configure sets up what a benchmark request goes through and returns
// the client key and its account.
func configure(ctx context.Context, admin *gateway.Admin, upstream string) (string, string, error) {
	prov, err := admin.CreateProvider(ctx, &gateway.Provider{
		Name: "bench", Type: "openai", BaseURL: upstream + "/v1", Models: []string{"bench-*"},
	})
	if err != nil {
		return "", "", err
	}
	if _, err := admin.AddCredentials(ctx, prov.ID, []*gateway.Credential{{Name: "bench", Secret: "sk-bench-upstream", Weight: 1}}); err != nil {
		return "", "", err
	}
	for _, name := range []string{FastModel, SlowModel, LongModel} {
		if _, err := admin.PutModel(ctx, &gateway.Model{Name: name, Prices: prices, MaxOutput: 4096}); err != nil {
			return "", "", err
		}
	}
	acct := &gateway.Account{Name: "bench", Prepaid: true, Limits: generous}
	if _, err := admin.CreateAccount(ctx, acct); err != nil {
		return "", "", err
	}
	if _, err := admin.Credit(ctx, gateway.Credit{AccountID: acct.ID, Kind: gateway.EntryGrant, Amount: balance,
		Actor: "bench", Reason: "benchmark opening balance"}); err != nil {
		return "", "", err
	}
	_, key, err := admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Name: "bench", Limits: generous}, gateway.IssuedByAdmin)
	return key, acct.ID, err
}

// loadKeys stores n more client keys of account straight into the Store,
// as a bulk import would, so that a target serves with a realistic key
// table; the caller reloads the gateway once after.
func loadKeys(ctx context.Context, store gateway.Store, hasher *gateway.Hasher, account string, n int) error {
	now := time.Now()
	for i := range n {
		secret := gateway.NewKeySecret()
		k := &gateway.Key{ID: fmt.Sprintf("key_load_%07d", i), AccountID: account, Name: fmt.Sprintf("load-%d", i),
			Prefix: gateway.KeyDisplayPrefix(secret), Digest: hasher.Digest(secret), Status: gateway.StatusActive,
			IssuedBy: gateway.IssuedByAdmin, CreatedAt: now}
		if err := store.CreateKey(ctx, k); err != nil {
			return err
		}
	}
	return nil
}
