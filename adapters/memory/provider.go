package memory

import (
	"context"

	"github.com/tollgate-ai/tollgate/gateway"
)

// CreateProvider stores a copy of p. CodeConflict if its ID or Name is
// taken.
func (s *Store) CreateProvider(_ context.Context, p *gateway.Provider) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.providers[p.ID]; ok {
		return gateway.Errorf(gateway.CodeConflict, "provider %q already exists", p.ID)
	}
	if err := s.providerNameFree(p.Name, ""); err != nil {
		return err
	}
	s.providers[p.ID] = copyProvider(p)
	return nil
}

// GetProvider returns a copy of the provider. CodeNotFound if there is
// none.
func (s *Store) GetProvider(_ context.Context, id string) (*gateway.Provider, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.providers[id]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "provider %q not found", id)
	}
	return copyProvider(p), nil
}

// ListProviders returns copies of every provider, oldest first (by
// CreatedAt, then ID).
func (s *Store) ListProviders(context.Context) ([]*gateway.Provider, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return listOf(s.providers, nil, copyProvider, func(a, b *gateway.Provider) int {
		return oldestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID)
	}), nil
}

// UpdateProvider applies fn to a copy of the provider and stores the
// result, all under the Store's lock. fn's error aborts the update and is
// returned as is. CodeNotFound if there is no provider; CodeConflict if
// the new Name is taken.
func (s *Store) UpdateProvider(_ context.Context, id string, fn func(*gateway.Provider) error) (*gateway.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.providers[id]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "provider %q not found", id)
	}
	p := copyProvider(old)
	if err := fn(p); err != nil {
		return nil, err
	}
	p.ID = id
	if err := s.providerNameFree(p.Name, id); err != nil {
		return nil, err
	}
	s.providers[id] = copyProvider(p)
	return p, nil
}

// DeleteProvider removes the provider with its credentials and bindings.
// CodeNotFound if there is none.
func (s *Store) DeleteProvider(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.providers[id]; !ok {
		return gateway.Errorf(gateway.CodeNotFound, "provider %q not found", id)
	}
	delete(s.providers, id)
	for cid, c := range s.credentials {
		if c.ProviderID == id {
			delete(s.credentials, cid)
		}
	}
	for bid, b := range s.bindings {
		if b.ProviderID == id {
			delete(s.bindings, bid)
		}
	}
	return nil
}

// providerNameFree returns CodeConflict if a provider other than self is
// named name. The caller holds s.mu.
func (s *Store) providerNameFree(name, self string) error {
	for id, p := range s.providers {
		if p.Name == name && id != self {
			return gateway.Errorf(gateway.CodeConflict, "provider name %q is taken", name)
		}
	}
	return nil
}

// CreateCredentials stores copies of cs, all or none. CodeConflict if an
// ID is taken, by a stored credential or an earlier one in cs;
// CodeNotFound if a provider does not exist.
func (s *Store) CreateCredentials(_ context.Context, cs []*gateway.Credential) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Check the whole batch before storing any of it.
	seen := make(map[string]bool, len(cs))
	for _, c := range cs {
		if _, ok := s.credentials[c.ID]; ok || seen[c.ID] {
			return gateway.Errorf(gateway.CodeConflict, "credential %q already exists", c.ID)
		}
		seen[c.ID] = true
		if _, ok := s.providers[c.ProviderID]; !ok {
			return gateway.Errorf(gateway.CodeNotFound, "provider %q not found", c.ProviderID)
		}
	}
	for _, c := range cs {
		s.credentials[c.ID] = copyCredential(c)
	}
	return nil
}

// ListCredentials returns copies of the credentials that match f, oldest
// first (by CreatedAt, then ID).
func (s *Store) ListCredentials(_ context.Context, f gateway.CredentialFilter) ([]*gateway.Credential, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keep := func(c *gateway.Credential) bool { return f.ProviderID == "" || c.ProviderID == f.ProviderID }
	return listOf(s.credentials, keep, copyCredential, func(a, b *gateway.Credential) int {
		return oldestFirst(a.CreatedAt, a.ID, b.CreatedAt, b.ID)
	}), nil
}

// UpdateCredential applies fn to a copy of the credential and stores the
// result, all under the Store's lock. fn's error aborts the update and is
// returned as is. CodeNotFound if there is no credential.
func (s *Store) UpdateCredential(_ context.Context, id string, fn func(*gateway.Credential) error) (*gateway.Credential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.credentials[id]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "credential %q not found", id)
	}
	c := copyCredential(old)
	if err := fn(c); err != nil {
		return nil, err
	}
	c.ID = id
	s.credentials[id] = copyCredential(c)
	return c, nil
}

// DeleteCredential removes the credential. CodeNotFound if there is none.
func (s *Store) DeleteCredential(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.credentials[id]; !ok {
		return gateway.Errorf(gateway.CodeNotFound, "credential %q not found", id)
	}
	delete(s.credentials, id)
	return nil
}

// AddCredentialEvent keeps a copy of e.
func (s *Store) AddCredentialEvent(_ context.Context, e *gateway.CredentialEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *e
	s.credentialEvents = append(s.credentialEvents, &c)
	return nil
}

// ListCredentialEvents returns copies of a credential's events, newest
// first, at most limit (100 when not positive).
func (s *Store) ListCredentialEvents(_ context.Context, credentialID string, limit int) ([]*gateway.CredentialEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*gateway.CredentialEvent
	for i := len(s.credentialEvents) - 1; i >= 0 && len(out) < limit; i-- {
		if e := s.credentialEvents[i]; e.CredentialID == credentialID {
			c := *e
			out = append(out, &c)
		}
	}
	return out, nil
}
