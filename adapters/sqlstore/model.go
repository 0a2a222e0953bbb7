package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// modelRow is a row of the models table, keyed by name.
type modelRow struct {
	bun.BaseModel `bun:"table:models"`

	Name             string    `bun:"name,pk"`
	Aliases          []string  `bun:"aliases"` // JSON
	InputPrice       int64     `bun:"input_price"`
	CachedInputPrice int64     `bun:"cached_input_price"`
	OutputPrice      int64     `bun:"output_price"`
	CacheWritePrice  int64     `bun:"cache_write_price"`
	ReasoningPrice   int64     `bun:"reasoning_price"`
	RequestPrice     int64     `bun:"request_price"`
	MaxOutput        int64     `bun:"max_output"`
	OwnedBy          string    `bun:"owned_by"`
	CreatedAt        time.Time `bun:"created_at,nullzero"`
	UpdatedAt        time.Time `bun:"updated_at,nullzero"`
}

func newModelRow(m *gateway.Model) *modelRow {
	return &modelRow{
		Name:             m.Name,
		Aliases:          slices.Clone(m.Aliases),
		InputPrice:       int64(m.Prices.Input),
		CachedInputPrice: int64(m.Prices.CachedInput),
		OutputPrice:      int64(m.Prices.Output),
		CacheWritePrice:  int64(m.Prices.CacheWrite),
		ReasoningPrice:   int64(m.Prices.Reasoning),
		RequestPrice:     int64(m.Prices.PerRequest),
		MaxOutput:        m.MaxOutput,
		OwnedBy:          m.OwnedBy,
		CreatedAt:        dbTime(m.CreatedAt),
		UpdatedAt:        dbTime(m.UpdatedAt),
	}
}

func (r *modelRow) model() *gateway.Model {
	return &gateway.Model{
		Name:    r.Name,
		Aliases: slices.Clone(r.Aliases),
		Prices: gateway.Prices{
			Input:       gateway.Micros(r.InputPrice),
			CachedInput: gateway.Micros(r.CachedInputPrice),
			Output:      gateway.Micros(r.OutputPrice),
			CacheWrite:  gateway.Micros(r.CacheWritePrice),
			Reasoning:   gateway.Micros(r.ReasoningPrice),
			PerRequest:  gateway.Micros(r.RequestPrice),
		},
		MaxOutput: r.MaxOutput,
		OwnedBy:   r.OwnedBy,
		CreatedAt: dbTime(r.CreatedAt),
		UpdatedAt: dbTime(r.UpdatedAt),
	}
}

// PutModel creates or replaces, every field, the model with m.Name, in
// one statement (INSERT ... ON CONFLICT DO UPDATE).
func (s *Store) PutModel(ctx context.Context, m *gateway.Model) error {
	_, err := s.db.NewInsert().Model(newModelRow(m)).
		On("CONFLICT (name) DO UPDATE").
		Set("aliases = EXCLUDED.aliases").
		Set("input_price = EXCLUDED.input_price").
		Set("cached_input_price = EXCLUDED.cached_input_price").
		Set("output_price = EXCLUDED.output_price").
		Set("cache_write_price = EXCLUDED.cache_write_price").
		Set("reasoning_price = EXCLUDED.reasoning_price").
		Set("request_price = EXCLUDED.request_price").
		Set("max_output = EXCLUDED.max_output").
		Set("owned_by = EXCLUDED.owned_by").
		Set("created_at = EXCLUDED.created_at").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return internal("put model", err)
	}
	return nil
}

// GetModel returns the model named name. CodeNotFound if there is none;
// aliases are not names.
func (s *Store) GetModel(ctx context.Context, name string) (*gateway.Model, error) {
	var row modelRow
	err := s.db.NewSelect().Model(&row).Where("name = ?", name).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("model", name)
	}
	if err != nil {
		return nil, internal("get model", err)
	}
	return row.model(), nil
}

// ListModels returns every model, by name (byte order).
func (s *Store) ListModels(ctx context.Context) ([]*gateway.Model, error) {
	var rows []modelRow
	if err := s.db.NewSelect().Model(&rows).Order("name").Scan(ctx); err != nil {
		return nil, internal("list models", err)
	}
	out := make([]*gateway.Model, len(rows))
	for i := range rows {
		out[i] = rows[i].model()
	}
	return out, nil
}

// DeleteModel removes the model. CodeNotFound if there is none.
func (s *Store) DeleteModel(ctx context.Context, name string) error {
	ok, err := s.deleteByID(ctx, (*modelRow)(nil), "name", name)
	if err != nil {
		return internal("delete model", err)
	}
	if !ok {
		return notFound("model", name)
	}
	return nil
}
