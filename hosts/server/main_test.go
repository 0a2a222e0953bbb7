package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tollgate-ai/tollgate/internal/jwt"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

const adminKey = "test-admin-key-0123456789"

// gatewayServer runs the stock server in process on a loopback port, as
// `make run` would, and returns its base URL.
func gatewayServer(t testing.TB, env map[string]string) (*Main, string) {
	t.Helper()
	env["TOLLGATE_ADDR"] = "127.0.0.1:0"
	env["TOLLGATE_DATA_DIR"] = t.TempDir()
	if _, ok := env["TOLLGATE_ADMIN_KEY"]; !ok {
		env["TOLLGATE_ADMIN_KEY"] = adminKey
	}
	m := NewMain()
	m.Getenv = func(k string) string { return env[k] }
	m.Stdout, m.Stderr = io.Discard, io.Discard
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	return m, "http://" + m.Addr()
}

// call sends a JSON request with a bearer token and decodes the answer
// into out (when not nil); it returns the status.
func call(t testing.TB, method, url, token string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

// mockProvider adds a provider of type mock serving mock-* through the
// admin API.
func mockProvider(t testing.TB, base string) {
	t.Helper()
	if status := call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "demo", "type": "mock", "models": []string{"mock-*"}, "credentials": []map[string]any{{"secret": "x"}},
	}, nil); status != http.StatusCreated {
		t.Fatalf("create the mock provider: status %d", status)
	}
}

// setup points a provider at upstream through the admin API, issues a key
// and returns an official OpenAI client that uses it.
func setup(t *testing.T, base string, upstream *openaitest.Server) openai.Client {
	t.Helper()
	key := issueKey(t, base, upstream)
	return openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(key), option.WithMaxRetries(0))
}

