package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// Config tunes a Gateway. The zero value is usable: every field documents
// its default.
type Config struct {
	// MaxAttempts bounds the upstream calls one request may make across
	// credentials and providers when calls fail before the provider could
	// have processed them. Default 3.
	MaxAttempts int
	// FailoverDeadline bounds failover: no new attempt starts once a
	// request is this old, and the last error is returned. Zero means no
	// bound besides MaxAttempts and the client's context.
	FailoverDeadline time.Duration
	// ReloadInterval is how often the Snapshot is rebuilt from the Store
	// even without a change event, to heal a missed event. Default 1m.
	ReloadInterval time.Duration
	// Logger receives operational messages (a failed reload, a provider
	// that could not be opened). Default slog.Default().
	Logger *slog.Logger
	// Limits cap the whole gateway, every account together.
	Limits Limits
	// LimitFallback keeps limits when the Cache fails: an in-process Cache
	// where each instance enforces its share (1/Instances) of every
	// limit. Nil refuses requests while limits cannot be checked.
	LimitFallback Cache
	// Instances is how many instances share the limits, for the
	// fallback's share. Default 1.
	Instances int
	// LogBodies keeps request and response bodies in request records,
	// redacted, for every provider; a provider's "log_bodies" option
	// ("true") asks for its own. Off by default.
	LogBodies bool
	// Notifier delivers alerts when they open; nil keeps them in the
	// Store only.
	Notifier Notifier
	// Refresher renews OAuth credentials' access tokens (RunTokenRefresh);
	// nil leaves them as they are.
	Refresher TokenRefresher
	// AlertCooldown is how long an alert absorbs reports of its
	// fingerprint. Default DefaultAlertCooldown.
	AlertCooldown time.Duration
	// Observers learn of every finished request (metrics).
	Observers []Observer
	// Tracer starts a span per request and per upstream attempt
	// (OpenTelemetry through adapters/oteltrace). Default none: tracing
	// off, with no allocation on the request path.
	Tracer Tracer
	// Anonymous lets requests without a key call some models; off by
	// default.
	Anonymous Anonymous
	// ConcurrencyLease is how long a concurrency slot stays taken if its
	// request never ends (its instance died). Default 15m.
	ConcurrencyLease time.Duration
	// Alerts are the detectors' thresholds until the Settings hold some.
	Alerts AlertThresholds
	// DefaultModels are the catalog's entries until the Store has one of
	// the same name (internal/pricetable's list prices, for the server):
	// the Store's catalog, which the admin API writes, wins.
	DefaultModels []Model
	// HoldTTL is how long a prepaid request's hold lasts if the request
	// never settles. Default DefaultHoldTTL.
	HoldTTL time.Duration
	// HoldOutput is the output, in tokens, a prepaid request that sets no
	// limit is held for. Default DefaultHoldOutput.
	HoldOutput int64
	// Presets are the ready-made providers the Admin offers (the drivers'
	// preset tables, such as openaicompat.Presets()).
	Presets []Preset
	// HeaderProfiles are named sets of headers a provider takes with its
	// "headers_profile" option, under its own Headers: one place to keep
	// the headers a family of providers needs (a client identity, a beta
	// flag) instead of repeating them on each.
	HeaderProfiles map[string]map[string]string
}

