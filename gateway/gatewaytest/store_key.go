package gatewaytest

import (
	"errors"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// newKey returns a valid active key of account with every field set but
// RevokedAt.
func newKey(id, account string, created time.Time) *gateway.Key {
	return &gateway.Key{
		ID:         id,
		AccountID:  account,
		Name:       "key " + id,
		Prefix:     "tg-abcde",
		Digest:     "digest-" + id,
		Status:     gateway.StatusActive,
		Epoch:      7,
		Models:     []string{"gpt-4o*", "text-embedding-3-small"},
		Namespace:  "staging",
		Limits:     gateway.Limits{RequestsPerMinute: 10, TokensPerDay: 100000, Concurrent: 2},
		Budget:     gateway.Budget{Daily: 1_000_000},
		Namespaces: []string{"staging", "prod"},
		AllowedIPs: []string{"10.0.0.0/8", "2001:db8::1"},
		Master:     true,
		IssuedBy:   "account:" + account,
		ExpiresAt:  created.Add(30 * 24 * time.Hour).In(elsewhere),
		CreatedAt:  created,
	}
}

// normKey returns a copy of k that compares as the Store promises to keep
// it.
func normKey(k *gateway.Key) gateway.Key {
	c := *k
	c.Models = normStrings(c.Models)
	c.Namespaces = normStrings(c.Namespaces)
	c.AllowedIPs = normStrings(c.AllowedIPs)
	c.ExpiresAt = normTime(c.ExpiresAt)
	c.CreatedAt = normTime(c.CreatedAt)
	c.RevokedAt = normTime(c.RevokedAt)
	return c
}

// mustCreateKey creates keys and fails the test on error.
func mustCreateKey(t *testing.T, s gateway.Store, ks ...*gateway.Key) {
	t.Helper()
	for _, k := range ks {
		if err := s.CreateKey(t.Context(), k); err != nil {
			t.Fatalf("CreateKey(%s): %v", k.ID, err)
		}
	}
}

func testCreateKey(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		want := newKey("key_1", "acc_1", at(1))
		is.NoErr(s.CreateKey(t.Context(), want))
		got, err := s.GetKey(t.Context(), "key_1")
		is.NoErr(err)
		is.Equal(normKey(got), normKey(want)) // every field round-trips
		is.True(got.RevokedAt.IsZero())       // the zero time stays zero
	})
	run(t, "OKZeroFields", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		want := &gateway.Key{ID: "key_1", AccountID: "acc_1", Digest: "d1", Status: gateway.StatusActive}
		is.NoErr(s.CreateKey(t.Context(), want))
		got, err := s.GetKey(t.Context(), "key_1")
		is.NoErr(err)
		is.Equal(normKey(got), normKey(want))
	})
	run(t, "ErrConflictID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		mustCreateKey(t, s, newKey("key_1", "acc_1", at(1)))
		k := newKey("key_1", "acc_1", at(2))
		k.Digest = "another digest"
		is.Equal(codeOf(s.CreateKey(t.Context(), k)), gateway.CodeConflict)
	})
	run(t, "ErrConflictDigest", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		mustCreateKey(t, s, newKey("key_1", "acc_1", at(1)))
		k := newKey("key_2", "acc_1", at(2))
		k.Digest = "digest-key_1"
		is.Equal(codeOf(s.CreateKey(t.Context(), k)), gateway.CodeConflict)
		_, err := s.GetKey(t.Context(), "key_2")
		is.Equal(codeOf(err), gateway.CodeNotFound) // nothing stored
	})
	run(t, "ErrNotFoundAccount", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		err := s.CreateKey(t.Context(), newKey("key_1", "acc_2", at(1)))
		is.Equal(codeOf(err), gateway.CodeNotFound)
		_, err = s.GetKey(t.Context(), "key_1")
		is.Equal(codeOf(err), gateway.CodeNotFound) // nothing stored
	})
	run(t, "CopiesInput", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		k := newKey("key_1", "acc_1", at(1))
		mustCreateKey(t, s, k)
		k.Name, k.Models[0] = "changed", "changed"
		got, err := s.GetKey(t.Context(), "key_1")
		is.NoErr(err)
		is.Equal(normKey(got), normKey(newKey("key_1", "acc_1", at(1))))
	})
}

func testGetKey(t *testing.T, newStore storeFactory) {
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		_, err := s.GetKey(t.Context(), "key_1")
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "ReturnsCopy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		want := newKey("key_1", "acc_1", at(1))
		mustCreateKey(t, s, want)
		got, err := s.GetKey(t.Context(), "key_1")
		is.NoErr(err)
		got.Status, got.Models[0] = gateway.StatusRevoked, "changed"
		got, err = s.GetKey(t.Context(), "key_1")
		is.NoErr(err)
		is.Equal(normKey(got), normKey(want))
	})
}

