package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	aoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/matryer/is"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tollgate-ai/tollgate/internal/geminitest"
	"google.golang.org/genai"
)

const geminiKey = "AIza-upstream-gemini-key-0123"

// geminiServer is a gateway with a Gemini provider serving gemini-*, and
// a client key.
func geminiServer(t *testing.T) (base, key string, up *geminitest.Server) {
	t.Helper()
	up = geminitest.New(t, geminiKey)
	_, base = gatewayServer(t, map[string]string{})
	if call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "gemini", "type": "gemini", "base_url": up.APIBase(), "models": []string{"gemini-*"},
		"credentials": []map[string]any{{"secret": geminiKey}},
	}, nil) != http.StatusCreated {
		t.Fatal("create the gemini provider")
	}
	return base, clientKey(t, base), up
}

// Google's genai SDK pointed at /proxy/gemini reaches the Gemini API with
// a Tollgate key, streams included, and the usage is recorded.
func TestPassThroughWithGenAISDK(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	base, key, up := geminiServer(t)
	ctx := context.Background()
	client, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: key, Backend: genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: base + "/proxy/gemini"}})
	is.NoErr(err)

	resp, err := client.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("hello gemini"), nil)
	is.NoErr(err)
	is.Equal(resp.Text(), "Echo: hello gemini")

	text := ""
	for chunk, err := range client.Models.GenerateContentStream(ctx, "gemini-2.5-flash", genai.Text("streamed gemini"), nil) {
		is.NoErr(err)
		text += chunk.Text()
	}
	is.Equal(text, "Echo: streamed gemini")
	for _, r := range up.Requests() {
		is.Equal(r.Header.Get("X-Goog-Api-Key"), geminiKey) // the upstream key, never the client's
	}

	var logs struct {
		Data []struct {
			Endpoint, Model string
			Usage           struct {
				TotalTokens int `json:"total_tokens"`
			}
		}
	}
	is.True(within(5e9, func() bool {
		call(t, "GET", base+"/admin/logs", adminKey, nil, &logs)
		return len(logs.Data) == 2
	}))
	for _, l := range logs.Data {
		is.Equal(l.Endpoint, "proxy")
		is.Equal(l.Model, "gemini-2.5-flash") // read from the path
		is.True(l.Usage.TotalTokens > 0)
	}
}

// OpenAI's SDK reaches Gemini through /v1/chat/completions.
func TestChatCompletionsToGemini(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	base, key, _ := geminiServer(t)
	client := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	ctx := context.Background()
	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "gemini-2.5-flash", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi from openai")},
	})
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content, "Echo: hi from openai")

	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model: "gemini/gemini-2.5-flash", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("streamed to gemini")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	is.NoErr(stream.Err())
	is.Equal(acc.Choices[0].Message.Content, "Echo: streamed to gemini")
	is.True(acc.Usage.TotalTokens > 0)

	emb, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model: "gemini-embedding-001", Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}},
	})
	is.NoErr(err)
	is.Equal(len(emb.Data), 2)
}

// Anthropic's SDK reaches Gemini through /v1/messages, translated twice.
func TestMessagesToGemini(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	base, key, _ := geminiServer(t)
	client := anthropic.NewClient(aoption.WithBaseURL(base), aoption.WithAPIKey(key), aoption.WithMaxRetries(0))
	stream := client.Messages.NewStreaming(context.Background(), claudeParams("gemini-2.5-flash", "from claude code"))
	var msg anthropic.Message
	for stream.Next() {
		is.NoErr(msg.Accumulate(stream.Current()))
	}
	is.NoErr(stream.Err())
	is.Equal(msg.Content[0].Text, "Echo: from claude code")
	is.True(msg.Usage.OutputTokens > 0)
}
