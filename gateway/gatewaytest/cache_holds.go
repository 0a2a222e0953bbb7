package gatewaytest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func testCacheHolds(t *testing.T, newCache cacheFactory) {
	runCache(t, "ReserveWithinLimit", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		r, err := c.Reserve(t.Context(), acct, "req-1", 60, 100, time.Minute)
		is.NoErr(err)
		is.Equal(r, gateway.Reservation{Granted: true, Held: 60})
		r, err = c.Reserve(t.Context(), acct, "req-2", 50, 100, time.Minute)
		is.NoErr(err)
		is.Equal(r, gateway.Reservation{Granted: false, Held: 60}) // 60 + 50 > 100: refused, nothing held
		r, err = c.Reserve(t.Context(), acct, "req-3", 40, 100, time.Minute)
		is.NoErr(err)
		is.Equal(r, gateway.Reservation{Granted: true, Held: 100}) // exactly the limit fits
		held, err := c.Held(t.Context(), acct)
		is.NoErr(err)
		is.Equal(held, gateway.Micros(100))
	})
	runCache(t, "ReserveIsIdempotent", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		for range 3 {
			r, err := c.Reserve(t.Context(), acct, "req-1", 30, 100, time.Minute)
			is.NoErr(err)
			is.Equal(r, gateway.Reservation{Granted: true, Held: 30}) // a retry holds once
		}
	})
	runCache(t, "AccountsAreApart", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		a, b := cacheKey(t, c, "a"), cacheKey(t, c, "b")
		_, err := c.Reserve(t.Context(), a, "req-1", 90, 100, time.Minute)
		is.NoErr(err)
		r, err := c.Reserve(t.Context(), b, "req-1", 90, 100, time.Minute)
		is.NoErr(err)
		is.Equal(r, gateway.Reservation{Granted: true, Held: 90})
	})
	runCache(t, "Release", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		_, err := c.Reserve(t.Context(), acct, "req-1", 70, 100, time.Minute)
		is.NoErr(err)
		amount, found, err := c.Release(t.Context(), acct, "req-1")
		is.NoErr(err)
		is.True(found)
		is.Equal(amount, gateway.Micros(70))
		_, found, err = c.Release(t.Context(), acct, "req-1")
		is.NoErr(err)
		is.True(!found) // released once only
		held, err := c.Held(t.Context(), acct)
		is.NoErr(err)
		is.Equal(held, gateway.Micros(0))
		r, err := c.Reserve(t.Context(), acct, "req-2", 100, 100, time.Minute)
		is.NoErr(err)
		is.True(r.Granted) // the released amount is free again
	})
	runCache(t, "ReleaseMissing", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		_, found, err := c.Release(t.Context(), cacheKey(t, c, "acct"), "never")
		is.NoErr(err)
		is.True(!found)
	})
	runCache(t, "HoldsLapse", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		_, err := c.Reserve(t.Context(), acct, "short", 80, 100, 50*time.Millisecond)
		is.NoErr(err)
		_, err = c.Reserve(t.Context(), acct, "long", 10, 100, time.Minute)
		is.NoErr(err)
		is.True(eventually(func() bool {
			held, err := c.Held(t.Context(), acct)
			return err == nil && held == 10
		})) // a lapsed hold stops counting
		_, found, err := c.Release(t.Context(), acct, "short")
		is.NoErr(err)
		is.True(!found)
	})
	runCache(t, "ErrInvalid", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		_, err := c.Reserve(t.Context(), acct, "r", 0, 100, time.Minute)
		is.Equal(codeOf(err), gateway.CodeInvalid)
		_, err = c.Reserve(t.Context(), acct, "r", 10, 100, 0)
		is.Equal(codeOf(err), gateway.CodeInvalid)
	})
	runCache(t, "ConcurrentNeverOverdraws", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		var granted atomic.Int64
		errs := race(50, func(i int) error {
			r, err := c.Reserve(t.Context(), acct, fmt.Sprintf("req-%d", i), 10, 100, time.Minute)
			if r.Granted {
				granted.Add(1)
			}
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		is.Equal(granted.Load(), int64(10)) // exactly what the limit allows
		held, err := c.Held(t.Context(), acct)
		is.NoErr(err)
		is.Equal(held, gateway.Micros(100))
	})
}

func testCacheOutcomes(t *testing.T, newCache cacheFactory) {
	runCache(t, "Accumulate", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "provider")
		o, err := c.AddOutcomes(t.Context(), k, 3, 1, time.Minute)
		is.NoErr(err)
		is.Equal(o, gateway.Outcomes{Successes: 3, Failures: 1})
		o, err = c.AddOutcomes(t.Context(), k, 2, 4, time.Minute)
		is.NoErr(err)
		is.Equal(o, gateway.Outcomes{Successes: 5, Failures: 5})
		o, err = c.AddOutcomes(t.Context(), k, 0, 0, time.Minute)
		is.NoErr(err)
		is.Equal(o, gateway.Outcomes{Successes: 5, Failures: 5}) // zeros only read
	})
	runCache(t, "KeysAreApart", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		a, b := cacheKey(t, c, "a"), cacheKey(t, c, "b")
		_, err := c.AddOutcomes(t.Context(), a, 7, 7, time.Minute)
		is.NoErr(err)
		o, err := c.AddOutcomes(t.Context(), b, 0, 1, time.Minute)
		is.NoErr(err)
		is.Equal(o, gateway.Outcomes{Failures: 1})
	})
	runCache(t, "OldFiguresLeaveTheWindow", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "provider")
		_, err := c.AddOutcomes(t.Context(), k, 1, 9, 200*time.Millisecond)
		is.NoErr(err)
		is.True(eventually(func() bool {
			o, err := c.AddOutcomes(t.Context(), k, 0, 0, 200*time.Millisecond)
			return err == nil && o == gateway.Outcomes{}
		}))
	})
	runCache(t, "ConcurrentAddsAreExact", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "provider")
		errs := race(40, func(i int) error {
			_, err := c.AddOutcomes(t.Context(), k, 2, 1, time.Minute)
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		o, err := c.AddOutcomes(t.Context(), k, 0, 0, time.Minute)
		is.NoErr(err)
		is.Equal(o, gateway.Outcomes{Successes: 80, Failures: 40})
	})
	runCache(t, "ErrInvalid", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		k := cacheKey(t, c, "provider")
		_, err := c.AddOutcomes(t.Context(), k, -1, 0, time.Minute)
		is.Equal(codeOf(err), gateway.CodeInvalid)
		_, err = c.AddOutcomes(t.Context(), k, 1, 0, 0)
		is.Equal(codeOf(err), gateway.CodeInvalid)
	})
}
