package openai_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

const testKey = "sk-test-0123456789abcdef"

// mustNew returns an Upstream for baseURL, closed by t.Cleanup.
func mustNew(tb testing.TB, baseURL string, cfg openai.Config) *openai.Upstream {
	tb.Helper()
	u, err := openai.New(&gateway.Provider{Name: "openai", Type: "openai", BaseURL: baseURL}, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = u.Close() })
	return u
}

func cred(secret string) *gateway.Credential {
	return &gateway.Credential{ID: "cred_1", Secret: gateway.Secret(secret), Weight: 1}
}

func userChat(model, text string) *gateway.ChatRequest {
	return &gateway.ChatRequest{Model: model, Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent(text)}}}
}

// drain reads s to the end and returns the chunks.
func drain(tb testing.TB, s gateway.ChatStream) []*gateway.ChatChunk {
	tb.Helper()
	var out []*gateway.ChatChunk
	for {
		c, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatalf("Next after %d chunks: %v", len(out), err)
		}
		out = append(out, c)
	}
}

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

func TestChat(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	u := mustNew(t, srv.URL, openai.Config{})

	resp, err := u.Chat(context.Background(), cred(testKey), userChat("gpt-4o-mini", "hello there world"))
	is.NoErr(err)
	is.Equal(resp.Object, "chat.completion")
	is.Equal(resp.Model, "gpt-4o-mini")
	is.True(strings.HasPrefix(resp.ID, "chatcmpl-"))
	is.Equal(len(resp.Choices), 1)
	is.Equal(resp.Choices[0].Message.Role, "assistant")
	is.Equal(resp.Choices[0].Message.Content.Text(), "Echo: hello there world")
	is.Equal(resp.Choices[0].FinishReason, "stop")
	is.True(resp.Usage != nil)
	is.Equal(resp.Usage.PromptTokens, openaitest.CountTokens("hello there world")+4+3)
	is.Equal(resp.Usage.CompletionTokens, openaitest.CountTokens("Echo: hello there world"))
	is.Equal(resp.Usage.TotalTokens, resp.Usage.PromptTokens+resp.Usage.CompletionTokens)
}

func TestChatRequestShape(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	u, err := openai.New(&gateway.Provider{
		Name: "openai", Type: "openai", BaseURL: srv.URL + "/", // a trailing slash is fine
		Headers: map[string]string{"X-Team": "search", "accept": "application/json; q=1"},
		Options: map[string]string{"organization": "org-1", "project": "proj-1"},
	}, openai.Config{})
	is.NoErr(err)
	defer u.Close()

	req := userChat("gpt-4o-mini", "hi")
	req.Extra = gateway.Extra{"reasoning_effort": json.RawMessage(`"low"`)}
	req.Stream = true // Chat must not ask for a stream
	_, err = u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.True(req.Stream) // the caller's request is unchanged

	got := srv.Requests()
	is.Equal(len(got), 1)
	r := got[0]
	is.Equal(r.Method, "POST")
	is.Equal(r.Path, "/v1/chat/completions")
	is.Equal(r.Header.Get("Authorization"), "Bearer "+testKey)
	is.Equal(r.Header.Get("Content-Type"), "application/json")
	is.Equal(r.Header.Get("Accept"), "application/json; q=1") // static headers override
	is.Equal(r.Header.Get("X-Team"), "search")
	is.Equal(r.Header.Get("OpenAI-Organization"), "org-1")
	is.Equal(r.Header.Get("OpenAI-Project"), "proj-1")
	var body map[string]json.RawMessage
	is.NoErr(json.Unmarshal(r.Body, &body))
	is.Equal(string(body["reasoning_effort"]), `"low"`)
	is.Equal(string(body["model"]), `"gpt-4o-mini"`)
	_, hasStream := body["stream"]
	is.True(!hasStream)
}

func TestChatStreamRequestShape(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	u := mustNew(t, srv.URL, openai.Config{})

	req := userChat("gpt-4o-mini", "hi")
	req.Extra = gateway.Extra{"metadata": json.RawMessage(`{"a":"b"}`)}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	drain(t, s)
	is.NoErr(s.Close())
	is.True(!req.Stream) // not mutated

	r := srv.Requests()[0]
	is.Equal(r.Header.Get("Accept"), "text/event-stream")
	is.Equal(r.Header.Get("Authorization"), "Bearer "+testKey)
	var body map[string]json.RawMessage
	is.NoErr(json.Unmarshal(r.Body, &body))
	is.Equal(string(body["stream"]), "true")
	is.Equal(string(body["metadata"]), `{"a":"b"}`)
}

func TestChatStream(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	srv.SetChunks(4)
	u := mustNew(t, srv.URL, openai.Config{})

	req := userChat("gpt-4o-mini", "one two three four five")
	req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)

	is.Equal(content(chunks), "Echo: one two three four five")
	is.Equal(len(chunks), 1+4+1+1) // role, content, finish, usage
	is.Equal(chunks[0].Choices[0].Delta.Role, "assistant")
	is.Equal(chunks[0].Object, "chat.completion.chunk")
	is.Equal(chunks[len(chunks)-2].Choices[0].FinishReason, "stop")
	last := chunks[len(chunks)-1]
	is.Equal(len(last.Choices), 0)
	is.True(last.Usage != nil)
	is.Equal(last.Usage.CompletionTokens, 6)
	for _, c := range chunks[:len(chunks)-1] {
		is.True(c.Usage == nil) // "usage": null decodes to nil
	}

	_, err = s.Next()
	is.Equal(err, io.EOF) // stays at the end
	is.NoErr(s.Close())
	is.NoErr(s.Close()) // twice is fine
}

