package memory

import (
	"context"

	"github.com/tollgate-ai/tollgate/gateway"
)

// CreateBinding stores a copy of b. CodeConflict if its ID is taken;
// CodeNotFound if its provider does not exist.
func (s *Store) CreateBinding(_ context.Context, b *gateway.Binding) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.bindings[b.ID]; ok {
		return gateway.Errorf(gateway.CodeConflict, "binding %q already exists", b.ID)
	}
	if _, ok := s.providers[b.ProviderID]; !ok {
		return gateway.Errorf(gateway.CodeNotFound, "provider %q not found", b.ProviderID)
	}
	s.bindings[b.ID] = copyBinding(b)
	return nil
}

// ListBindings returns copies of every binding, oldest first (by
// CreatedAt, then ID).
func (s *Store) ListBindings(context.Context) ([]*gateway.Binding, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return listOf(s.bindings, nil, copyBinding, func(a, b *gateway.Binding) int {
		return oldestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID)
	}), nil
}

// DeleteBinding removes the binding. CodeNotFound if there is none.
func (s *Store) DeleteBinding(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.bindings[id]; !ok {
		return gateway.Errorf(gateway.CodeNotFound, "binding %q not found", id)
	}
	delete(s.bindings, id)
	return nil
}
