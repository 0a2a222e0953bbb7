package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/tollgate-ai/tollgate/gateway"
)

// couponRow is a row of coupons.
type couponRow struct {
	bun.BaseModel `bun:"table:coupons"`

	Code           string    `bun:"code,pk"`
	Amount         int64     `bun:"amount"`
	MaxRedemptions int64     `bun:"max_redemptions"`
	Redemptions    int64     `bun:"redemptions"`
	ExpiresAt      time.Time `bun:"expires_at,nullzero"`
	Active         bool      `bun:"active"`
	CreatedAt      time.Time `bun:"created_at,nullzero"`
}

// redemptionRow is one account's redemption of a coupon.
type redemptionRow struct {
	bun.BaseModel `bun:"table:coupon_redemptions"`

	Code      string    `bun:"code,pk"`
	AccountID string    `bun:"account_id,pk"`
	Time      time.Time `bun:"time,nullzero"`
}

func (r *couponRow) coupon() *gateway.Coupon {
	return &gateway.Coupon{Code: r.Code, Amount: gateway.Micros(r.Amount), MaxRedemptions: r.MaxRedemptions,
		Redemptions: r.Redemptions, ExpiresAt: dbTime(r.ExpiresAt), Active: r.Active, CreatedAt: dbTime(r.CreatedAt)}
}

// CreateCoupon stores c. CodeConflict if its code is taken.
func (s *Store) CreateCoupon(ctx context.Context, c *gateway.Coupon) error {
	row := &couponRow{Code: c.Code, Amount: int64(c.Amount), MaxRedemptions: c.MaxRedemptions, Redemptions: c.Redemptions,
		ExpiresAt: dbTime(c.ExpiresAt), Active: c.Active, CreatedAt: dbTime(c.CreatedAt)}
	res, err := s.db.NewInsert().Model(row).On("CONFLICT (code) DO NOTHING").Exec(ctx)
	if err != nil {
		return internal("create coupon", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return gateway.Errorf(gateway.CodeConflict, "coupon %q exists", c.Code)
	}
	return nil
}

// ListCoupons returns every coupon, newest first.
func (s *Store) ListCoupons(ctx context.Context) ([]*gateway.Coupon, error) {
	var rows []couponRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("created_at DESC, code").Scan(ctx); err != nil {
		return nil, internal("list coupons", err)
	}
	out := make([]*gateway.Coupon, len(rows))
	for i := range rows {
		out[i] = rows[i].coupon()
	}
	return out, nil
}

// SetCouponActive changes a coupon's state. CodeNotFound if there is none.
func (s *Store) SetCouponActive(ctx context.Context, code string, active bool) (*gateway.Coupon, error) {
	var row couponRow
	err := s.db.NewUpdate().Model(&row).Set("active = ?", active).Where("code = ?", code).Returning("*").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &gateway.Error{Code: gateway.CodeNotFound, Message: "coupon " + code + " not found"}
	}
	if err != nil {
		return nil, internal("set coupon state", err)
	}
	return row.coupon(), nil
}

// RedeemCoupon redeems code for account and appends entry in one
// transaction: the coupon's row is locked (FOR UPDATE on PostgreSQL) for
// the checks and the count, the redemption's primary key makes a second
// redemption by the account a conflict, and the entry moves the balance
// as AppendEntries does.
func (s *Store) RedeemCoupon(ctx context.Context, code, account string, entry *gateway.LedgerEntry, now time.Time) (*gateway.Coupon, error) {
	var out *gateway.Coupon
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var row couponRow
		q := tx.NewSelect().Model(&row).Where("code = ?", code)
		if s.pg {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		c := row.coupon()
		if err := gateway.CouponUsable(c, now); err != nil {
			return err
		}
		res, err := tx.NewInsert().Model(&redemptionRow{Code: code, AccountID: account, Time: dbTime(now)}).
			On("CONFLICT (code, account_id) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &gateway.Error{Code: gateway.CodeConflict, Field: "code", Message: "this account has redeemed coupon " + code + " already"}
		}
		if _, err := tx.NewUpdate().Model((*couponRow)(nil)).Set("redemptions = redemptions + 1").Where("code = ?", code).Exec(ctx); err != nil {
			return err
		}
		entry.Amount = c.Amount
		if _, err := appendEntry(ctx, tx, entry); err != nil {
			return err
		}
		c.Redemptions++
		out = c
		return nil
	})
	var e *gateway.Error
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, &gateway.Error{Code: gateway.CodeNotFound, Field: "code", Message: "no coupon is called " + code}
	case errors.As(err, &e):
		return nil, e
	case err != nil:
		return nil, internal("redeem coupon", err)
	}
	return out, nil
}
