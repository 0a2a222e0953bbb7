package memory

import (
	"context"

	"github.com/tollgate-ai/tollgate/gateway"
)

// CreateKey stores a copy of k. CodeConflict if its ID or Digest is taken;
// CodeNotFound if its account does not exist.
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
	s.keyDigests[k.Digest] = k.ID
	return nil
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

// ListKeys returns copies of the keys that match f, oldest first (by
// CreatedAt, then ID).
func (s *Store) ListKeys(_ context.Context, f gateway.KeyFilter) ([]*gateway.Key, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keep := func(k *gateway.Key) bool { return f.AccountID == "" || k.AccountID == f.AccountID }
	return listOf(s.keys, keep, copyKey, func(a, b *gateway.Key) int {
		return oldestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID)
	}), nil
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
	if k.Digest != old.Digest {
		delete(s.keyDigests, old.Digest)
		s.keyDigests[k.Digest] = id
	}
	s.keys[id] = copyKey(k)
	return k, nil
}

// digestFree returns CodeConflict if a key other than self has digest.
// The caller holds s.mu.
func (s *Store) digestFree(digest, self string) error {
	if id, ok := s.keyDigests[digest]; ok && id != self {
		return gateway.Errorf(gateway.CodeConflict, "key digest is taken")
	}
	return nil
}