func (c Config) withDefaults() Config {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.ReloadInterval <= 0 {
		c.ReloadInterval = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Instances <= 0 {
		c.Instances = 1
	}
	if c.ConcurrencyLease <= 0 {
		c.ConcurrencyLease = 15 * time.Minute
	}
	if c.Tracer == nil {
		c.Tracer = noTracer{}
	}
	if c.HoldTTL <= 0 {
		c.HoldTTL = DefaultHoldTTL
	}
	if c.HoldOutput <= 0 {
		c.HoldOutput = DefaultHoldOutput
	}
	return c
}

// Drivers maps a provider type to the Driver that speaks it.
type Drivers map[string]Driver

// Gateway serves requests: it authenticates callers against its Snapshot,
// routes each request to a provider chain, calls the Upstreams with
// failover, and hands a RequestRecord of every request to its Recorder.
// It is safe for concurrent use. Start loads the first Snapshot; Close
// stops the background reloads.
type Gateway struct {
	cfg      Config
	store    Store
	cache    Cache
	remote   bool         // cache is a RemoteCache
	late     lateFinishes // Finish calls on a RemoteCache made after the answer
	drivers  Drivers
	hasher   *Hasher
	clock    Clock
	ids      IDs
	rec      *Recorder
	limiter  *limiter
	meter    *meter
	biller   *biller
	breakers breakers
	health   health

	snap atomic.Pointer[Snapshot]

	// instance tells this Gateway's change events from other instances'.
	instance string

	mu        sync.Mutex // guards upstreams, pickers and reloads
	upstreams map[string]openedUpstream
	pickers   map[string]*picker

	stop chan struct{}
	wg   sync.WaitGroup
}

type openedUpstream struct {
	updated  time.Time
	upstream Upstream
}

// New returns a Gateway over its dependencies. It serves nothing until
// Start has loaded a Snapshot.
func New(cfg Config, store Store, cache Cache, drivers Drivers, hasher *Hasher, clock Clock, ids IDs, rec *Recorder) *Gateway {
	cfg = cfg.withDefaults()
	g := &Gateway{
		cfg:       cfg,
		store:     store,
		cache:     cache,
		drivers:   drivers,
		hasher:    hasher,
		clock:     clock,
		ids:       ids,
		rec:       rec,
		instance:  RandomIDs{}.NewID("gw_"), // unique even when tests inject sequential IDs
		upstreams: make(map[string]openedUpstream),
		pickers:   make(map[string]*picker),
		stop:      make(chan struct{}),
		meter:     newMeter(),
		limiter: &limiter{cache: cache, fallback: cfg.LimitFallback, share: int64(cfg.Instances),
			lease: cfg.ConcurrencyLease, log: cfg.Logger},
	}
	g.remote = isRemote(cache)
	g.snap.Store(&Snapshot{})
	g.biller = newBiller(g)
	return g
}

// Start loads the first Snapshot, then keeps it fresh in the background:
// on every change event from the Cache and every ReloadInterval. It
// returns the first load's error.
func (g *Gateway) Start(ctx context.Context) error {
	if err := g.Reload(ctx); err != nil {
		return err
	}
	sub, cancel := context.WithCancel(context.Background())
	changes, err := g.cache.Subscribe(sub, ChangesChannel)
	if err != nil {
		cancel()
		return err
	}
	g.wg.Add(3)
	go g.flushMeter()
	go g.flushBreakers()
	go func() {
		defer g.wg.Done()
		defer cancel()
		tick := time.NewTicker(g.cfg.ReloadInterval)
		defer tick.Stop()
		for {
			select {
			case <-g.stop:
				return
			case msg, ok := <-changes:
				if !ok {
					changes = nil // the Cache closed it; rely on the ticker
					continue
				}
				if string(msg) == g.instance {
					continue // Changed reloaded this instance already
				}
			case <-tick.C:
			}
			ctx, done := context.WithTimeout(context.Background(), 30*time.Second)
			if err := g.Reload(ctx); err != nil {
				g.cfg.Logger.Error("reload configuration", "err", err)
			}
			done()
		}
	}()
	return nil
}

// flushMeter adds the realtime counts to the Cache every second until
// Close, and once more then.
func (g *Gateway) flushMeter() {
	defer g.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		stopping := false
		select {
		case <-g.stop:
			stopping = true
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := g.meter.flush(ctx, g.cache); err != nil {
			g.cfg.Logger.Warn("realtime counts kept for the next flush", "err", err)
		}
		cancel()
		if stopping {
			return
		}
	}
}

// flushBreakers shares the breakers' figures through the Cache every
// 250ms until Close: each instance trips, opens and closes with the
// others within a flush or two.
func (g *Gateway) flushBreakers() {
	defer g.wg.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		for _, b := range g.breakers.all() {
			if err := b.flush(ctx, g.cache); err != nil {
				g.cfg.Logger.Warn("circuit breaker figures not shared", "provider", b.provider, "err", err)
				break // the Cache is down: judge on local figures until it is back
			}
		}
		if err := g.health.flush(ctx, g.cache); err != nil {
			g.cfg.Logger.Warn("credential successes not shared", "err", err)
		}
		cancel()
	}
}

