package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

func TestCancel(t *testing.T) {
	t.Run("BeforeResponse", func(t *testing.T) {
		is := is.New(t)
		srv := httptest.NewServer(http.HandlerFunc(hang))
		defer srv.Close()
		u := mustNew(t, srv.URL, openai.Config{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		_, err := u.ChatStream(ctx, cred(testKey), userChat("m", "hi"))
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.True(errors.Is(err, context.Canceled))
		is.True(e.Delivered)
	})
	t.Run("MidStream", func(t *testing.T) {
		is := is.New(t)
		srv := openaitest.New(t, testKey)
		srv.SetChunks(50)
		srv.SetChunkDelay(20 * time.Millisecond)
		u := mustNew(t, srv.URL, openai.Config{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s, err := u.ChatStream(ctx, cred(testKey), userChat("gpt-4o-mini", strings.Repeat("word ", 100)))
		is.NoErr(err)
		defer s.Close()
		_, err = s.Next()
		is.NoErr(err)
		_, err = s.Next()
		is.NoErr(err)
		cancel()
		start := time.Now()
		_, err = s.Next()
		is.True(time.Since(start) < time.Second)
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.True(errors.Is(err, context.Canceled))
		is.True(e.Delivered)
		_, err2 := s.Next()
		is.Equal(err2, err) // sticky
	})
	t.Run("CloseMidStream", func(t *testing.T) {
		is := is.New(t)
		srv := openaitest.New(t, testKey)
		srv.SetChunks(50)
		srv.SetChunkDelay(20 * time.Millisecond)
		u := mustNew(t, srv.URL, openai.Config{})
		s, err := u.ChatStream(context.Background(), cred(testKey), userChat("gpt-4o-mini", strings.Repeat("word ", 100)))
		is.NoErr(err)
		_, err = s.Next()
		is.NoErr(err)
		time.AfterFunc(30*time.Millisecond, func() { _ = s.Close() })
		for err == nil {
			_, err = s.Next()
		}
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.True(e.Delivered)
		is.NoErr(s.Close())
	})
}

func sseServer(t *testing.T, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const (
	roleChunk   = `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}` + "\n\n"
	textChunk   = `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}` + "\n\n"
	finishChunk = `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n"
	usageChunk  = `data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}` + "\n\n"
)

func TestStreamEnd(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantUsage bool
		chunks    int
		code      gateway.Code // "" for a clean io.EOF
		message   string
	}{
		{name: "Done", body: roleChunk + textChunk + finishChunk + "data: [DONE]\n\n", chunks: 3},
		{name: "KeepAliveComments", body: ": ping\n\n" + roleChunk + ": ping\n\n" + finishChunk + "data: [DONE]\n\n", chunks: 2},
		{name: "CRLF", body: strings.ReplaceAll(roleChunk+finishChunk+"data: [DONE]\n\n", "\n", "\r\n"), chunks: 2},
		{name: "NoDoneAfterFinish", body: roleChunk + textChunk + finishChunk, chunks: 3},
		{name: "NoDoneAfterUsage", body: roleChunk + finishChunk + usageChunk, wantUsage: true, chunks: 3},
		{name: "NoDoneMissingUsage", body: roleChunk + finishChunk, wantUsage: true, chunks: 2,
			code: gateway.CodeUpstream, message: "openai: stream ended before [DONE]"},
		{name: "Cut", body: roleChunk + textChunk, chunks: 2, code: gateway.CodeUpstream, message: "openai: stream ended before [DONE]"},
		{name: "Empty", body: "", code: gateway.CodeUpstream, message: "openai: stream ended before [DONE]"},
		{name: "ErrorEvent", body: roleChunk + `data: {"error":{"message":"The server had an error","type":"server_error","code":null}}` + "\n\n",
			chunks: 1, code: gateway.CodeUpstream, message: "openai: The server had an error"},
		{name: "NamedErrorEvent", body: roleChunk + "event: error\n" + `data: {"error":{"message":"boom","type":"x","code":"overloaded"}}` + "\n\n",
			chunks: 1, code: gateway.CodeUpstream, message: "openai: boom"},
		{name: "InvalidJSON", body: roleChunk + "data: {nope\n\n", chunks: 1, code: gateway.CodeUpstream, message: "openai: invalid stream chunk"},
	}
	for _, tt := range tests {
		for _, raw := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/raw=%v", tt.name, raw), func(t *testing.T) {
				is := is.New(t)
				u := mustNew(t, sseServer(t, tt.body).URL, openai.Config{})
				req := userChat("m", "hi")
				if tt.wantUsage {
					req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
				}
				s, err := u.ChatStream(context.Background(), cred(testKey), req)
				is.NoErr(err)
				defer s.Close()
				n := 0
				for {
					if raw {
						_, err = s.(gateway.RawStream).NextRaw()
					} else {
						_, err = s.Next()
					}
					if err != nil {
						break
					}
					n++
				}
				checkStreamEnd(t, tt.code, tt.message, tt.chunks, n, err)
			})
		}
	}
}

// checkStreamEnd checks that a stream gave chunks chunks, n, and then
// ended in err as code and message say ("" for io.EOF).
func checkStreamEnd(t *testing.T, code gateway.Code, message string, chunks, n int, err error) {
	t.Helper()
	is := is.New(t)
	is.Equal(n, chunks)
	if code == "" {
		is.Equal(err, io.EOF)
		return
	}
	e := asError(t, err)
	is.Equal(e.Code, code)
	is.Equal(e.Message, message)
	is.True(e.Delivered)
}

// NextRaw gives a chunk with no usage and no error as the upstream sent
// it, and decodes the rest: each reads back as Next decodes it.
func TestStreamRaw(t *testing.T) {
	body := roleChunk + textChunk + finishChunk + usageChunk + "data: [DONE]\n\n"
	for _, tt := range []struct {
		name string
		body string
		raw  []bool // whether each chunk comes raw
	}{
		{"OpenAI", body, []bool{true, true, true, false}},
		{"Groq", groqSSE, []bool{false, false}},
		{"UsageNull", `data: {"id":"c1","choices":[{"index":0,"delta":{"content":"a: \"b\""}}],"usage" : null}` + "\n\n" + finishChunk + "data: [DONE]\n\n", []bool{true, true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			u := mustNew(t, sseServer(t, tt.body).URL, openai.Config{})
			req := userChat("m", "hi")
			s, err := u.ChatStream(context.Background(), cred(testKey), req)
			is.NoErr(err)
			want := drain(t, s)
			is.NoErr(s.Close())

			s, err = u.ChatStream(context.Background(), cred(testKey), req)
			is.NoErr(err)
			defer s.Close()
			for i := 0; ; i++ {
				r, err := s.(gateway.RawStream).NextRaw()
				if err == io.EOF {
					is.Equal(i, len(want))
					break
				}
				is.NoErr(err)
				is.Equal(r.JSON == nil, !tt.raw[i]) // raw as expected
				got := r.Chunk
				if r.JSON != nil {
					is.True(strings.Contains(tt.body, "data: "+string(r.JSON)+"\n")) // the bytes as sent
					got = new(gateway.ChatChunk)
					is.NoErr(json.Unmarshal(r.JSON, got))
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want[i])
				is.Equal(string(g), string(w))
			}
		})
	}
}

func TestStreamNotEventStream(t *testing.T) {
	is := is.New(t)
	srv := httptest.NewServer(reply(200, nil, `{"id":"x"}`))
	defer srv.Close()
	u := mustNew(t, srv.URL, openai.Config{})
	_, err := u.ChatStream(context.Background(), cred(testKey), userChat("m", "hi"))
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.Equal(e.Message, `openai: expected text/event-stream, got "application/json"`)
}
