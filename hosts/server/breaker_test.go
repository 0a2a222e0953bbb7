package main

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// Two instances on PostgreSQL and Redis: 503s split between them open
// the provider's breaker on both within a few flushes, the admin API
// shows it, and a reset on one closes it on both.
func TestCircuitBreakersAcrossInstances(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	upstream := openaitest.New(t, "sk-upstream-secret-1")
	pg, prefix := pgDatabase(t), "tollgate-e2e:"+randomHex(4)+":"
	env := func() map[string]string {
		return map[string]string{"TOLLGATE_PG_DSN": pg, "TOLLGATE_REDIS_ADDR": redisAddr(), "TOLLGATE_REDIS_PREFIX": prefix,
			"TOLLGATE_KEY_SECRET": keySecret, "TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ef", 32)}
	}
	_, a := gatewayServer(t, env())
	_, b := gatewayServer(t, env())
	is.Equal(call(t, "POST", a+"/admin/providers", adminKey, map[string]any{
		"name": "openai", "type": "openai", "base_url": upstream.URL, "models": []string{"gpt-*"},
		"options":     map[string]string{"breaker_min_requests": "4", "breaker_failure_percent": "50", "breaker_open_seconds": "30"},
		"credentials": []map[string]any{{"secret": "sk-upstream-secret-1"}},
	}, nil), http.StatusCreated)
	key := clientKey(t, a)
	is.True(within(2*time.Second, func() bool { return chatStatus(t, b, key, "gpt-4o") == http.StatusOK }))

	upstream.Fail(4, http.StatusServiceUnavailable)
	for _, base := range []string{a, b, a, b} {
		is.Equal(chatStatus(t, base, key, "gpt-4o"), http.StatusBadGateway)
	}
	type breaker struct {
		Provider string
		State    string
		Failures int64
	}
	state := func(base string) breaker {
		var st breaker
		is.Equal(call(t, "GET", base+"/admin/circuit-breakers/openai", adminKey, nil, &st), http.StatusOK)
		return st
	}
	is.True(within(settle, func() bool { return state(a).State == "open" && state(b).State == "open" }))
	is.Equal(chatStatus(t, b, key, "gpt-4o"), http.StatusServiceUnavailable) // refused at once
	var list struct{ Data []breaker }
	is.Equal(call(t, "GET", b+"/admin/circuit-breakers", adminKey, nil, &list), http.StatusOK)
	is.Equal(list.Data[0].State, "open")
	is.Equal(call(t, "GET", b+"/admin/circuit-breakers", "", nil, nil), http.StatusUnauthorized) // admins only
	_, body := get(t, b+"/metrics")
	is.True(strings.Contains(body, `tollgate_breaker_state{provider="openai"} 2`)) // open, in the metrics too

	is.Equal(call(t, "POST", a+"/admin/circuit-breakers/openai/reset", adminKey, nil, nil), http.StatusOK)
	is.True(within(settle, func() bool { return state(a).State == "closed" && state(b).State == "closed" }))
	is.Equal(chatStatus(t, b, key, "gpt-4o"), http.StatusOK)
}

// Breakers never serialize traffic: 100 concurrent streams of about
// 200 ms each, through two instances sharing Redis, all finish in well
// under what one after another would take (20 s). The figure itself
// belongs to the benchmarks; this only guards against a lock on the path.
func TestBreakersDoNotSerialize(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	upstream := openaitest.New(t, "sk-upstream-secret-1")
	upstream.SetChunks(2)
	upstream.SetChunkDelay(100 * time.Millisecond)
	upstream.SetRecord(false)
	pg, prefix := pgDatabase(t), "tollgate-e2e:"+randomHex(4)+":"
	env := func() map[string]string {
		return map[string]string{"TOLLGATE_PG_DSN": pg, "TOLLGATE_REDIS_ADDR": redisAddr(), "TOLLGATE_REDIS_PREFIX": prefix,
			"TOLLGATE_KEY_SECRET": keySecret, "TOLLGATE_ENCRYPTION_KEY": strings.Repeat("ef", 32)}
	}
	_, a := gatewayServer(t, env())
	_, b := gatewayServer(t, env())
	is.Equal(call(t, "POST", a+"/admin/providers", adminKey, map[string]any{
		"name": "openai", "type": "openai", "base_url": upstream.URL, "models": []string{"gpt-*"},
		"credentials": []map[string]any{{"secret": "sk-upstream-secret-1"}},
	}, nil), http.StatusCreated)
	key := clientKey(t, a)
	is.True(within(2*time.Second, func() bool { return chatStatus(t, b, key, "gpt-4o") == http.StatusOK }))

	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 100 {
		base := a
		if i%2 == 1 {
			base = b
		}
		wg.Go(func() {
			body := `{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"one two three four"}]}`
			req, _ := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				failed.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	is.Equal(failed.Load(), int64(0))
	is.True(time.Since(start) < 5*time.Second) // serialized, they would take 20 s
}
