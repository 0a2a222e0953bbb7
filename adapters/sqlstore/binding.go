package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// bindingRow is a row of the bindings table.
type bindingRow struct {
	bun.BaseModel `bun:"table:bindings"`

	ID            string    `bun:"id,pk"`
	Namespace     string    `bun:"namespace"`
	Model         string    `bun:"model"`
	ProviderID    string    `bun:"provider_id"`
	UpstreamModel string    `bun:"upstream_model"`
	Priority      int       `bun:"priority"`
	Weight        int       `bun:"weight"`
	CreatedAt     time.Time `bun:"created_at,nullzero"`
}

func newBindingRow(b *gateway.Binding) *bindingRow {
	return &bindingRow{
		ID:            b.ID,
		Namespace:     b.Namespace,
		Model:         b.Model,
		ProviderID:    b.ProviderID,
		UpstreamModel: b.UpstreamModel,
		Priority:      b.Priority,
		Weight:        b.Weight,
		CreatedAt:     dbTime(b.CreatedAt),
	}
}

func (r *bindingRow) binding() *gateway.Binding {
	return &gateway.Binding{
		ID:            r.ID,
		Namespace:     r.Namespace,
		Model:         r.Model,
		ProviderID:    r.ProviderID,
		UpstreamModel: r.UpstreamModel,
		Priority:      r.Priority,
		Weight:        r.Weight,
		CreatedAt:     dbTime(r.CreatedAt),
	}
}

// CreateBinding stores b. CodeConflict if its ID is taken; CodeNotFound
// if its provider does not exist.
func (s *Store) CreateBinding(ctx context.Context, b *gateway.Binding) error {
	_, err := s.db.NewInsert().Model(newBindingRow(b)).Exec(ctx)
	switch violationOf(err) {
	case uniqueViolation:
		return gateway.Errorf(gateway.CodeConflict, "binding %q already exists", b.ID)
	case foreignKeyViolation:
		return notFound("provider", b.ProviderID)
	}
	if err != nil {
		return internal("create binding", err)
	}
	return nil
}

// ListBindings returns every binding, oldest first (by CreatedAt, then
// ID).
func (s *Store) ListBindings(ctx context.Context) ([]*gateway.Binding, error) {
	var rows []bindingRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr(s.oldestFirst()).Scan(ctx); err != nil {
		return nil, internal("list bindings", err)
	}
	out := make([]*gateway.Binding, len(rows))
	for i := range rows {
		out[i] = rows[i].binding()
	}
	return out, nil
}

// DeleteBinding removes the binding. CodeNotFound if there is none.
func (s *Store) DeleteBinding(ctx context.Context, id string) error {
	ok, err := s.deleteByID(ctx, (*bindingRow)(nil), "id", id)
	if err != nil {
		return internal("delete binding", err)
	}
	if !ok {
		return notFound("binding", id)
	}
	return nil
}
