package azure_test

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

	"github.com/tollgate-ai/tollgate/adapters/providers/azure"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

const testKey = "3f2a9c0d4e5b6a7f8091a2b3c4d5e6f7"

var (
	_ gateway.Upstream    = (*openai.Upstream)(nil)
	_ gateway.Embedder    = (*openai.Upstream)(nil)
	_ gateway.ModelLister = (*openai.Upstream)(nil)
	_ gateway.Authorizer  = (*openai.Upstream)(nil)
	_ gateway.Metered     = (*openai.Upstream)(nil)
)

// server is an Azure test server with gpt-4o-mini deployed as "chat",
// text-embedding-3-small as "embed", and gpt-4o under its own name.
func server(t *testing.T) *openaitest.Server {
	s := openaitest.NewAzure(t, testKey)
	s.Deploy("chat", "gpt-4o-mini-2024-07-18")
	s.Deploy("embed", "text-embedding-3-small")
	s.Deploy("gpt-4o", "gpt-4o-2024-08-06")
	return s
}

// provider describes an Azure provider at endpoint with options.
func provider(endpoint string, options map[string]string) *gateway.Provider {
	opts := map[string]string{"deployments": "gpt-4o-mini=chat, text-embedding-3-small=embed"}
	for k, v := range options {
		opts[k] = v
	}
	return &gateway.Provider{Name: "azure", Type: "azure", BaseURL: endpoint, Options: opts}
}

func mustNew(tb testing.TB, p *gateway.Provider) *openai.Upstream {
	tb.Helper()
	u, err := azure.New(p, openai.Config{})
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

func asError(tb testing.TB, err error) *gateway.Error {
	tb.Helper()
	var e *gateway.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not a *gateway.Error", err, err)
	}
	return e
}

func TestChat(t *testing.T) {
	is := is.New(t)
	srv := server(t)
	u := mustNew(t, provider(srv.URL+"/", nil)) // a trailing slash is fine

	resp, err := u.Chat(context.Background(), cred(testKey), userChat("gpt-4o-mini", "hello there"))
	is.NoErr(err)
	is.Equal(resp.Model, "gpt-4o-mini-2024-07-18")
	is.Equal(resp.Choices[0].Message.Content.Text(), "Echo: hello there")
	is.Equal(resp.Choices[0].FinishReason, "stop")
	is.True(resp.Usage != nil && resp.Usage.TotalTokens > 0)

	r := srv.Requests()[0]
	is.Equal(r.Path, "/openai/deployments/chat/chat/completions")
	is.Equal(r.RawQuery, "api-version="+azure.DefaultAPIVersion)
	is.Equal(r.Header.Get("api-key"), testKey)
	is.Equal(r.Header.Get("Authorization"), "")

	// A model with no deployment listed is deployed under its own name.
	resp, err = u.Chat(context.Background(), cred(testKey), userChat("gpt-4o", "hi"))
	is.NoErr(err)
	is.Equal(resp.Model, "gpt-4o-2024-08-06")
	is.Equal(srv.Requests()[1].Path, "/openai/deployments/gpt-4o/chat/completions")
}

func TestChatStream(t *testing.T) {
	is := is.New(t)
	srv := server(t)
	srv.SetChunks(3)
	u := mustNew(t, provider(srv.URL, nil))
	req := userChat("gpt-4o-mini", "one two three four")
	req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)

	is.Equal(len(chunks), 1+1+3+1+1) // Azure's prompt filter chunk, role, content, finish, usage
	is.Equal(len(chunks[0].Choices), 0)
	is.Equal(chunks[0].Model, "")
	var text strings.Builder
	for _, c := range chunks[1:] {
		is.Equal(c.Model, "gpt-4o-mini-2024-07-18")
		for _, ch := range c.Choices {
			text.WriteString(ch.Delta.Content)
		}
	}
	is.Equal(text.String(), "Echo: one two three four")
	is.Equal(chunks[len(chunks)-2].Choices[0].FinishReason, "stop")
	is.True(chunks[len(chunks)-1].Usage != nil)
	var body map[string]json.RawMessage
	is.NoErr(json.Unmarshal(srv.Requests()[0].Body, &body))
	is.Equal(string(body["stream_options"]), `{"include_usage":true}`)
}

