package anthropic_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropictest"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// nativeRequest is a pass-through request relative to the SDK base URL.
func nativeRequest(method, path, body string, header map[string]string) *http.Request {
	req, _ := http.NewRequest(method, "", strings.NewReader(body))
	req.URL = &url.URL{Path: path}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req
}

func TestForward(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u, err := anthropic.New(&gateway.Provider{Name: "claude", Type: "anthropic", BaseURL: srv.URL,
		Headers: map[string]string{"X-Team": "blue"}, Options: map[string]string{"beta": "b-provider"}}, anthropic.Config{})
	is.NoErr(err)
	defer u.Close()

	body := `{"model":"claude-haiku-4-5","max_tokens":50,"messages":[{"role":"user","content":"hello there"}]}`
	resp, err := u.Forward(context.Background(), cred(testKey), nativeRequest(http.MethodPost, "/v1/messages", body,
		map[string]string{"Content-Type": "application/json", "anthropic-version": "2023-01-01"}))
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, 200)
	var msg anthropicwire.Response
	is.NoErr(json.NewDecoder(resp.Body).Decode(&msg))
	is.Equal(msg.Content[0].Text, "Echo: hello there")
	sent := srv.Requests()[0]
	is.Equal(sent.Path, "/v1/messages")
	is.Equal(sent.Header.Get("x-api-key"), testKey)
	is.Equal(sent.Header.Get("anthropic-version"), "2023-01-01") // the client's
	is.Equal(sent.Header.Get("anthropic-beta"), "b-provider")
	is.Equal(sent.Header.Get("X-Team"), "blue")

	// The provider's refusal is an answer, not an error.
	resp, err = u.Forward(context.Background(), cred("sk-ant-wrong"), nativeRequest(http.MethodGet, "/v1/models", "",
		map[string]string{"anthropic-beta": "b-client"}))
	is.NoErr(err)
	defer resp.Body.Close()
	is.Equal(resp.StatusCode, 401)
	b, _ := io.ReadAll(resp.Body)
	is.True(strings.Contains(string(b), "authentication_error"))
	sent = srv.Requests()[1]
	is.Equal(sent.Header.Get("anthropic-version"), anthropic.DefaultVersion)
	is.Equal(sent.Header.Get("anthropic-beta"), "b-client")

	_, err = u.Forward(context.Background(), nil, nativeRequest(http.MethodGet, "/v1/models", "", nil))
	is.Equal(asError(t, err).Code, gateway.CodeInternal)
}
