package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
)

// benchEnv is a Gateway on the memory adapters whose providers answer at
// once (instantUpstream), for measuring the core's own work per request.
type benchEnv struct {
	gw       *gateway.Gateway
	admin    *gateway.Admin
	accounts int // accounts made, to name the next
}

// newBenchEnv starts a Gateway with providers providers of type
// "instant", each serving "bench-<i>*" and, the first, "bench-*" too.
func newBenchEnv(b *testing.B, providers int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	hasher, err := gateway.NewHasher([]byte("a benchmark secret of 32 bytes!!"))
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	rec := gateway.NewRecorder(gateway.RecorderConfig{Logger: logger}, store)
	drivers := gateway.Drivers{"instant": gateway.DriverFunc(func(*gateway.Provider) (gateway.Upstream, error) {
		return instantUpstream{}, nil
	})}
	gw := gateway.New(gateway.Config{Logger: logger}, store, cache, drivers, hasher, gateway.SystemClock{}, gateway.RandomIDs{}, rec)
	b.Cleanup(func() {
		_ = gw.Close()
		_ = rec.Close(context.Background())
		cache.Close()
	})
	if err := gw.Start(ctx); err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{gw: gw, admin: gateway.NewAdmin(gw)}
	for i := range providers {
		models := []string{fmt.Sprintf("bench-%d*", i)}
		if i == 0 {
			models = append(models, "bench-*")
		}
		p, err := e.admin.CreateProvider(ctx, &gateway.Provider{Name: fmt.Sprintf("instant-%d", i), Type: "instant", Models: models})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "sk-unused", Weight: 1}}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.admin.PutModel(ctx, &gateway.Model{Name: "bench-model", MaxOutput: 4096,
		Prices: gateway.Prices{Input: 2_500_000, Output: 10_000_000}}); err != nil {
		b.Fatal(err)
	}
	return e
}

// account creates an account and issues a client key of it; a prepaid
// account gets a large balance.
func (e *benchEnv) account(b *testing.B, acct gateway.Account, limits gateway.Limits) string {
	b.Helper()
	ctx := context.Background()
	e.accounts++
	acct.Name = fmt.Sprintf("bench-%d", e.accounts)
	if _, err := e.admin.CreateAccount(ctx, &acct); err != nil {
		b.Fatal(err)
	}
	if acct.Prepaid {
		if _, err := e.admin.Credit(ctx, gateway.Credit{AccountID: acct.ID, Kind: gateway.EntryGrant,
			Amount: 1 << 50, Actor: "bench", Reason: "benchmark balance"}); err != nil {
			b.Fatal(err)
		}
	}
	_, key, err := e.admin.IssueKey(ctx, acct.ID, gateway.KeySpec{Name: "bench", Limits: limits}, gateway.IssuedByAdmin)
	if err != nil {
		b.Fatal(err)
	}
	return key
}

// instantUpstream answers every request at once with a short completion
// and its usage.
type instantUpstream struct{}

func (instantUpstream) Chat(_ context.Context, _ *gateway.Credential, req *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	return &gateway.ChatResponse{ID: "chatcmpl-bench", Object: "chat.completion", Created: 1700000000, Model: req.Model,
		Choices: []gateway.Choice{{Message: gateway.Message{Role: "assistant", Content: gateway.TextContent("A short answer.")}, FinishReason: "stop"}},
		Usage:   &gateway.Usage{PromptTokens: 57, CompletionTokens: 20, TotalTokens: 77}}, nil
}

func (instantUpstream) ChatStream(_ context.Context, _ *gateway.Credential, req *gateway.ChatRequest) (gateway.ChatStream, error) {
	return &instantStream{model: req.Model}, nil
}

// instantStream is 20 chunks of a word, a finishing chunk and a usage
// chunk.
type instantStream struct {
	model string
	n     int
}

func (s *instantStream) Next() (*gateway.ChatChunk, error) {
	s.n++
	c := &gateway.ChatChunk{ID: "chatcmpl-bench", Object: "chat.completion.chunk", Created: 1700000000, Model: s.model}
	switch {
	case s.n <= 20:
		c.Choices = []gateway.ChunkChoice{{Delta: gateway.Delta{Content: " word"}}}
	case s.n == 21:
		c.Choices = []gateway.ChunkChoice{{FinishReason: "stop"}}
	case s.n == 22:
		c.Choices = []gateway.ChunkChoice{}
		c.Usage = &gateway.Usage{PromptTokens: 57, CompletionTokens: 20, TotalTokens: 77}
	default:
		return nil, io.EOF
	}
	return c, nil
}

func (s *instantStream) Close() error { return nil }

