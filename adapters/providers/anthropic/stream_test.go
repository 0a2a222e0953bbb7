package anthropic_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropictest"
)

// content concatenates the content deltas of chunks.
func content(chunks []*gateway.ChatChunk) string {
	var b strings.Builder
	for _, c := range chunks {
		for _, ch := range c.Choices {
			b.WriteString(ch.Delta.Content)
		}
	}
	return b.String()
}

func TestChatStream(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	srv.SetChunks(4)
	u := mustNew(t, srv.URL, nil)
	req := userChat("one two three four five")
	req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)
	is.Equal(len(chunks), 1+4+1+1) // role, 4 deltas, finish, usage
	first := chunks[0]
	is.Equal(first.Choices[0].Delta.Role, "assistant")
	id := first.ID
	is.True(strings.HasPrefix(id, "msg_01"))
	for _, c := range chunks {
		is.Equal(c.ID, id)
		is.Equal(c.Object, "chat.completion.chunk")
		is.Equal(c.Model, "claude-sonnet-4-5")
		is.Equal(c.Created, first.Created)
	}
	is.Equal(content(chunks), "Echo: one two three four five")
	is.Equal(chunks[5].Choices[0].FinishReason, "stop")
	usage := chunks[6].Usage
	is.Equal(usage.PromptTokens, 3+5)
	is.Equal(usage.CompletionTokens, 6)
	is.Equal(len(chunks[6].Choices), 0)
	data, err := json.Marshal(chunks[6])
	is.NoErr(err)
	is.True(strings.Contains(string(data), `"choices":[]`))

	body := sentBody(t, srv)
	is.True(body.Stream)
	is.Equal(srv.Requests()[0].Header.Get("Accept"), "text/event-stream")
	_, err = s.Next()
	is.Equal(err, io.EOF) // stays at the end
}

func TestChatStreamWithoutUsage(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	s, err := u.ChatStream(context.Background(), cred(testKey), userChat("hi"))
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)
	for _, c := range chunks {
		is.True(c.Usage == nil)
	}
	is.Equal(chunks[len(chunks)-1].Choices[0].FinishReason, "stop")
}

// toolCalls assembles the streamed tool calls by index.
func toolCalls(chunks []*gateway.ChatChunk) []gateway.ToolCall {
	var out []gateway.ToolCall
	for _, c := range chunks {
		for _, ch := range c.Choices {
			for _, tc := range ch.Delta.ToolCalls {
				i := *tc.Index
				for len(out) <= i {
					out = append(out, gateway.ToolCall{})
				}
				if tc.ID != "" {
					out[i].ID, out[i].Type, out[i].Function.Name = tc.ID, tc.Type, tc.Function.Name
				}
				out[i].Function.Arguments += tc.Function.Arguments
			}
		}
	}
	return out
}

func TestChatStreamParallelTools(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	srv.SetChunks(3)
	u := mustNew(t, srv.URL, nil)
	req := userChat("both in parallel")
	req.Tools = []gateway.Tool{weatherTool(), {Type: "function", Function: gateway.Function{Name: "get_time",
		Parameters: json.RawMessage(`{"type":"object","properties":{"zone":{"type":"string"}}}`)}}}
	req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}

	whole, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)

	calls := toolCalls(chunks)
	is.Equal(len(calls), 2) // indexes 0 and 1, though the content blocks are 1 and 2
	is.Equal(calls[0].Type, "function")
	is.Equal(calls[0].Function.Name, "get_weather")
	is.Equal(calls[0].Function.Arguments, whole.Choices[0].Message.ToolCalls[0].Function.Arguments)
	is.Equal(calls[1].Function.Name, "get_time")
	is.Equal(calls[1].Function.Arguments, `{"zone":"both in parallel"}`)
	is.Equal(content(chunks), "Let me use get_weather and get_time.")
	var starts int
	for _, c := range chunks {
		for _, ch := range c.Choices {
			for _, tc := range ch.Delta.ToolCalls {
				if tc.ID != "" {
					starts++
					is.Equal(tc.Function.Arguments, "")
				} else {
					is.True(tc.Function.Arguments != "") // no empty fragments
				}
			}
			if ch.FinishReason != "" {
				is.Equal(ch.FinishReason, "tool_calls")
			}
		}
	}
	is.Equal(starts, 2)
}

func TestChatStreamJSONFormat(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	req := userChat("x")
	req.ResponseFormat = &gateway.ResponseFormat{Type: "json_schema", JSONSchema: json.RawMessage(`{"name":"a","schema":{"type":"object","properties":{"v":{"type":"boolean"}}}}`)}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)
	is.Equal(content(chunks), `{"v":true}`)
	is.Equal(len(toolCalls(chunks)), 0)
	is.Equal(chunks[len(chunks)-1].Choices[0].FinishReason, "stop")
}

func TestChatStreamSkipsThinking(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	req := userChat("why")
	req.Extra = gateway.Extra{"reasoning_effort": json.RawMessage(`"low"`)}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	is.Equal(content(drain(t, s)), "Echo: why")
}

