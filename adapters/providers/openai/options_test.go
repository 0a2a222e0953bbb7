package openai_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// recorder answers every request with a small chat completion and keeps
// what it received.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, r.Clone(context.Background()))
	rec.body = append(rec.body, b)
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","model":"m","choices":[],"data":[]}`)
}

func (rec *recorder) last(tb testing.TB) (*http.Request, map[string]json.RawMessage) {
	tb.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		tb.Fatal("no request")
	}
	var m map[string]json.RawMessage
	if b := rec.body[len(rec.body)-1]; len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			tb.Fatal(err)
		}
	}
	return rec.reqs[len(rec.reqs)-1], m
}

func newRecorder(t *testing.T) (*recorder, string) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL + "/v1"
}

func open(tb testing.TB, p *gateway.Provider, opts ...openai.Option) *openai.Upstream {
	tb.Helper()
	u, err := openai.New(p, openai.Config{}, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = u.Close() })
	return u
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name    string
		opts    []openai.Option
		options map[string]string
		secret  string
		auth    string // the Authorization header sent
		apiKey  string // the api-key header sent
	}{
		{name: "Bearer", secret: "k1", auth: "Bearer k1"},
		{name: "APIKeyOption", options: map[string]string{"auth": "api-key"}, secret: "k1", apiKey: "k1"},
		{name: "APIKeyDefault", opts: []openai.Option{openai.WithAuth(openai.AuthAPIKey)}, secret: "k1", apiKey: "k1"},
		{name: "OperatorOverridesDefault", opts: []openai.Option{openai.WithAuth(openai.AuthAPIKey)},
			options: map[string]string{"auth": "Bearer"}, secret: "k1", auth: "Bearer k1"},
		{name: "None", options: map[string]string{"auth": "none"}, secret: "k1"},
		{name: "EmptySecret", secret: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			rec, base := newRecorder(t)
			u := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: base, Options: tt.options}, tt.opts...)
			_, err := u.Chat(context.Background(), cred(tt.secret), userChat("m", "hi"))
			is.NoErr(err)
			r, _ := rec.last(t)
			is.Equal(r.Header.Get("Authorization"), tt.auth)
			is.Equal(r.Header.Get("api-key"), tt.apiKey)

			pass := httptest.NewRequest(http.MethodGet, "https://example.com/v1/files", nil)
			is.NoErr(u.Authorize(pass, cred(tt.secret)))
			is.Equal(pass.Header.Get("Authorization"), tt.auth)
			is.Equal(pass.Header.Get("api-key"), tt.apiKey)
		})
	}
	t.Run("NilCredential", func(t *testing.T) {
		is := is.New(t)
		rec, base := newRecorder(t)
		none := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: base, Options: map[string]string{"auth": "none"}})
		_, err := none.Chat(context.Background(), nil, userChat("m", "hi"))
		is.NoErr(err) // a keyless host needs no credential
		is.NoErr(none.Authorize(httptest.NewRequest(http.MethodGet, "/", nil), nil))
		_, _ = rec.last(t)

		bearer := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: base})
		_, err = bearer.Chat(context.Background(), nil, userChat("m", "hi"))
		is.Equal(gateway.ErrorCode(err), gateway.CodeInternal)
	})
}

func TestModelPrefix(t *testing.T) {
	const prefix = "accounts/fireworks/models/"
	tests := []struct{ model, sent string }{
		{"llama-v3p1-8b-instruct", prefix + "llama-v3p1-8b-instruct"},
		{prefix + "llama-v3p1-8b-instruct", prefix + "llama-v3p1-8b-instruct"},
		{"accounts/me/models/tuned", "accounts/me/models/tuned"},             // another account's model
		{"nomic-ai/nomic-embed-text-v1.5", "nomic-ai/nomic-embed-text-v1.5"}, // a qualified name
	}
	srv := openaitest.New(t, testKey)
	u := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: srv.URL, Options: map[string]string{"model_prefix": prefix}})
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			is := is.New(t)
			req := userChat(tt.model, "hi")
			resp, err := u.Chat(context.Background(), cred(testKey), req)
			is.NoErr(err)
			is.Equal(resp.Model, tt.sent) // openaitest answers with the model it was sent
			is.Equal(req.Model, tt.model) // the caller's request is unchanged

			s, err := u.ChatStream(context.Background(), cred(testKey), req)
			is.NoErr(err)
			chunks := drain(t, s)
			is.NoErr(s.Close())
			is.Equal(chunks[0].Model, tt.sent)

			emb, err := u.Embed(context.Background(), cred(testKey), &gateway.EmbedRequest{Model: tt.model, Input: json.RawMessage(`"x"`)})
			is.NoErr(err)
			is.Equal(emb.Model, tt.sent)
		})
	}
}

