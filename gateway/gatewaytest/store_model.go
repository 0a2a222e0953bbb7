package gatewaytest

import (
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// newModel returns a valid model with every field set.
func newModel(name string, created time.Time) *gateway.Model {
	return &gateway.Model{
		Name:      name,
		Aliases:   []string{name + "-latest", name + "-2025"},
		Prices:    gateway.Prices{Input: 2_500_000, CachedInput: 1_250_000, CacheWrite: 3_125_000, Output: 10_000_000, Reasoning: 12_000_000, PerRequest: 100},
		MaxOutput: 16384,
		OwnedBy:   "openai",
		CreatedAt: created,
		UpdatedAt: created.Add(time.Hour).In(elsewhere),
	}
}

func normModel(m *gateway.Model) gateway.Model {
	c := *m
	c.Aliases = normStrings(c.Aliases)
	c.CreatedAt, c.UpdatedAt = normTime(c.CreatedAt), normTime(c.UpdatedAt)
	return c
}

// mustPutModel puts models and fails the test on error.
func mustPutModel(t *testing.T, s gateway.Store, ms ...*gateway.Model) {
	t.Helper()
	for _, m := range ms {
		if err := s.PutModel(t.Context(), m); err != nil {
			t.Fatalf("PutModel(%s): %v", m.Name, err)
		}
	}
}

func modelNames(t *testing.T, s gateway.Store) []string {
	t.Helper()
	ms, err := s.ListModels(t.Context())
	if err != nil {
		t.Fatalf("ListModels: %v", err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return names
}

func testPutModel(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newModel("gpt-4o", at(0))
		is.NoErr(s.PutModel(t.Context(), want))
		got, err := s.GetModel(t.Context(), "gpt-4o")
		is.NoErr(err)
		is.Equal(normModel(got), normModel(want)) // every field round-trips
	})
	run(t, "OKZeroFields", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := &gateway.Model{Name: "free"}
		is.NoErr(s.PutModel(t.Context(), want))
		got, err := s.GetModel(t.Context(), "free")
		is.NoErr(err)
		is.Equal(normModel(got), normModel(want))
	})
	run(t, "OKReplaces", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustPutModel(t, s, newModel("gpt-4o", at(0)))
		want := &gateway.Model{
			Name: "gpt-4o", Aliases: []string{"4o"}, Prices: gateway.Prices{Input: 1, Output: 2},
			OwnedBy: "azure", CreatedAt: at(0), UpdatedAt: at(60),
		}
		is.NoErr(s.PutModel(t.Context(), want))
		got, err := s.GetModel(t.Context(), "gpt-4o")
		is.NoErr(err)
		is.Equal(normModel(got), normModel(want))      // the second Put replaces the first
		is.Equal(modelNames(t, s), []string{"gpt-4o"}) // and adds no model
	})
	run(t, "CopiesInput", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		m := newModel("gpt-4o", at(0))
		mustPutModel(t, s, m)
		m.OwnedBy, m.Aliases[0] = "changed", "changed"
		got, err := s.GetModel(t.Context(), "gpt-4o")
		is.NoErr(err)
		is.Equal(normModel(got), normModel(newModel("gpt-4o", at(0))))
	})
}

func testGetModel(t *testing.T, newStore storeFactory) {
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustPutModel(t, s, newModel("gpt-4o", at(0)))
		_, err := s.GetModel(t.Context(), "gpt-4o-latest")
		is.Equal(codeOf(err), gateway.CodeNotFound) // an alias is not a name
	})
	run(t, "ReturnsCopy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newModel("gpt-4o", at(0))
		mustPutModel(t, s, want)
		got, err := s.GetModel(t.Context(), "gpt-4o")
		is.NoErr(err)
		got.Prices.Input, got.Aliases[0] = 0, "changed"
		got, err = s.GetModel(t.Context(), "gpt-4o")
		is.NoErr(err)
		is.Equal(normModel(got), normModel(want))
	})
}

func testListModels(t *testing.T, newStore storeFactory) {
	run(t, "OKEmpty", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.Equal(len(modelNames(t, s)), 0)
	})
	run(t, "OKByName", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		// Put out of name order, and with CreatedAt against name order.
		mustPutModel(t, s, newModel("o3", at(0)), newModel("gpt-4o", at(1)), newModel("claude", at(2)), newModel("gpt-4o-mini", at(3)))
		is.Equal(modelNames(t, s), []string{"claude", "gpt-4o", "gpt-4o-mini", "o3"})
		got, err := s.ListModels(t.Context())
		is.NoErr(err)
		is.Equal(normModel(got[0]), normModel(newModel("claude", at(2)))) // every field round-trips
	})
	run(t, "ReturnsCopies", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newModel("gpt-4o", at(0))
		mustPutModel(t, s, want)
		got, err := s.ListModels(t.Context())
		is.NoErr(err)
		got[0].OwnedBy, got[0].Aliases[0] = "changed", "changed"
		got, err = s.ListModels(t.Context())
		is.NoErr(err)
		is.Equal(normModel(got[0]), normModel(want))
	})
}

func testDeleteModel(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustPutModel(t, s, newModel("gpt-4o", at(0)), newModel("o3", at(1)))
		is.NoErr(s.DeleteModel(t.Context(), "gpt-4o"))
		_, err := s.GetModel(t.Context(), "gpt-4o")
		is.Equal(codeOf(err), gateway.CodeNotFound)
		is.Equal(modelNames(t, s), []string{"o3"})
	})
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.Equal(codeOf(s.DeleteModel(t.Context(), "gpt-4o")), gateway.CodeNotFound)
	})
}
