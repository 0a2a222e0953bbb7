package memory

import (
	"context"
	"slices"

	"github.com/tollgate-ai/tollgate/gateway"
)

// GetSettings returns the stored Settings. CodeNotFound if none were
// stored.
func (s *Store) GetSettings(_ context.Context) (*gateway.Settings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.settings == nil {
		return nil, gateway.Errorf(gateway.CodeNotFound, "no settings stored")
	}
	return copySettings(s.settings), nil
}

// PutSettings stores a copy of st.
func (s *Store) PutSettings(_ context.Context, st *gateway.Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = copySettings(st)
	return nil
}

func copySettings(st *gateway.Settings) *gateway.Settings {
	c := *st
	c.Anonymous.Models = slices.Clone(st.Anonymous.Models)
	return &c
}
