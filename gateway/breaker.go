package gateway

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerSettings shape a provider's circuit breaker; they are read from
// the provider's Options (breaker_failure_percent, breaker_min_requests,
// breaker_open_seconds, breaker_probes), each defaulting as below.
type BreakerSettings struct {
	// FailurePercent trips the breaker when that share of the provider's
	// requests over Window failed. Default 50.
	FailurePercent int64
	// MinRequests is how many requests Window must hold before it is
	// judged. Default 20.
	MinRequests int64
	// Open is how long the breaker stays open before it lets probes
	// through. Default 30s.
	Open time.Duration
	// Probes is how many requests, across every instance, may probe a
	// half-open provider. Default 3.
	Probes int64
}

// breakerWindow is the span the shared figures cover.
const breakerWindow = time.Minute

func breakerSettings(p *Provider) BreakerSettings {
	num := func(key string, def int64) int64 {
		if v, err := strconv.ParseInt(p.Options[key], 10, 64); err == nil && v > 0 {
			return v
		}
		return def
	}
	return BreakerSettings{
		FailurePercent: min(num("breaker_failure_percent", 50), 100),
		MinRequests:    num("breaker_min_requests", 20),
		Open:           time.Duration(num("breaker_open_seconds", 30)) * time.Second,
		Probes:         num("breaker_probes", 3),
	}
}

// breaker is one provider's circuit breaker. The state machine is
// gobreaker's two-step breaker, in process; it judges on the figures
// every instance adds to the Cache (read back every flush, off the
// request path) plus this instance's not yet added, so instances trip
// together. An instance that opens it writes an "open until" marker the
// others read at their next flush; probes after the open time are capped
// across instances by a Cache counter. Allow is a memory read except
// while half-open.
type breaker struct {
	provider string
	settings BreakerSettings
	of       *Provider // whose options settings were last read from; under breakers.mu
	cb       atomic.Pointer[gobreaker.TwoStepCircuitBreaker[struct{}]]

	pendingOK, pendingFailed atomic.Int64 // not yet added to the Cache
	sharedOK, sharedFailed   atomic.Int64 // the cluster's, as last read
	openUntil                atomic.Int64 // Unix nanoseconds, from any instance
	opened                   atomic.Bool  // opened here: write the marker
	closed                   atomic.Bool  // closed here by a probe: remove it
	resets                   atomic.Int64 // the reset generation seen
	opens                    atomic.Int64 // times it opened on this instance
}

func newBreaker(provider string, s BreakerSettings) *breaker {
	b := &breaker{provider: provider, settings: s}
	b.cb.Store(b.newCB())
	return b
}

func (b *breaker) newCB() *gobreaker.TwoStepCircuitBreaker[struct{}] {
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        b.provider,
		MaxRequests: uint32(min(b.settings.Probes, 1<<31)),
		Interval:    breakerWindow,
		Timeout:     b.settings.Open,
		ReadyToTrip: func(gobreaker.Counts) bool { return b.failing() },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				b.openUntil.Store(time.Now().Add(b.settings.Open).UnixNano())
				b.opened.Store(true)
				b.opens.Add(1)
			}
		},
		IsExcluded: excludedFromBreaker,
	})
}

// failing judges the cluster's figures and this instance's pending ones.
func (b *breaker) failing() bool {
	ok := b.sharedOK.Load() + b.pendingOK.Load()
	failed := b.sharedFailed.Load() + b.pendingFailed.Load()
	total := ok + failed
	return total >= b.settings.MinRequests && failed*100 >= b.settings.FailurePercent*total
}

// errBreakerOpen is what a refused attempt records.
var errBreakerOpen = &Error{Code: CodeUnavailable, Type: "circuit_open", Message: "the provider's circuit breaker is open"}

// ticket is a request the breaker let through; end reports how it went.
// A value, so the check costs no allocation of its own (gobreaker's
// two-step callback, which a closed breaker does without: see allow).
type ticket struct {
	b    *breaker
	cb   *gobreaker.TwoStepCircuitBreaker[struct{}]
	done func(error) // nil when the breaker was closed
}

