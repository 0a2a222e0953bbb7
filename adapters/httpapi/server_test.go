package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/matryer/is"
	"github.com/tollgate-ai/tollgate/adapters/httpapi"
	"github.com/tollgate-ai/tollgate/adapters/memory"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/gatewaytest"
)

const adminKey = "admin-key-for-tests"

// brokenUpstream streams two chunks and then fails, as a provider that
// drops the connection mid-answer.
type brokenUpstream struct{}

func (brokenUpstream) Chat(context.Context, *gateway.Credential, *gateway.ChatRequest) (*gateway.ChatResponse, error) {
	return &gateway.ChatResponse{ID: "x", Object: "chat.completion", Choices: []gateway.Choice{{Message: gateway.Message{Role: "assistant", Content: gateway.TextContent("ok")}}}}, nil
}

func (brokenUpstream) ChatStream(context.Context, *gateway.Credential, *gateway.ChatRequest) (gateway.ChatStream, error) {
	return &brokenStream{}, nil
}

type brokenStream struct{ n int }

func (s *brokenStream) Next() (*gateway.ChatChunk, error) {
	s.n++
	if s.n > 2 {
		return nil, &gateway.Error{Code: gateway.CodeUpstream, Message: "upstream: connection reset", Delivered: true}
	}
	return &gateway.ChatChunk{ID: "x", Object: "chat.completion.chunk", Choices: []gateway.ChunkChoice{{Delta: gateway.Delta{Content: "part"}}}}, nil
}

func (s *brokenStream) Close() error { return nil }

type fixture struct {
	srv   *httptest.Server
	api   *httpapi.Server
	key   string
	admin *gateway.Admin
	gw    *gateway.Gateway
	rec   *gateway.Recorder
}

