package memory

import (
	"cmp"
	"context"
	"slices"

	"github.com/tollgate-ai/tollgate/gateway"
)

func copyPolicy(p *gateway.RetryPolicy) *gateway.RetryPolicy {
	c := *p
	c.Rules = slices.Clone(p.Rules)
	for i := range c.Rules {
		c.Rules[i].Statuses = slices.Clone(p.Rules[i].Statuses)
		c.Rules[i].Types = slices.Clone(p.Rules[i].Types)
	}
	return &c
}

// PutPolicy creates or replaces the policy with p.Name.
func (s *Store) PutPolicy(_ context.Context, p *gateway.RetryPolicy) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.policies == nil {
		s.policies = make(map[string]*gateway.RetryPolicy)
	}
	s.policies[p.Name] = copyPolicy(p)
	return nil
}

// ListPolicies returns copies of every policy, by name.
func (s *Store) ListPolicies(_ context.Context) ([]*gateway.RetryPolicy, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return listOf(s.policies, nil, copyPolicy, func(a, b *gateway.RetryPolicy) int { return cmp.Compare(a.Name, b.Name) }), nil
}

// DeletePolicy removes a policy. CodeNotFound if there is none.
func (s *Store) DeletePolicy(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.policies[name]; !ok {
		return gateway.Errorf(gateway.CodeNotFound, "retry policy %q not found", name)
	}
	delete(s.policies, name)
	return nil
}
