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

// keyRow is a row of the keys table.
type keyRow struct {
	bun.BaseModel `bun:"table:keys"`

	ID         string      `bun:"id,pk"`
	AccountID  string      `bun:"account_id"`
	Name       string      `bun:"name"`
	Prefix     string      `bun:"prefix"`
	Digest     string      `bun:"digest"`
	Status     string      `bun:"status"`
	Epoch      int64       `bun:"epoch"`
	Models     []string    `bun:"models"` // JSON
	Namespace  string      `bun:"namespace"`
	Limits     *limitsJSON `bun:"limits"`      // JSON
	Budget     *budgetJSON `bun:"budget"`      // JSON
	Namespaces []string    `bun:"namespaces"`  // JSON
	AllowedIPs []string    `bun:"allowed_ips"` // JSON
	Master     bool        `bun:"master"`
	IssuedBy   string      `bun:"issued_by"`
	ExpiresAt  time.Time   `bun:"expires_at,nullzero"`
	CreatedAt  time.Time   `bun:"created_at,nullzero"`
	RevokedAt  time.Time   `bun:"revoked_at,nullzero"`
}

func newKeyRow(k *gateway.Key) *keyRow {
	return &keyRow{
		ID:         k.ID,
		AccountID:  k.AccountID,
		Name:       k.Name,
		Prefix:     k.Prefix,
		Digest:     k.Digest,
		Status:     string(k.Status),
		Epoch:      k.Epoch,
		Models:     slices.Clone(k.Models),
		Namespace:  k.Namespace,
		Limits:     limitsRow(k.Limits),
		Budget:     budgetRow(k.Budget),
		Namespaces: slices.Clone(k.Namespaces),
		AllowedIPs: slices.Clone(k.AllowedIPs),
		Master:     k.Master,
		IssuedBy:   k.IssuedBy,
		ExpiresAt:  dbTime(k.ExpiresAt),
		CreatedAt:  dbTime(k.CreatedAt),
		RevokedAt:  dbTime(k.RevokedAt),
	}
}

func (r *keyRow) key() *gateway.Key {
	return &gateway.Key{
		ID:         r.ID,
		AccountID:  r.AccountID,
		Name:       r.Name,
		Prefix:     r.Prefix,
		Digest:     r.Digest,
		Status:     gateway.Status(r.Status),
		Epoch:      r.Epoch,
		Models:     slices.Clone(r.Models),
		Namespace:  r.Namespace,
		Limits:     r.Limits.limits(),
		Budget:     r.Budget.budget(),
		Namespaces: slices.Clone(r.Namespaces),
		AllowedIPs: slices.Clone(r.AllowedIPs),
		Master:     r.Master,
		IssuedBy:   r.IssuedBy,
		ExpiresAt:  dbTime(r.ExpiresAt),
		CreatedAt:  dbTime(r.CreatedAt),
		RevokedAt:  dbTime(r.RevokedAt),
	}
}

// CreateKey stores k. CodeConflict if its ID or Digest is taken;
// CodeNotFound if its account does not exist. When several apply, the
// code is the one the memory Store gives: a taken ID first, then a
// missing account, then a taken Digest.
func (s *Store) CreateKey(ctx context.Context, k *gateway.Key) error {
	_, err := s.db.NewInsert().Model(newKeyRow(k)).Exec(ctx)
	switch violationOf(err) {
	case uniqueViolation:
		// The database reports the unique index first; look again to
		// give the answer in the documented order.
		if s.exists(ctx, (*keyRow)(nil), "id", k.ID) {
			return gateway.Errorf(gateway.CodeConflict, "key %q already exists", k.ID)
		}
		if !s.exists(ctx, (*accountRow)(nil), "id", k.AccountID) {
			return notFound("account", k.AccountID)
		}
		return gateway.Errorf(gateway.CodeConflict, "key digest is taken")
	case foreignKeyViolation:
		return notFound("account", k.AccountID)
	}
	if err != nil {
		return internal("create key", err)
	}
	return nil
}

// GetKey returns the key. CodeNotFound if there is none.
func (s *Store) GetKey(ctx context.Context, id string) (*gateway.Key, error) {
	var row keyRow
	err := s.db.NewSelect().Model(&row).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("key", id)
	}
	if err != nil {
		return nil, internal("get key", err)
	}
	return row.key(), nil
}

// ListKeys returns the keys that match f, oldest first (by CreatedAt,
// then ID).
func (s *Store) ListKeys(ctx context.Context, f gateway.KeyFilter) ([]*gateway.Key, error) {
	var rows []keyRow
	q := s.db.NewSelect().Model(&rows).OrderExpr(s.oldestFirst())
	if f.AccountID != "" {
		q = q.Where("account_id = ?", f.AccountID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, internal("list keys", err)
	}
	out := make([]*gateway.Key, len(rows))
	for i := range rows {
		out[i] = rows[i].key()
	}
	return out, nil
}

// UpdateKey applies fn to the stored key and saves the result, in one
// transaction that holds the key's row. fn's error aborts the update
// and is returned as is. CodeNotFound if there is no key (fn is not
// called) or if fn moved it to an account that does not exist;
// CodeConflict if fn gave it a Digest another key has.
func (s *Store) UpdateKey(ctx context.Context, id string, fn func(*gateway.Key) error) (*gateway.Key, error) {
	var row keyRow
	var out *gateway.Key
	var fnErr error
	err := update(ctx, s, &row, id, func() error {
		k := row.key()
		if fnErr = fn(k); fnErr != nil {
			return fnErr
		}
		k.ID = id
		row = *newKeyRow(k)
		out = row.key()
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case fnErr != nil:
		return nil, fnErr
	case errors.Is(err, sql.ErrNoRows):
		return nil, notFound("key", id)
	case violationOf(err) == uniqueViolation:
		return nil, gateway.Errorf(gateway.CodeConflict, "key digest is taken")
	case violationOf(err) == foreignKeyViolation:
		return nil, notFound("account", out.AccountID)
	}
	return nil, internal("update key", err)
}
