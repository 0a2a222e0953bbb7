package gateway_test

import (
	"context"
	"fmt"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/gateway"
)

// A Gateway on the in-process adapters and the mock provider: configure a
// provider, issue a key, and answer a chat request, with no network.
func Example() {
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
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
	acct, _ := admin.CreateAccount(ctx, &gateway.Account{Name: "team"})
	_, key, _ := admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Name: "docs"}, gateway.IssuedByAdmin)

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
	fmt.Println(resp.Usage.TotalTokens, "tokens")

	_, err = gw.Chat(ctx, caller, &gateway.ChatRequest{
		Model:    "gpt-9",
		Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent("hello")}},
	})
	fmt.Println(gateway.ErrorCode(err))
	// Output:
	// Echo: hello
	// 10 tokens
	// not_found
}