func TestTools(t *testing.T) {
	is := is.New(t)
	srv := server(t)
	srv.SetChunks(2)
	u := mustNew(t, provider(srv.URL, nil))
	req := userChat("gpt-4o-mini", "weather in Paris")
	req.Tools = []gateway.Tool{{Type: "function", Function: gateway.Function{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}}}

	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.Equal(resp.Choices[0].FinishReason, "tool_calls")
	is.Equal(resp.Choices[0].Message.ToolCalls[0].Function.Name, "get_weather")
	is.Equal(resp.Choices[0].Message.ToolCalls[0].Function.Arguments, `{"query":"weather in Paris"}`)

	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	var args, finish string
	for _, c := range drain(t, s) {
		for _, ch := range c.Choices {
			for _, tc := range ch.Delta.ToolCalls {
				args += tc.Function.Arguments
			}
			if ch.FinishReason != "" {
				finish = ch.FinishReason
			}
		}
	}
	is.Equal(args, `{"query":"weather in Paris"}`)
	is.Equal(finish, "tool_calls")
}

func TestEmbedAndModels(t *testing.T) {
	is := is.New(t)
	srv := server(t)
	u := mustNew(t, provider(srv.URL, nil))
	resp, err := u.Embed(context.Background(), cred(testKey), &gateway.EmbedRequest{Model: "text-embedding-3-small", Input: json.RawMessage(`["a b","c"]`)})
	is.NoErr(err)
	is.Equal(len(resp.Data), 2)
	is.Equal(resp.Usage.PromptTokens, 3)
	var vec []float32
	is.NoErr(json.Unmarshal(resp.Data[1].Embedding, &vec))
	is.Equal(vec, openaitest.Embed("c", 8))
	is.Equal(srv.Requests()[0].Path, "/openai/deployments/embed/embeddings")

	models, err := u.ListModels(context.Background(), cred(testKey))
	is.NoErr(err)
	is.Equal(len(models), 3)
	is.Equal(models[0].ID, "gpt-4o-2024-08-06")
	r := srv.Requests()[1]
	is.Equal(r.Method, "GET")
	is.Equal(r.Path, "/openai/models")
	is.Equal(r.RawQuery, "api-version="+azure.DefaultAPIVersion)
}

func TestV1AndBearer(t *testing.T) {
	is := is.New(t)
	srv := server(t)
	u := mustNew(t, provider(srv.URL, map[string]string{"api_version": "v1", "auth": "bearer"}))
	resp, err := u.Chat(context.Background(), cred(testKey), userChat("gpt-4o-mini", "hi"))
	is.NoErr(err)
	is.Equal(resp.Model, "gpt-4o-mini-2024-07-18")
	_, err = u.Embed(context.Background(), cred(testKey), &gateway.EmbedRequest{Model: "text-embedding-3-small", Input: json.RawMessage(`"x"`)})
	is.NoErr(err)
	_, err = u.ListModels(context.Background(), cred(testKey))
	is.NoErr(err)

	reqs := srv.Requests()
	var body map[string]json.RawMessage
	is.NoErr(json.Unmarshal(reqs[0].Body, &body))
	is.Equal(string(body["model"]), `"chat"`) // the v1 API takes the deployment as the model
	for i, path := range []string{"/openai/v1/chat/completions", "/openai/v1/embeddings", "/openai/v1/models"} {
		is.Equal(reqs[i].Path, path)
		is.Equal(reqs[i].RawQuery, "")
		is.Equal(reqs[i].Header.Get("Authorization"), "Bearer "+testKey) // a Microsoft Entra ID token
		is.Equal(reqs[i].Header.Get("api-key"), "")
	}

	pass := httptest.NewRequest(http.MethodPost, "https://r.openai.azure.com/openai/v1/responses", nil)
	is.NoErr(u.Authorize(pass, cred(testKey)))
	is.Equal(pass.Header.Get("Authorization"), "Bearer "+testKey)
}

