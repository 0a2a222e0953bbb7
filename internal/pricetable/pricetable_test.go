package pricetable_test

import (
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/pricetable"
)

func TestCheckedIsADate(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	d, err := time.Parse(time.DateOnly, pricetable.Checked)
	is.NoErr(err)
	is.True(d.Year() >= 2026) // prices older than the table's first check would be stale
}

func TestModelsAreSortedAndUnique(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	models := pricetable.Models()
	is.True(len(models) >= 40) // every supported provider's current line-up
	seen := make(map[string]bool)
	for i, m := range models {
		if i > 0 {
			is.True(models[i-1].Name < m.Name) // by name, no duplicate names
		}
		for _, n := range append([]string{m.Name}, m.Aliases...) {
			is.True(!seen[n]) // a name or alias names one model only
			seen[n] = true
		}
	}
}

func TestModelsHaveSanePrices(t *testing.T) {
	t.Parallel()
	for _, m := range pricetable.Models() {
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			is.NoErr(m.Validate()) // no negative price, well-formed aliases
			p := m.Prices
			is.True(p.Input > 0)
			is.True(p.CachedInput <= p.Input)
			is.True(p.CacheWrite == 0 || p.CacheWrite >= p.Input) // writes are never cheaper than input
			is.Equal(p.PerRequest, gateway.Micros(0))
			is.True(m.OwnedBy != "")
			// Embedding models carry an input price only; every other model
			// has an output price at least as high as its input price.
			if p.Output == 0 {
				is.Equal(p.CachedInput, gateway.Micros(0))
				is.Equal(p.CacheWrite, gateway.Micros(0))
			} else {
				is.True(p.Output >= p.Input)
			}
		})
	}
}

func TestProvidersCovered(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	count := make(map[string]int)
	for _, m := range pricetable.Models() {
		count[m.OwnedBy]++
	}
	for _, p := range []string{"openai", "anthropic", "google", "mistral", "deepseek", "xai"} {
		is.True(count[p] > 0) // every provider Tollgate supports has prices
	}
	is.Equal(len(count), 6) // no unknown owner slipped in
}

