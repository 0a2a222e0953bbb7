package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/metrics"
	"github.com/tollgate-ai/tollgate/gateway"
)

// scrape GETs h as Prometheus would and returns the exposition text.
func scrape(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d: %s", rec.Code, rec.Body)
	}
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sample returns the value of the sample written exactly as series (name
// and labels in the exposition's order), or "" when there is none.
func sample(body, series string) string {
	for line := range strings.Lines(body) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			return v
		}
	}
	return ""
}

func newMetrics(t testing.TB, cfg metrics.Config) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestObserve(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	queued := 7
	m := newMetrics(t, metrics.Config{Queued: func() int { return queued }})

	// A success with cached prompt tokens and a cost.
	m.Observe(&gateway.RequestRecord{
		Endpoint: "chat", Model: "gpt-4o", ProviderID: "prv_a", Latency: 300 * time.Millisecond,
		Usage: gateway.Usage{PromptTokens: 10, CompletionTokens: 5, TotalTokens: 15,
			PromptTokensDetails: &gateway.PromptTokensDetails{CachedTokens: 4}},
		Cost:     1200,
		Attempts: []gateway.Attempt{{ProviderID: "prv_a"}},
	})
	// An upstream failure after two attempts on two providers.
	m.Observe(&gateway.RequestRecord{
		Endpoint: "chat", Model: "gpt-4o", ProviderID: "prv_b", Latency: 2 * time.Second,
		Code: gateway.CodeUpstream,
		Attempts: []gateway.Attempt{
			{ProviderID: "prv_a", Code: gateway.CodeUpstream, Status: 503},
			{ProviderID: "prv_b", Code: gateway.CodeUpstream, Status: 500},
		},
	})
	// A stream.
	m.Observe(&gateway.RequestRecord{
		Endpoint: "chat", Model: "gpt-4o", ProviderID: "prv_a", Stream: true,
		Latency: 3 * time.Second, FirstByte: 400 * time.Millisecond,
		Usage:    gateway.Usage{PromptTokens: 20, CompletionTokens: 30, TotalTokens: 50},
		Cost:     800,
		Attempts: []gateway.Attempt{{ProviderID: "prv_a"}},
	})
	// Refused by a limit before any provider.
	m.Observe(&gateway.RequestRecord{
		Endpoint: "embeddings", Model: "text-embedding-3-small", Latency: time.Millisecond,
		Code: gateway.CodeRateLimited, LimitedBy: "requests_per_minute",
	})

	body := scrape(t, m.Handler())
	for _, c := range []struct{ series, want string }{
		{`tollgate_requests_total{code="ok",endpoint="chat",model="gpt-4o",provider="prv_a"}`, "2"},
		{`tollgate_requests_total{code="upstream_failed",endpoint="chat",model="gpt-4o",provider="prv_b"}`, "1"},
		// never served yet, so not a label value of its own
		{`tollgate_requests_total{code="rate_limited",endpoint="embeddings",model="other",provider="none"}`, "1"},
		{`tollgate_request_duration_seconds_count{endpoint="chat",model="gpt-4o",provider="prv_a"}`, "2"},
		{`tollgate_request_duration_seconds_sum{endpoint="chat",model="gpt-4o",provider="prv_a"}`, "3.3"},
		{`tollgate_request_duration_seconds_bucket{endpoint="chat",model="gpt-4o",provider="prv_a",le="0.5"}`, "1"},
		{`tollgate_request_duration_seconds_bucket{endpoint="chat",model="gpt-4o",provider="prv_a",le="5"}`, "2"},
		{`tollgate_request_duration_seconds_count{endpoint="chat",model="gpt-4o",provider="prv_b"}`, "1"},
		{`tollgate_time_to_first_byte_seconds_count{model="gpt-4o",provider="prv_a"}`, "1"},
		{`tollgate_time_to_first_byte_seconds_sum{model="gpt-4o",provider="prv_a"}`, "0.4"},
		{`tollgate_tokens_total{kind="prompt",model="gpt-4o",provider="prv_a"}`, "30"},
		{`tollgate_tokens_total{kind="completion",model="gpt-4o",provider="prv_a"}`, "35"},
		{`tollgate_tokens_total{kind="cached",model="gpt-4o",provider="prv_a"}`, "4"},
		{`tollgate_cost_micros_total{model="gpt-4o",provider="prv_a"}`, "2000"},
		{`tollgate_upstream_attempts_total{code="ok",provider="prv_a"}`, "2"},
		{`tollgate_upstream_attempts_total{code="upstream_failed",provider="prv_a"}`, "1"},
		{`tollgate_upstream_attempts_total{code="upstream_failed",provider="prv_b"}`, "1"},
		{`tollgate_rate_limited_total{dimension="requests_per_minute"}`, "1"},
		{`tollgate_record_queue_depth`, "7"},
	} {
		if got := sample(body, c.series); got != c.want {
			t.Errorf("%s = %q, want %q", c.series, got, c.want)
		}
	}
	is.True(!strings.Contains(body, `tollgate_time_to_first_byte_seconds_count{model="gpt-4o",provider="prv_b"}`)) // not a stream
	is.True(!strings.Contains(body, `tollgate_tokens_total{kind="cached",model="gpt-4o",provider="prv_b"}`))       // nothing used
	is.True(strings.Contains(body, "go_goroutines "))                                                              // the runtime collectors
	is.True(strings.Contains(body, "process_"))

	queued = 0 // the gauge is read at each scrape
	is.Equal(sample(scrape(t, m.Handler()), "tollgate_record_queue_depth"), "0")
}

