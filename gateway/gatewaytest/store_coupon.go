package gatewaytest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func newCoupon(code string, max int64) *gateway.Coupon {
	return &gateway.Coupon{Code: code, Amount: 2500, MaxRedemptions: max, ExpiresAt: at(3600), Active: true, CreatedAt: at(0)}
}

func redeem(t *testing.T, s gateway.Store, code, account string, sec int) (*gateway.LedgerEntry, error) {
	t.Helper()
	e := &gateway.LedgerEntry{ID: gateway.CouponEntryID(code, account), AccountID: account, Kind: gateway.EntryCoupon, Time: at(sec)}
	_, err := s.RedeemCoupon(t.Context(), code, account, e, at(sec))
	return e, err
}

func testCoupons(t *testing.T, newStore storeFactory) {
	run(t, "CreateListDeactivate", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.NoErr(s.CreateCoupon(t.Context(), newCoupon("WELCOME", 10)))
		is.Equal(gateway.ErrorCode(s.CreateCoupon(t.Context(), newCoupon("WELCOME", 1))), gateway.CodeConflict)
		cs, err := s.ListCoupons(t.Context())
		is.NoErr(err)
		is.Equal(len(cs), 1)
		got := *cs[0]
		got.ExpiresAt, got.CreatedAt = normTime(got.ExpiresAt), normTime(got.CreatedAt)
		want := *newCoupon("WELCOME", 10)
		want.ExpiresAt, want.CreatedAt = normTime(want.ExpiresAt), normTime(want.CreatedAt)
		is.Equal(got, want) // every field round-trips
		c, err := s.SetCouponActive(t.Context(), "WELCOME", false)
		is.NoErr(err)
		is.True(!c.Active)
		_, err = s.SetCouponActive(t.Context(), "NOPE", false)
		is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
	})
	run(t, "RedeemOncePerAccount", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.NoErr(s.CreateCoupon(t.Context(), newCoupon("WELCOME", 10)))
		e, err := redeem(t, s, "WELCOME", "acc_a", 10)
		is.NoErr(err)
		is.Equal(e.Amount, gateway.Micros(2500))
		is.Equal(e.BalanceAfter, gateway.Micros(2500))
		_, err = redeem(t, s, "WELCOME", "acc_a", 11)
		is.Equal(gateway.ErrorCode(err), gateway.CodeConflict)
		bs, err := s.Balances(t.Context())
		is.NoErr(err)
		is.Equal(bs["acc_a"], gateway.Micros(2500)) // credited once
		cs, _ := s.ListCoupons(t.Context())
		is.Equal(cs[0].Redemptions, int64(1))
	})
	run(t, "RedeemRefusals", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.NoErr(s.CreateCoupon(t.Context(), newCoupon("ONCE", 1)))
		_, err := redeem(t, s, "ONCE", "acc_a", 10)
		is.NoErr(err)
		_, err = redeem(t, s, "ONCE", "acc_b", 10)
		is.Equal(gateway.AsError(err).Field, "code") // used up
		is.NoErr(s.CreateCoupon(t.Context(), newCoupon("LATE", 0)))
		_, err = redeem(t, s, "LATE", "acc_a", 3600)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid) // expired
		_, err = redeem(t, s, "MISSING", "acc_a", 10)
		is.Equal(gateway.ErrorCode(err), gateway.CodeNotFound)
		_, err = s.SetCouponActive(t.Context(), "LATE", false)
		is.NoErr(err)
		_, err = redeem(t, s, "LATE", "acc_c", 10)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid) // inactive
	})
	run(t, "ConcurrentRedemptionsRespectTheCap", newStore, func(t *testing.T, is *is.I, s gateway.Store) {
		is.NoErr(s.CreateCoupon(t.Context(), newCoupon("RUSH", 5)))
		var ok atomic.Int64
		errs := race(20, func(i int) error {
			_, err := redeem(t, s, "RUSH", fmt.Sprint("acc_", i), 10)
			if err == nil {
				ok.Add(1)
				return nil
			}
			if gateway.ErrorCode(err) == gateway.CodeInvalid {
				return nil // used up
			}
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		is.Equal(ok.Load(), int64(5))
	})
}
