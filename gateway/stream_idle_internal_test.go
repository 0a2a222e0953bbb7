package gateway

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// feedStream hands out the chunks sent on feed and fails once closed.
type feedStream struct {
	feed   chan *ChatChunk
	once   sync.Once
	closed chan struct{}
}

func newFeedStream() *feedStream {
	return &feedStream{feed: make(chan *ChatChunk, 8), closed: make(chan struct{})}
}

func (s *feedStream) Next() (*ChatChunk, error) {
	select {
	case c := <-s.feed:
		return c, nil
	case <-s.closed:
		return nil, errors.New("closed")
	}
}

func (s *feedStream) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// A client that takes longer than idle to read each chunk is not the
// upstream's silence: only the waits for a chunk count.
func TestIdleWaitCountsOnlyWaits(t *testing.T) {
	t.Parallel()
	const idle = 40 * time.Millisecond
	up := newFeedStream()
	w := &idleWait{up: up, idle: idle}
	defer w.stop()
	for i := range 4 {
		up.feed <- &ChatChunk{ID: "c"}
		if _, err := w.next(); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		time.Sleep(3 * idle) // the client reads slowly
	}
	// Chunks that come just inside idle, one after another, add up to
	// more than idle without a cut.
	go func() {
		for range 4 {
			time.Sleep(idle / 4)
			up.feed <- &ChatChunk{ID: "c"}
		}
	}()
	for i := range 4 {
		if _, err := w.next(); err != nil {
			t.Fatalf("paced chunk %d: %v", i, err)
		}
	}
}

// A wait that lasts idle closes the upstream and ends in
// CodeUpstreamTimeout, also after the timer has gone round idle times
// with no wait running.
func TestIdleWaitCutsASilentUpstream(t *testing.T) {
	t.Parallel()
	const idle = 40 * time.Millisecond
	up := newFeedStream()
	w := &idleWait{up: up, idle: idle}
	defer w.stop()
	up.feed <- &ChatChunk{ID: "c"}
	if _, err := w.next(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * idle)
	_, err := w.next() // nothing comes
	if e := AsError(err); e.Code != CodeUpstreamTimeout || !e.Delivered {
		t.Fatalf("err = %v, want a delivered upstream timeout", err)
	}
	select {
	case <-up.closed:
	default:
		t.Fatal("the upstream stream was not closed")
	}
}

// After stop the timer never cuts the upstream.
func TestIdleWaitStopped(t *testing.T) {
	t.Parallel()
	const idle = 20 * time.Millisecond
	up := newFeedStream()
	w := &idleWait{up: up, idle: idle}
	up.feed <- &ChatChunk{ID: "c"}
	if _, err := w.next(); err != nil {
		t.Fatal(err)
	}
	w.stop()
	w.waits.Add(1) // as if a wait began and never ended
	time.Sleep(5 * idle)
	select {
	case <-up.closed:
		t.Fatal("a stopped wait closed the upstream")
	default:
	}
}
