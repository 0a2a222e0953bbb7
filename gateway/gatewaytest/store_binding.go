package gatewaytest

import (
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// newBinding returns a valid binding with every field set.
func newBinding(id, provider string, created time.Time) *gateway.Binding {
	return &gateway.Binding{
		ID: id, Namespace: "prod", Model: "gpt-4o*", ProviderID: provider,
		UpstreamModel: "gpt-4o-2024-08-06", Priority: 2, Weight: 3, CreatedAt: created,
	}
}

func normBinding(b *gateway.Binding) gateway.Binding {
	c := *b
	c.CreatedAt = normTime(c.CreatedAt)
	return c
}

// mustCreateBinding creates bindings and fails the test on error.
func mustCreateBinding(t *testing.T, s gateway.Store, bs ...*gateway.Binding) {
	t.Helper()
	for _, b := range bs {
		if err := s.CreateBinding(t.Context(), b); err != nil {
			t.Fatalf("CreateBinding(%s): %v", b.ID, err)
		}
	}
}

func bindingIDs(t *testing.T, s gateway.Store) []string {
	t.Helper()
	bs, err := s.ListBindings(t.Context())
	if err != nil {
		t.Fatalf("ListBindings: %v", err)
	}
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.ID)
	}
	return ids
}

func testCreateBinding(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		want := newBinding("bnd_1", "prv_1", at(1).In(elsewhere))
		is.NoErr(s.CreateBinding(t.Context(), want))
		got, err := s.ListBindings(t.Context())
		is.NoErr(err)
		is.Equal(len(got), 1)
		is.Equal(normBinding(got[0]), normBinding(want)) // every field round-trips
	})
	run(t, "ErrConflictID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		is.Equal(codeOf(s.CreateBinding(t.Context(), newBinding("bnd_1", "prv_2", at(5)))), gateway.CodeConflict)
		is.Equal(bindingIDs(t, s), []string{"bnd_1", "bnd_2"})
	})
	run(t, "ErrNotFoundProvider", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		is.Equal(codeOf(s.CreateBinding(t.Context(), newBinding("bnd_1", "prv_2", at(1)))), gateway.CodeNotFound)
		is.Equal(len(bindingIDs(t, s)), 0) // nothing stored
	})
}

func testListBindings(t *testing.T, newStore storeFactory) {
	run(t, "OKOldestFirst", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		mustCreateBinding(t, s,
			newBinding("bnd_c", "prv_1", at(2)), newBinding("bnd_a", "prv_1", at(1)),
			newBinding("bnd_d", "prv_1", at(3)), newBinding("bnd_b", "prv_1", at(2)),
		)
		is.Equal(bindingIDs(t, s), []string{"bnd_a", "bnd_b", "bnd_c", "bnd_d"}) // by CreatedAt, then ID
	})
	run(t, "ReturnsCopies", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateProvider(t, s, newProvider("prv_1", "one", at(0)))
		want := newBinding("bnd_1", "prv_1", at(1))
		mustCreateBinding(t, s, want)
		got, err := s.ListBindings(t.Context())
		is.NoErr(err)
		got[0].Priority, got[0].Model = 99, "changed"
		got, err = s.ListBindings(t.Context())
		is.NoErr(err)
		is.Equal(normBinding(got[0]), normBinding(want))
	})
}

func testDeleteBinding(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		twoProviders(t, s)
		is.NoErr(s.DeleteBinding(t.Context(), "bnd_1"))
		is.Equal(bindingIDs(t, s), []string{"bnd_2"})
	})
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.Equal(codeOf(s.DeleteBinding(t.Context(), "bnd_1")), gateway.CodeNotFound)
	})
}