func testListKeys(t *testing.T, newStore storeFactory) {
	// keys creates two accounts and five keys, out of order; key_b and
	// key_c share a CreatedAt.
	keys := func(t *testing.T, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)), newAccount("acc_2", "other", at(0)))
		mustCreateKey(t, s,
			newKey("key_d", "acc_1", at(4)),
			newKey("key_c", "acc_2", at(3)),
			newKey("key_a", "acc_1", at(1)),
			newKey("key_e", "acc_2", at(5)),
			newKey("key_b", "acc_1", at(3)),
		)
	}
	ids := func(ks []*gateway.Key) []string {
		var ids []string
		for _, k := range ks {
			ids = append(ids, k.ID)
		}
		return ids
	}
	run(t, "OKOldestFirst", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		keys(t, s)
		got, err := s.ListKeys(t.Context(), gateway.KeyFilter{})
		is.NoErr(err)
		is.Equal(ids(got), []string{"key_a", "key_b", "key_c", "key_d", "key_e"}) // by CreatedAt, then ID
		is.Equal(normKey(got[0]), normKey(newKey("key_a", "acc_1", at(1))))
	})
	run(t, "FilterAccountID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		keys(t, s)
		got, err := s.ListKeys(t.Context(), gateway.KeyFilter{AccountID: "acc_2"})
		is.NoErr(err)
		is.Equal(ids(got), []string{"key_c", "key_e"})
		got, err = s.ListKeys(t.Context(), gateway.KeyFilter{AccountID: "acc_3"})
		is.NoErr(err)
		is.Equal(len(got), 0) // an unknown account has no keys, and is no error
	})
	run(t, "ReturnsCopies", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		want := newKey("key_1", "acc_1", at(1))
		mustCreateKey(t, s, want)
		got, err := s.ListKeys(t.Context(), gateway.KeyFilter{})
		is.NoErr(err)
		got[0].Name, got[0].Models[0] = "changed", "changed"
		got, err = s.ListKeys(t.Context(), gateway.KeyFilter{})
		is.NoErr(err)
		is.Equal(normKey(got[0]), normKey(want))
	})
}

func testUpdateKey(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		created := newKey("key_1", "acc_1", at(1))
		mustCreateKey(t, s, created)
		want := *created
		want.Name, want.Status, want.RevokedAt = "renamed", gateway.StatusRevoked, at(60)
		want.Models, want.Namespace, want.ExpiresAt = []string{"*"}, "", time.Time{}
		var seen gateway.Key
		updated, err := s.UpdateKey(t.Context(), "key_1", func(k *gateway.Key) error {
			seen = normKey(k)
			k.Name, k.Status, k.RevokedAt = want.Name, want.Status, want.RevokedAt
			k.Models, k.Namespace, k.ExpiresAt = []string{"*"}, want.Namespace, want.ExpiresAt
			return nil
		})
		is.NoErr(err)
		is.Equal(seen, normKey(created))           // fn gets the stored key
		is.Equal(normKey(updated), normKey(&want)) // returns the result
		got, err := s.GetKey(t.Context(), "key_1")
		is.NoErr(err)
		is.Equal(normKey(got), normKey(&want)) // the update persists
	})
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		_, err := s.UpdateKey(t.Context(), "key_1", func(*gateway.Key) error { return nil })
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "ErrFromFn", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		want := newKey("key_1", "acc_1", at(1))
		mustCreateKey(t, s, want)
		_, err := s.UpdateKey(t.Context(), "key_1", func(k *gateway.Key) error {
			k.Status = gateway.StatusRevoked
			return errAbort
		})
		is.True(errors.Is(err, errAbort)) // fn's error is returned
		got, err := s.GetKey(t.Context(), "key_1")
		is.NoErr(err)
		is.Equal(normKey(got), normKey(want)) // and nothing is saved
	})
	run(t, "ReturnsCopy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		want := newKey("key_1", "acc_1", at(1))
		mustCreateKey(t, s, want)
		got, err := s.UpdateKey(t.Context(), "key_1", func(*gateway.Key) error { return nil })
		is.NoErr(err)
		got.Models[0] = "changed"
		got, err = s.GetKey(t.Context(), "key_1")
		is.NoErr(err)
		is.Equal(normKey(got), normKey(want))
	})
}
