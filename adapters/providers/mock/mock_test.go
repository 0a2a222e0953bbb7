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

	"github.com/tollgate-ai/tollgate/adapters/providers/mock"
	"github.com/tollgate-ai/tollgate/gateway"
)

// mustNew returns a mock Upstream with the options.
func mustNew(tb testing.TB, options map[string]string, models ...string) *mock.Upstream {
	tb.Helper()
	u, err := mock.New(&gateway.Provider{Name: "mock", Type: "mock", Options: options, Models: models})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func msg(role, text string) gateway.Message {
	return gateway.Message{Role: role, Content: gateway.TextContent(text)}
}

func chatReq(msgs ...gateway.Message) *gateway.ChatRequest {
	return &gateway.ChatRequest{Model: "mock-1", Messages: msgs}
}

func asError(tb testing.TB, err error) *gateway.Error {
	tb.Helper()
	var e *gateway.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not a *gateway.Error", err, err)
	}
	return e
}

// drain reads s to io.EOF.
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

func TestNewInvalidOptions(t *testing.T) {
	tests := []struct {
		name, option, value string
	}{
		{"ChunksNotNumber", "chunks", "many"},
		{"ChunksZero", "chunks", "0"},
		{"DelayNotDuration", "delay", "5"},
		{"DelayNegative", "delay", "-1s"},
		{"LatencyNotDuration", "latency", "soon"},
		{"FailNotStatus", "fail", "boom"},
		{"FailSuccessStatus", "fail", "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			p := &gateway.Provider{Name: "mock", Type: "mock", Options: map[string]string{tt.option: tt.value}}
			u, err := mock.New(p)
			is.True(u == nil)
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeInvalid)
			is.Equal(e.Field, "options."+tt.option)
			up, err := mock.Driver().Open(p)
			is.True(up == nil) // a nil interface, not a typed nil
			is.Equal(gateway.ErrorCode(err), gateway.CodeInvalid)
		})
	}
}

func TestChat(t *testing.T) {
	is := is.New(t)
	u := mustNew(t, nil)
	before := time.Now().Unix()
	resp, err := u.Chat(context.Background(), nil, chatReq(msg("system", "You are helpful"), msg("user", "hello there")))
	is.NoErr(err)
	is.True(strings.HasPrefix(resp.ID, "chatcmpl-mock-"))
	is.Equal(resp.Object, "chat.completion")
	is.Equal(resp.Model, "mock-1")
	is.True(resp.Created >= before && resp.Created <= time.Now().Unix())
	is.Equal(len(resp.Choices), 1)
	c := resp.Choices[0]
	is.Equal(c.Message.Role, "assistant")
	is.Equal(c.Message.Content.Text(), "Echo: hello there")
	is.Equal(c.FinishReason, "stop")
	is.Equal(resp.Usage.PromptTokens, (3+4)+(2+4)+3)
	is.Equal(resp.Usage.CompletionTokens, 3)
	is.Equal(resp.Usage.TotalTokens, 19)
	is.Equal(resp.Usage.CachedTokens(), 0)

	// The JSON has OpenAI's shape.
	b, err := json.Marshal(resp)
	is.NoErr(err)
	var shape map[string]any
	is.NoErr(json.Unmarshal(b, &shape))
	choice := shape["choices"].([]any)[0].(map[string]any)
	is.Equal(choice["logprobs"], nil)
	is.Equal(choice["message"].(map[string]any)["content"], "Echo: hello there")

	again, err := u.Chat(context.Background(), nil, chatReq(msg("user", "x")))
	is.NoErr(err)
	is.True(again.ID != resp.ID)
}

