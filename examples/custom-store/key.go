package customstore

import (
	"context"
	"slices"

	"github.com/tollgate-ai/tollgate/gateway"
)

// CreateKey stores a copy of k. CodeConflict if its ID or Digest is
// taken; CodeNotFound if its account does not exist. That last check is
// why keys live beside accounts: the Store that keeps a key must know its
// account.
func (s *Store) CreateKey(_ context.Context, k *gateway.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return gateway.Errorf(gateway.CodeConflict, "key %q already exists", k.ID)
	}
	if _, ok := s.accounts[k.AccountID]; !ok {
		return gateway.Errorf(gateway.CodeNotFound, "account %q not found", k.AccountID)
	}
	if err := s.digestFree(k.Digest, ""); err != nil {
		return err
	}
	s.keys[k.ID] = copyKey(k)
	return s.commit(func() { delete(s.keys, k.ID) })
}

// GetKey returns a copy of the key. CodeNotFound if there is none.
func (s *Store) GetKey(_ context.Context, id string) (*gateway.Key, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[id]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "key %q not found", id)
	}
	return copyKey(k), nil
}

// ListKeys returns copies of the keys of f.AccountID (of every account
// when it is empty), oldest first (by CreatedAt, then ID). An unknown
// account has no keys, which is no error.
func (s *Store) ListKeys(_ context.Context, f gateway.KeyFilter) ([]*gateway.Key, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := sortedKeys(s.keys, f.AccountID)
	for i, k := range out {
		out[i] = copyKey(k)
	}
	return out, nil
}

// UpdateKey applies fn to a copy of the key and stores the result, all
// under the Store's lock. fn's error aborts the update and is returned as
// is. CodeNotFound if there is no key; CodeConflict if fn gave it a
// Digest another key has.
func (s *Store) UpdateKey(_ context.Context, id string, fn func(*gateway.Key) error) (*gateway.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.keys[id]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "key %q not found", id)
	}
	k := copyKey(old)
	if err := fn(k); err != nil {
		return nil, err
	}
	k.ID = id
	if err := s.digestFree(k.Digest, id); err != nil {
		return nil, err
	}
	s.keys[id] = copyKey(k)
	if err := s.commit(func() { s.keys[id] = old }); err != nil {
		return nil, err
	}
	return k, nil
}

// digestFree returns CodeConflict if a key other than self has digest:
// the gateway finds a key by its digest, so two keys may not share one.
// The caller holds s.mu.
func (s *Store) digestFree(digest, self string) error {
	for id, k := range s.keys {
		if k.Digest == digest && id != self {
			return gateway.Errorf(gateway.CodeConflict, "key digest is taken")
		}
	}
	return nil
}

// sortedKeys returns the stored keys of account (every key when it is
// empty), oldest first; callers copy them before handing them out.
func sortedKeys(m map[string]*gateway.Key, account string) []*gateway.Key {
	out := make([]*gateway.Key, 0, len(m))
	for _, k := range m {
		if account == "" || k.AccountID == account {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b *gateway.Key) int { return oldestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID) })
	return out
}

// copyKey returns a deep copy of k: its slices are its own.
func copyKey(k *gateway.Key) *gateway.Key {
	c := *k
	c.Models = slices.Clone(k.Models)
	c.Namespaces = slices.Clone(k.Namespaces)
	c.AllowedIPs = slices.Clone(k.AllowedIPs)
	return &c
}
