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

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropictest"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

const testKey = "sk-ant-api03-test-0123456789abcdef"

// mustNew returns an Upstream for baseURL with options, closed by
// t.Cleanup.
func mustNew(tb testing.TB, baseURL string, options map[string]string) *anthropic.Upstream {
	tb.Helper()
	u, err := anthropic.New(&gateway.Provider{Name: "claude", Type: "anthropic", BaseURL: baseURL, Options: options}, anthropic.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = u.Close() })
	return u
}

func cred(secret string) *gateway.Credential {
	return &gateway.Credential{ID: "cred_1", Secret: gateway.Secret(secret), Weight: 1}
}

func userChat(text string) *gateway.ChatRequest {
	return &gateway.ChatRequest{Model: "claude-sonnet-4-5", Messages: []gateway.Message{{Role: "user", Content: gateway.TextContent(text)}}}
}

func ptr[T any](v T) *T { return &v }

// asError returns err as a *gateway.Error or fails the test.
func asError(tb testing.TB, err error) *gateway.Error {
	tb.Helper()
	var e *gateway.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not a *gateway.Error", err, err)
	}
	return e
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

// sentBody returns the body of the last request the server received.
func sentBody(tb testing.TB, srv *anthropictest.Server) *anthropicwire.Request {
	tb.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		tb.Fatal("no request")
	}
	var r anthropicwire.Request
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &r); err != nil {
		tb.Fatal(err)
	}
	return &r
}

func TestChat(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	resp, err := u.Chat(context.Background(), cred(testKey), userChat("hello there world"))
	is.NoErr(err)
	is.Equal(resp.Object, "chat.completion")
	is.Equal(resp.Model, "claude-sonnet-4-5")
	is.True(strings.HasPrefix(resp.ID, "msg_01"))
	is.True(resp.Created > 0)
	is.Equal(len(resp.Choices), 1)
	m := resp.Choices[0].Message
	is.Equal(m.Role, "assistant")
	is.Equal(m.Content.Text(), "Echo: hello there world")
	is.Equal(resp.Choices[0].FinishReason, "stop")
	is.Equal(resp.Usage.PromptTokens, 3+3)
	is.Equal(resp.Usage.CompletionTokens, 4)
	is.Equal(resp.Usage.TotalTokens, 10)
	is.Equal(len(srv.Requests()), 1)
	is.Equal(srv.Requests()[0].Path, "/v1/messages")
}

func TestUsageWithCache(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	srv.SetUsage(100, 40)
	u := mustNew(t, srv.URL, nil)
	resp, err := u.Chat(context.Background(), cred(testKey), userChat("a b"))
	is.NoErr(err)
	is.Equal(resp.Usage.PromptTokens, 5+100+40) // input + cache read + cache creation
	is.Equal(resp.Usage.CachedTokens(), 100)
	is.Equal(resp.Usage.PromptTokensDetails.CacheCreationTokens, 40)
	is.Equal(resp.Usage.TotalTokens, 145+resp.Usage.CompletionTokens)

	req := userChat("a b")
	req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)
	last := chunks[len(chunks)-1]
	is.Equal(len(last.Choices), 0)
	is.Equal(*last.Usage, *resp.Usage)
}

func TestChatRequestShape(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u, err := anthropic.New(&gateway.Provider{Name: "claude", Type: "anthropic", BaseURL: srv.URL + "/v1/",
		Headers: map[string]string{"X-Team": "search", "anthropic-beta": "override-1"},
		Options: map[string]string{"version": "2024-01-01", "beta": "prompt-caching-2024-07-31", "max_tokens": "777"},
	}, anthropic.Config{})
	is.NoErr(err)
	defer u.Close()

	req := userChat("hi")
	req.Stream = true
	req.Extra = gateway.Extra{"logprobs": json.RawMessage("true")}
	req.PresencePenalty = ptr(0.5)
	req.Seed = ptr(int64(3))
	req.Temperature = ptr(0.3)
	req.TopP = ptr(0.8)
	req.Stop = gateway.Stop{"END", "STOP"}
	req.User = "user-42"
	_, err = u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	is.True(req.Stream) // the caller's request is unchanged

	r := srv.Requests()[0]
	is.Equal(r.Method, "POST")
	is.Equal(r.Path, "/v1/messages")
	is.Equal(r.Header.Get("x-api-key"), testKey)
	is.Equal(r.Header.Get("Authorization"), "")
	is.Equal(r.Header.Get("anthropic-version"), "2024-01-01")
	is.Equal(r.Header.Get("anthropic-beta"), "override-1") // Provider.Headers come last
	is.Equal(r.Header.Get("X-Team"), "search")
	is.Equal(r.Header.Get("Content-Type"), "application/json")
	var body map[string]json.RawMessage
	is.NoErr(json.Unmarshal(r.Body, &body))
	for _, dropped := range []string{"logprobs", "presence_penalty", "seed", "stream", "user", "stop", "n"} {
		_, ok := body[dropped]
		is.True(!ok) // fields Anthropic does not know are not sent
	}
	sent := sentBody(t, srv)
	is.Equal(*sent.MaxTokens, 777)
	is.Equal(*sent.Temperature, 0.3)
	is.Equal(*sent.TopP, 0.8)
	is.Equal(sent.StopSequences, []string{"END", "STOP"})
	is.Equal(sent.Metadata.UserID, "user-42")
	is.Equal(sent.Messages[0].Content.Blocks[0].Text, "hi")
}

