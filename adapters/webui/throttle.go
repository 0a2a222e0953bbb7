package webui

import (
	"sync"

	"golang.org/x/time/rate"
)

// signInRate and signInBurst bound the sign-in attempts of one client
// address: a burst of 10, then one every 6 seconds, so that keys cannot be
// guessed through the form at speed.
const (
	signInRate  = rate.Limit(1.0 / 6)
	signInBurst = 10
)

// throttle keeps a token bucket per client address. It forgets them all
// when it holds too many, which bounds its memory; an attacker with that
// many addresses gains little from it.
type throttle struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// allow reports whether ip may try to sign in now.
func (t *throttle) allow(ip string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buckets == nil || len(t.buckets) > 10_000 {
		t.buckets = map[string]*rate.Limiter{}
	}
	l, ok := t.buckets[ip]
	if !ok {
		l = rate.NewLimiter(signInRate, signInBurst)
		t.buckets[ip] = l
	}
	return l.Allow()
}
