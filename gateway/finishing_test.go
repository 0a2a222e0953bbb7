package gateway_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

// remoteCache says it is a RemoteCache and holds each Finish until the
// test lets it go, as a slow round trip would.
type remoteCache struct {
	*countingCache
	entered chan struct{} // a Finish began
	gate    chan struct{} // closed: Finish goes on
}

func (c *remoteCache) Remote() bool { return true }

func (c *remoteCache) Finish(ctx context.Context, t gateway.Ticket, adjust []gateway.Bucket, cost gateway.Micros) (gateway.Micros, bool, error) {
	c.entered <- struct{}{}
	<-c.gate
	return c.countingCache.Finish(ctx, t, adjust, cost)
}

func newRemote(t *testing.T) (*fixture, *remoteCache) {
	rc := &remoteCache{countingCache: &countingCache{calls: map[string]int{}},
		entered: make(chan struct{}, 10), gate: make(chan struct{})}
	f := newFixtureWith(t, gateway.Config{}, func(c gateway.Cache) gateway.Cache { rc.Cache = c; return rc })
	t.Cleanup(func() {
		select {
		case <-rc.gate:
		default:
			close(rc.gate) // lets Close's wait end when a test failed early
		}
	})
	return f, rc
}

// returns fails the test when fn has not returned in a few seconds: a
// deadlock check, not a timing.
func returns(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not return", what)
	}
}

// waitsForFinish checks that fn has not returned while rc holds a Finish
// (for a while: a missing wait shows at once), then lets the Finish go
// and returns fn's error.
func waitsForFinish(t *testing.T, rc *remoteCache, what string, fn func() error) error {
	t.Helper()
	out := make(chan error, 1)
	go func() { out <- fn() }()
	select {
	case <-out:
		t.Fatalf("%s returned while a Finish was on its way", what)
	case <-time.After(20 * time.Millisecond):
	}
	close(rc.gate)
	var err error
	returns(t, what, func() { err = <-out })
	return err
}

func TestRemoteCacheAnswersBeforeFinishing(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f, rc := newRemote(t)
	c := f.limitedPrepaid(t) // concurrency 1 for the key and the account

	// The answer comes while the Finish is held.
	var err error
	returns(t, "Chat", func() { _, err = f.gw.Chat(context.Background(), c, capped()) })
	is.NoErr(err)
	<-rc.entered

	// The same key's next request finds the lease still taken, waits for
	// the late Finish that gives it back, and is admitted.
	second := make(chan error, 1)
	go func() {
		_, err := f.gw.Chat(context.Background(), again(c), capped())
		second <- err
	}()
	returns(t, "the second Admit", func() {
		for rc.counted()["Admit"] < 2 { // refused, it waits for the late Finish
			time.Sleep(time.Millisecond)
		}
	})
	close(rc.gate)
	returns(t, "the second Chat", func() { err = <-second })
	is.NoErr(err)
	is.Equal(rc.counted()["Admit"], 3) // the first, the second refused, the second again
	es := f.settled(t, c.Account.ID, 2)
	is.Equal(len(es), 2)
	is.Equal(es[0].Amount+es[1].Amount, gateway.Micros(-4000)) // both charged exactly
}

func TestCloseWaitsForLateFinishes(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f, rc := newRemote(t)
	c := f.limitedPrepaid(t)
	_, err := f.gw.Chat(context.Background(), c, capped())
	is.NoErr(err)
	<-rc.entered

	is.NoErr(waitsForFinish(t, rc, "Close", f.gw.Close))
	// The biller wrote the charge before it closed.
	es, err := f.store.ListEntries(context.Background(), gateway.LedgerFilter{AccountID: c.Account.ID, Kind: gateway.EntryUsage})
	is.NoErr(err)
	is.Equal(len(es), 1)
	is.Equal(es[0].Amount, gateway.Micros(-2000))
}

func TestRequestRateRefusalDoesNotWaitForLateFinishes(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f, rc := newRemote(t)
	ctx := context.Background()
	c := f.prepaid(t, 1_000_000)
	_, secret, err := f.admin.IssueKey(ctx, c.Account.ID, gateway.KeySpec{Limits: gateway.Limits{RequestsPerMinute: 1}}, gateway.IssuedByAdmin)
	is.NoErr(err)
	c, err = f.gw.Authenticate(secret, "127.0.0.1")
	is.NoErr(err)
	_, err = f.gw.Chat(ctx, c, capped())
	is.NoErr(err)
	<-rc.entered // its Finish is held

	// A Finish gives no request back: the refusal comes at once.
	returns(t, "the refused Chat", func() { _, err = f.gw.Chat(ctx, again(c), capped()) })
	is.Equal(gateway.ErrorCode(err), gateway.CodeRateLimited)
	is.Equal(rc.counted()["Admit"], 2)
}

func TestRemoteCacheEndsStreamsBeforeFinishing(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f, rc := newRemote(t)
	c := f.limitedPrepaid(t)
	req := capped()
	req.Stream = true
	s, err := f.gw.ChatStream(context.Background(), c, req)
	is.NoErr(err)
	// The stream's end reaches the client while its Finish is held.
	returns(t, "the stream", func() {
		for err == nil {
			_, err = s.Next()
		}
	})
	is.True(errors.Is(err, io.EOF))
	is.NoErr(s.Close())
	<-rc.entered
	close(rc.gate)
	es := f.settled(t, c.Account.ID, 1)
	is.Equal(len(es), 1)
}

// A host whose process is frozen after each request (AWS Lambda) flushes
// before it answers: Flush waits for the late Finish, then writes its
// charge.
func TestFlushWaitsForLateFinishes(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f, rc := newRemote(t)
	c := f.limitedPrepaid(t)
	ctx := context.Background()
	_, err := f.gw.Chat(ctx, c, capped())
	is.NoErr(err)
	<-rc.entered

	is.NoErr(waitsForFinish(t, rc, "Flush", func() error { return f.gw.Flush(ctx) }))
	es, err := f.store.ListEntries(ctx, gateway.LedgerFilter{AccountID: c.Account.ID, Kind: gateway.EntryUsage})
	is.NoErr(err)
	is.Equal(len(es), 1) // written by Flush itself, not later
}
