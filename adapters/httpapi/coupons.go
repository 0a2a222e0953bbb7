package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"github.com/tollgate-ai/tollgate/gateway"
)

type couponJSON struct {
	Code           string         `json:"code"`
	Amount         gateway.Micros `json:"amount"`
	MaxRedemptions int64          `json:"max_redemptions"`
	Redemptions    int64          `json:"redemptions"`
	ExpiresAt      *time.Time     `json:"expires_at"`
	Active         bool           `json:"active"`
	CreatedAt      time.Time      `json:"created_at"`
}

func couponView(c *gateway.Coupon) couponJSON {
	return couponJSON{Code: c.Code, Amount: c.Amount, MaxRedemptions: c.MaxRedemptions, Redemptions: c.Redemptions,
		ExpiresAt: timeOrNil(c.ExpiresAt), Active: c.Active, CreatedAt: c.CreatedAt}
}

// createCoupon serves POST /admin/coupons: amount (micros), and
// optionally code (random when left out), max_redemptions, expires_at.
func (s *Server) createCoupon(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code           string         `json:"code"`
		Amount         gateway.Micros `json:"amount"`
		MaxRedemptions int64          `json:"max_redemptions"`
		ExpiresAt      *time.Time     `json:"expires_at"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	c := &gateway.Coupon{Code: in.Code, Amount: in.Amount, MaxRedemptions: in.MaxRedemptions}
	if in.ExpiresAt != nil {
		c.ExpiresAt = *in.ExpiresAt
	}
	c, err := s.admin.CreateCoupon(r.Context(), c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, couponView(c))
}

func (s *Server) listCoupons(w http.ResponseWriter, r *http.Request) {
	cs, err := s.admin.Coupons(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeList(w, cs, couponView)
}

// setCouponActive serves POST /admin/coupons/{code}/deactivate and
// /activate.
func (s *Server) setCouponActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := s.admin.SetCouponActive(r.Context(), mux.Vars(r)["code"], active)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, couponView(c))
	}
}

// redeemCoupon serves POST /v1/coupons/redeem for the caller's account.
func (s *Server) redeemCoupon(w http.ResponseWriter, r *http.Request, c *gateway.Caller) {
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.gw.RedeemCoupon(r.Context(), c, in.Code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, entryView(e))
}
