package gateway

import (
	"context"
	"time"
)

// Realtime are an account's current figures across every instance, and
// its limits with what is left of them.
type Realtime struct {
	AccountID string
	// Requests and Tokens are counted in the current calendar minute,
	// hour and day (UTC), as flushed by every instance (each flushes once
	// a second).
	Requests WindowCounts
	Tokens   WindowCounts
	// QPS is the requests of the last whole second.
	QPS int64
	// InFlight is the requests running now: on every instance when the
	// account has a concurrency limit (its leases), else on this one.
	InFlight int64
	Limits   []LimitUse
}

// WindowCounts are counts in the current minute, hour and day.
type WindowCounts struct {
	Minute, Hour, Day int64
}

// LimitUse is one limited dimension and what is left of it in the
// current window. Enforcement refills evenly (a token bucket), so what
// remains here, counted in calendar windows, is a guide rather than the
// exact admission state.
type LimitUse struct {
	Name      string // "requests_per_minute", ...
	Limit     int64
	Used      int64
	Remaining int64
}

// Realtime returns the current figures of an account. CodeNotFound if it
// is not in the Snapshot.
func (g *Gateway) Realtime(ctx context.Context, accountID string) (*Realtime, error) {
	acct, ok := g.snapshot().accounts[accountID]
	if !ok {
		return nil, Errorf(CodeNotFound, "account %q not found", accountID)
	}
	now := g.clock.Now()
	read := func(kind, window string, width time.Duration, at time.Time) (int64, error) {
		return g.cache.Incr(ctx, realtimeKey(accountID, kind, window, width, at), 0, 0)
	}
	rt := &Realtime{AccountID: accountID, InFlight: g.meter.running(accountID)}
	for _, w := range []struct {
		name  string
		width time.Duration
		req   *int64
		tok   *int64
	}{
		{"m", time.Minute, &rt.Requests.Minute, &rt.Tokens.Minute},
		{"h", time.Hour, &rt.Requests.Hour, &rt.Tokens.Hour},
		{"d", 24 * time.Hour, &rt.Requests.Day, &rt.Tokens.Day},
	} {
		var err error
		if *w.req, err = read("r", w.name, w.width, now); err != nil {
			return nil, err
		}
		if *w.tok, err = read("t", w.name, w.width, now); err != nil {
			return nil, err
		}
	}
	qps, err := read("r", "s", time.Second, now.Add(-time.Second))
	if err != nil {
		return nil, err
	}
	rt.QPS = qps
	if acct.Limits.Concurrent > 0 {
		held, err := g.cache.Held(ctx, "rl:{"+accountID+"}:a:cc")
		if err != nil {
			return nil, err
		}
		rt.InFlight = int64(held)
	}
	used := map[string]int64{
		"requests_per_second": qps, "requests_per_minute": rt.Requests.Minute, "requests_per_hour": rt.Requests.Hour,
		"requests_per_day": rt.Requests.Day, "tokens_per_minute": rt.Tokens.Minute, "tokens_per_hour": rt.Tokens.Hour,
		"tokens_per_day": rt.Tokens.Day, "concurrent": rt.InFlight,
	}
	for _, d := range acct.Limits.dimensions() {
		if d.value > 0 {
			u := used[d.name]
			rt.Limits = append(rt.Limits, LimitUse{Name: d.name, Limit: d.value, Used: u, Remaining: max(d.value-u, 0)})
		}
	}
	return rt, nil
}
