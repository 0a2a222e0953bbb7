package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// policyRow is a row of retry_policies; the rules are JSON.
type policyRow struct {
	bun.BaseModel `bun:"table:retry_policies"`

	Name      string     `bun:"name,pk"`
	ID        string     `bun:"id"`
	Priority  int        `bun:"priority"`
	Rules     []ruleJSON `bun:"rules"`
	CreatedAt time.Time  `bun:"created_at,nullzero"`
	UpdatedAt time.Time  `bun:"updated_at,nullzero"`
}

// ruleJSON is a gateway.RetryRule as stored.
type ruleJSON struct {
	Statuses     []int    `json:"statuses,omitempty"`
	Types        []string `json:"types,omitempty"`
	Contains     string   `json:"contains,omitempty"`
	Regexp       string   `json:"regexp,omitempty"`
	Action       string   `json:"action"`
	MaxRetries   int      `json:"max_retries,omitempty"`
	BackoffNS    int64    `json:"backoff_ns,omitempty"`
	DisableForNS int64    `json:"disable_for_ns,omitempty"`
}

// PutPolicy creates or replaces the policy with p.Name.
func (s *Store) PutPolicy(ctx context.Context, p *gateway.RetryPolicy) error {
	row := &policyRow{Name: p.Name, ID: p.ID, Priority: p.Priority, CreatedAt: dbTime(p.CreatedAt), UpdatedAt: dbTime(p.UpdatedAt)}
	for _, r := range p.Rules {
		row.Rules = append(row.Rules, ruleJSON{Statuses: r.Statuses, Types: r.Types, Contains: r.Contains, Regexp: r.Regexp,
			Action: r.Action, MaxRetries: r.MaxRetries, BackoffNS: int64(r.Backoff), DisableForNS: int64(r.DisableFor)})
	}
	_, err := s.db.NewInsert().Model(row).On("CONFLICT (name) DO UPDATE").
		Set("id = EXCLUDED.id").Set("priority = EXCLUDED.priority").Set("rules = EXCLUDED.rules").
		Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return internal("put retry policy", err)
	}
	return nil
}

// ListPolicies returns every policy, by name.
func (s *Store) ListPolicies(ctx context.Context) ([]*gateway.RetryPolicy, error) {
	var rows []policyRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("name").Scan(ctx); err != nil {
		return nil, internal("list retry policies", err)
	}
	out := make([]*gateway.RetryPolicy, len(rows))
	for i, r := range rows {
		p := &gateway.RetryPolicy{Name: r.Name, ID: r.ID, Priority: r.Priority, CreatedAt: dbTime(r.CreatedAt), UpdatedAt: dbTime(r.UpdatedAt)}
		for _, x := range r.Rules {
			p.Rules = append(p.Rules, gateway.RetryRule{Statuses: x.Statuses, Types: x.Types, Contains: x.Contains, Regexp: x.Regexp,
				Action: x.Action, MaxRetries: x.MaxRetries, Backoff: time.Duration(x.BackoffNS), DisableFor: time.Duration(x.DisableForNS)})
		}
		out[i] = p
	}
	return out, nil
}

// DeletePolicy removes a policy. CodeNotFound if there is none.
func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	ok, err := s.deleteByID(ctx, (*policyRow)(nil), "name", name)
	if err != nil {
		return internal("delete retry policy", err)
	}
	if !ok {
		return notFound("retry policy", name)
	}
	return nil
}
