package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

// forwarder is a pass-through upstream that sends requests to base with
// its credential in X-Upstream-Key.
type forwarder struct{ base string }

func (forwarder) Chat(context.Context, *gateway.Credential, *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	return nil, errors.New("not used")
}

func (forwarder) ChatStream(context.Context, *gateway.Credential, *gateway.ChatRequest) (gateway.ChatStream, error) {
	return nil, errors.New("not used")
}

func (forwarder) Authorize(req *http.Request, cred *gateway.Credential) error {
	req.Header.Set("X-Upstream-Key", cred.Secret.Reveal())
	return nil
}

func (f forwarder) Forward(ctx context.Context, cred *gateway.Credential, req *http.Request) (*http.Response, error) {
	_ = f.Authorize(req, cred)
	u, _ := url.Parse(f.base + req.URL.EscapedPath())
	u.RawQuery = req.URL.RawQuery
	out := req.Clone(ctx)
	out.URL, out.RequestURI = u, ""
	return http.DefaultTransport.RoundTrip(out)
}

// proxyFixture serves providers "claude" (type anthropic), "gem" (type
// gemini) and "oai" (type openai), all forwarding to upstream.
func proxyFixture(t *testing.T, upstream http.Handler) (srv *httptest.Server, key string) {
	t.Helper()
	ctx := context.Background()
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)
	store, cache := memory.NewStore(), memory.NewCache(nil)
	t.Cleanup(cache.Close)
	h, _ := gateway.NewHasher([]byte("0123456789abcdef"))
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
	t.Cleanup(func() { _ = rec.Close(ctx) })
	open := gateway.DriverFunc(func(*gateway.Provider) (gateway.Upstream, error) { return forwarder{base: up.URL}, nil })
	gw := gateway.New(gateway.Config{}, store, cache, gateway.Drivers{"anthropic": open, "gemini": open, "openai": open}, h, gateway.SystemClock{}, &gatewaytest.IDs{}, rec)
	if err := gw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	admin := gateway.NewAdmin(gw)
	for name, typ := range map[string]string{"claude": "anthropic", "gem": "gemini", "oai": "openai"} {
		p, err := admin.CreateProvider(ctx, &gateway.Provider{Name: name, Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: gateway.Secret("sk-upstream-" + name)}}); err != nil {
			t.Fatal(err)
		}
	}
	acct, _ := admin.CreateAccount(ctx, &gateway.Account{Name: "a"})
	_, key, err := admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	if err != nil {
		t.Fatal(err)
	}
	srv = httptest.NewServer(httpapi.New(httpapi.Config{}, gw, admin))
	t.Cleanup(srv.Close)
	return srv, key
}

func TestProxyPassesTheProvidersAPIThrough(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	seen := make(chan *http.Request, 4)
	srv, key := proxyFixture(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		seen <- r
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Request-Id", "req_upstream")
		_, _ = io.WriteString(w, "event: message_start\ndata: {\"echo\":"+string(body)+"}\n\n")
	}))

	for _, tc := range []struct {
		name   string
		target string
		header [2]string
	}{
		{"AnthropicKeyHeader", "/proxy/claude/v1/messages?beta=true", [2]string{"X-Api-Key", key}},
		{"Bearer", "/proxy/claude/v1/messages?beta=true", [2]string{"Authorization", "Bearer " + key}},
		{"GoogleKeyHeader", "/proxy/claude/v1/messages?beta=true", [2]string{"X-Goog-Api-Key", key}},
		{"KeyInQuery", "/proxy/claude/v1/messages?beta=true&key=" + key, [2]string{"X-Other", "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			req, _ := http.NewRequest("POST", srv.URL+tc.target, strings.NewReader(`{"model":"claude-x","max_tokens":9}`))
			req.Header.Set(tc.header[0], tc.header[1])
			req.Header.Set("Anthropic-Version", "2023-06-01")
			req.Header.Set("Connection", "X-Hop")
			req.Header.Set("X-Hop", "dropped")
			resp, err := http.DefaultClient.Do(req)
			is.NoErr(err)
			defer resp.Body.Close()
			is.Equal(resp.StatusCode, 200)
			is.Equal(resp.Header.Get("Content-Type"), "text/event-stream")
			is.Equal(resp.Header.Get("Request-Id"), "req_upstream")
			body, _ := io.ReadAll(resp.Body)
			is.Equal(string(body), "event: message_start\ndata: {\"echo\":{\"model\":\"claude-x\",\"max_tokens\":9}}\n\n")

			up := <-seen
			is.Equal(up.URL.Path, "/v1/messages")
			is.Equal(up.URL.RawQuery, "beta=true")                          // the key left the query
			is.Equal(up.Header.Get("X-Upstream-Key"), "sk-upstream-claude") // the upstream credential went in
			for _, h := range []string{"Authorization", "X-Api-Key", "X-Goog-Api-Key"} {
				is.Equal(up.Header.Get(h), "") // no client credential reaches the upstream
			}
			is.Equal(up.Header.Get("X-Hop"), "") // hop-by-hop headers stay here
			is.Equal(up.Header.Get("Anthropic-Version"), "2023-06-01")
		})
	}
	is.Equal(len(seen), 0)
}

func TestProxyErrorsInTheProvidersShape(t *testing.T) {
	t.Parallel()
	srv, _ := proxyFixture(t, http.NotFoundHandler())
	for _, tc := range []struct {
		provider string
		check    func(is *is.I, body map[string]any)
	}{
		{"claude", func(is *is.I, b map[string]any) {
			is.Equal(b["type"], "error")
			is.Equal(b["error"].(map[string]any)["type"], "authentication_error")
		}},
		{"gem", func(is *is.I, b map[string]any) {
			e := b["error"].(map[string]any)
			is.Equal(e["code"], float64(401))
			is.Equal(e["status"], "UNAUTHENTICATED")
		}},
		{"oai", func(is *is.I, b map[string]any) {
			is.Equal(b["error"].(map[string]any)["type"], "authentication_error")
		}},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			is := is.New(t)
			req, _ := http.NewRequest("POST", srv.URL+"/proxy/"+tc.provider+"/v1/anything", strings.NewReader(`{}`))
			req.Header.Set("X-Api-Key", "tg-not-a-real-key")
			resp, err := http.DefaultClient.Do(req)
			is.NoErr(err)
			defer resp.Body.Close()
			is.Equal(resp.StatusCode, 401)
			var body map[string]any
			is.NoErr(json.NewDecoder(resp.Body).Decode(&body))
			tc.check(is, body)
		})
	}
}