func TestErrors(t *testing.T) {
	srv := server(t)
	srv.SetContentFilter("forbidden")
	ok := mustNew(t, provider(srv.URL, nil))
	wrongPath := mustNew(t, provider(srv.URL+"/wrong", nil))
	tests := []struct {
		name    string
		u       *openai.Upstream
		fail    int
		secret  string
		model   string
		text    string
		code    gateway.Code
		status  int
		typ     string
		message string
		retry   time.Duration
	}{
		{name: "NoDeployment", u: ok, secret: testKey, model: "gpt-5", text: "hi", code: gateway.CodeNotFound, status: 404,
			typ: "DeploymentNotFound", message: "azure: The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."},
		{name: "BadKey", u: ok, secret: "not-the-key", model: "gpt-4o-mini", text: "hi", code: gateway.CodeUpstream, status: 401,
			message: "azure: Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."},
		{name: "ContentFilter", u: ok, secret: testKey, model: "gpt-4o-mini", text: "a Forbidden thing", code: gateway.CodeInvalid, status: 400,
			typ: "content_filter", message: "azure: The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766 (filtered: violence)"},
		{name: "WrongEndpoint", u: wrongPath, secret: testKey, model: "gpt-4o-mini", text: "hi", code: gateway.CodeUpstream, status: 404,
			message: "azure: Resource not found"},
		{name: "RateLimited", u: ok, fail: 429, secret: testKey, model: "gpt-4o-mini", text: "hi", code: gateway.CodeRateLimited, status: 429,
			retry: time.Second, message: "azure: Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current AIServices S0 pricing tier. Please retry after 1 second. Please contact Azure support service if you would like to further increase the default rate limit."},
		{name: "ServerError", u: ok, fail: 500, secret: testKey, model: "gpt-4o-mini", text: "hi", code: gateway.CodeUpstream, status: 500,
			typ: "server_error", message: "azure: The server had an error while processing your request. Sorry about that!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := map[string]func() error{
				"Chat": func() error {
					_, err := tt.u.Chat(context.Background(), cred(tt.secret), userChat(tt.model, tt.text))
					return err
				},
				"ChatStream": func() error {
					_, err := tt.u.ChatStream(context.Background(), cred(tt.secret), userChat(tt.model, tt.text))
					return err
				},
			}
			for name, call := range calls {
				t.Run(name, func(t *testing.T) {
					is := is.New(t)
					srv.Fail(1, tt.fail)
					e := asError(t, call())
					is.Equal(e.Code, tt.code)
					is.Equal(e.Status, tt.status)
					is.Equal(e.Type, tt.typ)
					is.Equal(e.Field, "")
					is.Equal(e.Message, tt.message)
					is.Equal(e.RetryAfter, tt.retry)
					is.True(!e.Delivered)
					for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e)} {
						is.True(!strings.Contains(s, tt.secret) || tt.secret == testKey)
					}
				})
			}
		})
	}
}

func TestAPIVersionRefused(t *testing.T) {
	for _, msg := range []string{"API version not supported", "Missing required query parameter: api-version"} {
		t.Run(msg, func(t *testing.T) {
			is := is.New(t)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				_, _ = io.WriteString(w, `{"error":{"code":"BadRequest","message":"`+msg+`"}}`)
			}))
			defer srv.Close()
			u := mustNew(t, provider(srv.URL, map[string]string{"api_version": "2025-04-01-preview"}))
			_, err := u.Chat(context.Background(), cred(testKey), userChat("gpt-4o-mini", "hi"))
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeUpstream) // the provider's settings are at fault, not the request
			is.Equal(e.Type, "BadRequest")
			is.Equal(e.Message, "azure: "+msg)
		})
	}
}

