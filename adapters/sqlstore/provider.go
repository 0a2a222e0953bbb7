package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// providerRow is a row of the providers table.
type providerRow struct {
	bun.BaseModel `bun:"table:providers"`

	ID        string            `bun:"id,pk"`
	Name      string            `bun:"name"`
	Type      string            `bun:"type"`
	BaseURL   string            `bun:"base_url"`
	Headers   map[string]string `bun:"headers"` // JSON
	Models    []string          `bun:"models"`  // JSON
	Options   map[string]string `bun:"options"` // JSON
	Status    string            `bun:"status"`
	CreatedAt time.Time         `bun:"created_at,nullzero"`
	UpdatedAt time.Time         `bun:"updated_at,nullzero"`
}

func newProviderRow(p *gateway.Provider) *providerRow {
	return &providerRow{
		ID:        p.ID,
		Name:      p.Name,
		Type:      p.Type,
		BaseURL:   p.BaseURL,
		Headers:   maps.Clone(p.Headers),
		Models:    slices.Clone(p.Models),
		Options:   maps.Clone(p.Options),
		Status:    string(p.Status),
		CreatedAt: dbTime(p.CreatedAt),
		UpdatedAt: dbTime(p.UpdatedAt),
	}
}

func (r *providerRow) provider() *gateway.Provider {
	return &gateway.Provider{
		ID:        r.ID,
		Name:      r.Name,
		Type:      r.Type,
		BaseURL:   r.BaseURL,
		Headers:   maps.Clone(r.Headers),
		Models:    slices.Clone(r.Models),
		Options:   maps.Clone(r.Options),
		Status:    gateway.Status(r.Status),
		CreatedAt: dbTime(r.CreatedAt),
		UpdatedAt: dbTime(r.UpdatedAt),
	}
}

// CreateProvider stores p. CodeConflict if its ID or Name is taken.
func (s *Store) CreateProvider(ctx context.Context, p *gateway.Provider) error {
	_, err := s.db.NewInsert().Model(newProviderRow(p)).Exec(ctx)
	if violationOf(err) == uniqueViolation {
		if s.exists(ctx, (*providerRow)(nil), "id", p.ID) {
			return gateway.Errorf(gateway.CodeConflict, "provider %q already exists", p.ID)
		}
		return gateway.Errorf(gateway.CodeConflict, "provider name %q is taken", p.Name)
	}
	if err != nil {
		return internal("create provider", err)
	}
	return nil
}

// GetProvider returns the provider. CodeNotFound if there is none.
func (s *Store) GetProvider(ctx context.Context, id string) (*gateway.Provider, error) {
	var row providerRow
	err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("provider", id)
	}
	if err != nil {
		return nil, internal("get provider", err)
	}
	return row.provider(), nil
}

// ListProviders returns every provider, oldest first (by CreatedAt, then
// ID).
func (s *Store) ListProviders(ctx context.Context) ([]*gateway.Provider, error) {
	var rows []providerRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr(s.oldestFirst()).Scan(ctx); err != nil {
		return nil, internal("list providers", err)
	}
	out := make([]*gateway.Provider, len(rows))
	for i := range rows {
		out[i] = rows[i].provider()
	}
	return out, nil
}

// UpdateProvider applies fn to the stored provider and saves the result,
// in one transaction that holds the provider's row. fn's error aborts the
// update and is returned as is. CodeNotFound if there is no provider (fn
// is not called); CodeConflict if the new Name is taken.
func (s *Store) UpdateProvider(ctx context.Context, id string, fn func(*gateway.Provider) error) (*gateway.Provider, error) {
	var row providerRow
	var out *gateway.Provider
	var fnErr error
	err := update(ctx, s, &row, id, func() error {
		p := row.provider()
		if fnErr = fn(p); fnErr != nil {
			return fnErr
		}
		p.ID = id
		row = *newProviderRow(p)
		out = row.provider()
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case fnErr != nil:
		return nil, fnErr
	case errors.Is(err, sql.ErrNoRows):
		return nil, notFound("provider", id)
	case violationOf(err) == uniqueViolation:
		return nil, gateway.Errorf(gateway.CodeConflict, "provider name %q is taken", out.Name)
	}
	return nil, internal("update provider", err)
}

// DeleteProvider removes the provider; the database's ON DELETE CASCADE
// removes its credentials and bindings in the same statement.
// CodeNotFound if there is none.
func (s *Store) DeleteProvider(ctx context.Context, id string) error {
	ok, err := s.deleteByID(ctx, (*providerRow)(nil), "id", id)
	if err != nil {
		return internal("delete provider", err)
	}
	if !ok {
		return notFound("provider", id)
	}
	return nil
}