// issueKey points a provider at upstream through the admin API and issues
// a client key.
func issueKey(t testing.TB, base string, upstream *openaitest.Server) string {
	t.Helper()
	is := is.New(t)
	status := call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "openai", "type": "openai", "base_url": upstream.URL,
		"models":      []string{"gpt-*", "text-embedding-*", "missing-*"},
		"credentials": []map[string]any{{"name": "primary", "secret": "sk-upstream-secret-1"}},
	}, nil)
	is.Equal(status, http.StatusCreated)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "team-a"}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{"name": "ci"}, &key), http.StatusCreated)
	is.True(strings.HasPrefix(key.Key, "tg-"))
	return key.Key
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	upstream := openaitest.New(t, "sk-upstream-secret-1")
	m, base := gatewayServer(t, map[string]string{})
	client := setup(t, base, upstream)
	ctx := context.Background()

	t.Run("Chat", func(t *testing.T) {
		is := is.New(t)
		resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:    "gpt-4o-mini",
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hello there")},
		})
		is.NoErr(err)
		is.Equal(resp.Choices[0].Message.Content, "Echo: hello there")
		is.Equal(resp.Usage.CompletionTokens, int64(openaitest.CountTokens("Echo: hello there")))
		is.True(resp.Usage.PromptTokens > 0)
	})

	t.Run("StreamWithUsage", func(t *testing.T) {
		is := is.New(t)
		upstream.SetChunks(4)
		stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
			Model:         "gpt-4o-mini",
			Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("one two three four five")},
			StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
		})
		acc := openai.ChatCompletionAccumulator{}
		chunks := 0
		for stream.Next() {
			acc.AddChunk(stream.Current())
			chunks++
			// Relayed as the upstream sent them: fields Tollgate does not
			// model arrive too.
			is.Equal(string(stream.Current().ServiceTier), "default")
		}
		is.NoErr(stream.Err())
		is.Equal(acc.Choices[0].Message.Content, "Echo: one two three four five")
		is.True(chunks >= 5) // role, content pieces, finish, usage
		is.Equal(acc.Usage.CompletionTokens, int64(6))
	})

	t.Run("StreamWithoutUsageHidesIt", func(t *testing.T) {
		is := is.New(t)
		stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
			Model:    "gpt-4o-mini",
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		})
		for stream.Next() {
			is.Equal(stream.Current().Usage.TotalTokens, int64(0))
		}
		is.NoErr(stream.Err())
	})

	t.Run("ToolCallRoundTrip", func(t *testing.T) {
		is := is.New(t)
		params := openai.ChatCompletionNewParams{
			Model:    "gpt-4o",
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("weather in Paris")},
			Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(openai.FunctionDefinitionParam{
				Name:       "get_weather",
				Parameters: openai.FunctionParameters{"type": "object", "properties": map[string]any{"query": map[string]string{"type": "string"}}},
			})},
		}
		resp, err := client.Chat.Completions.New(ctx, params)
		is.NoErr(err)
		is.Equal(resp.Choices[0].FinishReason, "tool_calls")
		tc := resp.Choices[0].Message.ToolCalls[0]
		is.Equal(tc.Function.Name, "get_weather")
		is.Equal(tc.Function.Arguments, `{"query":"weather in Paris"}`)

		params.Messages = append(params.Messages, resp.Choices[0].Message.ToParam(), openai.ToolMessage("sunny, 21C", tc.ID))
		resp, err = client.Chat.Completions.New(ctx, params)
		is.NoErr(err)
		is.Equal(resp.Choices[0].Message.Content, "Tool said: sunny, 21C")
	})

	t.Run("Embeddings", func(t *testing.T) {
		is := is.New(t)
		resp, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
			Model: "text-embedding-3-small",
			Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b c"}},
		})
		is.NoErr(err)
		is.Equal(len(resp.Data), 2)
		is.Equal(len(resp.Data[1].Embedding), len(openaitest.Embed("b c", 8)))
		is.Equal(resp.Usage.PromptTokens, int64(3))
	})

	t.Run("Models", func(t *testing.T) {
		is := is.New(t)
		page, err := client.Models.List(ctx)
		is.NoErr(err)
		// The provider serves patterns (gpt-*, text-embedding-*); what is
		// listed is the priced catalog's models that match them.
		names := map[string]bool{}
		for _, m := range page.Data {
			names[m.ID] = true
			is.True(strings.HasPrefix(m.ID, "gpt-") || strings.HasPrefix(m.ID, "text-embedding-"))
		}
		is.True(names["gpt-4o-mini"])
		is.True(!names["claude-sonnet-4-6"]) // no provider serves it here
	})

	t.Run("ErrBadKey", func(t *testing.T) {
		is := is.New(t)
		bad := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey("tg-wrong"), option.WithMaxRetries(0))
		_, err := bad.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		})
		apiErr := asAPIError(t, err)
		is.Equal(apiErr.StatusCode, http.StatusUnauthorized)
		is.Equal(apiErr.Code, "invalid_api_key")
	})

	t.Run("ErrUnknownModel", func(t *testing.T) {
		is := is.New(t)
		_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model: "llama-70b", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		})
		apiErr := asAPIError(t, err)
		is.Equal(apiErr.StatusCode, http.StatusNotFound)
		is.Equal(apiErr.Code, "model_not_found")
	})

	t.Run("ErrUpstream500Is502", func(t *testing.T) {
		is := is.New(t)
		upstream.Fail(1, http.StatusInternalServerError)
		_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		})
		apiErr := asAPIError(t, err)
		is.Equal(apiErr.StatusCode, http.StatusBadGateway)
		is.Equal(apiErr.Type, "upstream_error")
		is.True(strings.Contains(apiErr.Message, "The server had an error"))
		is.True(!strings.Contains(apiErr.RawJSON(), "sk-upstream")) // no secret leaks
	})

	t.Run("RequestsAreRecorded", func(t *testing.T) {
		is := is.New(t)
		is.NoErr(m.App().Recorder.Flush(ctx))
		var logs struct {
			Data []struct {
				Model    string
				Code     string
				Attempts []struct{ Status int }
			}
		}
		is.Equal(call(t, "GET", base+"/admin/logs?limit=100", adminKey, nil, &logs), http.StatusOK)
		is.True(len(logs.Data) >= 8)
		sawUpstreamError := false
		for _, r := range logs.Data {
			if r.Code == "upstream_failed" && len(r.Attempts) == 1 && r.Attempts[0].Status == 500 {
				sawUpstreamError = true
			}
		}
		is.True(sawUpstreamError)
	})
}

