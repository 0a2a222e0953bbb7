package memory

import (
	"cmp"
	"context"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// coupons keeps the coupons by code and who redeemed them.
type coupons struct {
	byCode   map[string]*gateway.Coupon
	redeemed map[string]bool // code + "\x00" + account
}

// CreateCoupon stores a copy of c. CodeConflict if its code is taken.
func (s *Store) CreateCoupon(_ context.Context, c *gateway.Coupon) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.coupons.byCode == nil {
		s.coupons.byCode = make(map[string]*gateway.Coupon)
		s.coupons.redeemed = make(map[string]bool)
	}
	if _, ok := s.coupons.byCode[c.Code]; ok {
		return gateway.Errorf(gateway.CodeConflict, "coupon %q exists", c.Code)
	}
	cp := *c
	s.coupons.byCode[c.Code] = &cp
	return nil
}

// ListCoupons returns copies of every coupon, newest first.
func (s *Store) ListCoupons(_ context.Context) ([]*gateway.Coupon, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return listOf(s.coupons.byCode, nil, func(c *gateway.Coupon) *gateway.Coupon { cp := *c; return &cp },
		func(a, b *gateway.Coupon) int {
			if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
				return c
			}
			return cmp.Compare(a.Code, b.Code)
		}), nil
}

// SetCouponActive changes a coupon's state. CodeNotFound if there is none.
func (s *Store) SetCouponActive(_ context.Context, code string, active bool) (*gateway.Coupon, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.coupons.byCode[code]
	if !ok {
		return nil, gateway.Errorf(gateway.CodeNotFound, "coupon %q not found", code)
	}
	c.Active = active
	cp := *c
	return &cp, nil
}

// RedeemCoupon redeems and appends the entry under one lock; see
// gateway.CouponStore.
func (s *Store) RedeemCoupon(_ context.Context, code, account string, entry *gateway.LedgerEntry, now time.Time) (*gateway.Coupon, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.coupons.byCode[code]
	if !ok {
		return nil, &gateway.Error{Code: gateway.CodeNotFound, Field: "code", Message: "no coupon is called " + code}
	}
	if err := gateway.CouponUsable(c, now); err != nil {
		return nil, err
	}
	mark := code + "\x00" + account
	if s.coupons.redeemed[mark] {
		return nil, &gateway.Error{Code: gateway.CodeConflict, Field: "code", Message: "this account has redeemed coupon " + code + " already"}
	}
	s.coupons.redeemed[mark] = true
	c.Redemptions++
	entry.Amount = c.Amount
	s.appendLocked(entry)
	cp := *c
	return &cp, nil
}
