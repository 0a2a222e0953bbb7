package middleware_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/adapters/webui"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
	"github.com/tollgate-ai/tollgate/hosts/middleware"
)

// service is an existing HTTP service with its own route and its own
// users (X-User header), which mounts Tollgate under /llm and maps its
// users to one Tollgate account.
func service(t *testing.T) (srv *httptest.Server, store *memory.Store, rec *gateway.Recorder, accountID string) {
	t.Helper()
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	t.Cleanup(cache.Close)
	h, _ := gateway.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	rec = gateway.NewRecorder(gateway.RecorderConfig{Interval: 10 * time.Millisecond}, store)
	t.Cleanup(func() { _ = rec.Close(ctx) })
	gw := gateway.New(gateway.Config{}, store, cache, gateway.Drivers{"mock": mock.Driver()}, h, gateway.SystemClock{}, &gatewaytest.IDs{}, rec)
	if err := gw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	admin := gateway.NewAdmin(gw)
	p, _ := admin.CreateProvider(ctx, &gateway.Provider{Name: "demo", Type: "mock", Models: []string{"mock-*"}})
	_, _ = admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "unused"}})
	acct, err := admin.CreateAccount(ctx, &gateway.Account{Name: "our-users"})
	if err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello from the service") })
	tollgate := middleware.New(gw,
		middleware.WithMountPath("/llm"),
		middleware.WithSurfaces(middleware.OpenAI|middleware.Anthropic),
		middleware.WithAuthenticator(func(r *http.Request) (*gateway.Caller, error) {
			user := r.Header.Get("X-User")
			if user == "" {
				return nil, nil // no session: Tollgate keys decide
			}
			return gw.CallerFor(acct.ID, user, r.RemoteAddr)
		}))
	srv = httptest.NewServer(tollgate(mux))
	t.Cleanup(srv.Close)
	return srv, store, rec, acct.ID
}

func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	return do(t, "GET", url, "", header...)
}

func do(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv, store, rec, accountID := service(t)

	status, body := get(t, srv.URL+"/hello")
	is.Equal(status, http.StatusOK)
	is.Equal(body, "hello from the service") // the service's own routes still work

	chat := `{"model":"mock-1","messages":[{"role":"user","content":"hi"}]}`
	status, body = do(t, "POST", srv.URL+"/llm/v1/chat/completions", chat, "X-User", "alice")
	is.Equal(status, http.StatusOK)
	var resp gateway.ChatResponse
	is.NoErr(json.Unmarshal([]byte(body), &resp))
	is.Equal(resp.Choices[0].Message.Content.Text(), "Echo: hi")

	status, _ = do(t, "POST", srv.URL+"/llm/v1/messages", `{"model":"mock-1","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, "X-User", "bob")
	is.Equal(status, http.StatusOK) // the Anthropic surface too

	status, _ = do(t, "POST", srv.URL+"/llm/v1/chat/completions", chat)
	is.Equal(status, http.StatusUnauthorized) // no user, no key

	status, _ = get(t, srv.URL+"/llm/admin/accounts")
	is.Equal(status, http.StatusNotFound) // the admin surface is not exposed: the service's mux answers

	is.NoErr(rec.Flush(context.Background()))
	rs, err := store.ListRecords(context.Background(), gateway.RecordFilter{AccountID: accountID})
	is.NoErr(err)
	is.Equal(len(rs), 2)
	keys := map[string]bool{rs[0].KeyID: true, rs[1].KeyID: true}
	is.True(keys[gateway.PrincipalKeyPrefix+"alice"] && keys[gateway.PrincipalKeyPrefix+"bob"]) // recorded under the service's users
}

func TestWithUI(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	t.Cleanup(cache.Close)
	h, _ := gateway.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
	t.Cleanup(func() { _ = rec.Close(ctx) })
	gw := gateway.New(gateway.Config{}, store, cache, gateway.Drivers{"mock": mock.Driver()}, h, gateway.SystemClock{}, &gatewaytest.IDs{}, rec)
	is.NoErr(gw.Start(ctx))
	t.Cleanup(func() { _ = gw.Close() })

	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") })
	tollgate := middleware.New(gw, middleware.WithMountPath("/llm"),
		middleware.WithUI(webui.Config{AdminKeyDigest: gateway.NewAdmin(gw).KeyDigest("admin"), SessionSecret: []byte("s")}))
	srv := httptest.NewServer(tollgate(mux))
	t.Cleanup(srv.Close)

	resp, err := http.Get(srv.URL + "/llm/ui/login")
	is.NoErr(err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusOK)
	is.True(strings.Contains(string(body), `action="/llm/ui/login"`)) // links carry the mount path
	resp, err = http.Get(srv.URL + "/hello")
	is.NoErr(err)
	_ = resp.Body.Close()
	is.Equal(resp.StatusCode, http.StatusOK) // the service still answers
}
