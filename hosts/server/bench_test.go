package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// BenchmarkChat measures one non-streamed chat completion through three
// paths to the same zero-latency upstream, in one run: straight to it, through
// a bare httputil.ReverseProxy (the floor of any Go gateway), and through
// Tollgate's stock server. Compare the ratios; absolute times depend on the
// machine.
func BenchmarkChat(b *testing.B) {
	upstream := openaitest.New(b, "sk-upstream-secret-1")
	upstream.SetRecord(false)
	target, _ := url.Parse(upstream.URL)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	proxy.FlushInterval = -1
	proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	bare := httptest.NewServer(proxy)
	defer bare.Close()

	_, base := gatewayServer(b, map[string]string{"TOLLGATE_LOG_LEVEL": "error"})
	key := issueKey(b, base, upstream)

	body := []byte(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"one two three"}]}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	run := func(b *testing.B, url, key string) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	b.Run("direct", func(b *testing.B) { run(b, upstream.URL+"/chat/completions", "sk-upstream-secret-1") })
	b.Run("bare-proxy", func(b *testing.B) { run(b, bare.URL+"/v1/chat/completions", "sk-upstream-secret-1") })
	b.Run("tollgate", func(b *testing.B) { run(b, base+"/v1/chat/completions", key) })
}
