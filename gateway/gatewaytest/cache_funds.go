package gatewaytest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func testCacheFunds(t *testing.T, newCache cacheFactory) {
	runCache(t, "UnknownUntilSeeded", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		f, err := c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f, gateway.Funds{})
		bal, ok, err := c.DebitFunds(t.Context(), acct, "seed-1", 0, 500)
		is.NoErr(err)
		is.True(ok)
		is.Equal(bal, gateway.Micros(500)) // started from the seed
		_, _, err = c.DebitFunds(t.Context(), acct, "seed-2", 0, 999)
		is.NoErr(err)
		f, err = c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f, gateway.Funds{Balance: 500, Known: true}) // a later seed changes nothing
	})
	runCache(t, "CreditOnce", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		bal, first, err := c.CreditFunds(t.Context(), acct, "refund:req-1", 40, 100)
		is.NoErr(err)
		is.True(first)
		is.Equal(bal, gateway.Micros(140)) // the seed, then the credit
		bal, first, err = c.CreditFunds(t.Context(), acct, "refund:req-1", 40, 100)
		is.NoErr(err)
		is.True(!first) // a retry adds nothing
		is.Equal(bal, gateway.Micros(140))
		bal, first, err = c.CreditFunds(t.Context(), acct, "refund:req-2", 5, 100)
		is.NoErr(err)
		is.True(first)
		is.Equal(bal, gateway.Micros(145))
		_, _, err = c.SettleFunds(t.Context(), acct, "refund:req-1", 10, 100)
		is.NoErr(err) // a settlement of the same id is another thing
		f, err := c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f.Balance, gateway.Micros(135))
		_, _, err = c.CreditFunds(t.Context(), acct, "refund:req-3", -1, 100)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
	})
	runCache(t, "HoldWithinBalance", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		ok, f, err := c.HoldFunds(t.Context(), acct, "req-1", 60, 100, time.Minute)
		is.NoErr(err)
		is.True(ok)
		is.Equal(f, gateway.Funds{Balance: 100, Held: 60, Known: true})
		ok, f, err = c.HoldFunds(t.Context(), acct, "req-2", 50, 100, time.Minute)
		is.NoErr(err)
		is.True(!ok) // 60 + 50 > 100
		is.Equal(f.Held, gateway.Micros(60))
		ok, _, err = c.HoldFunds(t.Context(), acct, "req-1", 60, 100, time.Minute)
		is.NoErr(err)
		is.True(ok) // a retry holds once
		_, _, err = c.HoldFunds(t.Context(), acct, "req-3", 0, 100, time.Minute)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
	})
	runCache(t, "SettleOnce", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		_, _, err := c.HoldFunds(t.Context(), acct, "req-1", 60, 100, time.Minute)
		is.NoErr(err)
		charged, first, err := c.SettleFunds(t.Context(), acct, "req-1", 25, 100)
		is.NoErr(err)
		is.True(first)
		is.Equal(charged, gateway.Micros(25))
		f, err := c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f, gateway.Funds{Balance: 75, Held: 0, Known: true}) // the hold is gone, the cost taken
		charged, first, err = c.SettleFunds(t.Context(), acct, "req-1", 25, 100)
		is.NoErr(err)
		is.True(!first)                       // a repeated settlement charges nothing
		is.Equal(charged, gateway.Micros(25)) // and says what the first one took
		f, _ = c.GetFunds(t.Context(), acct)
		is.Equal(f.Balance, gateway.Micros(75))
	})
	runCache(t, "SettleNeverBelowZero", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		charged, first, err := c.SettleFunds(t.Context(), acct, "req-lapsed", 150, 100)
		is.NoErr(err)
		is.True(first) // a lapsed hold's request is still charged
		is.Equal(charged, gateway.Micros(100))
		f, _ := c.GetFunds(t.Context(), acct)
		is.Equal(f.Balance, gateway.Micros(0))
	})
	runCache(t, "DebitNeverBelowZero", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		bal, ok, err := c.DebitFunds(t.Context(), acct, "led-1", 150, 100)
		is.NoErr(err)
		is.True(!ok)
		is.Equal(bal, gateway.Micros(100)) // refused, nothing taken
		bal, ok, err = c.DebitFunds(t.Context(), acct, "led-1", 100, 100)
		is.NoErr(err)
		is.True(ok) // a refused debit may be asked again
		is.Equal(bal, gateway.Micros(0))
		_, _, err = c.DebitFunds(t.Context(), acct, "led-2", -1, 100)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
	})
	runCache(t, "DebitOnce", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		bal, ok, err := c.DebitFunds(t.Context(), acct, "led-1", 30, 100)
		is.NoErr(err)
		is.True(ok)
		is.Equal(bal, gateway.Micros(70))
		bal, ok, err = c.DebitFunds(t.Context(), acct, "led-1", 30, 100)
		is.NoErr(err)
		is.True(ok) // a retry after a lost reply: taken already
		is.Equal(bal, gateway.Micros(70))
		bal, ok, err = c.DebitFunds(t.Context(), acct, "led-2", 30, 100)
		is.NoErr(err)
		is.True(ok)
		is.Equal(bal, gateway.Micros(40))
	})
	runCache(t, "ExpireForgets", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		_, _, err := c.DebitFunds(t.Context(), acct, "led-1", 30, 100)
		is.NoErr(err)
		is.NoErr(c.ExpireFunds(t.Context(), acct, time.Now().Add(-time.Second)))
		f, err := c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f.Known, false)                                                                      // forgotten: the next use starts from its seed again
		is.NoErr(c.ExpireFunds(t.Context(), cacheKey(t, c, "never-used"), time.Now().Add(time.Hour))) // nothing to expire is fine
	})
	runCache(t, "ConcurrentHoldsNeverOverdraw", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		var granted atomic.Int64
		won := make([]atomic.Bool, 50)
		errs := race(50, func(i int) error {
			ok, _, err := c.HoldFunds(t.Context(), acct, fmt.Sprintf("req-%d", i), 10, 100, time.Minute)
			if ok {
				granted.Add(1)
				won[i].Store(true)
			}
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		is.Equal(granted.Load(), int64(10))
		var settled []string
		for i := range won {
			if won[i].Load() {
				settled = append(settled, fmt.Sprintf("req-%d", i))
			}
		}
		errs = race(50, func(i int) error { // each winner settled five times at once
			_, _, err := c.SettleFunds(t.Context(), acct, settled[i%len(settled)], 7, 100)
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		f, err := c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f, gateway.Funds{Balance: 100 - 70, Held: 0, Known: true}) // each of ten settled once
	})
}