func TestRequestQuirks(t *testing.T) {
	n := 7
	tests := []struct {
		name    string
		options map[string]string
		stream  bool
		req     func(*gateway.ChatRequest)
		want    map[string]string // field → JSON sent; "" for absent
	}{
		{name: "OmitStreamOptions", options: map[string]string{"omit_fields": "stream_options"}, stream: true,
			req:  func(r *gateway.ChatRequest) { r.StreamOptions = &gateway.StreamOptions{IncludeUsage: true} },
			want: map[string]string{"stream_options": "", "stream": "true"}},
		{name: "StreamOptionsKept", stream: true,
			req:  func(r *gateway.ChatRequest) { r.StreamOptions = &gateway.StreamOptions{IncludeUsage: true} },
			want: map[string]string{"stream_options": `{"include_usage":true}`}},
		{name: "OmitKnownAndExtra", options: map[string]string{"omit_fields": " seed, parallel_tool_calls ,logit_bias"},
			req: func(r *gateway.ChatRequest) {
				seed, par := int64(1), true
				r.Seed, r.ParallelToolCalls = &seed, &par
				r.Extra = gateway.Extra{"logit_bias": json.RawMessage(`{"50256":-100}`), "store": json.RawMessage(`true`)}
			},
			want: map[string]string{"seed": "", "parallel_tool_calls": "", "logit_bias": "", "store": "true", "model": `"gpt-4o-mini"`}},
		{name: "MaxTokensField", options: map[string]string{"max_tokens_field": "max_tokens"},
			req:  func(r *gateway.ChatRequest) { r.MaxCompletionTokens = &n },
			want: map[string]string{"max_tokens": "7", "max_completion_tokens": ""}},
		{name: "MaxCompletionTokensField", options: map[string]string{"max_tokens_field": "max_completion_tokens"},
			req:  func(r *gateway.ChatRequest) { r.MaxTokens = &n },
			want: map[string]string{"max_completion_tokens": "7", "max_tokens": ""}},
		{name: "MaxTokensUnchanged",
			req:  func(r *gateway.ChatRequest) { r.MaxCompletionTokens = &n },
			want: map[string]string{"max_completion_tokens": "7", "max_tokens": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			srv := openaitest.New(t, testKey)
			u := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: srv.URL, Options: tt.options})
			req := userChat("gpt-4o-mini", "hi")
			tt.req(req)
			before, _ := json.Marshal(req)
			if tt.stream {
				s, err := u.ChatStream(context.Background(), cred(testKey), req)
				is.NoErr(err)
				drain(t, s) // a clean end: usage was not asked for once omitted
				is.NoErr(s.Close())
			} else {
				_, err := u.Chat(context.Background(), cred(testKey), req)
				is.NoErr(err)
			}
			after, _ := json.Marshal(req)
			is.Equal(string(after), string(before)) // the caller's request is unchanged
			var body map[string]json.RawMessage
			is.NoErr(json.Unmarshal(srv.Requests()[0].Body, &body))
			for field, want := range tt.want {
				got, ok := body[field]
				if want == "" {
					is.True(!ok) // field omitted
					continue
				}
				is.Equal(string(got), want)
			}
		})
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		options map[string]string
		field   string
	}{
		{"Auth", "", map[string]string{"auth": "basic"}, "options.auth"},
		{"OmitModel", "", map[string]string{"omit_fields": "stream_options,model"}, "options.omit_fields"},
		{"MaxTokensField", "", map[string]string{"max_tokens_field": "limit"}, "options.max_tokens_field"},
		{"BaseURLRequired", "", map[string]string{"base_url_required": "true"}, "base_url"},
		{"BaseURLGiven", "http://10.0.0.5:8000/v1", map[string]string{"base_url_required": "true"}, ""},
		{"Unknown options are another driver's", "", map[string]string{"api_version": "x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := is.New(t)
			u, err := openai.New(&gateway.Provider{Name: "p", Type: "openai", BaseURL: tt.baseURL, Options: tt.options}, openai.Config{})
			if tt.field == "" {
				is.NoErr(err)
				is.NoErr(u.Close())
				return
			}
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeInvalid)
			is.Equal(e.Field, tt.field)
		})
	}
}