// BenchmarkAuthenticate measures the key lookup of every request: an
// HMAC of the key and a map lookup in the Snapshot, among 1,000 keys.
func BenchmarkAuthenticate(b *testing.B) {
	e := newBenchEnv(b, 1)
	var key string
	for range 1000 {
		key = e.account(b, gateway.Account{}, gateway.Limits{})
	}
	b.Run("Valid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.gw.Authenticate(key, "127.0.0.1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Unknown", func(b *testing.B) {
		unknown := gateway.NewKeySecret()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.gw.Authenticate(unknown, "127.0.0.1"); gateway.ErrorCode(err) != gateway.CodeUnauthenticated {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRouteOf measures route choice: resolving a model to its chain
// of providers in the Snapshot, among 20 providers, by the providers'
// model patterns and by bindings of equal priority drawn by weight.
func BenchmarkRouteOf(b *testing.B) {
	e := newBenchEnv(b, 20)
	c, err := e.gw.Authenticate(e.account(b, gateway.Account{}, gateway.Limits{}), "")
	if err != nil {
		b.Fatal(err)
	}
	route := func(b *testing.B, model string) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.gw.RouteOf(c, model); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("Patterns", func(b *testing.B) { route(b, "bench-model") })
	ps, err := e.admin.Providers(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for i, p := range ps[:3] {
		if _, err := e.admin.CreateBinding(context.Background(), &gateway.Binding{Model: "bound-*", ProviderID: p.ID, Weight: i + 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("WeightedBindings", func(b *testing.B) { route(b, "bound-model") })
}

// BenchmarkChat measures the core's whole request path with an upstream
// that answers at once: authenticate, admit, hold, route, call through
// the breaker, settle and record, on the memory Cache. Limits adds the
// admission of six buckets (requests per second and minute, tokens per
// minute, on the key and the account) and a concurrency lease; Prepaid
// adds the credit hold and its settlement; All has both.
func BenchmarkChat(b *testing.B) {
	generous := gateway.Limits{RequestsPerSecond: 1 << 40, RequestsPerMinute: 1 << 40, TokensPerMinute: 1 << 50, Concurrent: 1 << 20}
	cases := []struct {
		name    string
		prepaid bool
		limits  gateway.Limits
	}{
		{"Plain", false, gateway.Limits{}},
		{"Limits", false, generous},
		{"Prepaid", true, gateway.Limits{}},
		{"All", true, generous},
	}
	for _, stream := range []bool{false, true} {
		for _, tc := range cases {
			name := tc.name
			if stream {
				name = "Stream/" + name
			}
			b.Run(name, func(b *testing.B) {
				e := newBenchEnv(b, 1)
				key := e.account(b, gateway.Account{Prepaid: tc.prepaid, Limits: tc.limits}, tc.limits)
				var req gateway.ChatRequest
				if err := json.Unmarshal(chatRequestBody, &req); err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := benchChat(ctx, e.gw, key, req, stream); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}

// benchChat makes one request as httpapi would, on a copy of req.
func benchChat(ctx context.Context, gw *gateway.Gateway, key string, req gateway.ChatRequest, stream bool) error {
	c, err := gw.Authenticate(key, "127.0.0.1")
	if err != nil {
		return err
	}
	if !stream {
		resp, err := gw.Chat(ctx, c, &req)
		if err == nil && resp.Usage == nil {
			err = errors.New("no usage")
		}
		return err
	}
	req.Stream = true
	s, err := gw.ChatStream(ctx, c, &req)
	if err != nil {
		return err
	}
	defer s.Close()
	for {
		if _, err := s.Next(); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// chatRequestBody is a realistic chat request: a system prompt, a
// question, an output limit and sampling options.
var chatRequestBody = []byte(`{"model":"bench-model","messages":[` +
	`{"role":"system","content":"You are a careful assistant for an engineering team. Answer briefly, cite the relevant section of the runbook when there is one, and say so when you are not sure."},` +
	`{"role":"user","content":"Our nightly export job started failing after the database upgrade. The logs show 'connection reset by peer' about forty minutes into the run, always while the largest table is being copied. What should we look at next?"},` +
	`{"role":"assistant","content":"Start with the server's idle and statement timeouts, then the load balancer between you and the database."},` +
	`{"role":"user","content":"We checked both. Anything else? Keep it to a short checklist."}],` +
	`"max_tokens":256,"temperature":0.2,"top_p":0.9,"user":"bench-user-42",` +
	`"stream_options":{"include_usage":true},"metadata":{"team":"data"}}`)

// BenchmarkChatRequestJSON measures the request's way in and out of the
// core: decoding a client's body into a gateway.ChatRequest (httpapi),
// and encoding it again for an OpenAI-wire upstream.
func BenchmarkChatRequestJSON(b *testing.B) {
	b.Run("Decode", func(b *testing.B) {
		b.SetBytes(int64(len(chatRequestBody)))
		b.ReportAllocs()
		for b.Loop() {
			var req gateway.ChatRequest
			if err := json.Unmarshal(chatRequestBody, &req); err != nil {
				b.Fatal(err)
			}
		}
	})
	var req gateway.ChatRequest
	if err := json.Unmarshal(chatRequestBody, &req); err != nil {
		b.Fatal(err)
	}
	b.Run("Encode", func(b *testing.B) {
		b.SetBytes(int64(len(chatRequestBody)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RoundTrip", func(b *testing.B) {
		b.SetBytes(int64(len(chatRequestBody)))
		b.ReportAllocs()
		for b.Loop() {
			var r gateway.ChatRequest
			if err := json.Unmarshal(chatRequestBody, &r); err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