func asAPIError(t *testing.T, err error) *openai.Error {
	t.Helper()
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an OpenAI API error, got %v", err)
	}
	return apiErr
}

func TestAdminAPI(t *testing.T) {
	t.Parallel()
	_, base := gatewayServer(t, map[string]string{})
	for _, tc := range []struct {
		name   string
		method string
		path   string
		token  string
		body   any
		status int
		param  string
	}{
		{"ErrNoAdminKey", "GET", "/admin/providers", "", nil, 401, ""},
		{"ErrWrongAdminKey", "GET", "/admin/providers", "nope", nil, 401, ""},
		{"ErrProviderName", "POST", "/admin/providers", adminKey, map[string]any{"name": "Bad Name", "type": "openai"}, 400, "name"},
		{"ErrProviderType", "POST", "/admin/providers", adminKey, map[string]any{"name": "x", "type": "nope"}, 400, "type"},
		{"ErrUnknownField", "POST", "/admin/accounts", adminKey, map[string]any{"name": "a", "colour": "red"}, 400, ""},
		{"ErrCredentialSecret", "POST", "/admin/providers", adminKey, map[string]any{"name": "y", "type": "mock", "credentials": []map[string]any{{"weight": 1}}}, 400, "credentials[0].secret"},
		{"ErrNoAccount", "POST", "/admin/accounts/acc_missing/keys", adminKey, map[string]any{}, 404, ""},
		{"ErrUnknownRoute", "GET", "/admin/nothing", adminKey, nil, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			var out struct {
				Error struct {
					Message string
					Type    string
					Param   *string
				}
			}
			is.Equal(call(t, tc.method, base+tc.path, tc.token, tc.body, &out), tc.status)
			is.True(out.Error.Message != "")
			if tc.param != "" {
				is.True(out.Error.Param != nil)
				is.Equal(*out.Error.Param, tc.param)
			}
		})
	}
}

// The admin key made at first start works, and the key itself is never
// written to the data directory.
func TestGeneratedAdminKey(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var out bytes.Buffer
	m := NewMain()
	dir := t.TempDir()
	env := map[string]string{"TOLLGATE_ADDR": "127.0.0.1:0", "TOLLGATE_DATA_DIR": dir}
	m.Getenv = func(k string) string { return env[k] }
	m.Stdout, m.Stderr = &out, io.Discard
	is.NoErr(m.ParseFlags(nil))
	is.NoErr(m.Run(context.Background()))
	defer m.Close()
	key := m.App().AdminKey.Created
	is.True(strings.HasPrefix(key, "tg-admin-"))
	is.True(strings.Contains(out.String(), key))
	is.Equal(call(t, "GET", "http://"+m.Addr()+"/admin/accounts", key, nil, nil), http.StatusOK)
}