func TestBearerAuth(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, map[string]string{"auth": "bearer"})
	_, err := u.Chat(context.Background(), cred(testKey), userChat("hi"))
	is.NoErr(err)
	r := srv.Requests()[0]
	is.Equal(r.Header.Get("Authorization"), "Bearer "+testKey)
	is.Equal(r.Header.Get("x-api-key"), "")
	is.Equal(r.Header.Get("anthropic-version"), anthropic.DefaultVersion)
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		base    string
		options map[string]string
		field   string
	}{
		{name: "Defaults"},
		{name: "BadBase", base: "ftp://x", field: "base_url"},
		{name: "RelativeBase", base: "/v1", field: "base_url"},
		{name: "BadMaxTokens", options: map[string]string{"max_tokens": "many"}, field: "options.max_tokens"},
		{name: "ZeroMaxTokens", options: map[string]string{"max_tokens": "0"}, field: "options.max_tokens"},
		{name: "BadAuth", options: map[string]string{"auth": "basic"}, field: "options.auth"},
		{name: "AuthHeader", options: map[string]string{"auth": "X-API-Key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			up, err := anthropic.Driver(anthropic.Config{}).Open(&gateway.Provider{Type: "anthropic", BaseURL: tt.base, Options: tt.options})
			if tt.field == "" {
				is.NoErr(err)
				is.NoErr(up.(*anthropic.Upstream).Close())
				return
			}
			is.True(up == nil) // no typed nil
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeInvalid)
			is.Equal(e.Field, tt.field)
		})
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		options map[string]string
		header  map[string]string
		want    map[string]string
	}{
		{name: "APIKey", want: map[string]string{"x-api-key": testKey, "anthropic-version": "2023-06-01", "Authorization": ""}},
		{name: "Bearer", options: map[string]string{"auth": "bearer"},
			want: map[string]string{"Authorization": "Bearer " + testKey, "x-api-key": ""}},
		{name: "KeepsVersion", header: map[string]string{"anthropic-version": "2023-01-01"},
			want: map[string]string{"anthropic-version": "2023-01-01"}},
		{name: "ConfiguredVersion", options: map[string]string{"version": "2099-01-01"},
			want: map[string]string{"anthropic-version": "2099-01-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			u := mustNew(t, "", tt.options)
			req := httptest.NewRequest(http.MethodPost, "https://api.anthropic.com/v1/messages", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			is.NoErr(u.Authorize(req, cred(testKey)))
			for k, v := range tt.want {
				is.Equal(req.Header.Get(k), v)
			}
		})
	}
	is := is.New(t)
	e := asError(t, mustNew(t, "", nil).Authorize(httptest.NewRequest("GET", "/", nil), nil))
	is.Equal(e.Code, gateway.CodeInternal)
}

func TestListModels(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	models, err := u.ListModels(context.Background(), cred(testKey))
	is.NoErr(err)
	want := anthropictest.Models()
	is.Equal(len(models), len(want))
	is.Equal(models[0].ID, want[0].ID)
	is.Equal(models[0].Object, "model")
	is.Equal(models[0].OwnedBy, "anthropic")
	is.Equal(models[0].Created, want[0].CreatedAt.Unix())

	_, err = u.ListModels(context.Background(), cred("sk-ant-wrong"))
	e := asError(t, err)
	is.Equal(e.Code, gateway.CodeUpstream)
	is.Equal(e.Status, 401)
	is.Equal(e.Type, "authentication_error")
}

func TestListModelsPages(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	pages := map[string]string{
		"":   `{"data":[{"type":"model","id":"a","display_name":"A","created_at":"2025-01-01T00:00:00Z"},{"type":"model","id":"b","display_name":"B","created_at":"2025-01-02T00:00:00Z"}],"has_more":true,"first_id":"a","last_id":"b"}`,
		"b":  `{"data":[{"type":"model","id":"c","display_name":"C","created_at":"2025-01-03T00:00:00Z"}],"has_more":false,"first_id":"c","last_id":"c"}`,
		"zz": `{"data":[],"has_more":true,"first_id":null,"last_id":null}`,
	}
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, pages[r.URL.Query().Get("after_id")])
	}))
	defer srv.Close()
	u := mustNew(t, srv.URL, nil)
	models, err := u.ListModels(context.Background(), cred(testKey))
	is.NoErr(err)
	is.Equal(len(models), 3)
	is.Equal(models[2].ID, "c")
	is.Equal(queries, []string{"limit=1000", "after_id=b&limit=1000"})
}
