package openai_test

import (
	"context"
	"io"
	"net/http/httptrace"
	"sync/atomic"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

func TestConnectionReuse(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	u := mustNew(t, srv.URL, openai.Config{})
	var conns, reused atomic.Int32
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			conns.Add(1)
			if info.Reused {
				reused.Add(1)
			}
		},
	})
	for range 5 {
		_, err := u.Chat(ctx, cred(testKey), userChat("gpt-4o-mini", "hi"))
		is.NoErr(err)
		s, err := u.ChatStream(ctx, cred(testKey), userChat("gpt-4o-mini", "hi"))
		is.NoErr(err)
		drain(t, s)
		is.NoErr(s.Close())
	}
	is.Equal(conns.Load(), int32(10))
	is.Equal(reused.Load(), int32(9)) // one connection for all ten calls
}

func BenchmarkChat(b *testing.B) {
	srv := openaitest.New(b, testKey)
	srv.SetRecord(false)
	u := mustNew(b, srv.URL, openai.Config{})
	c, req := cred(testKey), userChat("gpt-4o-mini", "hello benchmark world")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := u.Chat(context.Background(), c, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChatParallel(b *testing.B) {
	srv := openaitest.New(b, testKey)
	srv.SetRecord(false)
	u := mustNew(b, srv.URL, openai.Config{})
	c, req := cred(testKey), userChat("gpt-4o-mini", "hello benchmark world")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := u.Chat(context.Background(), c, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkChatStream reports the cost per streamed chunk (ns/chunk) of a
// stream of 1 role, 64 content and 1 finish chunks.
func BenchmarkChatStream(b *testing.B) {
	srv := openaitest.New(b, testKey)
	srv.SetRecord(false)
	srv.SetChunks(64)
	u := mustNew(b, srv.URL, openai.Config{})
	text := ""
	for range 64 {
		text += "word "
	}
	c, req := cred(testKey), userChat("gpt-4o-mini", text)
	b.ReportAllocs()
	chunks := 0
	for b.Loop() {
		s, err := u.ChatStream(context.Background(), c, req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			chunks++
		}
		_ = s.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(chunks), "ns/chunk")
}
