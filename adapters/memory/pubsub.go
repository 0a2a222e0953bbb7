package memory

import (
	"context"
	"sync"

	"github.com/tollgate-ai/tollgate/gateway"
)

// subscriberBuffer is how many payloads a subscriber may fall behind
// before it misses some.
const subscriberBuffer = 64

// pubsub is the Cache's publish/subscribe: per channel, the set of
// subscribers, each with a buffered Go channel.
type pubsub struct {
	// mu guards subs and closed. Publish sends while holding it for
	// reading and a subscription is closed while holding it for writing,
	// so nothing is ever sent on a closed channel.
	mu     sync.RWMutex
	subs   map[string]map[*subscriber]struct{}
	closed bool
}

type subscriber struct {
	ch chan []byte
}

// subscribe adds a subscriber to channel until ctx ends or quit is closed.
func (ps *pubsub) subscribe(ctx context.Context, channel string, quit <-chan struct{}) (<-chan []byte, error) {
	s := &subscriber{ch: make(chan []byte, subscriberBuffer)}
	ps.mu.Lock()
	if ps.closed {
		ps.mu.Unlock()
		return nil, gateway.Errorf(gateway.CodeUnavailable, "cache is closed")
	}
	if ps.subs[channel] == nil {
		ps.subs[channel] = make(map[*subscriber]struct{})
	}
	ps.subs[channel][s] = struct{}{}
	ps.mu.Unlock()

	go func() {
		select {
		case <-ctx.Done():
		case <-quit:
		}
		ps.unsubscribe(channel, s)
	}()
	return s.ch, nil
}

// unsubscribe removes s from channel and closes its Go channel, unless
// close already did.
func (ps *pubsub) unsubscribe(channel string, s *subscriber) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	set := ps.subs[channel]
	if _, ok := set[s]; !ok {
		return
	}
	delete(set, s)
	if len(set) == 0 {
		delete(ps.subs, channel)
	}
	close(s.ch)
}

// publish sends a copy of payload to every subscriber of channel that has
// room for it, without blocking.
func (ps *pubsub) publish(channel string, payload []byte) {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	for s := range ps.subs[channel] {
		select {
		case s.ch <- append([]byte{}, payload...):
		default: // full: this subscriber misses the payload
		}
	}
}

// close ends every subscription and refuses new ones.
func (ps *pubsub) close() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.closed = true
	for channel, set := range ps.subs {
		for s := range set {
			close(s.ch)
		}
		delete(ps.subs, channel)
	}
}
