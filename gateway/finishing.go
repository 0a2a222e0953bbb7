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
// which no Finish gives back, comes at once. Flush and Close wait for
// every late finish.
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
// went out, by account.
type lateFinishes struct {
	wg        sync.WaitGroup
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
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
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

// await waits until the finishes of account running when it was called
// have returned, or ctx ends; it reports whether there were any.
func (l *lateFinishes) await(ctx context.Context, account string) bool {
	l.mu.Lock()
	pending := make([]chan struct{}, 0, len(l.byAccount[account]))
	for done := range l.byAccount[account] {
		pending = append(pending, done)
	}
	l.mu.Unlock()
	for _, done := range pending {
		select {
		case <-done:
		case <-ctx.Done():
			return len(pending) > 0
		}
	}
	return len(pending) > 0
}

// wait waits for every late finish, or until ctx ends.
func (l *lateFinishes) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
