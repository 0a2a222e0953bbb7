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

// accountRow is a row of the accounts table.
type accountRow struct {
	bun.BaseModel `bun:"table:accounts"`

	ID               string      `bun:"id,pk"`
	Name             string      `bun:"name"`
	Status           string      `bun:"status"`
	DefaultNamespace string      `bun:"default_namespace"`
	Namespaces       []string    `bun:"namespaces"` // JSON
	Limits           *limitsJSON `bun:"limits"`     // JSON
	Budget           *budgetJSON `bun:"budget"`     // JSON
	Epoch            int64       `bun:"epoch"`
	Prepaid          bool        `bun:"prepaid"`
	CreatedAt        time.Time   `bun:"created_at,nullzero"`
	UpdatedAt        time.Time   `bun:"updated_at,nullzero"`
}

func newAccountRow(a *gateway.Account) *accountRow {
	return &accountRow{
		ID:               a.ID,
		Name:             a.Name,
		Status:           string(a.Status),
		DefaultNamespace: a.DefaultNamespace,
		Namespaces:       slices.Clone(a.Namespaces),
		Limits:           limitsRow(a.Limits),
		Budget:           budgetRow(a.Budget),
		Epoch:            a.Epoch,
		Prepaid:          a.Prepaid,
		CreatedAt:        dbTime(a.CreatedAt),
		UpdatedAt:        dbTime(a.UpdatedAt),
	}
}

func (r *accountRow) account() *gateway.Account {
	return &gateway.Account{
		ID:               r.ID,
		Name:             r.Name,
		Status:           gateway.Status(r.Status),
		DefaultNamespace: r.DefaultNamespace,
		Namespaces:       slices.Clone(r.Namespaces),
		Limits:           r.Limits.limits(),
		Budget:           r.Budget.budget(),
		Epoch:            r.Epoch,
		Prepaid:          r.Prepaid,
		CreatedAt:        dbTime(r.CreatedAt),
		UpdatedAt:        dbTime(r.UpdatedAt),
	}
}

// CreateAccount stores a. CodeConflict if its ID or Name is taken.
func (s *Store) CreateAccount(ctx context.Context, a *gateway.Account) error {
	_, err := s.db.NewInsert().Model(newAccountRow(a)).Exec(ctx)
	if violationOf(err) == uniqueViolation {
		if s.exists(ctx, (*accountRow)(nil), "id", a.ID) {
			return gateway.Errorf(gateway.CodeConflict, "account %q already exists", a.ID)
		}
		return gateway.Errorf(gateway.CodeConflict, "account name %q is taken", a.Name)
	}
	if err != nil {
		return internal("create account", err)
	}
	return nil
}

// GetAccount returns the account. CodeNotFound if there is none.
func (s *Store) GetAccount(ctx context.Context, id string) (*gateway.Account, error) {
	var row accountRow
	err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("account", id)
	}
	if err != nil {
		return nil, internal("get account", err)
	}
	return row.account(), nil
}

// ListAccounts returns every account, oldest first (by CreatedAt, then
// ID).
func (s *Store) ListAccounts(ctx context.Context) ([]*gateway.Account, error) {
	var rows []accountRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr(s.oldestFirst()).Scan(ctx); err != nil {
		return nil, internal("list accounts", err)
	}
	out := make([]*gateway.Account, len(rows))
	for i := range rows {
		out[i] = rows[i].account()
	}
	return out, nil
}

// UpdateAccount applies fn to the stored account and saves the result,
// in one transaction that holds the account's row. fn's error aborts the
// update and is returned as is. CodeNotFound if there is no account (fn
// is not called); CodeConflict if the new Name is taken.
func (s *Store) UpdateAccount(ctx context.Context, id string, fn func(*gateway.Account) error) (*gateway.Account, error) {
	var row accountRow
	var out *gateway.Account
	var fnErr error
	err := update(ctx, s, &row, id, func() error {
		a := row.account()
		if fnErr = fn(a); fnErr != nil {
			return fnErr
		}
		a.ID = id
		row = *newAccountRow(a)
		out = row.account()
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case fnErr != nil:
		return nil, fnErr
	case errors.Is(err, sql.ErrNoRows):
		return nil, notFound("account", id)
	case violationOf(err) == uniqueViolation:
		return nil, gateway.Errorf(gateway.CodeConflict, "account name %q is taken", out.Name)
	}
	return nil, internal("update account", err)
}
