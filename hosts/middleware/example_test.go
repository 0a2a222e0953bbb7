package middleware_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/hosts/middleware"
)

// An existing service adds Tollgate under /llm; its signed-in users call
// models as one account, each recorded under their own name.
func Example() {
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	defer cache.Close()
	hasher, _ := gateway.NewHasher([]byte("a secret of at least 32 bytes...."))
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
	defer rec.Close(ctx)
	gw := gateway.New(gateway.Config{}, store, cache, gateway.Drivers{"mock": mock.Driver()}, hasher, gateway.SystemClock{}, gateway.RandomIDs{}, rec)
	_ = gw.Start(ctx)
	defer gw.Close()
	admin := gateway.NewAdmin(gw)
	p, _ := admin.CreateProvider(ctx, &gateway.Provider{Name: "demo", Type: "mock", Models: []string{"mock-*"}})
	_, _ = admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "unused"}})
	team, _ := admin.CreateAccount(ctx, &gateway.Account{Name: "staff"})

	mux := http.NewServeMux() // the service as it was
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "home") })
	withLLM := middleware.New(gw, middleware.WithMountPath("/llm"),
		middleware.WithAuthenticator(func(r *http.Request) (*gateway.Caller, error) {
			if user := r.Header.Get("X-User"); user != "" { // the service's own sign-in
				return gw.CallerFor(team.ID, user, r.RemoteAddr)
			}
			return nil, nil
		}))
	srv := httptest.NewServer(withLLM(mux))
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/llm/v1/chat/completions",
		strings.NewReader(`{"model":"mock-1","messages":[{"role":"user","content":"hello"}]}`))
	req.Header.Set("X-User", "ada")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output: 200
}
