package gateway

import (
	"context"
	"errors"
	"sort"
)

// Breakers returns the circuit breaker of every active provider, by
// provider name.
func (a *Admin) Breakers() []BreakerState {
	snap := a.g.snapshot()
	out := make([]BreakerState, 0, len(snap.ordered))
	for _, t := range snap.ordered {
		out = append(out, a.g.breakers.get(t.provider).state(t.provider.ID, t.provider.Name))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Provider < out[j].Provider })
	return out
}

// Breaker returns the circuit breaker of the active provider with ID or
// name ref. CodeNotFound if there is none.
func (a *Admin) Breaker(ref string) (BreakerState, error) {
	t := a.activeProvider(ref)
	if t == nil {
		return BreakerState{}, &Error{Code: CodeNotFound, Message: "no active provider is " + quote(ref)}
	}
	return a.g.breakers.get(t.provider).state(t.provider.ID, t.provider.Name), nil
}

// ResetBreaker closes a provider's circuit breaker on every instance.
// CodeNotFound if there is no such active provider.
func (a *Admin) ResetBreaker(ctx context.Context, ref string) (BreakerState, error) {
	t := a.activeProvider(ref)
	if t == nil {
		return BreakerState{}, &Error{Code: CodeNotFound, Message: "no active provider is " + quote(ref)}
	}
	b := a.g.breakers.get(t.provider)
	if err := b.reset(ctx, a.g.cache); err != nil {
		return BreakerState{}, &Error{Code: CodeUnavailable, Message: "the breaker cannot be reset now", Err: err}
	}
	return b.state(t.provider.ID, t.provider.Name), nil
}

// ResetAllBreakers closes every provider's circuit breaker.
func (a *Admin) ResetAllBreakers(ctx context.Context) error {
	var errs []error
	for _, t := range a.g.snapshot().ordered {
		if err := a.g.breakers.get(t.provider).reset(ctx, a.g.cache); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return &Error{Code: CodeUnavailable, Message: "some breakers cannot be reset now", Err: err}
	}
	return nil
}

func (a *Admin) activeProvider(ref string) *target {
	snap := a.g.snapshot()
	if t, ok := snap.providers[ref]; ok {
		return t
	}
	return snap.providerNamed(ref)
}
