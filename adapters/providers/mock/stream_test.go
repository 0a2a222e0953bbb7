package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/gateway"
)

func TestStream(t *testing.T) {
	tests := []struct {
		name    string
		options map[string]string
		usage   bool
		content int // content chunks
	}{
		{"DefaultChunks", map[string]string{"reply": "abcdefghijklmnop"}, false, 5},
		{"ChunksOption", map[string]string{"reply": "abcdefghij", "chunks": "3"}, false, 3},
		{"WithUsage", map[string]string{"reply": "abcdefghij", "chunks": "3"}, true, 3},
		{"FewerRunesThanChunks", map[string]string{"reply": "héé", "chunks": "10"}, true, 3},
		{"OneChunk", map[string]string{"reply": "a b c", "chunks": "1"}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			req := chatReq(msg("user", "hi there"))
			req.Stream = true
			if tt.usage {
				req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
			}
			s, err := mustNew(t, tt.options).ChatStream(context.Background(), nil, req)
			is.NoErr(err)
			defer s.Close()
			chunks := drain(t, s)
			want := 1 + tt.content + 1
			if tt.usage {
				want++
			}
			is.Equal(len(chunks), want)

			is.Equal(chunks[0].Choices[0].Delta.Role, "assistant")
			var text strings.Builder
			for i, c := range chunks {
				is.True(strings.HasPrefix(c.ID, "chatcmpl-mock-"))
				is.Equal(c.ID, chunks[0].ID)
				is.Equal(c.Object, "chat.completion.chunk")
				is.Equal(c.Model, "mock-1")
				if i >= 1 && i <= tt.content {
					is.True(c.Choices[0].Delta.Content != "")
				}
				for _, ch := range c.Choices {
					text.WriteString(ch.Delta.Content)
				}
			}
			is.Equal(text.String(), tt.options["reply"])
			finish := chunks[1+tt.content]
			is.Equal(finish.Choices[0].FinishReason, "stop")
			is.True(finish.Usage == nil)
			if tt.usage {
				last := chunks[len(chunks)-1]
				is.True(last.Choices != nil)
				is.Equal(len(last.Choices), 0)
				is.Equal(last.Usage.PromptTokens, 2+4+3)
				is.Equal(last.Usage.CompletionTokens, len(strings.Fields(tt.options["reply"])))
				b, err := json.Marshal(last)
				is.NoErr(err)
				is.True(strings.Contains(string(b), `"choices":[]`))
			}
			_, err = s.Next()
			is.Equal(err, io.EOF)
			is.NoErr(s.Close())
			is.NoErr(s.Close())
		})
	}
}

func TestStreamN(t *testing.T) {
	is := is.New(t)
	n := 2
	req := chatReq(msg("user", "hi"))
	req.N = &n
	s, err := mustNew(t, map[string]string{"reply": "abcd", "chunks": "2"}).ChatStream(context.Background(), nil, req)
	is.NoErr(err)
	chunks := drain(t, s)
	is.Equal(len(chunks), 2*(1+2+1))
	text := map[int]string{}
	for _, c := range chunks {
		text[c.Choices[0].Index] += c.Choices[0].Delta.Content
	}
	is.Equal(text, map[int]string{0: "abcd", 1: "abcd"})
}

func weatherTool(name string) gateway.Tool {
	return gateway.Tool{Type: "function", Function: gateway.Function{Name: name}}
}

func toolChoice(tb testing.TB, raw string) *gateway.ToolChoice {
	var c gateway.ToolChoice
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		tb.Fatal(err)
	}
	return &c
}

