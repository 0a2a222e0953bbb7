package gatewaytest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func testCachePublish(t *testing.T, newCache cacheFactory) {
	runCache(t, "OKNoSubscribers", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		is.NoErr(c.Publish(t.Context(), cacheKey(t, c, "ch"), []byte("nobody listens")))
	})
}

// subscribe subscribes to channel until the subtest ends.
func subscribe(t *testing.T, c gateway.Cache, channel string) <-chan []byte {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	ch, err := c.Subscribe(ctx, channel)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", channel, err)
	}
	return ch
}

// receive returns the next payload on ch, failing the test if none
// arrives within waitFor or ch is closed.
func receive(t *testing.T, ch <-chan []byte) string {
	t.Helper()
	select {
	case p, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed, want a payload")
		}
		return string(p)
	case <-time.After(waitFor):
		t.Fatalf("no payload within %v", waitFor)
		return ""
	}
}

func testCacheSubscribe(t *testing.T, newCache cacheFactory) {
	runCache(t, "OKInOrder", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		channel := cacheKey(t, c, "ch")
		sub := subscribe(t, c, channel)
		for i := range 10 {
			is.NoErr(c.Publish(t.Context(), channel, fmt.Appendf(nil, "m%d", i)))
		}
		for i := range 10 {
			is.Equal(receive(t, sub), fmt.Sprintf("m%d", i)) // every payload, in order
		}
	})
	runCache(t, "OKTwoSubscribers", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		channel := cacheKey(t, c, "ch")
		sub1, sub2 := subscribe(t, c, channel), subscribe(t, c, channel)
		is.NoErr(c.Publish(t.Context(), channel, []byte("hello")))
		is.Equal(receive(t, sub1), "hello")
		is.Equal(receive(t, sub2), "hello") // both receive it
	})
	runCache(t, "OKOnlyItsChannel", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		channel, other := cacheKey(t, c, "ch"), cacheKey(t, c, "other")
		sub := subscribe(t, c, channel)
		is.NoErr(c.Publish(t.Context(), other, []byte("elsewhere")))
		is.NoErr(c.Publish(t.Context(), channel, []byte("here")))
		is.Equal(receive(t, sub), "here")
	})
	runCache(t, "OKFromNowOn", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		channel := cacheKey(t, c, "ch")
		is.NoErr(c.Publish(t.Context(), channel, []byte("early")))
		sub := subscribe(t, c, channel)
		is.NoErr(c.Publish(t.Context(), channel, []byte("late")))
		is.Equal(receive(t, sub), "late") // a payload published before Subscribe is not received
	})
	runCache(t, "ClosesWhenCtxEnds", newCache, func(t *testing.T, is *is.I, c gateway.Cache) {
		channel := cacheKey(t, c, "ch")
		ctx, cancel := context.WithCancel(t.Context())
		sub, err := c.Subscribe(ctx, channel)
		is.NoErr(err)
		cancel()
		timeout := time.After(waitFor)
		for {
			select {
			case _, ok := <-sub:
				if !ok {
					is.NoErr(c.Publish(t.Context(), channel, []byte("after"))) // publishing to no one is fine
					return
				}
			case <-timeout:
				t.Fatalf("subscription still open %v after its ctx ended", waitFor)
			}
		}
	})
}
