package gemini_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

// streamReq is a request as the gateway streams it: usage asked for.
func streamReq(model, text string) *gateway.ChatRequest {
	r := userChat(model, text)
	r.Stream = true
	r.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
	return r
}

// contentOf concatenates the content deltas of chunks.
func contentOf(chunks []*gateway.ChatChunk) string {
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
	for _, style := range []string{"api", "vertex"} {
		t.Run(style, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			srv := geminitest.New(t, testKey)
			srv.SetChunks(3)
			srv.SetUsage(1, 5)
			u := api(t, srv)
			if style == "vertex" {
				u = vertex(t, srv)
			}
			s, err := u.ChatStream(context.Background(), cred(testKey), streamReq("gemini-2.5-flash", "one two three four"))
			is.NoErr(err)
			defer s.Close()
			chunks := drain(t, s)
			is.Equal(len(chunks), 4) // three text chunks and the usage chunk
			is.Equal(contentOf(chunks), "Echo: one two three four")
			is.Equal(chunks[0].Choices[0].Delta.Role, "assistant")
			is.Equal(chunks[1].Choices[0].Delta.Role, "")
			is.Equal(chunks[2].Choices[0].FinishReason, "stop")
			for _, c := range chunks {
				is.Equal(c.ID, chunks[0].ID) // one id and model throughout
				is.Equal(c.Model, "gemini-2.5-flash")
				is.Equal(c.Object, "chat.completion.chunk")
			}
			last := chunks[3]
			is.Equal(len(last.Choices), 0)
			is.Equal(last.Usage.PromptTokens, 4)
			is.Equal(last.Usage.CompletionTokens, 5+5)
			is.Equal(last.Usage.TotalTokens, 14)
			is.Equal(last.Usage.CachedTokens(), 1)
			is.Equal(last.Usage.CompletionTokensDetails.ReasoningTokens, 5)

			r := srv.Requests()[0]
			is.True(strings.HasSuffix(r.Path, "/models/gemini-2.5-flash:streamGenerateContent"))
			is.Equal(r.Query, "alt=sse")
			is.Equal(r.Header.Get("Accept"), "text/event-stream")

			_, err = s.Next()
			is.Equal(err, io.EOF) // sticky
		})
	}
}

func TestChatStreamNoUsage(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	s, err := u.ChatStream(context.Background(), cred(testKey), userChat("gemini-2.5-flash", "hi"))
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)
	for _, c := range chunks {
		is.True(c.Usage == nil)
		is.True(len(c.Choices) > 0)
	}
}

