package memory

import (
	"context"

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
	s.accounts[a.ID] = copyAccount(a)
	return nil
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
	return listOf(s.accounts, nil, copyAccount, func(a, b *gateway.Account) int {
		return oldestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID)
	}), nil
}

// UpdateAccount applies fn to a copy of the account and stores the result,
// all under the Store's lock. fn's error aborts the update and is
// returned as is. CodeNotFound if there is no account; CodeConflict if
// the new Name is taken.
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
	a.ID = id
	if err := s.accountNameFree(a.Name, id); err != nil {
		return nil, err
	}
	s.accounts[id] = copyAccount(a)
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
