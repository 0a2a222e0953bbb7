package customstore

import (
	"context"
	"slices"

	"github.com/tollgate-ai/tollgate/gateway"
)

// CreateAccount stores a copy of a. CodeConflict if its ID or Name is
// taken.
func (s *Store) CreateAccount(_ context.Context, a *gateway.Account) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts[a.ID]; ok {
		return gateway.Errorf(gateway.CodeConflict, "account %q already exists", a.ID)
	}
	if err := s.accountNameFree(a.Name, ""); err != nil {
		return err
	}
	// A copy: the caller may change a afterwards, and the suite checks
	// that doing so does not change the Store ("CopiesInput").
	s.accounts[a.ID] = copyAccount(a)
	return s.commit(func() { delete(s.accounts, a.ID) })
}

// GetAccount returns a copy of the account. CodeNotFound if there is none.
func (s *Store) GetAccount(_ context.Context, id string) (*gateway.Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	a, ok := s.accounts[id]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "account %q not found", id)
	}
	return copyAccount(a), nil
}

// ListAccounts returns copies of every account, oldest first (by
// CreatedAt, then ID).
func (s *Store) ListAccounts(context.Context) ([]*gateway.Account, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := sortedAccounts(s.accounts)
	for i, a := range out {
		out[i] = copyAccount(a)
	}
	return out, nil
}

// UpdateAccount applies fn to a copy of the account and stores the
// result, all under the Store's lock, so that concurrent updates never
// lose one another's change. fn's error aborts the update and is returned
// as is. CodeNotFound if there is no account (fn is not called);
// CodeConflict if fn gave it a Name another account has.
func (s *Store) UpdateAccount(_ context.Context, id string, fn func(*gateway.Account) error) (*gateway.Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.accounts[id]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "account %q not found", id)
	}
	a := copyAccount(old)
	if err := fn(a); err != nil {
		return nil, err
	}
	a.ID = id // fn may not move the account
	if err := s.accountNameFree(a.Name, id); err != nil {
		return nil, err
	}
	// Keep a copy of its own: neither fn, which may have kept a, nor our
	// caller, who gets a, can reach what is stored.
	s.accounts[id] = copyAccount(a)
	if err := s.commit(func() { s.accounts[id] = old }); err != nil {
		return nil, err
	}
	return a, nil
}

// accountNameFree returns CodeConflict if an account other than self is
// named name. The caller holds s.mu.
func (s *Store) accountNameFree(name, self string) error {
	for id, a := range s.accounts {
		if a.Name == name && id != self {
			return gateway.Errorf(gateway.CodeConflict, "account name %q is taken", name)
		}
	}
	return nil
}

// sortedAccounts returns the stored accounts, oldest first; callers copy
// them before handing them out.
func sortedAccounts(m map[string]*gateway.Account) []*gateway.Account {
	out := make([]*gateway.Account, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *gateway.Account) int { return oldestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID) })
	return out
}

// copyAccount returns a deep copy of a: its slices are its own.
func copyAccount(a *gateway.Account) *gateway.Account {
	c := *a
	c.Namespaces = slices.Clone(a.Namespaces)
	return &c
}
