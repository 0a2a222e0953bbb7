package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func TestSubscribeClosedByClose(t *testing.T) {
	is := is.New(t)
	c := open(t)
	sub, err := c.Subscribe(t.Context(), "ch")
	is.NoErr(err)
	c.Close()
	select {
	case _, ok := <-sub:
		is.True(!ok) // Close ends the subscription
	case <-time.After(2 * time.Second):
		t.Fatal("subscription still open after Close")
	}
	_, err = c.Subscribe(t.Context(), "ch")
	is.Equal(gateway.ErrorCode(err), gateway.CodeUnavailable)
}

func TestSubscribeCanceledCtx(t *testing.T) {
	is := is.New(t)
	c := open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	sub, err := c.Subscribe(ctx, "ch")
	is.NoErr(err)
	select {
	case _, ok := <-sub:
		is.True(!ok) // already closed
	case <-time.After(2 * time.Second):
		t.Fatal("subscription open on an ended ctx")
	}
}

// receive returns the next payload on ch within d, failing the test if
// none arrives or ch is closed.
func receive(t *testing.T, ch <-chan []byte, d time.Duration) string {
	t.Helper()
	select {
	case p, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed, want a payload")
		}
		return string(p)
	case <-time.After(d):
		t.Fatalf("no payload within %v", d)
		return ""
	}
}