// end counts the outcome of the request.
func (t ticket) end(err error) {
	b := t.b
	switch {
	case excludedFromBreaker(err):
	case err == nil:
		b.pendingOK.Add(1)
	default:
		b.pendingFailed.Add(1)
	}
	if t.done == nil {
		// Let through while closed: a failure may trip it, so gobreaker
		// hears of it (and asks failing); a success changes nothing in
		// a closed breaker that judges on these figures.
		if err != nil && !excludedFromBreaker(err) {
			if done, aerr := t.cb.Allow(); aerr == nil {
				done(err)
			}
		}
		return
	}
	t.done(err)
	if err == nil && b.openUntil.Load() != 0 && t.cb.State() == gobreaker.StateClosed {
		b.openUntil.Store(0) // the probes passed: closed here, and everywhere at the next flushes
		b.closed.Store(true)
	}
}

// allow asks to send a request to the provider now. CodeUnavailable
// (circuit_open) when the breaker is open here or on another instance,
// or its probes are taken.
func (b *breaker) allow(ctx context.Context, cache Cache) (ticket, error) {
	now := time.Now() // gobreaker keeps wall time, so the breaker does too
	until := b.openUntil.Load()
	if until > now.UnixNano() {
		return ticket{}, errBreakerOpen
	}
	cb := b.cb.Load()
	if until != 0 || cb.State() == gobreaker.StateHalfOpen {
		// The open time is over: only a few probes, across instances.
		n, err := cache.Incr(ctx, b.key("probes:"+strconv.FormatInt(until, 10)), 1, 2*b.settings.Open+time.Minute)
		if err == nil && n > b.settings.Probes {
			return ticket{}, errBreakerOpen
		}
	}
	if until == 0 && cb.State() == gobreaker.StateClosed {
		// Closed: gobreaker's two-step callback (an allocation) is
		// needed only when the outcome is a failure (see end).
		return ticket{b: b, cb: cb}, nil
	}
	done, err := cb.Allow()
	if err != nil {
		return ticket{}, errBreakerOpen
	}
	return ticket{b: b, cb: cb, done: done}, nil
}

// excludedFromBreaker reports whether an outcome says nothing of the
// provider's health: the client's own cancellation, or a request the
// provider refused as the client's fault.
func excludedFromBreaker(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return true
	}
	switch ErrorCode(err) {
	case CodeInvalid, CodeNotFound, CodeForbidden:
		return true
	}
	return false
}

func (b *breaker) key(what string) string { return "brk:{" + b.provider + "}:" + what }

// outcomesKey names the figures of the current reset generation: a reset
// starts new figures, leaving the old ones to lapse.
func (b *breaker) outcomesKey() string {
	return b.key("outcomes:" + strconv.FormatInt(b.resets.Load(), 10))
}

// flush adds this instance's outcomes to the Cache and reads back the
// cluster's figures, the "open until" marker and the reset generation.
func (b *breaker) flush(ctx context.Context, cache Cache) error {
	// A reset anywhere comes first: what this instance was about to share
	// belongs to the breaker before it.
	gen, err := cache.Incr(ctx, b.key("resets"), 0, 0)
	if err != nil {
		return err
	}
	if b.seeReset(gen) {
		b.resetLocal()
	}
	// A reset on this instance during the read is newer than what was read.
	gen = b.resets.Load()
	if b.closed.Swap(false) {
		// The probes passed: closed everywhere, and the failures that
		// opened it are history.
		if err := b.reset(ctx, cache); err != nil {
			b.closed.Store(true)
			return err
		}
	}
	ok, failed := b.pendingOK.Swap(0), b.pendingFailed.Swap(0)
	o, err := cache.AddOutcomes(ctx, b.outcomesKey(), ok, failed, breakerWindow)
	if err != nil {
		b.pendingOK.Add(ok)
		b.pendingFailed.Add(failed)
		return err
	}
	b.sharedOK.Store(o.Successes)
	b.sharedFailed.Store(o.Failures)
	if b.openUntil.Load() == 0 && b.failing() {
		// Failures split across instances trip it too, though none of
		// them saw enough to trip on its own.
		b.openUntil.Store(time.Now().Add(b.settings.Open).UnixNano())
		b.opened.Store(true)
		b.opens.Add(1)
	}
	if b.opened.Swap(false) {
		until := b.openUntil.Load()
		marker := strconv.FormatInt(until, 10) + ":" + strconv.FormatInt(gen, 10)
		if err := cache.Set(ctx, b.key("open"), []byte(marker), time.Until(time.Unix(0, until))+time.Minute); err != nil {
			b.opened.Store(true)
			return err
		}
	}
	raw, err := cache.Get(ctx, b.key("open"))
	switch {
	case err == nil:
		// A marker from before the last reset (written by an instance
		// that had not seen it yet) is stale.
		u, g, _ := strings.Cut(string(raw), ":")
		until, perr := strconv.ParseInt(u, 10, 64)
		markGen, gerr := strconv.ParseInt(g, 10, 64)
		if perr == nil && gerr == nil && markGen >= b.resets.Load() && until > b.openUntil.Load() {
			b.openUntil.Store(until) // opened elsewhere
		}
	case IsCode(err, CodeNotFound):
		if b.cb.Load().State() != gobreaker.StateOpen && !b.opened.Load() {
			b.openUntil.Store(0) // closed elsewhere, or the marker lapsed
		}
	default:
		return err
	}
	return nil
}

