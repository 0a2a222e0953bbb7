// Command embed mounts Tollgate inside an existing Go HTTP service: the
// service keeps its own routes and gains an OpenAI-compatible API under
// /v1 and the admin API under /admin. It configures itself in code (a mock
// provider, one account and key), so it runs with no setup:
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

	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
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
	api := httpapi.New(httpapi.Config{}, gw, admin) // no admin key: the admin API is off
	mux.Handle("/v1/", api)

	srv := &http.Server{Addr: addr, Handler: mux}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	fmt.Printf("try:\n  curl -s localhost%s/v1/chat/completions -H 'Authorization: Bearer %s' -d '{\"model\":\"mock-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n", addr, key)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	return nil
}
