package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// syncBuffer is a bytes.Buffer safe for the server's concurrent logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// No secret reaches a log line: a whole run at debug level, with good and
// bad upstream credentials, client, master and admin keys and a session
// token, is scanned for every one of them.
func TestNoSecretInLogs(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	const upstreamSecret = "sk-upstream-secret-for-the-log-scan-0123456789"
	const wrongSecret = "sk-wrong-credential-secret-9876543210abcdef"
	upstream := openaitest.New(t, upstreamSecret)

	var logs syncBuffer
	m := NewMain()
	env := map[string]string{"TOLLGATE_ADDR": "127.0.0.1:0", "TOLLGATE_DATA_DIR": t.TempDir(), "TOLLGATE_ADMIN_KEY": adminKey,
		"TOLLGATE_LOG_LEVEL": "debug", "TOLLGATE_LOG_FORMAT": "json"}
	m.Getenv = func(k string) string { return env[k] }
	m.Stdout, m.Stderr = &logs, &logs
	is.NoErr(m.ParseFlags(nil))
	is.NoErr(m.Run(context.Background()))
	base := "http://" + m.Addr()

	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "good", "type": "openai", "base_url": upstream.URL, "models": []string{"gpt-*"},
		"credentials": []map[string]any{{"secret": upstreamSecret}},
	}, nil), http.StatusCreated)
	is.Equal(call(t, "POST", base+"/admin/providers", adminKey, map[string]any{
		"name": "bad", "type": "openai", "base_url": upstream.URL, "models": []string{"o3*"},
		"headers": map[string]string{"X-Api-Key": wrongSecret}, "credentials": []map[string]any{{"secret": wrongSecret}},
	}, nil), http.StatusCreated)
	var acct struct{ ID string }
	is.Equal(call(t, "POST", base+"/admin/accounts", adminKey, map[string]any{"name": "scan"}, &acct), http.StatusCreated)
	var master, client struct{ Key string }
	is.Equal(call(t, "POST", base+"/admin/accounts/"+acct.ID+"/master-key", adminKey, nil, &master), http.StatusCreated)
	is.Equal(call(t, "POST", base+"/v1/keys", master.Key, map[string]any{}, &client), http.StatusCreated)
	var session struct{ Token string }
	is.Equal(call(t, "POST", base+"/admin/login", adminKey, nil, &session), http.StatusOK)
	is.Equal(call(t, "GET", base+"/admin/providers", session.Token, nil, nil), http.StatusOK)

	is.Equal(chatStatus(t, base, client.Key, "gpt-4o"), http.StatusOK)
	req, _ := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(`{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"a b c"}]}`))
	req.Header.Set("Authorization", "Bearer "+client.Key)
	resp, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	is.True(strings.HasSuffix(string(body), "data: [DONE]\n\n"))                // streams flush through the access log's writer
	is.Equal(chatStatus(t, base, client.Key, "o3-mini"), http.StatusBadGateway) // the upstream refuses the wrong credential
	upstream.Fail(1, http.StatusInternalServerError)
	is.Equal(chatStatus(t, base, client.Key, "gpt-4o"), http.StatusBadGateway)
	is.Equal(chatStatus(t, base, "tg-not-a-real-key-but-a-secret-all-the-same", "gpt-4o"), http.StatusUnauthorized)
	is.Equal(chatStatus(t, base, master.Key, "gpt-4o"), http.StatusForbidden)
	is.NoErr(m.Close())

	out := logs.String()
	is.True(strings.Contains(out, `"msg":"request","method":"POST","path":"/v1/chat/completions","status":502`)) // the access log was written, as JSON
	for name, secret := range map[string]string{
		"admin key": adminKey, "client key": client.Key, "master key": master.Key, "session token": session.Token,
		"upstream secret": upstreamSecret, "wrong upstream secret": wrongSecret, "guessed key": "tg-not-a-real-key-but-a-secret-all-the-same",
	} {
		if secret == "" || strings.Contains(out, secret) {
			t.Errorf("the logs hold the %s", name)
		}
	}
}