// Made-up model names cannot grow the series without bound.
func TestModelLabelIsBounded(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	m := newMetrics(t, metrics.Config{MaxModels: 2})
	ok := func(model string) {
		m.Observe(&gateway.RequestRecord{Endpoint: "chat", Model: model, ProviderID: "prv_a"})
	}
	failed := func(model string) {
		m.Observe(&gateway.RequestRecord{Endpoint: "chat", Model: model, ProviderID: "prv_a", Code: gateway.CodeNotFound})
	}
	for i := range 100 {
		failed(fmt.Sprintf("made-up-%d", i)) // never served: "other"
	}
	failed("m1")
	ok("m1") // served: its own label from now on
	failed("m1")
	ok("m2")
	ok("m3") // past MaxModels
	body := scrape(t, m.Handler())
	is.Equal(sample(body, `tollgate_requests_total{code="not_found",endpoint="chat",model="other",provider="prv_a"}`), "101")
	is.Equal(sample(body, `tollgate_requests_total{code="not_found",endpoint="chat",model="m1",provider="prv_a"}`), "1")
	is.Equal(sample(body, `tollgate_requests_total{code="ok",endpoint="chat",model="m1",provider="prv_a"}`), "1")
	is.Equal(sample(body, `tollgate_requests_total{code="ok",endpoint="chat",model="m2",provider="prv_a"}`), "1")
	is.Equal(sample(body, `tollgate_requests_total{code="ok",endpoint="chat",model="other",provider="prv_a"}`), "1")
	is.True(!strings.Contains(body, "made-up"))
	is.True(!strings.Contains(body, `model="m3"`))
}

func TestConcurrentObserve(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	m := newMetrics(t, metrics.Config{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 250 {
				m.Observe(&gateway.RequestRecord{
					Endpoint: "chat", Model: fmt.Sprintf("m%d", (g+i)%5), ProviderID: "prv_a",
					Usage: gateway.Usage{PromptTokens: 1}, Attempts: []gateway.Attempt{{ProviderID: "prv_a"}},
				})
			}
		})
	}
	wg.Go(func() { scrape(t, m.Handler()) })
	wg.Wait()
	body := scrape(t, m.Handler())
	is.Equal(sample(body, `tollgate_upstream_attempts_total{code="ok",provider="prv_a"}`), "2000")
	is.Equal(sample(body, `tollgate_tokens_total{kind="prompt",model="m0",provider="prv_a"}`), "400")
}

// Given a registry, Metrics registers only its own collectors there, and
// a second Metrics on the same registry is refused rather than panicking.
func TestSharedRegistry(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	reg := prometheus.NewRegistry()
	m := newMetrics(t, metrics.Config{Registry: reg})
	m.Observe(&gateway.RequestRecord{Endpoint: "chat", Model: "x", ProviderID: "prv_a"})
	body := scrape(t, m.Handler())
	is.Equal(sample(body, `tollgate_requests_total{code="ok",endpoint="chat",model="x",provider="prv_a"}`), "1")
	is.True(!strings.Contains(body, "go_goroutines"))
	_, err := metrics.New(metrics.Config{Registry: reg})
	is.True(err != nil)
}

func BenchmarkObserve(b *testing.B) {
	m := newMetrics(b, metrics.Config{})
	r := &gateway.RequestRecord{
		Endpoint: "chat", Model: "gpt-4o", ProviderID: "prv_a", Latency: time.Second,
		Usage:    gateway.Usage{PromptTokens: 10, CompletionTokens: 5},
		Cost:     100,
		Attempts: []gateway.Attempt{{ProviderID: "prv_a"}},
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Observe(r)
		}
	})
}

func TestCacheCallsAreTimed(t *testing.T) {
	is := is.New(t)
	m, err := metrics.New(metrics.Config{})
	is.NoErr(err)
	mem := memory.NewCache(nil)
	defer mem.Close()
	c := m.Cache(mem)
	_, err = c.Incr(context.Background(), "k", 1, 0)
	is.NoErr(err)
	_, err = c.Get(context.Background(), "missing")
	is.True(err != nil)
	_, err = c.Take(context.Background(), []gateway.Bucket{{Key: "b", Limit: 0, Window: time.Second, N: 1}})
	is.True(err != nil)
	text := scrape(t, m.Handler())
	is.True(strings.Contains(text, `tollgate_cache_call_seconds_count{op="incr",outcome="ok"} 1`))
	is.True(strings.Contains(text, `tollgate_cache_call_seconds_count{op="get",outcome="ok"} 1`)) // not found is an answer
	is.True(strings.Contains(text, `tollgate_cache_call_seconds_count{op="take",outcome="error"} 1`))
}