func TestChatReply(t *testing.T) {
	tests := []struct {
		name    string
		options map[string]string
		msgs    []gateway.Message
		want    string
	}{
		{"Echo", nil, []gateway.Message{msg("user", "first"), msg("assistant", "ok"), msg("user", "second")}, "Echo: second"},
		{"EchoParts", nil, []gateway.Message{{Role: "user", Content: gateway.PartsContent(gateway.ContentPart{Type: "text", Text: "from parts"})}}, "Echo: from parts"},
		{"NoUserMessage", nil, []gateway.Message{msg("system", "be brief")}, "This is a mock response from Tollgate."},
		{"ReplyOption", map[string]string{"reply": "Fixed answer."}, []gateway.Message{msg("user", "anything")}, "Fixed answer."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			resp, err := mustNew(t, tt.options).Chat(context.Background(), nil, chatReq(tt.msgs...))
			is.NoErr(err)
			is.Equal(resp.Choices[0].Message.Content.Text(), tt.want)
			is.Equal(resp.Usage.CompletionTokens, len(strings.Fields(tt.want)))
		})
	}
}

func TestChatN(t *testing.T) {
	is := is.New(t)
	n := 3
	req := chatReq(msg("user", "hi"))
	req.N = &n
	resp, err := mustNew(t, nil).Chat(context.Background(), nil, req)
	is.NoErr(err)
	is.Equal(len(resp.Choices), 3)
	is.Equal(resp.Choices[2].Index, 2)
	is.Equal(resp.Usage.CompletionTokens, 3*2)
}

func TestFail(t *testing.T) {
	tests := []struct {
		status string
		code   gateway.Code
		retry  time.Duration
	}{
		{"500", gateway.CodeUpstream, 0},
		{"503", gateway.CodeUpstream, 0},
		{"429", gateway.CodeRateLimited, time.Second},
		{"400", gateway.CodeInvalid, 0},
		{"404", gateway.CodeNotFound, 0},
		{"401", gateway.CodeUpstream, 0},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			u := mustNew(t, map[string]string{"fail": tt.status})
			ctx := context.Background()
			calls := map[string]func() error{
				"Chat":       func() error { _, err := u.Chat(ctx, nil, chatReq(msg("user", "x"))); return err },
				"ChatStream": func() error { _, err := u.ChatStream(ctx, nil, chatReq(msg("user", "x"))); return err },
				"Embed": func() error {
					_, err := u.Embed(ctx, nil, &gateway.EmbedRequest{Model: "m", Input: json.RawMessage(`"x"`)})
					return err
				},
				"ListModels": func() error { _, err := u.ListModels(ctx, nil); return err },
			}
			for name, call := range calls {
				t.Run(name, func(t *testing.T) {
					is := is.New(t)
					e := asError(t, call())
					is.Equal(e.Code, tt.code)
					is.Equal(e.Status, atoi(tt.status))
					is.Equal(e.RetryAfter, tt.retry)
					is.True(!e.Delivered)
					is.True(strings.HasPrefix(e.Message, "mock: "))
				})
			}
		})
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestListModels(t *testing.T) {
	is := is.New(t)
	models, err := mustNew(t, nil, "mock-large", "mock-*", "demo?", "tiny").ListModels(context.Background(), nil)
	is.NoErr(err)
	is.Equal(len(models), 2)
	is.Equal(models[0].ID, "mock-large")
	is.Equal(models[1].ID, "tiny")
	is.Equal(models[0].Object, "model")

	models, err = mustNew(t, nil, "*").ListModels(context.Background(), nil)
	is.NoErr(err)
	is.Equal(len(models), 1)
	is.Equal(models[0].ID, "mock-1")
}

func BenchmarkChat(b *testing.B) {
	u := mustNew(b, nil)
	req := chatReq(msg("system", "You are helpful."), msg("user", "hello benchmark world"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := u.Chat(context.Background(), nil, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChatStream(b *testing.B) {
	u := mustNew(b, map[string]string{"chunks": "16"})
	req := chatReq(msg("user", "hello benchmark world with a few more words in it"))
	req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
	b.ReportAllocs()
	for b.Loop() {
		s, err := u.ChatStream(context.Background(), nil, req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := s.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
		_ = s.Close()
	}
}
