// Package metrics exports what the gateway serves as Prometheus metrics:
// Metrics is a gateway.Observer that counts every finished request, and
// its Handler serves them for Prometheus to scrape.
//
// Exported, all prefixed tollgate_:
//
//	requests_total{endpoint,provider,model,code}         counter
//	request_duration_seconds{endpoint,provider,model}    histogram, until the response ended
//	time_to_first_byte_seconds{provider,model}           histogram, streams only
//	tokens_total{provider,model,kind}                    counter, kind prompt, completion or cached
//	cost_micros_total{provider,model}                    counter, 1,000,000 micros = 1 credit
//	upstream_attempts_total{provider,code}               counter, one per upstream call
//	rate_limited_total{dimension}                        counter, the limit that refused a request
//	cache_call_seconds{op,outcome}                       histogram, each Cache call (see Metrics.Cache)
//	store_query_seconds{op,outcome}                      histogram, each Store query (see Metrics.ObserveStore)
//	breaker_state{provider}                              gauge, 0 closed, 1 half-open, 2 open (see Metrics.WatchBreakers)
//	breaker_opens_total{provider}                        counter, times the breaker opened on this instance
//	record_queue_depth                                   gauge, request records waiting to be written
//	record_spilled                                       gauge, request records in the spill file
//
// plus, on a registry of its own, the Go runtime (go_*) and process
// (process_*) collectors.
//
// Label values: code is "ok" for success, else the gateway.Code of the
// error; provider is the provider's id (the one that answered, or the last
// one tried), "none" when no provider was reached; dimension is the
// RequestRecord's LimitedBy ("requests_per_minute", "concurrent", ...).
//
// Cardinality: every label is bounded by the configuration except model,
// which is the name the client sent. Left as is, any caller could make a
// new time series per request by asking for made-up models, and every
// series stays in memory for the life of the process. So a model name
// becomes a label value only once a request for it has succeeded (an
// upstream served it), and at most Config.MaxModels names do; every other
// request is labelled model="other". A model whose requests have only ever
// failed since the start is therefore counted under "other", its provider
// still named.
//
// Metrics and Handler carry no secret: no key, account, request id or
// client address is ever a label.
package metrics

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tollgate-ai/tollgate/gateway"
)

// Other is the model label of requests whose model is not (yet) a label
// value of its own; see the package documentation.
const Other = "other"

// None is the provider label of a request that reached no provider.
const None = "none"

// Buckets are the bounds, in seconds, of the duration and time-to-first-
// byte histograms: LLM calls run from tens of milliseconds (a cached
// embedding) to minutes (a long completion).
var Buckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120}

// Config tunes Metrics. The zero value is usable: every field documents
// its default.
type Config struct {
	// Registry receives the metrics. Nil makes a private registry that
	// also holds the Go runtime and process collectors, so that tests and
	// embedders never collide on the global default registry. Given one,
	// only Tollgate's metrics are registered on it; adding the runtime
	// collectors is then the caller's choice.
	Registry *prometheus.Registry
	// Queued reports how many request records wait to be written (pass
	// (*gateway.Recorder).Queued); it is read at each scrape, never on
	// the request path. Nil leaves tollgate_record_queue_depth out.
	Queued func() int
	// Spilled reports how many request records wait in the spill file
	// (pass (*gateway.Recorder).Spilled). Nil leaves
	// tollgate_record_spilled out.
	Spilled func() int
	// MaxModels bounds the distinct values of the model label (see the
	// package documentation). Default 500.
	MaxModels int
}

// Metrics counts finished requests for Prometheus. Observe is quick
// (label lookups and atomic adds, no I/O) and, like every method, safe
// for concurrent use.
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	firstByte *prometheus.HistogramVec
	tokens    *prometheus.CounterVec
	cost      *prometheus.CounterVec
	attempts  *prometheus.CounterVec
	limited   *prometheus.CounterVec
	// cacheCalls times the Cache calls of a Cache wrapped by Cache.
	cacheCalls *prometheus.HistogramVec
	storeCalls *prometheus.HistogramVec
	models     models
	handler    http.Handler
}

var _ gateway.Observer = (*Metrics)(nil)