// TestSpotChecks pins well-known prices as the providers state them, in
// micros per million tokens.
func TestSpotChecks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		owner string
		want  gateway.Prices
	}{
		{"gpt-4o-mini", "openai", gateway.Prices{Input: 150_000, CachedInput: 75_000, Output: 600_000}},
		{"gpt-4o", "openai", gateway.Prices{Input: 2_500_000, CachedInput: 1_250_000, Output: 10_000_000}},
		{"gpt-4.1", "openai", gateway.Prices{Input: 2_000_000, CachedInput: 500_000, Output: 8_000_000}},
		{"gpt-5", "openai", gateway.Prices{Input: 1_250_000, CachedInput: 125_000, Output: 10_000_000}},
		{"o3", "openai", gateway.Prices{Input: 2_000_000, CachedInput: 500_000, Output: 8_000_000}},
		{"gpt-6.2-sol", "openai", gateway.Prices{Input: 2_000_000, CachedInput: 100_000, CacheWrite: 2_500_000, Output: 10_000_000}},
		{"text-embedding-3-small", "openai", gateway.Prices{Input: 20_000}},
		{"text-embedding-3-large", "openai", gateway.Prices{Input: 130_000}},
		{"claude-sonnet-4-6", "anthropic", gateway.Prices{Input: 3_000_000, CachedInput: 300_000, CacheWrite: 3_750_000, Output: 15_000_000}},
		{"claude-sonnet-4-5", "anthropic", gateway.Prices{Input: 3_000_000, CachedInput: 300_000, CacheWrite: 3_750_000, Output: 15_000_000}},
		{"claude-opus-4-6", "anthropic", gateway.Prices{Input: 5_000_000, CachedInput: 500_000, CacheWrite: 6_250_000, Output: 25_000_000}},
		{"claude-haiku-4-5", "anthropic", gateway.Prices{Input: 1_000_000, CachedInput: 100_000, CacheWrite: 1_250_000, Output: 5_000_000}},
		{"gemini-2.5-pro", "google", gateway.Prices{Input: 1_250_000, CachedInput: 125_000, Output: 10_000_000}},
		{"gemini-2.5-flash", "google", gateway.Prices{Input: 300_000, CachedInput: 30_000, Output: 2_500_000}},
		{"gemini-2.5-flash-lite", "google", gateway.Prices{Input: 100_000, CachedInput: 10_000, Output: 400_000}},
		{"gemini-embedding-001", "google", gateway.Prices{Input: 150_000}},
		{"mistral-medium-3.5", "mistral", gateway.Prices{Input: 1_500_000, Output: 7_500_000}},
		{"deepseek-flash", "deepseek", gateway.Prices{Input: 300_000, CachedInput: 6_000, Output: 1_200_000}},
		{"grok-4.3", "xai", gateway.Prices{Input: 1_250_000, CachedInput: 200_000, Output: 2_500_000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			m, ok := pricetable.Lookup(c.name)
			is.True(ok)
			is.Equal(m.Prices, c.want)
			is.Equal(m.OwnedBy, c.owner)
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		want string // "" when the lookup must fail
	}{
		{"gpt-4o-mini", "gpt-4o-mini"},
		{"gpt-4o-mini-2024-07-18", "gpt-4o-mini"},
		{"gpt-4o-2024-08-06", "gpt-4o"},
		{"gpt-4o-2024-11-20", "gpt-4o"},
		{"claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"},
		{"claude-sonnet-4-5", "claude-sonnet-4-5-20250929"},
		{"claude-haiku-4-5", "claude-haiku-4-5-20251001"},
		{"deepseek-v4-flash", "deepseek-flash"},
		{"grok-4.20", "grok-4.20-0309-reasoning"},
		{"GPT-4O-MINI", ""},             // names match exactly
		{" gpt-4o-mini", ""},            // no trimming
		{"gpt-4o-mini-2099-01-01", ""},  // no guessing at snapshots
		{"o1", ""},                      // shut down before the table was checked
		{"gemini-2.0-flash", ""},        // likewise
		{"claude-3-haiku-20240307", ""}, // likewise
		{"", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			m, ok := pricetable.Lookup(c.name)
			is.Equal(ok, c.want != "")
			is.Equal(m.Name, c.want)
		})
	}
}

func TestEveryNameAndAliasLooksUp(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	for _, m := range pricetable.Models() {
		for _, n := range append([]string{m.Name}, m.Aliases...) {
			got, ok := pricetable.Lookup(n)
			is.True(ok)
			is.Equal(got.Name, m.Name)
			is.Equal(got.Prices, m.Prices)
		}
	}
}

func TestResultsAreCopies(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	m, ok := pricetable.Lookup("gpt-4o")
	is.True(ok)
	m.Aliases[0] = "changed"
	m.Prices.Input = 1
	again, _ := pricetable.Lookup("gpt-4o")
	is.Equal(again.Aliases[0], "gpt-4o-2024-08-06")
	is.Equal(again.Prices.Input, gateway.Micros(2_500_000))

	models := pricetable.Models()
	for i := range models {
		if models[i].Name == "gpt-4o" {
			models[i].Aliases[0] = "changed"
		}
	}
	again, _ = pricetable.Lookup("gpt-4o")
	is.Equal(again.Aliases[0], "gpt-4o-2024-08-06")
}

// TestCostUsesEachPrice bills one call with every kind of token on a model
// that prices them all, so a cached_input and cache_write swapped in the
// table would show.
func TestCostUsesEachPrice(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	m, ok := pricetable.Lookup("claude-sonnet-4-6")
	is.True(ok)
	u := gateway.Usage{
		PromptTokens:        1_000_000,
		CompletionTokens:    100_000,
		PromptTokensDetails: &gateway.PromptTokensDetails{CachedTokens: 500_000, CacheCreationTokens: 200_000},
	}
	// 300K fresh × $3 + 500K read × $0.30 + 200K written × $3.75 + 100K out × $15
	// = $0.90 + $0.15 + $0.75 + $1.50 = $3.30.
	is.Equal(m.Prices.Cost(u), gateway.Micros(3_300_000))
}