func TestChatStreamErrorEvent(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	srv.FailInStream(1)
	u := mustNew(t, srv.URL, nil)
	s, err := u.ChatStream(context.Background(), cred(testKey), userChat("a b c d e f"))
	is.NoErr(err)
	defer s.Close()
	var got int
	for {
		_, err = s.Next()
		if err != nil {
			break
		}
		got++
	}
	is.Equal(got, 2) // the role chunk and one delta
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.Equal(e.Type, "overloaded_error")
	is.Equal(e.Message, "anthropic: Overloaded")
	is.True(e.Delivered)
	_, again := s.Next()
	is.Equal(again, err) // sticky
}

func TestChatStreamCut(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	srv.CutAfter(4)
	u := mustNew(t, srv.URL, nil)
	s, err := u.ChatStream(context.Background(), cred(testKey), userChat("a b c d e f"))
	is.NoErr(err)
	defer s.Close()
	for err == nil {
		_, err = s.Next()
	}
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.True(e.Delivered)
	is.True(!strings.Contains(e.Error(), testKey))
}

// sseServer serves a canned event stream.
func sseServer(t *testing.T, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestChatStreamEndsEarly(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := sseServer(t, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n"+
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":3}}\n\n")
	u := mustNew(t, srv.URL, nil)
	s, err := u.ChatStream(context.Background(), cred(testKey), userChat("x"))
	is.NoErr(err)
	defer s.Close()
	var chunks int
	for err == nil {
		_, err = s.Next()
		chunks++
	}
	e := asError(t, err)
	is.Equal(e.Message, "anthropic: stream ended before message_stop")
	is.True(e.Delivered)
	is.Equal(chunks, 3) // role, finish, then the error
}

func TestChatStreamNotEventStream(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	u := mustNew(t, srv.URL, nil)
	_, err := u.ChatStream(context.Background(), cred(testKey), userChat("x"))
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.True(e.Delivered)
}

func TestChatStreamCloseEarly(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	srv.SetChunkDelay(20 * time.Millisecond)
	u := mustNew(t, srv.URL, nil)
	s, err := u.ChatStream(context.Background(), cred(testKey), userChat("a b c d e f g h"))
	is.NoErr(err)
	_, err = s.Next()
	is.NoErr(err)
	done := make(chan error, 1)
	go func() {
		var err error
		for err == nil {
			_, err = s.Next()
		}
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	is.NoErr(s.Close())
	is.NoErr(s.Close()) // twice is fine
	select {
	case err := <-done:
		is.True(err != io.EOF) // the stream was cut, not finished
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after Close")
	}
}

func TestChatStreamCanceled(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	srv.SetChunkDelay(50 * time.Millisecond)
	u := mustNew(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := u.ChatStream(ctx, cred(testKey), userChat("a b c d e f g h"))
	is.NoErr(err)
	defer s.Close()
	_, err = s.Next()
	is.NoErr(err)
	cancel()
	for err == nil {
		_, err = s.Next()
	}
	is.True(errors.Is(err, context.Canceled))
	is.True(asError(t, err).Delivered)
}

// TestStreamTranslation feeds canned event streams to the translation.
func TestStreamTranslation(t *testing.T) {
	t.Parallel()
	start := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":4,\"output_tokens\":1}}}\n\n"
	stop := "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	tests := []struct {
		name    string
		body    string
		finish  string
		content string
		prompt  int
		output  int
		errMsg  string
	}{
		{name: "Refusal", body: start + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"refusal\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n" + stop,
			finish: "content_filter", prompt: 14, output: 2},
		{name: "DeltaInputTokens", body: start + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":5,\"output_tokens\":9}}\n\n" + stop,
			finish: "length", prompt: 12 + 4 + 5, output: 9},
		{name: "UnknownEventsAndPing", body: start + "event: ping\ndata: {\"type\":\"ping\"}\n\n: comment\n\nevent: future\ndata: {\"type\":\"future\"}\n\n" +
			"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"pre\"}}\n\n" +
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"citations_delta\",\"citation\":{}}}\n\n" +
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"fix\"}}\n\n" +
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":2}}\n\n" + stop,
			finish: "stop", content: "prefix", prompt: 14, output: 2},
		{name: "ErrorEvent", body: start + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}\n\n",
			errMsg: "anthropic: Internal server error"},
		{name: "BadJSON", body: start + "event: content_block_delta\ndata: {\"type\":\n\n", errMsg: "anthropic: invalid stream event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			s := anthropic.NewStream(io.NopCloser(strings.NewReader(tt.body)), testKey, true)
			defer s.Close()
			var chunks []*gateway.ChatChunk
			var err error
			for {
				var c *gateway.ChatChunk
				c, err = s.Next()
				if err != nil {
					break
				}
				chunks = append(chunks, c)
			}
			if tt.errMsg != "" {
				e := asError(t, err)
				is.Equal(e.Message, tt.errMsg)
				is.True(e.Delivered)
				return
			}
			is.Equal(err, io.EOF)
			is.Equal(content(chunks), tt.content)
			last := chunks[len(chunks)-1]
			is.Equal(last.Usage.PromptTokens, tt.prompt)
			is.Equal(last.Usage.CompletionTokens, tt.output)
			is.Equal(chunks[len(chunks)-2].Choices[0].FinishReason, tt.finish)
		})
	}
}
