package customstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	customstore "github.com/tollgate-ai/tollgate/examples/custom-store"
	"github.com/tollgate-ai/tollgate/gateway"
)

// A gateway runs on the Store like on any other: the Admin writes the
// account and its key to the application's file, and the gateway
// authenticates the key from there.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "customstore")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "accounts.json")

	store, err := customstore.Open(path, memory.NewStore())
	if err != nil {
		panic(err)
	}
	cache := memory.NewCache(nil)
	defer cache.Close()
	hasher, _ := gateway.NewHasher([]byte("a secret of at least 16 bytes"))
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
	defer rec.Close(ctx)
	gw := gateway.New(gateway.Config{}, store, cache, gateway.Drivers{"mock": mock.Driver()},
		hasher, gateway.SystemClock{}, gateway.RandomIDs{}, rec)
	if err := gw.Start(ctx); err != nil {
		panic(err)
	}
	defer gw.Close()

	admin := gateway.NewAdmin(gw)
	p, _ := admin.CreateProvider(ctx, &gateway.Provider{Name: "demo", Type: "mock", Models: []string{"mock-*"}})
	_, _ = admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "unused"}})
	acct, err := admin.CreateAccount(ctx, &gateway.Account{Name: "acme"})
	if err != nil {
		panic(err)
	}
	_, key, err := admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Name: "docs"}, gateway.IssuedByAdmin)
	if err != nil {
		panic(err)
	}

	caller, err := gw.Authenticate(key, "127.0.0.1")
	if err != nil {
		panic(err)
	}
	resp, err := gw.Chat(ctx, caller, &gateway.ChatRequest{
		Model:    "mock-1",
		Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent("hello")}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Choices[0].Message.Content.Text())

	// The account and its key are in the file, for the next start.
	reopened, err := customstore.Open(path, memory.NewStore())
	if err != nil {
		panic(err)
	}
	keys, _ := reopened.ListKeys(ctx, gateway.KeyFilter{AccountID: acct.ID})
	fmt.Println(len(keys), "key of", acct.Name, "in", filepath.Base(path))
	// Output:
	// Echo: hello
	// 1 key of acme in accounts.json
}