func TestChatStreamTools(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	u := api(t, srv)
	req := streamReq("gemini-2.5-flash", "Rome")
	req.Tools = []gateway.Tool{
		{Type: "function", Function: gateway.Function{Name: "a", Parameters: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}}}`)}},
		{Type: "function", Function: gateway.Function{Name: "b"}},
	}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)
	var calls []gateway.ToolCall
	finish := ""
	for _, c := range chunks {
		for _, ch := range c.Choices {
			calls = append(calls, ch.Delta.ToolCalls...)
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
	is.Equal(len(calls), 2)
	is.Equal(*calls[0].Index, 0)
	is.Equal(*calls[1].Index, 1)
	is.Equal(calls[0].Type, "function")
	is.Equal(calls[0].Function.Name, "a")
	is.Equal(calls[0].Function.Arguments, `{"q":"Rome"}`) // whole, in one delta
	is.True(strings.HasPrefix(calls[1].ID, "call_"))
	is.Equal(finish, "tool_calls")
}

func TestChatStreamBlocked(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"reply", "prompt"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			srv := geminitest.New(t, testKey)
			if kind == "reply" {
				srv.BlockReply("RECITATION")
			} else {
				srv.BlockPrompt("SAFETY")
			}
			s, err := api(t, srv).ChatStream(context.Background(), cred(testKey), streamReq("gemini-2.5-flash", "hi"))
			is.NoErr(err)
			defer s.Close()
			chunks := drain(t, s)
			is.Equal(len(chunks), 2) // the stop and the usage
			is.Equal(chunks[0].Choices[0].Delta.Role, "assistant")
			is.Equal(chunks[0].Choices[0].FinishReason, "content_filter")
			is.Equal(chunks[1].Usage.PromptTokens, 1)
		})
	}
}

func TestChatStreamErrors(t *testing.T) {
	t.Parallel()
	t.Run("ErrorEvent", func(t *testing.T) {
		t.Parallel()
		is := is.New(t)
		srv := geminitest.New(t, testKey)
		srv.SetChunks(4)
		srv.FailInStream(1)
		s, err := api(t, srv).ChatStream(context.Background(), cred(testKey), streamReq("gemini-2.5-flash", "a b c d e f"))
		is.NoErr(err)
		defer s.Close()
		c, err := s.Next()
		is.NoErr(err)
		is.Equal(c.Choices[0].Delta.Role, "assistant")
		_, err = s.Next()
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.Equal(e.Type, "INTERNAL")
		is.True(e.Delivered)
		is.True(strings.HasPrefix(e.Message, "gemini: An internal error has occurred."))
		_, err2 := s.Next()
		is.Equal(err2, err) // sticky
	})
	t.Run("Cut", func(t *testing.T) {
		t.Parallel()
		is := is.New(t)
		srv := geminitest.New(t, testKey)
		srv.SetChunks(4)
		srv.CutAfter(2)
		s, err := api(t, srv).ChatStream(context.Background(), cred(testKey), streamReq("gemini-2.5-flash", "a b c d e f"))
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
		is.Equal(got, 2)
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.True(e.Delivered) // the provider may have billed it
	})
	t.Run("StatusBeforeStream", func(t *testing.T) {
		t.Parallel()
		is := is.New(t)
		srv := geminitest.New(t, testKey)
		srv.Fail(1, 503)
		_, err := api(t, srv).ChatStream(context.Background(), cred(testKey), streamReq("gemini-2.5-flash", "hi"))
		e := asError(t, err)
		is.Equal(e.Code, gateway.CodeUpstream)
		is.Equal(e.Status, 503)
		is.Equal(e.Type, "UNAVAILABLE")
		is.True(!e.Delivered) // can fail over
	})
}

// body is an io.ReadCloser over a fixed stream.
func body(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }

func TestStreamTranslation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stream  string
		content string
		finish  string
		err     string // the message of the error that ends the stream
	}{
		{name: "NoFinish", stream: "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],\"role\": \"model\"},\"index\": 0}]}\r\n\r\n",
			content: "Hi", err: "gemini: stream ended before a finish reason"},
		{name: "Empty", stream: "", err: "gemini: stream ended before a finish reason"},
		{name: "Malformed", stream: "data: {nope\r\n\r\n", err: "gemini: invalid stream event"},
		{name: "LFFraming", stream: "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]}}]}\n\ndata: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"b\"}]},\"finishReason\":\"MAX_TOKENS\"}]}\n\n",
			content: "ab", finish: "length"},
		{name: "ThoughtsSkipped", stream: "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"hmm\",\"thought\":true},{\"text\":\"ok\"}]},\"finishReason\":\"STOP\"}]}\r\n\r\n",
			content: "ok", finish: "stop"},
		{name: "UsageOnlyEvent", stream: "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},\"finishReason\":\"STOP\"}]}\r\n\r\ndata: {\"usageMetadata\":{\"promptTokenCount\":1}}\r\n\r\n",
			content: "x", finish: "stop"},
		{name: "OtherReason", stream: "data: {\"candidates\":[{\"finishReason\":\"MALFORMED_FUNCTION_CALL\"}]}\r\n\r\n", finish: "stop"},
		{name: "ErrorObject", stream: "data: {\"error\": {\"code\": 429, \"message\": \"slow down\", \"status\": \"RESOURCE_EXHAUSTED\"}}\r\n\r\n",
			err: "gemini: slow down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			s := gemini.StreamFrom(body(tt.stream), "gemini-x", false)
			var chunks []*gateway.ChatChunk
			var err error
			for {
				var c *gateway.ChatChunk
				if c, err = s.Next(); err != nil {
					break
				}
				chunks = append(chunks, c)
			}
			is.Equal(contentOf(chunks), tt.content)
			finish := ""
			for _, c := range chunks {
				is.Equal(c.Model, "gemini-x") // no modelVersion: the model asked for
				for _, ch := range c.Choices {
					if ch.FinishReason != "" {
						finish = ch.FinishReason
					}
				}
			}
			is.Equal(finish, tt.finish)
			if tt.err == "" {
				is.True(errors.Is(err, io.EOF))
				return
			}
			e := asError(t, err)
			is.Equal(e.Message, tt.err)
			is.True(e.Delivered)
		})
	}
}

func TestChatStreamCandidates(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	srv.SetChunks(2)
	req := streamReq("gemini-2.5-flash", "a b c")
	n := 2
	req.N = &n
	s, err := api(t, srv).ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	text := map[int]string{}
	finished := map[int]string{}
	for _, c := range drain(t, s) {
		for _, ch := range c.Choices {
			text[ch.Index] += ch.Delta.Content
			if ch.FinishReason != "" {
				finished[ch.Index] = ch.FinishReason
			}
		}
	}
	is.Equal(text, map[int]string{0: "Echo: a b c", 1: "Echo: a b c"})
	is.Equal(finished, map[int]string{0: "stop", 1: "stop"})
}
