package gateway

import (
	"context"
	"crypto/rand"
	"regexp"
	"strings"
	"time"
)

// Coupon is a code an account redeems for credits, once per account.
type Coupon struct {
	// Code is what accounts redeem: letters, digits, '-' and '_', kept
	// upper case.
	Code   string
	Amount Micros
	// MaxRedemptions caps how many accounts may redeem it; 0 means no cap.
	MaxRedemptions int64
	Redemptions    int64
	// ExpiresAt ends it; zero means never.
	ExpiresAt time.Time
	Active    bool
	CreatedAt time.Time
}

var couponCode = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{3,63}$`)

// Validate reports the first field at fault as a CodeInvalid error.
func (c *Coupon) Validate() error {
	switch {
	case !couponCode.MatchString(c.Code):
		return Invalid("code", "code must be 4-64 letters, digits, '-' or '_'")
	case c.Amount <= 0:
		return Invalid("amount", "amount must be positive")
	case c.MaxRedemptions < 0:
		return Invalid("max_redemptions", "max_redemptions must not be negative")
	}
	return nil
}

// CouponUsable reports, as CodeInvalid with Field "code", why c cannot
// be redeemed at now: inactive, expired or used up. Stores call it.
func CouponUsable(c *Coupon, now time.Time) error {
	switch {
	case !c.Active:
		return Invalid("code", "coupon %s is not active", c.Code)
	case !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt):
		return Invalid("code", "coupon %s expired", c.Code)
	case c.MaxRedemptions > 0 && c.Redemptions >= c.MaxRedemptions:
		return Invalid("code", "coupon %s has been used up", c.Code)
	}
	return nil
}

// CouponEntryID is the ID of the ledger entry of an account's redemption
// of a coupon: one per account and coupon.
func CouponEntryID(code, account string) string { return "coupon:" + code + ":" + account }

// CouponStore keeps coupons and their redemptions.
type CouponStore interface {
	// CreateCoupon stores c. CodeConflict if its code is taken.
	CreateCoupon(ctx context.Context, c *Coupon) error
	// ListCoupons returns every coupon, newest first.
	ListCoupons(ctx context.Context) ([]*Coupon, error)
	// SetCouponActive activates or deactivates a coupon. CodeNotFound if
	// there is none.
	SetCouponActive(ctx context.Context, code string, active bool) (*Coupon, error)
	// RedeemCoupon redeems code for account at now and appends entry, its
	// ledger entry, in the same transaction, setting its Amount to the
	// coupon's and its BalanceAfter. CodeNotFound for an unknown code; CodeInvalid
	// (Field "code") when the coupon is inactive, expired or used up;
	// CodeConflict when the account redeemed it before.
	RedeemCoupon(ctx context.Context, code, account string, entry *LedgerEntry, now time.Time) (*Coupon, error)
}

// CreateCoupon creates a coupon; an empty code gets a random one. The
// coupon is active. Errors as Coupon.Validate and CouponStore.
func (a *Admin) CreateCoupon(ctx context.Context, c *Coupon) (*Coupon, error) {
	if c.Code == "" {
		c.Code = randomCouponCode()
	}
	c.Code = strings.ToUpper(c.Code)
	c.Active, c.Redemptions, c.CreatedAt = true, 0, a.g.clock.Now()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := a.g.store.CreateCoupon(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Coupons lists every coupon with its redemption count.
func (a *Admin) Coupons(ctx context.Context) ([]*Coupon, error) { return a.g.store.ListCoupons(ctx) }

// SetCouponActive activates or deactivates a coupon.
func (a *Admin) SetCouponActive(ctx context.Context, code string, active bool) (*Coupon, error) {
	return a.g.store.SetCouponActive(ctx, strings.ToUpper(code), active)
}

// RedeemCoupon credits c's account with a coupon, once: the redemption
// and its ledger entry are one transaction in the Store; the balance in
// the Cache follows (retried until it takes it). Errors as
// CouponStore.RedeemCoupon.
func (g *Gateway) RedeemCoupon(ctx context.Context, c *Caller, code string) (*LedgerEntry, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "" {
		return nil, Invalid("code", "code is required")
	}
	e := &LedgerEntry{ID: CouponEntryID(code, c.Account.ID), AccountID: c.Account.ID, Kind: EntryCoupon,
		Actor: "account:" + c.Account.ID, Reason: "coupon " + code, Time: g.clock.Now()}
	var cp *Coupon
	err := g.biller.writeCredit(ctx, c.Account.ID, e.ID, func() (Micros, error) {
		var err error
		if cp, err = g.store.RedeemCoupon(ctx, code, c.Account.ID, e, e.Time); err != nil {
			return 0, err
		}
		return cp.Amount, nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// randomCouponCode returns 12 characters that are hard to guess and easy
// to read aloud (no 0/O, 1/I).
func randomCouponCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
