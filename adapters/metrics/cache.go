package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-ai/tollgate/gateway"
)

// cacheBuckets suit Cache calls: tens of microseconds in process, a
// millisecond or so to Redis, seconds when it struggles.
var cacheBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}

// Cache returns c with every call timed in tollgate_cache_call_seconds
// by operation and outcome (ok or error), a decorator around the port so
// that no adapter has to know about metrics.
func (m *Metrics) Cache(c gateway.Cache) gateway.Cache {
	return &timedCache{Cache: c, h: m.cacheCalls}
}

type timedCache struct {
	gateway.Cache
	h *prometheus.HistogramVec
}

// Remote passes on whether the Cache timed is a gateway.RemoteCache.
func (t *timedCache) Remote() bool {
	r, ok := t.Cache.(gateway.RemoteCache)
	return ok && r.Remote()
}

func (t *timedCache) observe(op string, start time.Time, err error) {
	outcome := "ok"
	if err != nil && !gateway.IsCode(err, gateway.CodeNotFound) {
		outcome = "error"
	}
	t.h.WithLabelValues(op, outcome).Observe(time.Since(start).Seconds())
}

func (t *timedCache) Get(ctx context.Context, key string) ([]byte, error) {
	start := time.Now()
	v, err := t.Cache.Get(ctx, key)
	t.observe("get", start, err)
	return v, err
}

func (t *timedCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	start := time.Now()
	err := t.Cache.Set(ctx, key, value, ttl)
	t.observe("set", start, err)
	return err
}

func (t *timedCache) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := t.Cache.Delete(ctx, key)
	t.observe("delete", start, err)
	return err
}

func (t *timedCache) Incr(ctx context.Context, key string, delta int64, ttl time.Duration) (int64, error) {
	start := time.Now()
	n, err := t.Cache.Incr(ctx, key, delta, ttl)
	t.observe("incr", start, err)
	return n, err
}

func (t *timedCache) Allow(ctx context.Context, key string, limit int64, window time.Duration, n int64) (gateway.Decision, error) {
	start := time.Now()
	d, err := t.Cache.Allow(ctx, key, limit, window, n)
	t.observe("allow", start, err)
	return d, err
}

func (t *timedCache) Take(ctx context.Context, buckets []gateway.Bucket) (gateway.Admission, error) {
	start := time.Now()
	a, err := t.Cache.Take(ctx, buckets)
	t.observe("take", start, err)
	return a, err
}

func (t *timedCache) Adjust(ctx context.Context, buckets []gateway.Bucket) error {
	start := time.Now()
	err := t.Cache.Adjust(ctx, buckets)
	t.observe("adjust", start, err)
	return err
}

func (t *timedCache) Reserve(ctx context.Context, account, id string, amount, limit gateway.Micros, ttl time.Duration) (gateway.Reservation, error) {
	start := time.Now()
	r, err := t.Cache.Reserve(ctx, account, id, amount, limit, ttl)
	t.observe("reserve", start, err)
	return r, err
}

func (t *timedCache) Release(ctx context.Context, account, id string) (gateway.Micros, bool, error) {
	start := time.Now()
	amount, found, err := t.Cache.Release(ctx, account, id)
	t.observe("release", start, err)
	return amount, found, err
}

func (t *timedCache) Held(ctx context.Context, account string) (gateway.Micros, error) {
	start := time.Now()
	n, err := t.Cache.Held(ctx, account)
	t.observe("held", start, err)
	return n, err
}

func (t *timedCache) AddOutcomes(ctx context.Context, key string, successes, failures int64, window time.Duration) (gateway.Outcomes, error) {
	start := time.Now()
	o, err := t.Cache.AddOutcomes(ctx, key, successes, failures, window)
	t.observe("add_outcomes", start, err)
	return o, err
}

func (t *timedCache) Publish(ctx context.Context, channel string, payload []byte) error {
	start := time.Now()
	err := t.Cache.Publish(ctx, channel, payload)
	t.observe("publish", start, err)
	return err
}

// Subscribe is not timed: it lasts as long as the subscription.
func (t *timedCache) Subscribe(ctx context.Context, channel string) (<-chan []byte, error) {
	return t.Cache.Subscribe(ctx, channel)
}

func (t *timedCache) HoldFunds(ctx context.Context, account, id string, amount, seed gateway.Micros, ttl time.Duration) (bool, gateway.Funds, error) {
	start := time.Now()
	ok, f, err := t.Cache.HoldFunds(ctx, account, id, amount, seed, ttl)
	t.observe("hold_funds", start, err)
	return ok, f, err
}

func (t *timedCache) SettleFunds(ctx context.Context, account, id string, cost, seed gateway.Micros) (gateway.Micros, bool, error) {
	start := time.Now()
	charged, first, err := t.Cache.SettleFunds(ctx, account, id, cost, seed)
	t.observe("settle_funds", start, err)
	return charged, first, err
}

func (t *timedCache) DebitFunds(ctx context.Context, account, id string, amount, seed gateway.Micros) (gateway.Micros, bool, error) {
	start := time.Now()
	bal, ok, err := t.Cache.DebitFunds(ctx, account, id, amount, seed)
	t.observe("debit_funds", start, err)
	return bal, ok, err
}

func (t *timedCache) CreditFunds(ctx context.Context, account, id string, amount, seed gateway.Micros) (gateway.Micros, bool, error) {
	start := time.Now()
	bal, first, err := t.Cache.CreditFunds(ctx, account, id, amount, seed)
	t.observe("credit_funds", start, err)
	return bal, first, err
}

func (t *timedCache) GetFunds(ctx context.Context, account string) (gateway.Funds, error) {
	start := time.Now()
	f, err := t.Cache.GetFunds(ctx, account)
	t.observe("get_funds", start, err)
	return f, err
}

func (t *timedCache) ExpireFunds(ctx context.Context, account string, at time.Time) error {
	start := time.Now()
	err := t.Cache.ExpireFunds(ctx, account, at)
	t.observe("expire_funds", start, err)
	return err
}

func (t *timedCache) Admit(ctx context.Context, tk gateway.Ticket) (gateway.Admission, error) {
	start := time.Now()
	a, err := t.Cache.Admit(ctx, tk)
	t.observe("admit", start, err)
	return a, err
}

func (t *timedCache) Finish(ctx context.Context, tk gateway.Ticket, adjust []gateway.Bucket, cost gateway.Micros) (gateway.Micros, bool, error) {
	start := time.Now()
	charged, first, err := t.Cache.Finish(ctx, tk, adjust, cost)
	t.observe("finish", start, err)
	return charged, first, err
}
