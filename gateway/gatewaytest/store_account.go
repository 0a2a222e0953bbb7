package gatewaytest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// newAccount returns a valid account with every field set.
func newAccount(id, name string, created time.Time) *gateway.Account {
	return &gateway.Account{
		ID:               id,
		Name:             name,
		Status:           gateway.StatusActive,
		DefaultNamespace: "prod",
		Namespaces:       []string{"prod", "staging"},
		Limits: gateway.Limits{RequestsPerSecond: 1, RequestsPerMinute: 2, RequestsPerHour: 3, RequestsPerDay: 4,
			TokensPerMinute: 5, TokensPerHour: 6, TokensPerDay: 7, Concurrent: 8},
		Epoch:     7,
		Prepaid:   true,
		Budget:    gateway.Budget{Daily: 5_000_000, Monthly: 100_000_000},
		CreatedAt: created,
		UpdatedAt: created.Add(90 * time.Second).In(elsewhere),
	}
}

// normAccount returns a copy of a that compares with == and
// reflect.DeepEqual as the Store promises to keep it.
func normAccount(a *gateway.Account) gateway.Account {
	c := *a
	c.Namespaces = normStrings(c.Namespaces)
	c.CreatedAt = normTime(c.CreatedAt)
	c.UpdatedAt = normTime(c.UpdatedAt)
	return c
}

// mustCreateAccount creates accounts and fails the test on error.
func mustCreateAccount(t *testing.T, s gateway.Store, as ...*gateway.Account) {
	t.Helper()
	for _, a := range as {
		if err := s.CreateAccount(t.Context(), a); err != nil {
			t.Fatalf("CreateAccount(%s): %v", a.ID, err)
		}
	}
}

func testCreateAccount(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newAccount("acc_1", "acme", at(0))
		is.NoErr(s.CreateAccount(t.Context(), want))
		got, err := s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(normAccount(got), normAccount(want)) // every field round-trips
	})
	run(t, "OKZeroFields", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := &gateway.Account{ID: "acc_1", Name: "acme", Status: gateway.StatusDisabled, DefaultNamespace: "default"}
		is.NoErr(s.CreateAccount(t.Context(), want))
		got, err := s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(normAccount(got), normAccount(want)) // zero times, no namespaces
		is.True(got.CreatedAt.IsZero())
	})
	run(t, "ErrConflictID", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		err := s.CreateAccount(t.Context(), newAccount("acc_1", "other", at(1)))
		is.Equal(codeOf(err), gateway.CodeConflict)
		got, err := s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(got.Name, "acme") // the first account is kept
	})
	run(t, "ErrConflictName", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		err := s.CreateAccount(t.Context(), newAccount("acc_2", "acme", at(1)))
		is.Equal(codeOf(err), gateway.CodeConflict)
		_, err = s.GetAccount(t.Context(), "acc_2")
		is.Equal(codeOf(err), gateway.CodeNotFound) // nothing stored
	})
	run(t, "CopiesInput", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		a := newAccount("acc_1", "acme", at(0))
		want := normAccount(newAccount("acc_1", "acme", at(0)))
		mustCreateAccount(t, s, a)
		a.Name, a.Namespaces[0], a.Epoch = "changed", "changed", 99
		got, err := s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(normAccount(got), want) // changing the argument does not change the Store
	})
	run(t, "ConcurrentSameName", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		errs := race(20, func(i int) error {
			return s.CreateAccount(t.Context(), newAccount(fmt.Sprintf("acc_%02d", i), "acme", at(i)))
		})
		var ok, conflict int
		for _, err := range errs {
			switch codeOf(err) {
			case "":
				ok++
			case gateway.CodeConflict:
				conflict++
			default:
				t.Errorf("CreateAccount: %v, want nil or a conflict", err)
			}
		}
		is.Equal(ok, 1)        // exactly one CreateAccount wins
		is.Equal(conflict, 19) // the others conflict
		all, err := s.ListAccounts(t.Context())
		is.NoErr(err)
		is.Equal(len(all), 1)
	})
}

func testGetAccount(t *testing.T, newStore storeFactory) {
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		_, err := s.GetAccount(t.Context(), "acc_2")
		is.Equal(codeOf(err), gateway.CodeNotFound)
	})
	run(t, "ReturnsCopy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newAccount("acc_1", "acme", at(0))
		mustCreateAccount(t, s, want)
		got, err := s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		got.Name, got.Namespaces[0], got.Epoch = "changed", "changed", 99
		got, err = s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(normAccount(got), normAccount(want)) // changing a returned account does not change the Store
	})
}

