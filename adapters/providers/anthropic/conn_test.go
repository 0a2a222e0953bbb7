package anthropic_test

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/anthropictest"
)

// TestConnections checks that calls read to their end give their
// connection back to the pool, and that a stream closed early does not:
// closing the connection is how the provider learns to stop.
func TestConnections(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	var conns, reused atomic.Int32
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			conns.Add(1)
			if info.Reused {
				reused.Add(1)
			}
		},
	})
	for range 3 {
		_, err := u.Chat(ctx, cred(testKey), userChat("hi"))
		is.NoErr(err)
		s, err := u.ChatStream(ctx, cred(testKey), userChat("hi"))
		is.NoErr(err)
		drain(t, s)
		is.NoErr(s.Close())
	}
	is.Equal(conns.Load(), int32(6))
	is.Equal(reused.Load(), int32(5)) // one connection for all six calls

	srv.SetChunkDelay(20 * time.Millisecond) // so the stream is still coming when it is closed
	s, err := u.ChatStream(ctx, cred(testKey), userChat("a b c d e f"))
	is.NoErr(err)
	_, err = s.Next()
	is.NoErr(err)
	is.NoErr(s.Close()) // before the end
	srv.SetChunkDelay(0)
	_, err = u.Chat(ctx, cred(testKey), userChat("hi"))
	is.NoErr(err)
	is.Equal(conns.Load(), int32(8))
	is.Equal(reused.Load(), int32(6)) // the cut stream's connection was not reused
}
