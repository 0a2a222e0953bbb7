package gateway

import (
	"context"
	"math"
	"math/bits"
	"time"
)

// Micros is an amount of money in millionths of a credit (1 credit = 1 USD
// = 1,000,000 micros). Money is never a float.
type Micros int64

// Prices are what a model costs, in micros per million tokens, plus a
// fixed fee per request.
type Prices struct {
	// Input is the price of prompt tokens.
	Input Micros
	// CachedInput is the price of prompt tokens read from the provider's
	// cache; zero means Input (a missing price never makes tokens free).
	CachedInput Micros
	// CacheWrite is the price of prompt tokens written to the provider's
	// cache (Anthropic bills them above Input); zero means Input.
	CacheWrite Micros
	// Output is the price of completion tokens.
	Output Micros
	// Reasoning is the price of the reasoning tokens inside the completion
	// tokens, where a provider bills them apart; zero means Output.
	Reasoning Micros
	// PerRequest is a fixed fee per request, in micros.
	PerRequest Micros
}

// Validate reports a negative price as a CodeInvalid error naming field
// (such as "prices").
func (p Prices) Validate(field string) error {
	if p.Input < 0 || p.CachedInput < 0 || p.CacheWrite < 0 || p.Output < 0 || p.Reasoning < 0 || p.PerRequest < 0 {
		return Invalid(field, "prices must not be negative")
	}
	return nil
}

// IsZero reports whether p charges nothing.
func (p Prices) IsZero() bool { return p == Prices{} }

// Cost returns what u costs at p: each kind of token at its price, summed
// exactly (in 128 bits, so no token count or price overflows), then
// divided by a million and rounded up to the next micro, so that many
// small requests never add up to free tokens; plus PerRequest. Negative
// counts count as zero. A cost past the largest Micros is capped there.
func (p Prices) Cost(u Usage) Micros {
	prompt := max(int64(u.PromptTokens), 0)
	cached, written := max(int64(u.CachedTokens()), 0), int64(0)
	if d := u.PromptTokensDetails; d != nil {
		written = max(int64(d.CacheCreationTokens), 0)
	}
	cached = min(cached, prompt)
	written = min(written, prompt-cached)
	completion := max(int64(u.CompletionTokens), 0)
	reasoning := int64(0)
	if d := u.CompletionTokensDetails; d != nil {
		reasoning = min(max(int64(d.ReasoningTokens), 0), completion)
	}
	var sum uint128
	sum.addProduct(prompt-cached-written, p.Input)
	sum.addProduct(cached, or(p.CachedInput, p.Input))
	sum.addProduct(written, or(p.CacheWrite, p.Input))
	sum.addProduct(completion-reasoning, p.Output)
	sum.addProduct(reasoning, or(p.Reasoning, p.Output))
	micros, ok := sum.divCeil(1_000_000)
	if !ok || micros > uint64(math.MaxInt64-max(p.PerRequest, 0)) {
		return Micros(math.MaxInt64)
	}
	return Micros(micros) + max(p.PerRequest, 0)
}

// or returns price, or fallback when price is zero.
func or(price, fallback Micros) Micros {
	if price == 0 {
		return fallback
	}
	return price
}

// uint128 is an exact sum of token-price products.
type uint128 struct{ hi, lo uint64 }

// addProduct adds n×price; negative factors add nothing.
func (x *uint128) addProduct(n int64, price Micros) {
	if n <= 0 || price <= 0 {
		return
	}
	hi, lo := bits.Mul64(uint64(n), uint64(price))
	var carry uint64
	x.lo, carry = bits.Add64(x.lo, lo, 0)
	x.hi, _ = bits.Add64(x.hi, hi, carry)
}

// divCeil returns x/d rounded up, and false when that does not fit in 64
// bits.
func (x uint128) divCeil(d uint64) (uint64, bool) {
	if x.hi >= d {
		return 0, false
	}
	q, r := bits.Div64(x.hi, x.lo, d)
	if r != 0 {
		if q == math.MaxUint64 {
			return 0, false
		}
		q++
	}
	return q, true
}

// Model is an entry of the model catalog: a name clients use, its aliases,
// and its prices.
type Model struct {
	Name    string
	Aliases []string
	Prices  Prices
	// MaxOutput is the most tokens the model writes in one answer: what
	// a prepaid request that sets no max_tokens is held for. Zero means
	// Config.HoldOutput.
	MaxOutput int64
	// OwnedBy is shown in GET /v1/models.
	OwnedBy   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate reports the first field at fault as a CodeInvalid error.
func (m *Model) Validate() error {
	if m.Name == "" || len(m.Name) > 200 {
		return Invalid("name", "name is required and at most 200 characters")
	}
	for _, a := range m.Aliases {
		if a == "" || a == m.Name {
			return Invalid("aliases", "alias %q is empty or repeats the name", a)
		}
	}
	if err := m.Prices.Validate("prices"); err != nil {
		return err
	}
	if m.MaxOutput < 0 {
		return Invalid("max_output", "max_output must not be negative")
	}
	return nil
}

// ModelStore keeps the model catalog.
type ModelStore interface {
	// PutModel creates or replaces the model with m.Name.
	PutModel(ctx context.Context, m *Model) error
	// GetModel returns the model. CodeNotFound if there is none.
	GetModel(ctx context.Context, name string) (*Model, error)
	// ListModels returns every model, by name.
	ListModels(ctx context.Context) ([]*Model, error)
	// DeleteModel removes the model. CodeNotFound if there is none.
	DeleteModel(ctx context.Context, name string) error
}