func TestCompletionFiltered(t *testing.T) {
	is := is.New(t)
	srv := server(t)
	srv.SetContentFilter("secret")
	srv.SetReply("The secret is out")
	u := mustNew(t, provider(srv.URL, nil))
	resp, err := u.Chat(context.Background(), cred(testKey), userChat("gpt-4o-mini", "tell me"))
	is.NoErr(err) // Azure's annotations do not break decoding
	is.Equal(resp.Choices[0].FinishReason, "content_filter")
	is.Equal(resp.Choices[0].Message.Content.Text(), "The ")

	s, err := u.ChatStream(context.Background(), cred(testKey), userChat("gpt-4o-mini", "tell me"))
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)
	is.Equal(chunks[len(chunks)-1].Choices[0].FinishReason, "content_filter")
}

func TestAuthorizeAndMeter(t *testing.T) {
	is := is.New(t)
	srv := server(t)
	u := mustNew(t, provider(srv.URL, nil))
	req := httptest.NewRequest(http.MethodPost, srv.URL+"/openai/deployments/chat/chat/completions?api-version=2024-10-21",
		strings.NewReader(`{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"a b c"}]}`))
	req.RequestURI = ""
	is.NoErr(u.Authorize(req, cred(testKey)))
	is.Equal(req.Header.Get("api-key"), testKey)
	is.Equal(req.Header.Get("Authorization"), "")
	is.Equal(gateway.ErrorCode(u.Authorize(req, nil)), gateway.CodeInternal)

	resp, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, 200)
	m := u.Meter(req, resp.Header.Get("Content-Type"))
	_, err = io.Copy(m, resp.Body)
	is.NoErr(err)
	usage, model, ok := m.Usage()
	is.True(ok)
	is.Equal(model, "gpt-4o-mini-2024-07-18")
	is.Equal(usage.PromptTokens, 3+4+3)
	is.Equal(usage.CompletionTokens, 4) // "Echo: a b c"
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		options map[string]string
		field   string
	}{
		{"OK", "https://r.openai.azure.com", map[string]string{"api_version": "2025-04-01-preview", "deployments": "a=b"}, ""},
		{"V1", "https://r.openai.azure.com", map[string]string{"api_version": "v1"}, ""},
		{"NoEndpoint", "", nil, "base_url"},
		{"RelativeEndpoint", "r.openai.azure.com", nil, "base_url"},
		{"EndpointWithQuery", "https://r.openai.azure.com?api-version=1", nil, "base_url"},
		{"APIVersion", "https://r.openai.azure.com", map[string]string{"api_version": "latest"}, "options.api_version"},
		{"DeploymentsNoEquals", "https://r.openai.azure.com", map[string]string{"deployments": "gpt-4o"}, "options.deployments"},
		{"DeploymentsEmptySide", "https://r.openai.azure.com", map[string]string{"deployments": "gpt-4o= "}, "options.deployments"},
		{"DeploymentsTwice", "https://r.openai.azure.com", map[string]string{"deployments": "a=b,a=c"}, "options.deployments"},
		{"AuthNone", "https://r.openai.azure.com", map[string]string{"auth": "none"}, "options.auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			p := &gateway.Provider{Name: "azure", Type: "azure", BaseURL: tt.baseURL, Options: tt.options}
			u, err := azure.New(p, openai.Config{})
			up, derr := azure.Driver(openai.Config{}).Open(p)
			if tt.field == "" {
				is.NoErr(err)
				is.NoErr(derr)
				is.NoErr(u.Close())
				return
			}
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeInvalid)
			is.Equal(e.Field, tt.field)
			is.True(up == nil) // a nil interface, not a typed nil
			is.Equal(gateway.ErrorCode(derr), gateway.CodeInvalid)
		})
	}
}
