package gateway

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// CredentialPolicy is when a provider's credentials are degraded and
// disabled, read from the provider's Options (credential_degraded_failures,
// credential_failures, credential_backoff_seconds,
// credential_backoff_max_seconds).
type CredentialPolicy struct {
	// Degraded failures in a row make a credential degraded: the picker
	// passes over it while a healthy one is left. Default half of
	// Failures, rounded up; not below Failures means never.
	Degraded int64
	// Failures in a row disable a credential. Default 3.
	Failures int64
	// Backoff is the first disable's length; each next one in a day
	// doubles it, up to MaxBackoff. Defaults 1m and 30m.
	Backoff, MaxBackoff time.Duration
}

func credentialPolicy(p *Provider) CredentialPolicy {
	num := func(key string, def int64) int64 {
		if v, err := strconv.ParseInt(p.Options[key], 10, 64); err == nil && v > 0 {
			return v
		}
		return def
	}
	failures := num("credential_failures", 3)
	return CredentialPolicy{
		Degraded:   num("credential_degraded_failures", (failures+1)/2),
		Failures:   failures,
		Backoff:    time.Duration(num("credential_backoff_seconds", 60)) * time.Second,
		MaxBackoff: time.Duration(num("credential_backoff_max_seconds", 1800)) * time.Second,
	}
}

// usable reports whether the picker may choose c at now: active,
// degraded, or disabled by its failures with the backoff over (then it is
// tried again, and a success makes it active).
func (c *Credential) usable(now time.Time) bool {
	if c.Secret == "" {
		return false // an OAuth credential before its first token
	}
	return c.Status == StatusActive || c.Status == StatusDegraded || c.retrying(now)
}

// healthy reports whether c is usable at now and not resting as degraded:
// the picker's first choices.
func (c *Credential) healthy(now time.Time) bool {
	if c.Secret == "" {
		return false
	}
	return c.Status == StatusActive || c.retrying(now) || c.Status == StatusDegraded && !now.Before(c.DisabledUntil)
}

// retrying reports whether c was disabled by its failures and its backoff
// is over.
func (c *Credential) retrying(now time.Time) bool {
	return c.Status == StatusDisabled && !c.DisabledUntil.IsZero() && !now.Before(c.DisabledUntil)
}

// health follows credentials' outcomes. Failures in a row are counted in
// the Cache, so every instance's count toward the same disable; the
// successes that reset them are flushed with the breakers' figures, off
// the request path.
type health struct {
	mu        sync.Mutex
	succeeded map[string]bool // credentials that succeeded since the last flush
}

func (h *health) success(credID string) {
	h.mu.Lock()
	if h.succeeded == nil {
		h.succeeded = make(map[string]bool)
	}
	h.succeeded[credID] = true
	h.mu.Unlock()
}

// flush resets the failure count of every credential that succeeded.
func (h *health) flush(ctx context.Context, cache Cache) error {
	h.mu.Lock()
	done := h.succeeded
	h.succeeded = nil
	h.mu.Unlock()
	for id := range done {
		if err := cache.Delete(ctx, failuresKey(id)); err != nil {
			return err
		}
	}
	return nil
}

func failuresKey(credID string) string { return "cf:{" + credID + "}" }
func disablesKey(credID string) string { return "cd:{" + credID + "}" }