func TestHostOptions(t *testing.T) {
	is := is.New(t)
	rec, base := newRecorder(t)
	var ops []string
	u := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: "https://unused.example"},
		openai.WithName("acme"),
		openai.WithModel(func(m string) string { return strings.ToUpper(m) }),
		openai.WithURL(func(op openai.Operation, model string) string {
			ops = append(ops, string(op)+":"+model)
			return base + "/x/" + string(op) + "?v=1"
		}),
	)
	_, err := u.Chat(context.Background(), cred("k"), userChat("gpt", "hi"))
	is.NoErr(err)
	r, body := rec.last(t)
	is.Equal(r.URL.Path, "/v1/x/chat")
	is.Equal(r.URL.RawQuery, "v=1")
	is.Equal(string(body["model"]), `"GPT"`)
	_, err = u.Embed(context.Background(), cred("k"), &gateway.EmbedRequest{Model: "emb", Input: json.RawMessage(`"x"`)})
	is.NoErr(err)
	_, err = u.ListModels(context.Background(), cred("k"))
	is.NoErr(err)
	is.Equal(ops, []string{"chat:GPT", "embeddings:EMB", "models:"})

	// A host type's prefix, which the operator may change.
	pre := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: base}, openai.WithModelPrefix("acct/"))
	_, err = pre.Chat(context.Background(), cred("k"), userChat("m1", "hi"))
	is.NoErr(err)
	_, body = rec.last(t)
	is.Equal(string(body["model"]), `"acct/m1"`)
	pre = open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: base, Options: map[string]string{"model_prefix": ""}},
		openai.WithModelPrefix("acct/"))
	_, err = pre.Chat(context.Background(), cred("k"), userChat("m1", "hi"))
	is.NoErr(err)
	_, body = rec.last(t)
	is.Equal(string(body["model"]), `"m1"`)

	// The name prefixes every message, the transport's too.
	refused := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: "http://127.0.0.1:1/v1"}, openai.WithName("acme"))
	_, err = refused.Chat(context.Background(), cred("k"), userChat("m", "hi"))
	is.Equal(asError(t, err).Message, "acme: cannot connect")
	srv := httptest.NewServer(reply(503, nil, `{"error":{"message":"busy","type":"server_error"}}`))
	defer srv.Close()
	hooked := open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: srv.URL}, openai.WithName("acme"),
		openai.WithErrorHook(func(e *gateway.Error, body []byte) {
			if strings.Contains(string(body), "busy") {
				e.Type = "overloaded"
			}
		}))
	_, err = hooked.Chat(context.Background(), cred("k"), userChat("m", "hi"))
	e := asError(t, err)
	is.Equal(e.Message, "acme: busy")
	is.Equal(e.Type, "overloaded")
	is.Equal(e.Status, 503)
	s := sseServer(t, "data: {nope\n\n")
	_, err = open(t, &gateway.Provider{Name: "p", Type: "openai", BaseURL: s.URL}, openai.WithName("acme")).ChatStream(
		context.Background(), cred("k"), userChat("m", "hi"))
	is.NoErr(err)
}

func TestStreamGroqUsage(t *testing.T) {
	is := is.New(t)
	u := mustNew(t, sseServer(t, groqSSE).URL, openai.Config{})
	req := userChat("llama-3.3-70b-versatile", "hi")
	req.StreamOptions = &gateway.StreamOptions{IncludeUsage: true}
	s, err := u.ChatStream(context.Background(), cred(testKey), req)
	is.NoErr(err)
	defer s.Close()
	chunks := drain(t, s)
	is.Equal(len(chunks), 2)
	is.True(chunks[0].Usage == nil)
	is.Equal(*chunks[1].Usage, gateway.Usage{PromptTokens: 40, CompletionTokens: 25, TotalTokens: 65})
}
