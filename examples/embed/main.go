// Command embed mounts Tollgate inside an existing Go HTTP service with
// hosts/middleware: the service keeps its own routes and its own users
// (here a toy X-User header), and gains the OpenAI- and Anthropic-format
// APIs under /llm, its users billed and recorded by name, with Tollgate
// keys still accepted. It configures itself in code (a mock provider, one
// account and key), so it runs with no setup:
//
//	go run ./examples/embed
//
// and prints a curl command that calls it.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/hosts/middleware"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, ":8081"); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string) error {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	hasher, err := gateway.NewHasher(secret)
	if err != nil {
		return err
	}
	store, cache := memory.NewStore(), memory.NewCache(nil)
	defer cache.Close()
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
	defer rec.Close(context.Background())
	gw := gateway.New(gateway.Config{}, store, cache,
		gateway.Drivers{"openai": openai.Driver(openai.Config{}), "mock": mock.Driver()},
		hasher, gateway.SystemClock{}, gateway.RandomIDs{}, rec)
	if err := gw.Start(ctx); err != nil {
		return err
	}
	defer gw.Close()
	admin := gateway.NewAdmin(gw)

	// Configuration in code; a real service would use the admin API or a
	// durable Store.
	p, err := admin.CreateProvider(ctx, &gateway.Provider{Name: "demo", Type: "mock", Models: []string{"mock-*"}})
	if err != nil {
		return err
	}
	if _, err := admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "unused"}}); err != nil {
		return err
	}
	acct, err := admin.CreateAccount(ctx, &gateway.Account{Name: "my-service"})
	if err != nil {
		return err
	}
	_, key, err := admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Name: "example"}, gateway.IssuedByAdmin)
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "the service's own route") })
	withLLM := middleware.New(gw, middleware.WithMountPath("/llm"),
		middleware.WithAuthenticator(func(r *http.Request) (*gateway.Caller, error) {
			if user := r.Header.Get("X-User"); user != "" { // the service's own sign-in, in a real one
				return gw.CallerFor(acct.ID, user, r.RemoteAddr)
			}
			return nil, nil // no user: a Tollgate key may still call
		}))

	srv := &http.Server{Addr: addr, Handler: withLLM(mux)}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	fmt.Printf("try:\n  curl -s localhost%s/llm/v1/chat/completions -H 'X-User: ada' -d '{\"model\":\"mock-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n", addr)
	fmt.Printf("  curl -s localhost%s/llm/v1/chat/completions -H 'Authorization: Bearer %s' -d '{\"model\":\"mock-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n", addr, key)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