// credentialOutcome follows one attempt's outcome for its credential: a
// success resets its failures (and brings back one that was disabled); a
// refusal of the credential itself (401, 403) makes it invalid, except a
// 401 to an OAuth credential, which renews its token; the
// provider's failures (429, 5xx, timeouts) count, and enough in a row
// disable it for a backoff, unless the whole provider is failing (no
// request succeeded over the breaker's window), which is the breaker's
// business, not the credential's. Status changes are written off the
// request path.
func (g *Gateway) credentialOutcome(ctx context.Context, t *target, br *breaker, cred *Credential, err error) {
	if err == nil {
		g.health.success(cred.ID)
		if cred.Status != StatusActive {
			g.changeCredential(cred.ID, StatusActive, time.Time{}, "a request succeeded after its backoff")
		}
		return
	}
	e := AsError(err)
	if e.Code != CodeUpstream && e.Code != CodeUpstreamTimeout && e.Code != CodeRateLimited {
		return // the request's fault, or the client's cancellation
	}
	if e.Status == http.StatusUnauthorized && cred.OAuth != nil {
		// An OAuth token the provider no longer takes: renew it now
		// rather than give up on the credential.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if g.cfg.Refresher != nil {
				g.refreshToken(ctx, t.provider, cred, true)
			}
		}()
		return
	}
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		g.changeCredential(cred.ID, StatusInvalid, time.Time{}, fmt.Sprintf("the provider refused it (status %d)", e.Status))
		return
	}
	pol := credentialPolicy(t.provider)
	n, ierr := g.cache.Incr(ctx, failuresKey(cred.ID), 1, 10*time.Minute)
	if ierr != nil || (n != pol.Failures && n != pol.Degraded) {
		return // counting on; or, past the threshold, disabled already
	}
	if br.sharedOK.Load()+br.pendingOK.Load() == 0 {
		return // nothing succeeds on this provider: an outage, not this key
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.countedFailure(ctx, cred, pol, n, e.Message)
	}()
}

// countedFailure acts on a credential's n-th failure in a row: at the
// policy's Degraded count it is degraded for a backoff (passed over while
// it lasts, then tried like a healthy one, so a success can bring it
// back); at its Failures count it is disabled for a backoff that doubles
// with each disable in a day.
func (g *Gateway) countedFailure(ctx context.Context, cred *Credential, pol CredentialPolicy, n int64, last string) {
	switch {
	case n == pol.Degraded && n < pol.Failures:
		until := g.clock.Now().Add(pol.Backoff)
		// Only from active or degraded: a disable written meanwhile by
		// the next failure stands.
		g.transition(ctx, cred.ID, []Status{StatusActive, StatusDegraded}, StatusDegraded, until,
			fmt.Sprintf("%d failures in a row (last: %s)", n, last))
	case n == pol.Failures:
		times, err := g.cache.Incr(ctx, disablesKey(cred.ID), 1, 24*time.Hour)
		if err != nil {
			times = 1
		}
		backoff := pol.Backoff << min(times-1, 30)
		if backoff <= 0 || backoff > pol.MaxBackoff {
			backoff = pol.MaxBackoff
		}
		_ = g.cache.Delete(ctx, failuresKey(cred.ID))
		g.setCredentialStatus(ctx, cred.ID, StatusDisabled, g.clock.Now().Add(backoff),
			fmt.Sprintf("%d failures in a row (last: %s); disabled for %s", pol.Failures, last, backoff))
	}
}

// changeCredential writes a status change in the background.
func (g *Gateway) changeCredential(id string, to Status, until time.Time, reason string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		g.setCredentialStatus(ctx, id, to, until, reason)
	}()
}

// setCredentialStatus moves a credential to a status, keeps the event and
// tells every instance; a credential already there is left alone.
func (g *Gateway) setCredentialStatus(ctx context.Context, id string, to Status, until time.Time, reason string) error {
	return g.transition(ctx, id, nil, to, until, reason)
}

// transition is setCredentialStatus for a credential in one of the
// statuses in from (any, when from is empty).
func (g *Gateway) transition(ctx context.Context, id string, from []Status, to Status, until time.Time, reason string) error {
	var was Status
	changed := false
	now := g.clock.Now()
	_, err := g.store.UpdateCredential(ctx, id, func(c *Credential) error {
		was = c.Status
		if c.Status == to && c.DisabledUntil.Equal(until) || len(from) > 0 && !slices.Contains(from, c.Status) {
			return nil
		}
		changed = true
		c.Status, c.DisabledUntil, c.StatusReason, c.UpdatedAt = to, until, reason, now
		return nil
	})
	if err == nil && changed {
		err = g.store.AddCredentialEvent(ctx, &CredentialEvent{CredentialID: id, From: was, To: to, Reason: reason, Until: until, Time: now})
		if cerr := g.Changed(ctx); err == nil {
			err = cerr
		}
	}
	if err != nil {
		g.cfg.Logger.Error("credential status not changed", "credential", id, "to", to, "err", err)
	}
	return err
}