func testListAccounts(t *testing.T, newStore storeFactory) {
	run(t, "OKEmpty", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		got, err := s.ListAccounts(t.Context())
		is.NoErr(err)
		is.Equal(len(got), 0)
	})
	run(t, "OKOldestFirst", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		// Created out of order; acc_b and acc_c share a CreatedAt, so ID
		// breaks the tie.
		mustCreateAccount(t, s,
			newAccount("acc_d", "d", at(3)),
			newAccount("acc_c", "c", at(2)),
			newAccount("acc_a", "a", at(1)),
			newAccount("acc_b", "b", at(2).In(elsewhere)),
		)
		got, err := s.ListAccounts(t.Context())
		is.NoErr(err)
		is.Equal(len(got), 4)
		is.Equal(normAccount(got[0]), normAccount(newAccount("acc_a", "a", at(1)))) // every field round-trips
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		is.Equal(ids, []string{"acc_a", "acc_b", "acc_c", "acc_d"}) // by CreatedAt, then ID
	})
	run(t, "ReturnsCopies", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newAccount("acc_1", "acme", at(0))
		mustCreateAccount(t, s, want)
		got, err := s.ListAccounts(t.Context())
		is.NoErr(err)
		got[0].Name, got[0].Namespaces[0] = "changed", "changed"
		got, err = s.ListAccounts(t.Context())
		is.NoErr(err)
		is.Equal(normAccount(got[0]), normAccount(want))
	})
}

func testUpdateAccount(t *testing.T, newStore storeFactory) {
	run(t, "OK", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		created := newAccount("acc_1", "acme", at(0))
		mustCreateAccount(t, s, created)
		want := gateway.Account{
			ID: "acc_1", Name: "acme2", Status: gateway.StatusDisabled, DefaultNamespace: "dev",
			Namespaces: []string{"dev"}, Limits: gateway.Limits{RequestsPerMinute: 60}, Epoch: 8, CreatedAt: at(0), UpdatedAt: at(60),
		}
		var seen gateway.Account
		updated, err := s.UpdateAccount(t.Context(), "acc_1", func(a *gateway.Account) error {
			seen = normAccount(a)
			a.Name, a.Status, a.DefaultNamespace = want.Name, want.Status, want.DefaultNamespace
			a.Namespaces, a.Epoch, a.UpdatedAt = []string{"dev"}, want.Epoch, want.UpdatedAt
			a.Limits, a.Prepaid, a.Budget = want.Limits, false, gateway.Budget{}
			return nil
		})
		is.NoErr(err)
		is.Equal(seen, normAccount(created))               // fn gets the stored account
		is.Equal(normAccount(updated), normAccount(&want)) // returns the result
		got, err := s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(normAccount(got), normAccount(&want)) // the update persists
	})
	run(t, "OKSameName", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)))
		got, err := s.UpdateAccount(t.Context(), "acc_1", func(a *gateway.Account) error {
			a.Epoch++
			return nil
		})
		is.NoErr(err) // keeping its own name is no conflict
		is.Equal(got.Epoch, int64(8))
	})
	run(t, "ErrNotFound", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		called := false
		_, err := s.UpdateAccount(t.Context(), "acc_1", func(*gateway.Account) error {
			called = true
			return nil
		})
		is.Equal(codeOf(err), gateway.CodeNotFound)
		is.True(!called) // fn is not called without an account
	})
	run(t, "ErrFromFn", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newAccount("acc_1", "acme", at(0))
		mustCreateAccount(t, s, want)
		_, err := s.UpdateAccount(t.Context(), "acc_1", func(a *gateway.Account) error {
			a.Name, a.Epoch = "changed", 99
			return errAbort
		})
		is.True(errors.Is(err, errAbort)) // fn's error is returned
		got, err := s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(normAccount(got), normAccount(want)) // and nothing is saved
	})
	run(t, "ErrConflictName", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		mustCreateAccount(t, s, newAccount("acc_1", "acme", at(0)), newAccount("acc_2", "other", at(1)))
		_, err := s.UpdateAccount(t.Context(), "acc_2", func(a *gateway.Account) error {
			a.Name = "acme"
			return nil
		})
		is.Equal(codeOf(err), gateway.CodeConflict)
		got, err := s.GetAccount(t.Context(), "acc_2")
		is.NoErr(err)
		is.Equal(got.Name, "other") // nothing is saved
	})
	run(t, "ReturnsCopy", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		want := newAccount("acc_1", "acme", at(0))
		mustCreateAccount(t, s, want)
		var inFn *gateway.Account
		got, err := s.UpdateAccount(t.Context(), "acc_1", func(a *gateway.Account) error {
			inFn = a
			return nil
		})
		is.NoErr(err)
		got.Name, got.Namespaces[0] = "changed", "changed"
		inFn.Epoch, inFn.Namespaces[1] = 99, "changed"
		got, err = s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(normAccount(got), normAccount(want)) // neither the result nor fn's argument aliases the Store
	})
	run(t, "Concurrent", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		a := newAccount("acc_1", "acme", at(0))
		a.Epoch = 0
		mustCreateAccount(t, s, a)
		errs := race(20, func(int) error {
			_, err := s.UpdateAccount(t.Context(), "acc_1", func(a *gateway.Account) error {
				a.Epoch++
				return nil
			})
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		got, err := s.GetAccount(t.Context(), "acc_1")
		is.NoErr(err)
		is.Equal(got.Epoch, int64(20)) // no increment is lost
	})
}