func TestChatStreamToolCalls(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	srv.SetChunks(3)
	u := mustNew(t, srv.URL, openai.Config{})

	req := userChat("gpt-4o-mini", "weather in Paris")
	req.Tools = []gateway.Tool{{Type: "function", Function: gateway.Function{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}}}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)

	var id, name, args, finish string
	for _, c := range chunks {
		for _, ch := range c.Choices {
			for _, tc := range ch.Delta.ToolCalls {
				is.True(tc.Index != nil)
				is.Equal(*tc.Index, 0)
				if tc.ID != "" {
					id = tc.ID
				}
				name += tc.Function.Name
				args += tc.Function.Arguments
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
	is.True(strings.HasPrefix(id, "call_"))
	is.Equal(name, "get_weather")
	is.Equal(args, `{"query":"weather in Paris"}`)
	is.Equal(finish, "tool_calls")
}

func TestChatToolCalls(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	u := mustNew(t, srv.URL, openai.Config{})

	req := userChat("gpt-4o-mini", "weather")
	req.Tools = []gateway.Tool{{Type: "function", Function: gateway.Function{Name: "get_weather"}}}
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	msg := resp.Choices[0].Message
	is.Equal(resp.Choices[0].FinishReason, "tool_calls")
	is.True(msg.Content.IsNull())
	is.Equal(len(msg.ToolCalls), 1)
	is.Equal(msg.ToolCalls[0].Function.Name, "get_weather")
}

func TestEmbed(t *testing.T) {
	srv := openaitest.New(t, testKey)
	u := mustNew(t, srv.URL, openai.Config{})

	t.Run("Float", func(t *testing.T) {
		is := is.New(t)
		resp, err := u.Embed(context.Background(), cred(testKey), &gateway.EmbedRequest{
			Model: "text-embedding-3-small", Input: json.RawMessage(`["a b", "c"]`)})
		is.NoErr(err)
		is.Equal(resp.Object, "list")
		is.Equal(len(resp.Data), 2)
		is.Equal(resp.Usage.PromptTokens, 3)
		var vec []float32
		is.NoErr(json.Unmarshal(resp.Data[1].Embedding, &vec))
		is.Equal(resp.Data[1].Index, 1)
		is.Equal(vec, openaitest.Embed("c", 8))
	})
	t.Run("Base64", func(t *testing.T) {
		is := is.New(t)
		dims := 16
		resp, err := u.Embed(context.Background(), cred(testKey), &gateway.EmbedRequest{
			Model: "text-embedding-3-small", Input: json.RawMessage(`"hello"`), EncodingFormat: "base64", Dimensions: &dims})
		is.NoErr(err)
		var s string
		is.NoErr(json.Unmarshal(resp.Data[0].Embedding, &s))
		raw, err := base64.StdEncoding.DecodeString(s)
		is.NoErr(err)
		is.Equal(len(raw), 4*dims)
		var body map[string]json.RawMessage
		reqs := srv.Requests()
		is.NoErr(json.Unmarshal(reqs[len(reqs)-1].Body, &body))
		is.Equal(string(body["encoding_format"]), `"base64"`)
		is.Equal(reqs[len(reqs)-1].Path, "/v1/embeddings")
	})
}

func TestListModels(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	u := mustNew(t, srv.URL, openai.Config{})

	models, err := u.ListModels(context.Background(), cred(testKey))
	is.NoErr(err)
	is.True(len(models) > 0)
	for _, m := range models {
		is.True(m.ID != "")
		is.Equal(m.Object, "model")
	}
	r := srv.Requests()[0]
	is.Equal(r.Method, "GET")
	is.Equal(r.Path, "/v1/models")
	is.Equal(r.Header.Get("Authorization"), "Bearer "+testKey)
}

func TestConcurrentCalls(t *testing.T) {
	is := is.New(t)
	srv := openaitest.New(t, testKey)
	srv.SetRecord(false)
	u := mustNew(t, srv.URL, openai.Config{})

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			if i%2 == 0 {
				_, err := u.Chat(context.Background(), cred(testKey), userChat("gpt-4o-mini", "hi"))
				errs <- err
				return
			}
			s, err := u.ChatStream(context.Background(), cred(testKey), userChat("gpt-4o-mini", "hi"))
			if err == nil {
				for err == nil {
					_, err = s.Next()
				}
				if err == io.EOF {
					err = nil
				}
				_ = s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		is.NoErr(err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		ok      bool
	}{
		{"Default", "", true},
		{"HTTP", "http://localhost:8080/v1", true},
		{"Unparsable", "http://[::1", false},
		{"Relative", "/v1", false},
		{"OtherScheme", "ftp://example.com/v1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			p := &gateway.Provider{Name: "p", Type: "openai", BaseURL: tt.baseURL}
			u, err := openai.New(p, openai.Config{})
			up, derr := openai.Driver(openai.Config{}).Open(p)
			if tt.ok {
				is.NoErr(err)
				is.NoErr(derr)
				is.NoErr(u.Close())
				return
			}
			var ge *gateway.Error
			is.True(errors.As(err, &ge))
			is.Equal(ge.Code, gateway.CodeInvalid)
			is.Equal(ge.Field, "base_url")
			is.True(u == nil)
			is.True(up == nil) // a nil interface, not a typed nil
			is.Equal(gateway.ErrorCode(derr), gateway.CodeInvalid)
		})
	}
}
