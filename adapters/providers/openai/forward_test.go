package openai_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

func TestForward(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := openaitest.New(t, "sk-real")
	up, err := openai.New(&gateway.Provider{Name: "o", Type: "openai", BaseURL: srv.URL, Headers: map[string]string{"X-Team": "blue"}}, openai.Config{})
	is.NoErr(err)
	defer up.Close()

	req, _ := http.NewRequest(http.MethodPost, "", strings.NewReader(`{"model":"gpt-4o","messages":[{"role":"user","content":"hello there"}]}`))
	req.URL = &url.URL{Path: "/chat/completions"}
	req.Header.Set("Content-Type", "application/json")
	resp, err := up.Forward(context.Background(), &gateway.Credential{Secret: "sk-real"}, req)
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, 200)
	var out gateway.ChatResponse
	is.NoErr(json.NewDecoder(resp.Body).Decode(&out))
	is.Equal(out.Choices[0].Message.Content.Text(), "Echo: hello there")
	sent := srv.Requests()[0]
	is.Equal(sent.Path, "/v1/chat/completions") // under the base URL, as OpenAI's SDKs send it
	is.Equal(sent.Header.Get("Authorization"), "Bearer sk-real")
	is.Equal(sent.Header.Get("X-Team"), "blue")

	// The provider's own refusal is an answer, not an error.
	req, _ = http.NewRequest(http.MethodGet, "", nil)
	req.URL = &url.URL{Path: "/models"}
	resp, err = up.Forward(context.Background(), &gateway.Credential{Secret: "sk-wrong"}, req)
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, 401)
	b, _ := io.ReadAll(resp.Body)
	is.True(strings.Contains(string(b), "invalid_api_key") || strings.Contains(string(b), "Incorrect API key"))
}
