package gateway

import (
	"context"
	"sync"
)

// RemoteCache is implemented by a Cache whose calls are network round
// trips (the Redis adapter's Remote returns true). On such a Cache the
// Gateway makes a request's Cache.Finish after its answer is on its way
// rather than before, so the client does not wait for that round trip:
// the leases, the token correction and the settlement land a round trip
// after the answer. What the client could notice, it does not: a request
// refused for a lease, credit or tokens while this instance still has
// finishes of its account on their way waits for them and asks again (a
// sequential client with a concurrency limit of one is never refused for
// its own previous request's lease); a refusal for the request rate,
// which no Finish gives back, comes at once. Flush waits for the late
// finishes running when it is called; Close, until none runs.
type RemoteCache interface {
	Cache
	Remote() bool
}

// isRemote reports whether c says it is a RemoteCache.
func isRemote(c Cache) bool {
	r, ok := c.(RemoteCache)
	return ok && r.Remote()
}

// lateFinishes are the Cache.Finish calls running after their answers
// went out, by account. Each is known by a channel closed when it
// returns; waiting means taking the channels running at that moment.
// (A sync.WaitGroup would not do: requests start finishes at any time,
// and an Add from zero while Flush waits is a misuse the race detector
// reports, and that can panic.)
type lateFinishes struct {
	mu        sync.Mutex
	byAccount map[string]map[chan struct{}]struct{}
}

// start runs finish in its own goroutine and counts it against account
// until it returns.
func (l *lateFinishes) start(account string, finish func()) {
	done := make(chan struct{})
	l.mu.Lock()
	if l.byAccount == nil {
		l.byAccount = make(map[string]map[chan struct{}]struct{})
	}
	set := l.byAccount[account]
	if set == nil {
		set = make(map[chan struct{}]struct{}, 1)
		l.byAccount[account] = set
	}
	set[done] = struct{}{}
	l.mu.Unlock()
	go func() {
		defer func() {
			// done is in the account's current set: a set leaves the
			// map only once empty.
			l.mu.Lock()
			set := l.byAccount[account]
			delete(set, done)
			if len(set) == 0 {
				delete(l.byAccount, account)
			}
			l.mu.Unlock()
			close(done)
		}()
		finish()
	}()
}

// running returns the channels of the finishes of account running now,
// or of every account's when all is true.
func (l *lateFinishes) running(account string, all bool) []chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []chan struct{}
	for a, set := range l.byAccount {
		if all || a == account {
			for done := range set {
				out = append(out, done)
			}
		}
	}
	return out
}

// until waits until every channel of pending is closed, or ctx ends.
func until(ctx context.Context, pending []chan struct{}) error {
	for _, done := range pending {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// await waits until the finishes of account running when it was called
// have returned, or ctx ends; it reports whether there were any.
func (l *lateFinishes) await(ctx context.Context, account string) bool {
	pending := l.running(account, false)
	_ = until(ctx, pending)
	return len(pending) > 0
}

// wait waits for the late finishes running when it was called, of every
// account, or until ctx ends. Finishes that start meanwhile are the next
// Flush's.
func (l *lateFinishes) wait(ctx context.Context) error {
	return until(ctx, l.running("", true))
}

// drain waits until no late finish runs, or ctx ends: when the gateway
// closes, a request still being answered may start one after a wait.
func (l *lateFinishes) drain(ctx context.Context) error {
	for {
		pending := l.running("", true)
		if len(pending) == 0 {
			return nil
		}
		if err := until(ctx, pending); err != nil {
			return err
		}
	}
}