// resetLocal closes the breaker on this instance.
func (b *breaker) resetLocal() {
	b.cb.Store(b.newCB())
	b.openUntil.Store(0)
	b.opened.Store(false)
	b.pendingOK.Store(0)
	b.pendingFailed.Store(0)
	b.sharedOK.Store(0)
	b.sharedFailed.Store(0)
}

// reset closes the breaker on every instance: the marker goes, and the
// reset generation moves, which each instance sees at its next flush and
// which starts new figures.
func (b *breaker) reset(ctx context.Context, cache Cache) error {
	if err := cache.Delete(ctx, b.key("open")); err != nil {
		return err
	}
	gen, err := cache.Incr(ctx, b.key("resets"), 1, 0)
	if err != nil {
		return err
	}
	b.seeReset(gen)
	b.resetLocal()
	return nil
}

// seeReset moves the reset generation seen forward to gen, never back:
// a flush that read the generation just before this instance's own reset
// must not undo it (it would reopen the breaker on the old figures). It
// reports whether gen was newer.
func (b *breaker) seeReset(gen int64) bool {
	for {
		seen := b.resets.Load()
		if gen <= seen {
			return false
		}
		if b.resets.CompareAndSwap(seen, gen) {
			return true
		}
	}
}

// BreakerState is a provider's circuit breaker as an admin sees it.
type BreakerState struct {
	ProviderID string
	Provider   string
	// State is closed, open or half-open.
	State string
	// Requests and Failures are the cluster's over the last minute.
	Requests, Failures int64
	// FailureRate is Failures over Requests, 0 to 1.
	FailureRate float64
	// RetryIn is how long until an open breaker lets probes through.
	RetryIn time.Duration
	// Opens counts the times it opened on this instance.
	Opens    int64
	Settings BreakerSettings
}

func (b *breaker) state(id, name string) BreakerState {
	now := time.Now()
	s := BreakerState{ProviderID: id, Provider: name, Settings: b.settings, Opens: b.opens.Load()}
	s.Requests = b.sharedOK.Load() + b.sharedFailed.Load() + b.pendingOK.Load() + b.pendingFailed.Load()
	s.Failures = b.sharedFailed.Load() + b.pendingFailed.Load()
	if s.Requests > 0 {
		s.FailureRate = float64(s.Failures) / float64(s.Requests)
	}
	switch until := time.Unix(0, b.openUntil.Load()); {
	case b.openUntil.Load() != 0 && until.After(now):
		s.State, s.RetryIn = "open", until.Sub(now)
	case b.openUntil.Load() != 0:
		s.State = "half-open"
	default:
		s.State = b.cb.Load().State().String()
	}
	return s
}

// breakers are the Gateway's circuit breakers by provider ID, kept across
// reloads while a provider's breaker settings stay the same.
type breakers struct {
	mu sync.Mutex
	by map[string]*breaker
}

func (bs *breakers) get(p *Provider) *breaker {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.by == nil {
		bs.by = make(map[string]*breaker)
	}
	b, ok := bs.by[p.ID]
	if ok && b.of == p {
		return b // the same snapshot's provider: its options are read
	}
	s := breakerSettings(p)
	if !ok || b.settings != s {
		b = newBreaker(p.ID, s)
		bs.by[p.ID] = b
	}
	b.of = p
	return b
}

func (bs *breakers) all() map[string]*breaker {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	out := make(map[string]*breaker, len(bs.by))
	for id, b := range bs.by {
		out[id] = b
	}
	return out
}
