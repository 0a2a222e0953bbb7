package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// A provider made from a preset's name and a key serves at once, under
// provider/model names; so does one on any OpenAI-compatible base URL.
func TestPresetsOverHTTP(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	groq := openaitest.New(t, "gsk-groq-key")
	local := openaitest.New(t)
	_, base := gatewayServer(t, map[string]string{})

	var presets struct {
		Data []struct {
			Name        string
			KeyOptional bool `json:"key_optional"`
		}
	}
	is.Equal(call(t, "GET", base+"/admin/providers/presets", adminKey, nil, &presets), http.StatusOK)
	names := map[string]bool{}
	for _, p := range presets.Data {
		names[p.Name] = true
	}
	for _, want := range []string{"openrouter", "groq", "together", "deepinfra", "fireworks", "mistral", "deepseek", "xai", "cerebras", "perplexity", "ollama", "vllm"} {
		is.True(names[want]) // every preset the issue names
	}

	is.Equal(call(t, "POST", base+"/admin/providers/preset", adminKey, map[string]any{"preset": "groq"}, nil), http.StatusBadRequest) // key required
	is.Equal(call(t, "POST", base+"/admin/providers/preset", adminKey, map[string]any{"preset": "nope", "key": "k"}, nil), http.StatusNotFound)
	// The base URL is overridden to reach the test server; the rest is the preset's.
	var created struct {
		Name, Type  string
		Credentials []struct {
			SecretHint string `json:"secret_hint"`
		}
	}
	is.Equal(call(t, "POST", base+"/admin/providers/preset", adminKey, map[string]any{"preset": "groq", "key": "gsk-groq-key", "base_url": groq.URL}, &created), http.StatusCreated)
	is.Equal(created.Name, "groq")
	is.Equal(created.Type, "openai")
	is.Equal(len(created.Credentials), 1)
	is.Equal(call(t, "POST", base+"/admin/providers/custom", adminKey, map[string]any{"name": "inhouse", "base_url": local.URL, "key": "house-key", "models": []string{"house-*"}}, nil), http.StatusCreated)

	key := clientKey(t, base)
	client := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	ctx := context.Background()
	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "groq/llama-3.3-70b-versatile", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi groq")},
	})
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content, "Echo: hi groq")
	sent := groq.Requests()[0]
	is.Equal(sent.Header.Get("Authorization"), "Bearer gsk-groq-key")
	is.Equal(sent.Path, "/v1/chat/completions")

	resp, err = client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "house-7b", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi house")},
	})
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content, "Echo: hi house")
	is.Equal(local.Requests()[0].Header.Get("Authorization"), "Bearer house-key")
}

// clientKey issues a key on a new account.
func clientKey(t *testing.T, base string) string {
	t.Helper()
	var acct struct{ ID string }
	if call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "acct-" + t.Name()}, &acct) != http.StatusCreated {
		t.Fatal("create account")
	}
	var key struct{ Key string }
	if call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{"name": "k"}, &key) != http.StatusCreated {
		t.Fatal("issue key")
	}
	return key.Key
}

// OpenAI's SDK pointed at /proxy/openai reaches OpenAI's own API with a
// Tollgate key: the upstream sees its credential, never the client's, and
// the request is recorded with the usage the response reported.
func TestPassThroughWithOpenAISDK(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	upstream := openaitest.New(t, "sk-upstream-secret-1")
	_, base := gatewayServer(t, map[string]string{})
	key := issueKey(t, base, upstream)
	client := openai.NewClient(option.WithBaseURL(base+"/proxy/openai/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	ctx := context.Background()

	resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("through the proxy")},
	})
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content, "Echo: through the proxy")

	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("streamed through")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	is.NoErr(stream.Err())
	is.Equal(acc.Choices[0].Message.Content, "Echo: streamed through")

	models, err := client.Models.List(ctx)
	is.NoErr(err)
	is.True(len(models.Data) > 0) // any path of the provider's API

	for _, r := range upstream.Requests() {
		is.Equal(r.Header.Get("Authorization"), "Bearer sk-upstream-secret-1")
	}

	var logs struct {
		Data []struct {
			Endpoint string
			Model    string
			Stream   bool
			Usage    struct {
				TotalTokens int `json:"total_tokens"`
			}
		}
	}
	is.True(within(5e9, func() bool {
		call(t, "GET", base+"/admin/logs", adminKey, nil, &logs)
		return len(logs.Data) == 3
	}))
	for _, l := range logs.Data {
		is.Equal(l.Endpoint, "proxy")
		if l.Model == "gpt-4o-mini" {
			is.True(l.Usage.TotalTokens > 0) // metered from the JSON body and from the stream
		}
	}

	bad := openai.NewClient(option.WithBaseURL(base+"/proxy/openai/"), option.WithAPIKey("tg-wrong"), option.WithMaxRetries(0))
	_, err = bad.Models.List(ctx)
	is.Equal(asAPIError(t, err).StatusCode, http.StatusUnauthorized)
}

// OpenAI's SDK reaches an Azure OpenAI deployment through
// /v1/chat/completions, and Azure's SDK shape through /proxy/azure.
func TestChatCompletionsToAzure(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	az := openaitest.NewAzure(t, "azure-api-key-0123")
	az.Deploy("prod-4o", "gpt-4o")
	_, base := gatewayServer(t, map[string]string{})
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "azure", "type": "azure", "base_url": az.URL, "models": []string{"gpt-4o"},
		"options":     map[string]string{"deployments": "gpt-4o=prod-4o"},
		"credentials": []map[string]any{{"secret": "azure-api-key-0123"}},
	}, nil), http.StatusCreated)
	key := clientKey(t, base)
	client := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
	resp, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: "gpt-4o", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hello azure")},
	})
	is.NoErr(err)
	is.Equal(resp.Choices[0].Message.Content, "Echo: hello azure")
	sent := az.Requests()[0]
	is.Equal(sent.Path, "/openai/deployments/prod-4o/chat/completions")
	is.Equal(sent.Header.Get("Api-Key"), "azure-api-key-0123")

	// Pass-through: Azure's path and api-version as its SDK sends them.
	req, _ := http.NewRequest("POST", base+"/proxy/azure/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21",
		strings.NewReader(`{"messages":[{"role":"user","content":"native azure"}]}`))
	req.Header.Set("Api-Key", key)
	req.Header.Set("Content-Type", "application/json")
	r, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	defer r.Body.Close()
	is.Equal(r.StatusCode, http.StatusOK)
	var out struct {
		Choices []struct{ Message struct{ Content string } }
	}
	is.NoErr(json.NewDecoder(r.Body).Decode(&out))
	is.Equal(out.Choices[0].Message.Content, "Echo: native azure")
}