// POST /admin/login trades the admin key for a session token that the
// admin API accepts in its place, on every instance that shares the key
// secret and admin key (as instances sharing PostgreSQL do); a forged
// token is refused.
func TestAdminSession(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	env := func() map[string]string {
		return map[string]string{"TOLLGATE_KEY_SECRET": "shared-key-secret-0123456789abcdef"}
	}
	_, base := gatewayServer(t, env())
	_, other := gatewayServer(t, env())

	var session struct {
		Token     string `json:"token"`
		TokenType string `json:"token_type"`
		ExpiresIn int64  `json:"expires_in"`
	}
	is.Equal(call(t, "POST", base+"/admin/login", "", map[string]string{"admin_key": adminKey}, &session), http.StatusOK)
	is.Equal(session.TokenType, "Bearer")
	is.Equal(session.ExpiresIn, int64(12*60*60))
	is.Equal(call(t, "POST", base+"/admin/login", "", map[string]string{"admin_key": "wrong"}, nil), http.StatusUnauthorized)

	var accounts struct{ Object string }
	is.Equal(call(t, "GET", base+"/admin/accounts", session.Token, nil, &accounts), http.StatusOK)
	is.Equal(accounts.Object, "list")
	is.Equal(call(t, "GET", other+"/admin/accounts", session.Token, nil, nil), http.StatusOK) // another instance

	now := time.Now()
	forged, err := jwt.Sign(jwt.Claims{Issuer: "tollgate", Subject: "admin", IssuedAt: now.Unix(), ExpiresAt: now.Add(time.Hour).Unix(), ID: "x"},
		[]byte("shared-key-secret-0123456789abcdef")) // the key secret itself is not the session key
	is.NoErr(err)
	var refused struct {
		Error struct{ Message, Code string }
	}
	is.Equal(call(t, "GET", base+"/admin/accounts", forged, nil, &refused), http.StatusUnauthorized)
	is.Equal(refused.Error.Code, "invalid_admin_key")
	is.True(strings.Contains(refused.Error.Message, "session"))

	_, stranger := gatewayServer(t, map[string]string{}) // its own key secret
	is.Equal(call(t, "GET", stranger+"/admin/accounts", session.Token, nil, nil), http.StatusUnauthorized)
}

// A seed file declares providers (secrets from the environment) and
// models; OPENAI_API_KEY adds an openai provider only when none exists.
func TestSeed(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	is.NoErr(os.WriteFile(path, []byte(`
seed:
  providers:
    - name: demo
      type: mock
      models: ["mock-*"]
      options: {reply: "seeded"}
      credentials:
        - secret: ${MOCK_SECRET}
  models:
    - name: mock-1
      prices: {input: 1000000, output: 2000000}
`), 0o600))
	_, base := gatewayServer(t, map[string]string{"TOLLGATE_CONFIG": path, "MOCK_SECRET": "s3cret", "OPENAI_API_KEY": "sk-unused"})
	var providers struct{ Data []struct{ Name string } }
	is.Equal(call(t, "GET", base+"/admin/providers", adminKey, nil, &providers), http.StatusOK)
	is.Equal(len(providers.Data), 1) // no openai: the seed made a provider
	is.Equal(providers.Data[0].Name, "demo")

	var acct struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "a"}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{}, &key), http.StatusCreated)
	var resp struct {
		Choices []struct{ Message struct{ Content string } }
	}
	is.Equal(call(t, "POST", base+"/v1/chat/completions", key.Key, map[string]any{
		"model": "mock-1", "messages": []map[string]string{{"role": "user", "content": "hi"}},
	}, &resp), http.StatusOK)
	is.Equal(resp.Choices[0].Message.Content, "seeded")

	t.Run("OpenAIFromEnvironment", func(t *testing.T) {
		is := is.New(t)
		_, base := gatewayServer(t, map[string]string{"OPENAI_API_KEY": "sk-from-env"})
		var providers struct{ Data []struct{ Name, Type string } }
		is.Equal(call(t, "GET", base+"/admin/providers", adminKey, nil, &providers), http.StatusOK)
		is.Equal(len(providers.Data), 1)
		is.Equal(providers.Data[0].Type, "openai")
	})
	t.Run("ErrMissingSecret", func(t *testing.T) {
		is := is.New(t)
		m := NewMain()
		env := map[string]string{"TOLLGATE_CONFIG": path, "TOLLGATE_DATA_DIR": t.TempDir(), "TOLLGATE_ADDR": "127.0.0.1:0"}
		m.Getenv = func(k string) string { return env[k] }
		m.Stdout, m.Stderr = io.Discard, io.Discard
		is.NoErr(m.ParseFlags(nil))
		err := m.Run(context.Background())
		is.True(err != nil)
		is.True(strings.Contains(err.Error(), "MOCK_SECRET"))
	})
}