func TestTools(t *testing.T) {
	tests := []struct {
		name   string
		msgs   []gateway.Message
		choice string
		call   string // "" for a text reply
	}{
		{"FirstTool", []gateway.Message{msg("user", "weather?")}, "", "get_weather"},
		{"Auto", []gateway.Message{msg("user", "weather?")}, `"auto"`, "get_weather"},
		{"Named", []gateway.Message{msg("user", "weather?")}, `{"type":"function","function":{"name":"get_time"}}`, "get_time"},
		{"None", []gateway.Message{msg("user", "weather?")}, `"none"`, ""},
		{"AfterToolResult", []gateway.Message{msg("user", "weather?"),
			{Role: "assistant", ToolCalls: []gateway.ToolCall{{ID: "call_1", Type: "function", Function: gateway.FunctionCall{Name: "get_weather", Arguments: "{}"}}}},
			{Role: "tool", ToolCallID: "call_1", Content: gateway.TextContent("sunny")}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := mustNew(t, map[string]string{"chunks": "4"})
			req := chatReq(tt.msgs...)
			req.Tools = []gateway.Tool{weatherTool("get_weather"), weatherTool("get_time")}
			if tt.choice != "" {
				req.ToolChoice = toolChoice(t, tt.choice)
			}
			t.Run("Chat", func(t *testing.T) {
				is := is.New(t)
				resp, err := u.Chat(context.Background(), nil, req)
				is.NoErr(err)
				c := resp.Choices[0]
				if tt.call == "" {
					is.Equal(c.FinishReason, "stop")
					is.Equal(len(c.Message.ToolCalls), 0)
					return
				}
				is.Equal(c.FinishReason, "tool_calls")
				is.True(c.Message.Content.IsNull())
				is.Equal(len(c.Message.ToolCalls), 1)
				tc := c.Message.ToolCalls[0]
				is.True(strings.HasPrefix(tc.ID, "call_mock_"))
				is.Equal(tc.Type, "function")
				is.Equal(tc.Function.Name, tt.call)
				is.Equal(tc.Function.Arguments, "{}")
			})
			t.Run("Stream", func(t *testing.T) {
				is := is.New(t)
				s, err := u.ChatStream(context.Background(), nil, req)
				is.NoErr(err)
				chunks := drain(t, s)
				var name, args, finish string
				for _, c := range chunks {
					for _, tc := range c.Choices[0].Delta.ToolCalls {
						is.Equal(*tc.Index, 0)
						name += tc.Function.Name
						args += tc.Function.Arguments
					}
					if f := c.Choices[0].FinishReason; f != "" {
						finish = f
					}
				}
				if tt.call == "" {
					is.Equal(finish, "stop")
					is.Equal(name, "")
					return
				}
				is.Equal(finish, "tool_calls")
				is.Equal(name, tt.call)
				is.Equal(args, "{}")
				is.Equal(len(chunks), 1+2+1) // "{}" is two runes
			})
		})
	}
}

func TestDelayAndLatency(t *testing.T) {
	t.Run("Delay", func(t *testing.T) {
		is := is.New(t)
		u := mustNew(t, map[string]string{"reply": "abc", "chunks": "3", "delay": "15ms"})
		start := time.Now()
		s, err := u.ChatStream(context.Background(), nil, chatReq(msg("user", "x")))
		is.NoErr(err)
		is.Equal(len(drain(t, s)), 5)
		is.True(time.Since(start) >= 4*15*time.Millisecond) // a delay before every chunk but the first
	})
	t.Run("Latency", func(t *testing.T) {
		is := is.New(t)
		u := mustNew(t, map[string]string{"latency": "40ms"})
		start := time.Now()
		_, err := u.Chat(context.Background(), nil, chatReq(msg("user", "x")))
		is.NoErr(err)
		is.True(time.Since(start) >= 40*time.Millisecond)
	})
}

func TestCancel(t *testing.T) {
	t.Run("DuringLatency", func(t *testing.T) {
		is := is.New(t)
		u := mustNew(t, map[string]string{"latency": "10s"})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err := u.Chat(ctx, nil, chatReq(msg("user", "x")))
		is.True(time.Since(start) < 5*time.Second)
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.True(errors.Is(err, context.Canceled))
	})
	t.Run("DeadlineDuringLatency", func(t *testing.T) {
		is := is.New(t)
		u := mustNew(t, map[string]string{"latency": "10s"})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := u.ChatStream(ctx, nil, chatReq(msg("user", "x")))
		is.Equal(gateway.ErrorCode(err), gateway.CodeUpstreamTimeout)
		is.True(errors.Is(err, context.DeadlineExceeded))
	})
	t.Run("DuringDelay", func(t *testing.T) {
		is := is.New(t)
		u := mustNew(t, map[string]string{"delay": "10s"})
		ctx, cancel := context.WithCancel(context.Background())
		s, err := u.ChatStream(ctx, nil, chatReq(msg("user", "x")))
		is.NoErr(err)
		defer s.Close()
		_, err = s.Next() // the first chunk comes at once
		is.NoErr(err)
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		_, err = s.Next()
		is.True(time.Since(start) < 5*time.Second)
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.True(e.Delivered)
		is.True(errors.Is(err, context.Canceled))
		_, err2 := s.Next()
		is.Equal(err2, err) // sticky
	})
	t.Run("CloseDuringDelay", func(t *testing.T) {
		is := is.New(t)
		u := mustNew(t, map[string]string{"delay": "10s"})
		s, err := u.ChatStream(context.Background(), nil, chatReq(msg("user", "x")))
		is.NoErr(err)
		_, err = s.Next()
		is.NoErr(err)
		time.AfterFunc(20*time.Millisecond, func() { _ = s.Close() })
		start := time.Now()
		_, err = s.Next()
		is.True(time.Since(start) < 5*time.Second)
		is.Equal(gateway.ErrorCode(err), gateway.CodeUpstream)
	})
	t.Run("AlreadyCanceled", func(t *testing.T) {
		is := is.New(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := mustNew(t, nil).Chat(ctx, nil, chatReq(msg("user", "x")))
		is.True(errors.Is(err, context.Canceled))
	})
}
