package gateway_test

import (
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/gateway"
)

// exactCost is Prices.Cost done with math/big: the reference.
func exactCost(p gateway.Prices, prompt, cached, written, completion, reasoning int64) *big.Int {
	or := func(a, b gateway.Micros) int64 {
		if a == 0 {
			return int64(b)
		}
		return int64(a)
	}
	sum := new(big.Int)
	add := func(n, price int64) { sum.Add(sum, new(big.Int).Mul(big.NewInt(n), big.NewInt(price))) }
	add(prompt-cached-written, int64(p.Input))
	add(cached, or(p.CachedInput, p.Input))
	add(written, or(p.CacheWrite, p.Input))
	add(completion-reasoning, int64(p.Output))
	add(reasoning, or(p.Reasoning, p.Output))
	q, r := new(big.Int).QuoRem(sum, big.NewInt(1_000_000), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1)) // rounded up, always
	}
	return q.Add(q, big.NewInt(int64(p.PerRequest)))
}

func usageOf(prompt, cached, written, completion, reasoning int64) gateway.Usage {
	return gateway.Usage{
		PromptTokens: int(prompt), CompletionTokens: int(completion),
		PromptTokensDetails:     &gateway.PromptTokensDetails{CachedTokens: int(cached), CacheCreationTokens: int(written)},
		CompletionTokensDetails: &gateway.CompletionTokensDetails{ReasoningTokens: int(reasoning)},
	}
}

// Property: for any usage and prices, Cost is the exact cost rounded up
// to the micro, whatever the magnitudes.
func TestCostIsExactAndRoundsUp(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		scale := []int64{10, 1_000_000, 1 << 40, math.MaxInt32}[i%4]
		price := func() gateway.Micros { return gateway.Micros(r.Int64N(200_000_000)) * gateway.Micros(r.IntN(2)) }
		p := gateway.Prices{Input: price(), CachedInput: price(), CacheWrite: price(), Output: price(), Reasoning: price(), PerRequest: price() / 1000}
		prompt := r.Int64N(scale)
		cached := r.Int64N(prompt + 1)
		written := r.Int64N(prompt - cached + 1)
		completion := r.Int64N(scale)
		reasoning := r.Int64N(completion + 1)
		got := p.Cost(usageOf(prompt, cached, written, completion, reasoning))
		want := exactCost(p, prompt, cached, written, completion, reasoning)
		if big.NewInt(int64(got)).Cmp(want) != 0 {
			t.Fatalf("%+v with %d/%d/%d/%d/%d: got %d, want %s", p, prompt, cached, written, completion, reasoning, got, want)
		}
	}
}

func TestCostEdges(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	p := gateway.Prices{Input: 3_000_000, Output: 15_000_000}
	// Unset cached and cache-write prices fall back to Input: never free.
	is.Equal(p.Cost(usageOf(1000, 400, 100, 0, 0)), gateway.Micros(3000))
	// Reasoning at Output unless priced apart.
	is.Equal(p.Cost(usageOf(0, 0, 0, 1000, 600)), gateway.Micros(15000))
	p.Reasoning = 20_000_000
	is.Equal(p.Cost(usageOf(0, 0, 0, 1000, 600)), gateway.Micros(6000+12000))
	// Details larger than their totals are clamped, negative counts are zero.
	is.Equal(p.Cost(usageOf(100, 500, 500, -5, 0)), gateway.Micros(300))
	// The largest counts at the largest prices do not wrap around.
	huge := gateway.Prices{Input: math.MaxInt64, Output: math.MaxInt64}
	is.Equal(huge.Cost(usageOf(math.MaxInt32, 0, 0, math.MaxInt32, 0)), gateway.Micros(math.MaxInt64))
	// The per-request fee is added to any usage, none included.
	is.Equal(gateway.Prices{PerRequest: 250}.Cost(gateway.Usage{}), gateway.Micros(250))
}

// Shipped default prices apply until the catalog has the model; a
// catalog entry "provider/model" prices the model on that provider only.
func TestDefaultAndProviderPrices(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixtureWith(t, gateway.Config{DefaultModels: []gateway.Model{
		{Name: "m", Prices: gateway.Prices{Input: 1_000_000, Output: 1_000_000}},
	}})
	f.provider(t, "cheap", []string{"m"}, 1)
	f.provider(t, "dear", nil, 1)
	c := f.caller(t, gateway.KeySpec{})
	cost := func(model string) gateway.Micros {
		t.Helper()
		f.clock.Advance(time.Second)
		_, err := f.gw.Chat(ctx, again(c), userChat(model, "hi"))
		is.NoErr(err)
		return f.records(t)[0].Cost
	}
	is.Equal(cost("m"), gateway.Micros(1500)) // 1000 + 500 tokens at the default $1/M

	_, err := f.admin.PutModel(ctx, &gateway.Model{Name: "dear/m", Prices: gateway.Prices{Input: 3_000_000, Output: 3_000_000}})
	is.NoErr(err)
	is.Equal(cost("dear/m"), gateway.Micros(4500)) // the provider's own price
	is.Equal(cost("m"), gateway.Micros(1500))      // not the others'

	_, err = f.admin.PutModel(ctx, &gateway.Model{Name: "m", Prices: gateway.Prices{Input: 2_000_000, Output: 2_000_000}})
	is.NoErr(err)
	is.Equal(cost("m"), gateway.Micros(3000)) // the catalog overrides the shipped table
	rs := f.records(t)
	is.Equal(rs[0].Prices, gateway.Prices{Input: 2_000_000, Output: 2_000_000}) // and the record keeps what it charged
}