func TestGracefulShutdownFinishesStreams(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	upstream := openaitest.New(t)
	upstream.SetChunks(5)
	upstream.SetChunkDelay(40 * time.Millisecond)
	m, base := gatewayServer(t, map[string]string{})
	client := setup(t, base, upstream)

	stream := client.Chat.Completions.NewStreaming(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("a b c d e f g h")},
	})
	is.True(stream.Next()) // the stream has started
	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	acc := openai.ChatCompletionAccumulator{}
	acc.AddChunk(stream.Current())
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	is.NoErr(stream.Err())
	is.Equal(acc.Choices[0].Message.Content, "Echo: a b c d e f g h") // whole, though shutdown began
	is.NoErr(<-closed)
}

// A key's limit is enforced through the HTTP API: 429 with Retry-After
// and an OpenAI-shaped body naming the limit, and x-ratelimit-* headers
// on every response.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	_, base := gatewayServer(t, map[string]string{})
	mockProvider(t, base)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "a", "limits": map[string]int{"requests_per_minute": 2}}, &acct), http.StatusCreated)
	var key struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{"limits": map[string]int{"requests_per_minute": 5}}, &key), http.StatusBadRequest) // above the account's
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/keys", adminKey, map[string]any{"limits": map[string]int{"tokens_per_minute": 10000}}, &key), http.StatusCreated)

	send := func() *http.Response {
		req, _ := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(`{"model":"mock-1","max_tokens":50,"messages":[{"role":"user","content":"hi"}]}`))
		req.Header.Set("Authorization", "Bearer "+key.Key)
		resp, err := http.DefaultClient.Do(req)
		is.NoErr(err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	resp := send()
	is.Equal(resp.StatusCode, http.StatusOK)
	is.Equal(resp.Header.Get("X-Ratelimit-Limit-Requests"), "2")
	is.Equal(resp.Header.Get("X-Ratelimit-Remaining-Requests"), "1")
	is.Equal(resp.Header.Get("X-Ratelimit-Limit-Tokens"), "10000")
	is.True(resp.Header.Get("X-Ratelimit-Reset-Requests") != "")
	is.Equal(send().StatusCode, http.StatusOK)
	resp = send()
	is.Equal(resp.StatusCode, http.StatusTooManyRequests)
	is.True(resp.Header.Get("Retry-After") != "")
	var body struct {
		Error struct{ Message, Type, Code string }
	}
	is.NoErr(json.NewDecoder(resp.Body).Decode(&body))
	is.Equal(body.Error.Type, "rate_limit_error")
	is.Equal(body.Error.Code, "rate_limit_exceeded")
	is.True(strings.Contains(body.Error.Message, "requests per minute on account"))
}

// A slow stream reaches the client chunk by chunk (the relay flushes
// whenever the upstream has nothing more at hand); a fast one arrives
// whole and in order however its chunks were batched.
func TestStreamsFlushChunkByChunk(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	upstream := openaitest.New(t)
	_, base := gatewayServer(t, map[string]string{})
	client := setup(t, base, upstream)
	params := openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("a b c d e f g h i j k l m n o p q r s t")},
	}

	upstream.SetChunks(20) // a burst: every chunk at once
	stream := client.Chat.Completions.NewStreaming(context.Background(), params)
	acc := openai.ChatCompletionAccumulator{}
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	is.NoErr(stream.Err())
	is.Equal(acc.Choices[0].Message.Content, "Echo: a b c d e f g h i j k l m n o p q r s t")

	upstream.SetChunks(4)
	upstream.SetChunkDelay(250 * time.Millisecond) // about a second in all
	start := time.Now()
	stream = client.Chat.Completions.NewStreaming(context.Background(), params)
	is.True(stream.Next())
	first := time.Since(start)
	for stream.Next() {
	}
	is.NoErr(stream.Err())
	is.True(first < time.Since(start)-500*time.Millisecond) // the first chunk came long before the last
}
