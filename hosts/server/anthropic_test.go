package main

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/matryer/is"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tollgate-ai/tollgate/internal/anthropictest"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

const anthropicKey = "sk-ant-upstream-key-0123456789"

// anthropicServer is a gateway with an Anthropic provider serving claude-*
// and an OpenAI provider serving gpt-*, and a client key.
func anthropicServer(t *testing.T) (base, key string, claude *anthropictest.Server, oai *openaitest.Server) {
	t.Helper()
	is := is.New(t)
	claude = anthropictest.New(t, anthropicKey)
	oai = openaitest.New(t, "sk-upstream-secret-1")
	_, base = gatewayServer(t, map[string]string{})
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "anthropic", "type": "anthropic", "base_url": claude.URL, "models": []string{"claude-*"},
		"credentials": []map[string]any{{"secret": anthropicKey}},
	}, nil), http.StatusCreated)
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "openai", "type": "openai", "base_url": oai.URL, "models": []string{"gpt-*"},
		"credentials": []map[string]any{{"secret": "sk-upstream-secret-1"}},
	}, nil), http.StatusCreated)
	return base, clientKey(t, base), claude, oai
}

func claudeParams(model, text string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model: anthropic.Model(model), MaxTokens: 256,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))},
	}
}

// Anthropic's SDK reaches every provider through /v1/messages: Anthropic
// passed through as it is, OpenAI translated both ways, streams and tools
// included.
func TestMessagesFrontDoor(t *testing.T) {
	t.Parallel()
	base, key, claude, oai := anthropicServer(t)
	ctx := context.Background()
	client := anthropic.NewClient(aoption.WithBaseURL(base), aoption.WithAPIKey(key), aoption.WithMaxRetries(0))

	t.Run("AnthropicPassedThrough", func(t *testing.T) {
		is := is.New(t)
		claude.SetUsage(3, 5)
		msg, err := client.Messages.New(ctx, claudeParams("claude-sonnet-4-5", "hello claude"))
		is.NoErr(err)
		is.Equal(msg.Content[0].Text, "Echo: hello claude")
		is.Equal(msg.Usage.CacheReadInputTokens, int64(3)) // Anthropic's own usage, untranslated
		sent := claude.Requests()
		is.Equal(sent[len(sent)-1].Header.Get("X-Api-Key"), anthropicKey) // the upstream credential, not the client's key
	})

	t.Run("AnthropicStream", func(t *testing.T) {
		is := is.New(t)
		stream := client.Messages.NewStreaming(ctx, claudeParams("claude-sonnet-4-5", "one two three"))
		var msg anthropic.Message
		for stream.Next() {
			is.NoErr(msg.Accumulate(stream.Current()))
		}
		is.NoErr(stream.Err())
		is.Equal(msg.Content[0].Text, "Echo: one two three")
	})

	t.Run("OpenAITranslated", func(t *testing.T) {
		is := is.New(t)
		p := claudeParams("gpt-4o-mini", "hello openai")
		p.System = []anthropic.TextBlockParam{{Text: "Be brief."}}
		msg, err := client.Messages.New(ctx, p)
		is.NoErr(err)
		is.Equal(msg.Content[0].Text, "Echo: hello openai")
		is.Equal(msg.StopReason, anthropic.StopReasonEndTurn)
		is.True(msg.Usage.InputTokens > 0)
		sent := oai.Requests()
		is.Equal(sent[len(sent)-1].Path, "/v1/chat/completions")
	})

	t.Run("OpenAITranslatedStreamWithTools", func(t *testing.T) {
		is := is.New(t)
		p := claudeParams("gpt-4o", "weather in Paris")
		p.Tools = []anthropic.ToolUnionParam{anthropic.ToolUnionParamOfTool(anthropic.ToolInputSchemaParam{
			Properties: map[string]any{"query": map[string]any{"type": "string"}},
		}, "get_weather")}
		stream := client.Messages.NewStreaming(ctx, p)
		var msg anthropic.Message
		for stream.Next() {
			is.NoErr(msg.Accumulate(stream.Current()))
		}
		is.NoErr(stream.Err())
		is.Equal(msg.StopReason, anthropic.StopReasonToolUse)
		var tool *anthropic.ContentBlockUnion
		for i := range msg.Content {
			if msg.Content[i].Type == "tool_use" {
				tool = &msg.Content[i]
			}
		}
		is.True(tool != nil)
		is.Equal(tool.Name, "get_weather")
		is.True(msg.Usage.OutputTokens > 0)
	})

	t.Run("ErrorsInAnthropicShape", func(t *testing.T) {
		is := is.New(t)
		bad := anthropic.NewClient(aoption.WithBaseURL(base), aoption.WithAPIKey("tg-wrong"), aoption.WithMaxRetries(0))
		_, err := bad.Messages.New(ctx, claudeParams("claude-sonnet-4-5", "hi"))
		var apiErr *anthropic.Error
		is.True(errors.As(err, &apiErr))
		is.Equal(apiErr.StatusCode, http.StatusUnauthorized)
		_, err = client.Messages.New(ctx, claudeParams("nothing-serves-this", "hi"))
		is.True(errors.As(err, &apiErr))
		is.Equal(apiErr.StatusCode, http.StatusNotFound)
	})

	t.Run("CountTokens", func(t *testing.T) {
		is := is.New(t)
		n, err := client.Messages.CountTokens(ctx, anthropic.MessageCountTokensParams{
			Model:    "claude-sonnet-4-5",
			Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("count these words"))},
		})
		is.NoErr(err)
		is.True(n.InputTokens > 0)
	})
}

// Anthropic's SDK pointed at /proxy/anthropic reaches Anthropic's API with
// a Tollgate key in x-api-key.
func TestPassThroughWithAnthropicSDK(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	base, key, claude, _ := anthropicServer(t)
	client := anthropic.NewClient(aoption.WithBaseURL(base+"/proxy/anthropic"), aoption.WithAPIKey(key), aoption.WithMaxRetries(0))
	stream := client.Messages.NewStreaming(context.Background(), claudeParams("claude-sonnet-4-5", "native stream"))
	var msg anthropic.Message
	for stream.Next() {
		is.NoErr(msg.Accumulate(stream.Current()))
	}
	is.NoErr(stream.Err())
	is.Equal(msg.Content[0].Text, "Echo: native stream")
	is.Equal(claude.Requests()[0].Header.Get("X-Api-Key"), anthropicKey)

	var logs struct {
		Data []struct {
			Endpoint string
			Stream   bool
			Usage    struct {
				TotalTokens int `json:"total_tokens"`
			}
		}
	}
	is.True(within(5e9, func() bool {
		call(t, "GET", base+"/admin/logs", adminKey, nil, &logs)
		return len(logs.Data) == 1
	}))
	is.Equal(logs.Data[0].Endpoint, "proxy")
	is.True(logs.Data[0].Stream)
	is.True(logs.Data[0].Usage.TotalTokens > 0) // read from the event stream as it passed
}

// OpenAI's SDK reaches Anthropic through /v1/chat/completions.
func TestChatCompletionsToAnthropic(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	base, key, _, _ := anthropicServer(t)
	client := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	ctx := context.Background()
	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "claude-sonnet-4-5", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi from openai")},
	})
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content, "Echo: hi from openai")
	is.True(resp.Usage.TotalTokens > 0)

	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model: "anthropic/claude-sonnet-4-5", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("streamed to claude")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	is.NoErr(stream.Err())
	is.Equal(acc.Choices[0].Message.Content, "Echo: streamed to claude")
	is.True(acc.Usage.CompletionTokens > 0)
}
