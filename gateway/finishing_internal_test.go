package gateway

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"
)

// TestLateWaitTakesTheRunning checks that wait waits for the finishes
// running when it is called and not for those that start after, that
// drain waits for those too, and that a wait ends with its context.
func TestLateWaitTakesTheRunning(t *testing.T) {
	is := is.New(t)
	var l lateFinishes
	first, second := make(chan struct{}), make(chan struct{})
	l.start("acct_1", func() { <-first })
	pending := l.running("", true) // what wait, called now, waits for
	is.Equal(len(pending), 1)
	l.start("acct_2", func() { <-second })
	waited := make(chan error, 1)
	go func() { waited <- until(context.Background(), pending) }()
	select {
	case <-waited:
		t.Fatal("wait returned while the finish it found still ran")
	case <-time.After(20 * time.Millisecond):
	}
	close(first)
	is.NoErr(<-waited) // the second finish still runs

	drained := make(chan error, 1)
	go func() { drained <- l.drain(context.Background()) }()
	select {
	case <-drained:
		t.Fatal("drain returned while a finish still ran")
	case <-time.After(20 * time.Millisecond):
	}
	close(second)
	is.NoErr(<-drained)
	is.Equal(len(l.running("", true)), 0)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	block := make(chan struct{})
	defer close(block)
	l.start("acct_1", func() { <-block })
	is.Equal(l.wait(ctx), context.Canceled) // a wait ends with its context
}

// TestLateWaitWhileStarting has requests start finishes while Flush
// waits, over and over: run with the race detector (make test does), a
// sync.WaitGroup here was reported as misused, and could panic.
func TestLateWaitWhileStarting(t *testing.T) {
	var l lateFinishes
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					l.start("acct_1", func() {})
				}
			}
		}()
	}
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if err := l.drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}
