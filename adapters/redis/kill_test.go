//go:build !race

// These tests kill a Cache's connections from the server's side. When a
// connection dies while rueidis's writer goroutine still writes a command,
// rueidis gives the command back to its pool while that goroutine may
// read it, which the race detector reports in whatever test builds the
// next command. The race is rueidis's own and harmless to the Cache (what
// is written goes to a dead connection), so these run without -race:
// make test runs them in a pass of their own.

package redis_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/redis/rueidis"

	"github.com/tollgate-ai/tollgate/gateway"
)

// clientIDs returns the ids of the connections named name, of the CLIENT
// LIST type typ: pubsub (subscribed) or normal.
func clientIDs(t *testing.T, raw rueidis.Client, name, typ string) []int64 {
	t.Helper()
	cmd := raw.B().ClientList().TypeNormal().Build()
	if typ == "pubsub" {
		cmd = raw.B().ClientList().TypePubsub().Build()
	}
	list, err := raw.Do(t.Context(), cmd).ToString()
	if err != nil {
		t.Fatalf("CLIENT LIST TYPE %s: %v", typ, err)
	}
	list = strings.TrimPrefix(list, "txt:") // a RESP3 verbatim string
	var ids []int64
	for line := range strings.Lines(list) {
		fields := map[string]string{}
		for f := range strings.FieldsSeq(line) {
			k, v, _ := strings.Cut(f, "=")
			fields[k] = v
		}
		if fields["name"] != name {
			continue
		}
		id, err := strconv.ParseInt(fields["id"], 10, 64)
		if err != nil {
			t.Fatalf("CLIENT LIST line %q: %v", line, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// kill closes the connections ids from the server's side.
func kill(t *testing.T, raw rueidis.Client, ids []int64) {
	t.Helper()
	for _, id := range ids {
		if err := raw.Do(t.Context(), raw.B().ClientKill().Id(id).Build()).Error(); err != nil {
			t.Fatalf("CLIENT KILL ID %d: %v", id, err)
		}
	}
}

// TestSubscribeSurvivesKill kills the subscription's connection from the
// server's side, as a Redis restart or a network cut would: the Cache
// subscribes again by itself and payloads arrive again.
func TestSubscribeSurvivesKill(t *testing.T) {
	is := is.New(t)
	name := "tollgate-test-" + random(6)
	c := openWith(t, newPrefix(), name)
	raw := rawClient(t)
	ctx := t.Context()

	sub, err := c.Subscribe(ctx, "ch")
	is.NoErr(err)
	is.NoErr(c.Publish(ctx, "ch", []byte("before")))
	is.Equal(receive(t, sub, 2*time.Second), "before")

	ids := clientIDs(t, raw, name, "pubsub")
	is.Equal(len(ids), 1) // one connection per subscription
	kill(t, raw, ids)

	deadline := time.Now().Add(5 * time.Second)
	for i := 0; ; i++ {
		is.NoErr(c.Publish(ctx, "ch", fmt.Appendf(nil, "after %d", i)))
		select {
		case p, ok := <-sub:
			is.True(ok) // the subscription lives on
			is.True(strings.HasPrefix(string(p), "after "))
			got := clientIDs(t, raw, name, "pubsub")
			is.Equal(len(got), 1)
			is.True(got[0] != ids[0]) // on a new connection
			return
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no payload within 5s of the subscription's connection being killed")
		}
	}
}

// TestCommandsSurviveKill kills every command connection: the next calls
// may fail, then the Cache reconnects by itself.
func TestCommandsSurviveKill(t *testing.T) {
	is := is.New(t)
	name := "tollgate-test-" + random(6)
	c := openWith(t, newPrefix(), name)
	raw := rawClient(t)
	ctx := t.Context()
	is.NoErr(c.Set(ctx, "k", []byte("v"), 0))
	ids := clientIDs(t, raw, name, "normal")
	is.True(len(ids) > 0)
	kill(t, raw, ids)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := c.Get(ctx, "k")
		if err == nil {
			is.Equal(string(got), "v")
			return
		}
		is.Equal(gateway.ErrorCode(err), gateway.CodeInternal) // a failing dependency
		if time.Now().After(deadline) {
			t.Fatalf("Get still fails 5s after the connections were killed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