// New registers the metrics on cfg.Registry (or a private registry) and
// returns them. The only error is a failed registration: a registry that
// already holds a metric of the same name.
func New(cfg Config) (*Metrics, error) {
	if cfg.MaxModels <= 0 {
		cfg.MaxModels = 500
	}
	reg := cfg.Registry
	var cs []prometheus.Collector
	if reg == nil {
		reg = prometheus.NewRegistry()
		cs = append(cs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_requests_total",
			Help: "Finished requests, by endpoint, provider, requested model and outcome (code \"ok\" or the error code).",
		}, []string{"endpoint", "provider", "model", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_request_duration_seconds",
			Help:    "Time from the start of a request until its response ended.",
			Buckets: Buckets,
		}, []string{"endpoint", "provider", "model"}),
		firstByte: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_time_to_first_byte_seconds",
			Help:    "Time from the start of a streamed request until its first chunk was ready.",
			Buckets: Buckets,
		}, []string{"provider", "model"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_tokens_total",
			Help: "Tokens used, by kind: prompt, completion, and cached (the part of the prompt served from the provider's cache, included in prompt).",
		}, []string{"provider", "model", "kind"}),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_cost_micros_total",
			Help: "Cost of requests at catalog prices, in micros (1,000,000 micros = 1 credit).",
		}, []string{"provider", "model"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_upstream_attempts_total",
			Help: "Calls to upstream providers, by provider and outcome (code \"ok\" or the error code); a request with failover makes several.",
		}, []string{"provider", "code"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_rate_limited_total",
			Help: "Requests refused by a limit, by the limit's dimension.",
		}, []string{"dimension"}),
		models: models{max: cfg.MaxModels},
	}
	m.cacheCalls = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tollgate_cache_call_seconds",
		Help:    "Time of each Cache call, by operation and outcome (ok or error; not-found counts as ok).",
		Buckets: cacheBuckets,
	}, []string{"op", "outcome"})
	m.storeCalls = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tollgate_store_query_seconds",
		Help:    "Time of each Store query, by operation (SELECT, INSERT, ...) and outcome (ok or error).",
		Buckets: cacheBuckets,
	}, []string{"op", "outcome"})
	cs = append(cs, m.requests, m.duration, m.firstByte, m.tokens, m.cost, m.attempts, m.limited, m.cacheCalls, m.storeCalls)
	if cfg.Queued != nil {
		queued := cfg.Queued
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tollgate_record_queue_depth",
			Help: "Request records waiting to be written to the store.",
		}, func() float64 { return float64(queued()) }))
	}
	if cfg.Spilled != nil {
		spilled := cfg.Spilled
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tollgate_record_spilled",
			Help: "Request records kept in the local spill, waiting for the store.",
		}, func() float64 { return float64(spilled()) }))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.registry = reg
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:      reg, // counts failed scrapes in promhttp_metric_handler_errors_total
		ErrorHandling: promhttp.ContinueOnError,
		// /metrics is served without authentication: bound what a flood
		// of scrapes can cost.
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
	return m, nil
}

// Handler serves the registry's metrics in the Prometheus exposition
// format (compressed when the scraper accepts it). It answers 503 past 4
// concurrent scrapes or 10 seconds. It requires no authentication: keep
// it off the public internet.
func (m *Metrics) Handler() http.Handler { return m.handler }

// Observe counts one finished request; the Gateway calls it on the
// request path (gateway.Config.Observers).
func (m *Metrics) Observe(r *gateway.RequestRecord) {
	provider := orNone(r.ProviderID)
	model := m.models.label(r.Model, r.Code == "")
	m.requests.WithLabelValues(r.Endpoint, provider, model, outcome(r.Code)).Inc()
	m.duration.WithLabelValues(r.Endpoint, provider, model).Observe(r.Latency.Seconds())
	if r.FirstByte > 0 {
		m.firstByte.WithLabelValues(provider, model).Observe(r.FirstByte.Seconds())
	}
	if n := r.Usage.PromptTokens; n > 0 {
		m.tokens.WithLabelValues(provider, model, "prompt").Add(float64(n))
	}
	if n := r.Usage.CompletionTokens; n > 0 {
		m.tokens.WithLabelValues(provider, model, "completion").Add(float64(n))
	}
	if d := r.Usage.PromptTokensDetails; d != nil && d.CachedTokens > 0 {
		m.tokens.WithLabelValues(provider, model, "cached").Add(float64(d.CachedTokens))
	}
	if r.Cost > 0 {
		m.cost.WithLabelValues(provider, model).Add(float64(r.Cost))
	}
	for i := range r.Attempts {
		a := &r.Attempts[i]
		m.attempts.WithLabelValues(orNone(a.ProviderID), outcome(a.Code)).Inc()
	}
	if r.LimitedBy != "" {
		m.limited.WithLabelValues(r.LimitedBy).Inc()
	}
}

func outcome(c gateway.Code) string {
	if c == "" {
		return "ok"
	}
	return string(c)
}

func orNone(id string) string {
	if id == "" {
		return None
	}
	return id
}

// models is the bounded set of model names that are label values. Reads
// are a lock-free lookup in an immutable map; a name is added (copying
// the map, at most max times in the life of the process) under mu.
type models struct {
	known atomic.Pointer[map[string]struct{}]
	mu    sync.Mutex
	max   int
}

// label returns name when it is a label value, adding it first when the
// request served it (ok) and there is room; else Other.
func (s *models) label(name string, ok bool) string {
	if p := s.known.Load(); p != nil {
		if _, hit := (*p)[name]; hit {
			return name
		}
	}
	if !ok {
		return Other
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var old map[string]struct{}
	if p := s.known.Load(); p != nil {
		old = *p
	}
	if _, hit := old[name]; hit {
		return name
	}
	if len(old) >= s.max {
		return Other
	}
	next := make(map[string]struct{}, len(old)+1)
	for k := range old {
		next[k] = struct{}{}
	}
	next[name] = struct{}{}
	s.known.Store(&next)
	return name
}

// ObserveStore counts one Store query in tollgate_store_query_seconds;
// hosts hand it to the Store (sqlstore.Store.ObserveQueries).
func (m *Metrics) ObserveStore(op string, d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.storeCalls.WithLabelValues(op, outcome).Observe(d.Seconds())
}
