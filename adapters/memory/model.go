package memory

import (
	"cmp"
	"context"

	"github.com/tollgate-ai/tollgate/gateway"
)

// PutModel stores a copy of m, replacing the model with m.Name if there
// is one.
func (s *Store) PutModel(_ context.Context, m *gateway.Model) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models[m.Name] = copyModel(m)
	return nil
}

// GetModel returns a copy of the model named name. CodeNotFound if there
// is none; aliases are not names.
func (s *Store) GetModel(_ context.Context, name string) (*gateway.Model, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.models[name]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "model %q not found", name)
	}
	return copyModel(m), nil
}

// ListModels returns copies of every model, by name.
func (s *Store) ListModels(context.Context) ([]*gateway.Model, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return listOf(s.models, nil, copyModel, func(a, b *gateway.Model) int {
		return cmp.Compare(a.Name, b.Name)
	}), nil
}

// DeleteModel removes the model. CodeNotFound if there is none.
func (s *Store) DeleteModel(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.models[name]; !ok {
		return gateway.Errorf(gateway.CodeNotFound, "model %q not found", name)
	}
	delete(s.models, name)
	return nil
}
