package gatewaytest

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// ticketFor returns a ticket of id with one bucket of limit 10 per
// minute taking n, one lease of limit 1 and, when amount > 0, a hold of
// amount on a balance seeded at 100; its keys share the hash tag of acct.
func ticketFor(acct, id string, n int64, amount gateway.Micros) gateway.Ticket {
	tag := "{" + acct + "}"
	t := gateway.Ticket{
		ID:       id,
		Buckets:  []gateway.Bucket{{Key: "rl:" + tag + ":rpm", Limit: 10, Window: time.Minute, N: n}},
		Leases:   []gateway.Lease{{Key: "rl:" + tag + ":cc", Limit: 1}},
		LeaseTTL: time.Minute,
	}
	if amount > 0 {
		t.Funds = &gateway.TicketFunds{Account: acct, Amount: amount, Seed: 100, TTL: time.Minute}
	}
	return t
}

func testCacheTicket(t *testing.T, newCache cacheFactory) {
	runCache(t, "AdmitTakesAll", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		a, err := c.Admit(t.Context(), ticketFor(acct, "req-1", 3, 40))
		is.NoErr(err)
		is.True(a.Allowed)
		is.Equal(a.Refused, -1)
		is.Equal(a.Lease, -1)
		is.True(!a.Broke)
		is.Equal(a.Remaining, []int64{7})
		is.Equal(a.Funds, gateway.Funds{Balance: 100, Held: 40, Known: true})

		a, err = c.Admit(t.Context(), ticketFor(acct, "req-1", 1, 40))
		is.NoErr(err)
		is.True(a.Allowed)                                                    // the same ticket again: its lease and hold are its own
		is.Equal(a.Funds, gateway.Funds{Balance: 100, Held: 40, Known: true}) // held once
		is.Equal(a.Remaining, []int64{6})                                     // the bucket counts every call
	})
	runCache(t, "AdmitAllOrNone", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		a, err := c.Admit(t.Context(), ticketFor(acct, "req-1", 2, 40))
		is.NoErr(err)
		is.True(a.Allowed)

		// The lease is taken: refused, and neither the bucket nor the
		// balance is touched.
		a, err = c.Admit(t.Context(), ticketFor(acct, "req-2", 2, 40))
		is.NoErr(err)
		is.True(!a.Allowed)
		is.Equal(a.Lease, 0)
		is.Equal(a.Refused, -1)
		f, err := c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f.Held, gateway.Micros(40))

		// A bucket short of units: refused first, with a wait.
		a, err = c.Admit(t.Context(), ticketFor(acct, "req-3", 9, 40))
		is.NoErr(err)
		is.True(!a.Allowed)
		is.Equal(a.Refused, 0)
		is.True(a.RetryAfter > 0)
		is.Equal(a.Remaining, []int64{8})

		// Funds short: broke, with the figures, and the lease not placed.
		_, _, err = c.Finish(t.Context(), ticketFor(acct, "req-1", 2, 40), nil, 0)
		is.NoErr(err)
		a, err = c.Admit(t.Context(), ticketFor(acct, "req-4", 2, 101))
		is.NoErr(err)
		is.True(!a.Allowed)
		is.True(a.Broke)
		is.Equal(a.Funds, gateway.Funds{Balance: 100, Held: 0, Known: true})
		is.Equal(a.Remaining, []int64{8}) // nothing taken
		a, err = c.Admit(t.Context(), ticketFor(acct, "req-5", 2, 10))
		is.NoErr(err)
		is.True(a.Allowed) // the refused ticket left the lease free
	})
	runCache(t, "FinishGivesBackAndSettles", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		tk := ticketFor(acct, "req-1", 5, 40)
		_, err := c.Admit(t.Context(), tk)
		is.NoErr(err)
		back := []gateway.Bucket{tk.Buckets[0]}
		back[0].N = -3 // used 2 of the 5 it took
		charged, first, err := c.Finish(t.Context(), tk, back, 25)
		is.NoErr(err)
		is.True(first)
		is.Equal(charged, gateway.Micros(25))
		f, err := c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f, gateway.Funds{Balance: 75, Held: 0, Known: true})

		charged, first, err = c.Finish(t.Context(), tk, nil, 25)
		is.NoErr(err)
		is.True(!first) // settled once
		is.Equal(charged, gateway.Micros(25))
		f, err = c.GetFunds(t.Context(), acct)
		is.NoErr(err)
		is.Equal(f.Balance, gateway.Micros(75))

		a, err := c.Admit(t.Context(), ticketFor(acct, "req-2", 1, 0))
		is.NoErr(err)
		is.True(a.Allowed)                // the lease was given back
		is.Equal(a.Remaining, []int64{7}) // 10 - 5 + 3 - 1
	})
	runCache(t, "FinishWithoutFunds", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		tk := ticketFor(acct, "req-1", 1, 0)
		_, err := c.Admit(t.Context(), tk)
		is.NoErr(err)
		charged, first, err := c.Finish(t.Context(), tk, nil, 0)
		is.NoErr(err)
		is.Equal(charged, gateway.Micros(0))
		is.True(!first)
	})
	runCache(t, "LeasesLapse", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		short := ticketFor(acct, "short", 1, 0)
		short.LeaseTTL = 50 * time.Millisecond
		a, err := c.Admit(t.Context(), short)
		is.NoErr(err)
		is.True(a.Allowed)
		a, err = c.Admit(t.Context(), ticketFor(acct, "other", 1, 0))
		is.NoErr(err)
		is.Equal(a.Lease, 0) // the lease is taken
		is.True(eventually(func() bool {
			a, err := c.Admit(t.Context(), ticketFor(acct, "after", 1, 0))
			return err == nil && a.Allowed
		})) // a lease whose request never finished lapses
	})
	runCache(t, "LeasesOutliveShorterOnes", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		two := func(id string, ttl time.Duration) gateway.Ticket {
			tk := ticketFor(acct, id, 1, 0)
			tk.Leases[0].Limit, tk.LeaseTTL = 2, ttl
			return tk
		}
		for _, tk := range []gateway.Ticket{two("long", time.Minute), two("short", 50*time.Millisecond)} {
			a, err := c.Admit(t.Context(), tk)
			is.NoErr(err)
			is.True(a.Allowed)
		}
		is.True(eventually(func() bool {
			a, err := c.Admit(t.Context(), two("next", time.Minute))
			return err == nil && a.Allowed
		})) // the short lease lapsed...
		a, err := c.Admit(t.Context(), two("over", time.Minute))
		is.NoErr(err)
		is.Equal(a.Lease, 0) // ...and the long one still counts
	})
	runCache(t, "LeasesNeverOverbook", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		var allowed atomic.Int64
		errs := race(50, func(i int) error {
			tk := ticketFor(acct, fmt.Sprintf("req-%d", i), 1, 0)
			tk.Buckets[0].Limit, tk.Leases[0].Limit = 100, 7
			a, err := c.Admit(t.Context(), tk)
			if a.Allowed {
				allowed.Add(1)
			}
			return err
		})
		for _, err := range errs {
			is.NoErr(err)
		}
		is.Equal(allowed.Load(), int64(7)) // exactly what the lease limit allows
	})
	runCache(t, "TicketInvalid", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		acct := cacheKey(t, c, "acct")
		tk := ticketFor(acct, "req-1", 11, 0) // more than the limit
		_, err := c.Admit(t.Context(), tk)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
		tk = ticketFor(acct, "req-1", 1, 0)
		tk.LeaseTTL = 0
		_, err = c.Admit(t.Context(), tk)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
		_, _, err = c.Finish(t.Context(), ticketFor(acct, "req-1", 1, 10), nil, -1)
		is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
	})
}
