package redis

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/gateway"
)

// subscriberBuffer is how many payloads a subscriber may fall behind
// before it misses some.
const subscriberBuffer = 64

// Backoff between attempts to restore a lost subscription: it doubles
// from minBackoff up to maxBackoff, with jitter, and starts over once a
// subscription is restored.
const (
	minBackoff = 50 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// Subscribe returns the payloads published to channel from now on, in
// order, until ctx ends or the Cache is closed; then the channel is
// closed. The channel buffers 64 payloads; a subscriber that falls
// further behind misses payloads.
//
// Subscribe returns once Redis has confirmed the subscription, so a
// payload published after it returns is received. The subscription holds
// a connection of its own; when that connection is lost, it subscribes
// again on a new one, with backoff, and logs each attempt: payloads
// published in between are missed. CodeInternal if the first attempt
// fails (Redis is unreachable), CodeUnavailable after Close. If ctx ends
// before Redis confirms, the channel returned is already closed.
func (c *Cache) Subscribe(ctx context.Context, channel string) (<-chan []byte, error) {
	c.mu.Lock()
	if c.closed.Load() {
		c.mu.Unlock()
		return nil, gateway.Errorf(gateway.CodeUnavailable, "cache is closed")
	}
	c.subs.Add(1)
	c.mu.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	s := &subscription{
		c:       c,
		channel: channel,
		out:     make(chan []byte, subscriberBuffer),
		ready:   make(chan struct{}),
		done:    make(chan struct{}),
	}
	go func() {
		defer c.subs.Done()
		stop := context.AfterFunc(c.life, cancel) // Close ends it too
		defer stop()
		defer cancel()
		s.run(ctx)
	}()
	select {
	case <-s.ready:
		return s.out, nil
	case <-s.done:
		if s.err != nil {
			return nil, c.fail(s.err)
		}
		return s.out, nil // ctx ended first: s.out is closed
	}
}

// subscription is one Subscribe call: the goroutine that runs it, and
// what Subscribe waits for.
type subscription struct {
	c       *Cache
	channel string
	out     chan []byte

	readyOnce sync.Once
	ready     chan struct{} // closed when Redis first confirms
	done      chan struct{} // closed when run returns, after out
	err       error         // why the first attempt failed; set before done
}

// run receives until ctx ends, subscribing again whenever the connection
// is lost, then closes s.out and s.done. If the first attempt fails
// before Redis confirms, it records why in s.err and stops.
func (s *subscription) run(ctx context.Context) {
	defer close(s.done)
	defer close(s.out) // only run sends on s.out, so after its last send
	for failures := 0; ; {
		confirmed, err := s.receive(ctx, failures > 0)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("redis ended the subscription")
		}
		if !s.isReady() {
			s.err = err
			return
		}
		if confirmed {
			failures = 0
		}
		failures++
		wait := backoff(failures)
		s.c.log.Warn("redis subscription lost; subscribing again",
			"channel", s.channel, "attempt", failures, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// receive subscribes on a dedicated connection and delivers payloads
// until the connection fails or ctx ends. It reports whether Redis
// confirmed the subscription, and why it stopped. restoring says that an
// earlier connection was lost, to log the recovery.
func (s *subscription) receive(ctx context.Context, restoring bool) (confirmed bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err // spare a connection
	}
	// The hook runs on the connection's reading goroutine, while Receive
	// runs here; Receive returns only after the hook's last run.
	var mu sync.Mutex
	hook := rueidis.WithOnSubscriptionHook(ctx, func(sub rueidis.PubSubSubscription) {
		if sub.Kind != "subscribe" {
			return
		}
		mu.Lock()
		confirmed = true
		mu.Unlock()
		if restoring {
			s.c.log.Info("redis subscription restored", "channel", s.channel)
		}
		s.readyOnce.Do(func() { close(s.ready) })
	})
	dc, release := s.c.client.Dedicate()
	defer release() // unsubscribes and returns the connection, or drops a broken one
	name := s.c.channelName(s.channel)
	subscribe := dc.B().Subscribe().Channel(name).Build().SetSlot(name) // on the node Publish uses
	err = dc.Receive(hook, subscribe, func(m rueidis.PubSubMessage) {
		select {
		case s.out <- []byte(m.Message):
		default: // full: this subscriber misses the payload, as the port allows
		}
	})
	mu.Lock()
	defer mu.Unlock()
	return confirmed, err
}

// isReady reports whether Redis has confirmed the subscription once.
func (s *subscription) isReady() bool {
	select {
	case <-s.ready:
		return true
	default:
		return false
	}
}

// backoff returns how long to wait before attempt number failures (1 for
// the first retry): doubling from minBackoff, at most maxBackoff, each
// drawn between half and all of that.
func backoff(failures int) time.Duration {
	d := maxBackoff
	if failures < 10 {
		d = min(maxBackoff, minBackoff<<(failures-1))
	}
	return d/2 + rand.N(d/2+1)
}