// Flush does now what the background would do soon: it waits for the
// finishes still on their way (see RemoteCache), settles every queued
// charge and writes its ledger entries, and shares the realtime
// counts, breaker figures and credential successes through the Cache. A
// host whose process may be frozen after a request (AWS Lambda) calls it,
// with the Recorder's Flush, before answering. It returns the first
// failure; what failed stays queued for the background to retry.
func (g *Gateway) Flush(ctx context.Context) error {
	// The finishes still on their way settle charges the biller must see.
	if err := g.late.wait(ctx); err != nil {
		return err
	}
	errs := []error{g.biller.work(ctx), g.meter.flush(ctx, g.cache)}
	for _, b := range g.breakers.all() {
		if err := b.flush(ctx, g.cache); err != nil {
			errs = append(errs, err)
			break
		}
	}
	errs = append(errs, g.health.flush(ctx, g.cache))
	return errors.Join(errs...)
}

// Close stops the background reloads and closes the Upstreams that hold
// resources. It does not close the Recorder, which the host flushes after
// the last request has ended.
func (g *Gateway) Close() error {
	select {
	case <-g.stop:
		return nil
	default:
		close(g.stop)
	}
	g.wg.Wait()
	_ = g.late.drain(context.Background()) // each bounded by finishTimeout
	errs := []error{g.biller.close()}
	g.mu.Lock()
	defer g.mu.Unlock()
	for id, o := range g.upstreams {
		if c, ok := o.upstream.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
		delete(g.upstreams, id)
	}
	return errors.Join(errs...)
}

// Reload rebuilds the Snapshot from the Store and swaps it in. On error
// the current Snapshot stays.
func (g *Gateway) Reload(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	live := make(map[string]bool)
	snap, skipped, err := loadSnapshot(ctx, g.store, g.biller.seeds, func(p *Provider) (Upstream, error) {
		live[p.ID] = true
		if o, ok := g.upstreams[p.ID]; ok && o.updated.Equal(p.UpdatedAt) {
			return o.upstream, nil
		}
		up, err := g.open(p)
		if err != nil {
			return nil, err
		}
		g.retire(p.ID)
		g.upstreams[p.ID] = openedUpstream{updated: p.UpdatedAt, upstream: up}
		return up, nil
	}, func(id string, creds []*Credential) *picker {
		if old, ok := g.pickers[id]; ok && old.signature == pickerSignature(creds) {
			return old
		}
		p := newPicker(creds)
		g.pickers[id] = p
		return p
	}, g.cfg.DefaultModels, g.clock.Now())
	if err != nil {
		return err
	}
	for _, err := range skipped {
		g.cfg.Logger.Warn("provider skipped", "err", err)
	}
	for id := range g.upstreams {
		if !live[id] {
			g.retire(id)
			delete(g.pickers, id)
		}
	}
	g.snap.Store(snap)
	return nil
}

// retire drops the Upstream of a provider that changed or went away. Its
// idle connections are closed; requests in flight keep theirs.
func (g *Gateway) retire(id string) {
	if o, ok := g.upstreams[id]; ok {
		if c, ok := o.upstream.(io.Closer); ok {
			_ = c.Close()
		}
		delete(g.upstreams, id)
	}
}

func (g *Gateway) open(p *Provider) (Upstream, error) {
	d, ok := g.drivers[p.Type]
	if !ok {
		return nil, Invalid("type", "unknown provider type %q", p.Type)
	}
	if name := p.Options["headers_profile"]; name != "" {
		profile, ok := g.cfg.HeaderProfiles[name]
		if !ok {
			return nil, Invalid("options", "unknown headers_profile %q", name)
		}
		withProfile := *p
		withProfile.Headers = maps.Clone(profile)
		maps.Copy(withProfile.Headers, p.Headers) // the provider's own win
		p = &withProfile
	}
	return d.Open(p)
}

// Changed reloads this instance's Snapshot and tells every other instance
// to reload theirs. Admin operations call it after each write.
func (g *Gateway) Changed(ctx context.Context) error {
	err := g.Reload(ctx)
	if perr := g.cache.Publish(ctx, ChangesChannel, []byte(g.instance)); perr != nil {
		err = errors.Join(err, perr)
	}
	return err
}

// snapshot returns the configuration currently served.
func (g *Gateway) snapshot() *Snapshot { return g.snap.Load() }