func newFixture(t *testing.T, cfg httpapi.Config) *fixture {
	t.Helper()
	ctx := context.Background()
	store, cache := memory.NewStore(), memory.NewCache(nil)
	t.Cleanup(cache.Close)
	h, err := gateway.NewHasher([]byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	rec := gateway.NewRecorder(gateway.RecorderConfig{}, store)
	t.Cleanup(func() { _ = rec.Close(ctx) })
	drivers := gateway.Drivers{"broken": gateway.DriverFunc(func(*gateway.Provider) (gateway.Upstream, error) { return brokenUpstream{}, nil })}
	gw := gateway.New(gateway.Config{}, store, cache, drivers, h, gateway.SystemClock{}, &gatewaytest.IDs{}, rec)
	if err := gw.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })
	admin := gateway.NewAdmin(gw)
	p, err := admin.CreateProvider(ctx, &gateway.Provider{Name: "broken", Type: "broken", Models: []string{"m"}, Headers: map[string]string{"X-Api-Key": "header-secret-value", "X-Team": "blue"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AddCredentials(ctx, p.ID, []*gateway.Credential{{Secret: "sk-credential-secret"}}); err != nil {
		t.Fatal(err)
	}
	acct, err := admin.CreateAccount(ctx, &gateway.Account{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := admin.IssueKey(ctx, acct.ID, gateway.KeySpec{}, gateway.IssuedByAdmin)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AdminKeyDigest = admin.KeyDigest(adminKey)
	api := httpapi.New(cfg, gw, admin)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &fixture{srv: srv, api: api, key: key, admin: admin, gw: gw, rec: rec}
}

func (f *fixture) do(t *testing.T, method, path, token, body string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

type apiError struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

func decodeError(t *testing.T, resp *http.Response) apiError {
	t.Helper()
	var e apiError
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

const chatBody = `{"model":"m","messages":[{"role":"user","content":"hi"}]}`

func TestErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, httpapi.Config{MaxBodyBytes: 256})
	for _, tc := range []struct {
		name, path, token, body string
		status                  int
		code                    string
		param                   string
	}{
		{"ErrNoKey", "/v1/chat/completions", "", chatBody, 401, "missing_api_key", ""},
		{"ErrBadKey", "/v1/chat/completions", "tg-bad", chatBody, 401, "invalid_api_key", ""},
		{"ErrBadJSON", "/v1/chat/completions", f.key, `{"model":`, 400, "invalid", ""},
		{"ErrEmptyBody", "/v1/chat/completions", f.key, ``, 400, "invalid", ""},
		{"ErrField", "/v1/chat/completions", f.key, `{"model":"m","messages":[]}`, 400, "invalid", "messages"},
		{"ErrTooLarge", "/v1/chat/completions", f.key, `{"model":"m","messages":[{"role":"user","content":"` + strings.Repeat("x", 300) + `"}]}`, 413, "request_too_large", ""},
		{"ErrUnknownModel", "/v1/chat/completions", f.key, `{"model":"nope","messages":[{"role":"user","content":"hi"}]}`, 404, "model_not_found", ""},
		{"ErrUnknownRoute", "/v1/nothing", f.key, `{}`, 404, "unknown_url", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			resp := f.do(t, "POST", tc.path, tc.token, tc.body)
			is.Equal(resp.StatusCode, tc.status)
			is.Equal(resp.Header.Get("Content-Type"), "application/json")
			e := decodeError(t, resp)
			is.True(e.Error.Message != "")
			is.Equal(*e.Error.Code, tc.code)
			if tc.param != "" {
				is.Equal(*e.Error.Param, tc.param)
			}
		})
	}
}

// Once a stream has started, an upstream failure is a last error event and
// the stream ends without [DONE].
func TestStreamErrorAfterFirstChunk(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, httpapi.Config{})
	resp := f.do(t, "POST", "/v1/chat/completions", f.key, `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	is.Equal(resp.StatusCode, 200)
	is.Equal(resp.Header.Get("Content-Type"), "text/event-stream; charset=utf-8")
	is.True(resp.Header.Get("X-Request-Id") != "")
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "data: ") {
			events = append(events, strings.TrimPrefix(line, "data: "))
		}
	}
	is.Equal(len(events), 3)
	is.True(strings.Contains(events[0], `"content":"part"`))
	var e apiError
	is.NoErr(json.Unmarshal([]byte(events[2]), &e))
	is.Equal(e.Error.Type, "upstream_error")
	is.Equal(e.Error.Message, "upstream: connection reset")
}

// TestRequestID checks that every answer, errors included, carries an id
// the gateway made, and that a client's own id comes back beside it and
// never becomes the request's: a request's id keys its hold and charge,
// so a client sending one id again would otherwise be charged once.
func TestRequestID(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, httpapi.Config{})
	seen := map[string]bool{}
	for range 2 {
		resp := f.do(t, "POST", "/v1/chat/completions", f.key, chatBody, "X-Request-Id", "trace-42")
		is.Equal(resp.StatusCode, 200)
		id := resp.Header.Get("X-Request-Id")
		is.True(strings.HasPrefix(id, "req_"))
		is.True(!seen[id]) // a new id each time
		seen[id] = true
		is.Equal(resp.Header.Get("X-Client-Request-Id"), "trace-42")
	}
	resp := f.do(t, "POST", "/v1/chat/completions", f.key, chatBody, "X-Request-Id", "bad id\twith spaces")
	is.True(strings.HasPrefix(resp.Header.Get("X-Request-Id"), "req_"))
	is.Equal(resp.Header.Get("X-Client-Request-Id"), "") // an unsafe id is not echoed

	// Answers that never reach the gateway carry one too.
	for _, tc := range []struct{ method, path, token, body string }{
		{"POST", "/v1/chat/completions", f.key, `{"model":`},     // 400
		{"POST", "/v1/chat/completions", "tg-bad-key", chatBody}, // 401
		{"GET", "/v1/models", f.key, ""},
		{"GET", "/v1/models/m", f.key, ""},
	} {
		resp := f.do(t, tc.method, tc.path, tc.token, tc.body, "X-Request-Id", "trace-43")
		is.True(strings.HasPrefix(resp.Header.Get("X-Request-Id"), "req_"))
		is.Equal(resp.Header.Get("X-Client-Request-Id"), "trace-43")
	}
}

// The id a client sent is kept in the request's record, where the client
// finds its requests by it; a client cannot set it past the check by
// sending X-Client-Request-Id itself.
func TestClientRequestIDInRecords(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	ctx := context.Background()
	f := newFixture(t, httpapi.Config{})
	var ids []string
	for range 2 {
		resp := f.do(t, "POST", "/v1/chat/completions", f.key, chatBody, "X-Request-Id", "trace-42")
		is.Equal(resp.StatusCode, 200)
		ids = append(ids, resp.Header.Get("X-Request-Id"))
	}
	resp := f.do(t, "POST", "/v1/chat/completions", f.key, chatBody, "X-Request-Id", "bad id", "X-Client-Request-Id", "trace-42")
	is.Equal(resp.StatusCode, 200)
	is.NoErr(f.gw.Flush(ctx))
	is.NoErr(f.rec.Flush(ctx))

	resp = f.do(t, "GET", "/v1/logs?client_request_id=trace-42", f.key, "")
	is.Equal(resp.StatusCode, 200)
	var page struct {
		Data []struct {
			ID              string `json:"id"`
			ClientRequestID string `json:"client_request_id"`
		} `json:"data"`
	}
	is.NoErr(json.NewDecoder(resp.Body).Decode(&page))
	got := map[string]bool{}
	for _, r := range page.Data {
		is.Equal(r.ClientRequestID, "trace-42")
		got[r.ID] = true
	}
	if len(page.Data) != 2 || !got[ids[0]] || !got[ids[1]] {
		t.Fatalf("records of trace-42: %+v, want %v", page.Data, ids)
	}
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	var cacheDown atomic.Bool
	f := newFixture(t, httpapi.Config{Checks: map[string]func(context.Context) error{
		"cache": func(context.Context) error {
			if cacheDown.Load() {
				return errors.New("dial tcp 10.0.0.1:6379: connection refused")
			}
			return nil
		},
	}})
	ready := func() (int, string) {
		resp := f.do(t, "GET", "/readyz", "", "")
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := ready()
	is.Equal(status, 200)
	is.Equal(body, `{"status":"ready","checks":{"cache":"ok"}}`+"\n")
	cacheDown.Store(true)
	status, body = ready()
	is.Equal(status, 200) // still serving from the snapshot
	is.Equal(body, `{"status":"degraded","checks":{"cache":"unreachable"}}`+"\n")
	f.api.Drain()
	status, _ = ready()
	is.Equal(status, 503)
	is.Equal(f.do(t, "GET", "/healthz", "", "").StatusCode, 200)
}

// The admin API never shows a secret: credentials show a hint, headers
// that look like credentials are masked.
func TestAdminHidesSecrets(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, httpapi.Config{})
	for _, path := range []string{"/admin/providers", "/admin/providers/broken/credentials"} {
		resp := f.do(t, "GET", path, adminKey, "")
		is.Equal(resp.StatusCode, 200)
		b, err := io.ReadAll(resp.Body)
		is.NoErr(err)
		is.True(!strings.Contains(string(b), "credential-secret"))
		is.True(!strings.Contains(string(b), "header-secret"))
	}
	var ps struct {
		Data []struct{ Headers map[string]string }
	}
	is.NoErr(json.NewDecoder(f.do(t, "GET", "/admin/providers", adminKey, "").Body).Decode(&ps))
	is.Equal(ps.Data[0].Headers["X-Team"], "blue")
}

// The routes ServeHTTP finds by path before the router answers as the
// router would for every other method and form of the path.
func TestPostRoutesBesideTheRouter(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	f := newFixture(t, httpapi.Config{})
	is.Equal(f.do(t, "POST", "/v1/chat/completions", f.key, chatBody).StatusCode, http.StatusOK)
	is.Equal(f.do(t, "GET", "/v1/chat/completions", f.key, "").StatusCode, http.StatusNotFound) // the router's unknown_url
	is.Equal(f.do(t, "POST", "/v1/chat/completions/x", f.key, chatBody).StatusCode, http.StatusNotFound)
	is.Equal(f.do(t, "POST", "/v1/embeddings", "", `{}`).StatusCode, http.StatusUnauthorized)

	// A server without the OpenAI surface has no such route at all.
	g := newFixture(t, httpapi.Config{Surfaces: httpapi.SurfaceAdmin})
	is.Equal(g.do(t, "POST", "/v1/chat/completions", g.key, chatBody).StatusCode, http.StatusNotFound)
}
