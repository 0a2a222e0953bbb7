package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// An OAuth credential added with only a refresh token gets its access
// token from the token endpoint at once, and requests carry it upstream;
// the admin API never shows the refresh token or client secret.
func TestOAuthCredentialEndToEnd(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var grants atomic.Int32
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil || r.Form.Get("refresh_token") != "rt-secret-refresh" || r.Form.Get("client_secret") != "cs-secret-client" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		grants.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-from-oauth-server", "token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(tokens.Close)
	upstream := openaitest.New(t, "at-from-oauth-server") // accepts only the access token
	_, base := gatewayServer(t, map[string]string{})
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "oauthed", "type": "openai", "base_url": upstream.URL, "models": []string{"gpt-*"},
		"credentials": []map[string]any{{"name": "svc", "oauth": map[string]any{
			"token_url": tokens.URL, "client_id": "tollgate", "client_secret": "cs-secret-client", "refresh_token": "rt-secret-refresh"}}},
	}, nil), http.StatusCreated)
	key := clientKey(t, base)
	is.True(within(5*time.Second, func() bool { return chatStatus(t, base, key, "gpt-4o") == http.StatusOK }))
	is.Equal(grants.Load(), int32(1))

	var list struct {
		Data []map[string]any `json:"data"`
	}
	var providers struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	is.Equal(call(t, "GET", base+"/admin/providers", adminKey, nil, &providers), http.StatusOK)
	is.Equal(call(t, "GET", base+"/admin/providers/"+providers.Data[0].ID+"/credentials", adminKey, nil, &list), http.StatusOK)
	raw, _ := json.Marshal(list)
	for _, secret := range []string{"rt-secret", "cs-secret", "at-from-oauth-server"} {
		is.True(!strings.Contains(string(raw), secret)) // no secret shown
	}
	oauth := list.Data[0]["oauth"].(map[string]any)
	is.Equal(oauth["token_url"], tokens.URL)
	is.True(oauth["expires_at"] != nil)
}
