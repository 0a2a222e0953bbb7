package openaicompat_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/adapters/providers/openaicompat"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

const key = "sk-preset-0123456789abcdef"

// provider makes the provider an operator gets from pr, at baseURL.
func provider(pr gateway.Preset, baseURL string) *gateway.Provider {
	return &gateway.Provider{Name: pr.Name, Type: pr.Type, BaseURL: baseURL, Models: pr.Models,
		Options: pr.Options, Headers: pr.Headers, Status: gateway.StatusActive}
}

func TestPresetTable(t *testing.T) {
	is := is.New(t)
	names := map[string]bool{}
	want := []string{"openai", "openrouter", "groq", "together", "deepinfra", "fireworks", "mistral",
		"deepseek", "xai", "cerebras", "perplexity", "ollama", "vllm"}
	ps := openaicompat.Presets()
	for _, pr := range ps {
		t.Run(pr.Name, func(t *testing.T) {
			is := is.New(t)
			is.True(!names[pr.Name]) // unique name
			names[pr.Name] = true
			is.Equal(pr.Type, "openai")
			is.True(pr.Title != "")
			d, err := url.Parse(pr.Docs)
			is.NoErr(err)
			is.Equal(d.Scheme, "https")
			auth := pr.Options["auth"]
			is.True(auth == "bearer" || auth == "none")
			is.Equal(auth == "none", pr.Name == "ollama")

			base := pr.BaseURL
			if base == "" {
				// Only a self-hosted server may leave its address to the
				// operator, and the driver must then refuse an empty one.
				is.True(pr.KeyOptional)
				is.Equal(pr.Options["base_url_required"], "true")
				_, err := openai.Driver(openai.Config{}).Open(provider(pr, ""))
				is.Equal(gateway.AsError(err).Field, "base_url")
				base = "http://10.0.0.5:8000/v1"
			} else {
				u, err := url.Parse(base)
				is.NoErr(err)
				is.True(u.Host != "" && !strings.HasSuffix(base, "/"))
				is.Equal(u.Scheme == "http", pr.Name == "ollama") // only a local server goes without TLS
			}
			p := provider(pr, base)
			is.NoErr(p.Validate()) // name, URL and model patterns are valid
			up, err := openai.Driver(openai.Config{}).Open(p)
			is.NoErr(err)
			_, metered := up.(gateway.Metered)
			is.True(metered)
			is.NoErr(up.(*openai.Upstream).Close())
		})
	}
	is.Equal(len(ps), len(want))
	for _, n := range want {
		is.True(names[n]) // preset present
		pr, ok := openaicompat.Preset(n)
		is.True(ok)
		is.Equal(pr.Name, n)
	}
	_, ok := openaicompat.Preset("nope")
	is.True(!ok)
}

func TestPresetsAreCopies(t *testing.T) {
	is := is.New(t)
	pr, _ := openaicompat.Preset("fireworks")
	pr.Options["model_prefix"] = "changed/"
	pr.Models[0] = "changed"
	again, _ := openaicompat.Preset("fireworks")
	is.Equal(again.Options["model_prefix"], "accounts/fireworks/models/")
	is.Equal(again.Models[0], "accounts/fireworks/models/*")
	all := openaicompat.Presets()
	all[0].Options["auth"] = "none"
	is.Equal(openaicompat.Presets()[0].Options["auth"], "bearer")
}

// host stands in for a preset's host: it serves openaitest under the
// preset's base path (say /openai/v1 for Groq) and records what arrived.
type host struct {
	srv      *openaitest.Server
	basePath string
	mu       sync.Mutex
	seen     []*http.Request
}

func newHost(t *testing.T, basePath string) (*host, string) {
	h := &host{srv: openaitest.New(t), basePath: basePath}
	api := h.srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen = append(h.seen, r.Clone(context.Background()))
		h.mu.Unlock()
		if !strings.HasPrefix(r.URL.Path, basePath+"/") {
			http.NotFound(w, r)
			return
		}
		// The test server's API in process, under its own paths: a proxy
		// hop to it cut a stream short now and then under load.
		in := r.Clone(r.Context())
		in.URL.Path = "/v1" + strings.TrimPrefix(r.URL.Path, basePath)
		in.URL.RawPath = ""
		if in.Header.Get("Authorization") == "" {
			in.Header.Set("Authorization", "Bearer local") // a keyless server takes anything
		}
		api.ServeHTTP(w, in)
	}))
	t.Cleanup(ts.Close)
	return h, ts.URL + basePath
}

// sample returns a model a preset routes to, and the name its host gets.
func sample(pr gateway.Preset) (model, sent string) {
	switch {
	case pr.Options["model_prefix"] != "":
		return "llama-v3p1-8b-instruct", pr.Options["model_prefix"] + "llama-v3p1-8b-instruct"
	case len(pr.Models) == 0:
		return "llama3.2", "llama3.2"
	}
	m := strings.ReplaceAll(pr.Models[0], "*", "x")
	return m, m
}

func TestPresetRequests(t *testing.T) {
	for _, pr := range openaicompat.Presets() {
		t.Run(pr.Name, func(t *testing.T) {
			is := is.New(t)
			basePath := "/v1"
			if pr.BaseURL != "" {
				u, _ := url.Parse(pr.BaseURL)
				basePath = u.Path
			}
			h, base := newHost(t, basePath)
			p := provider(pr, base)
			model, sent := sample(pr)
			is.True(pr.Name == "ollama" || pr.Name == "vllm" || p.Serves(model)) // the preset routes its own models

			up, err := openai.Driver(openai.Config{}).Open(p)
			is.NoErr(err)
			u := up.(*openai.Upstream)
			defer u.Close()
			n := 16
			req := &gateway.ChatRequest{Model: model, MaxCompletionTokens: &n,
				Messages:      []gateway.Message{{Role: "user", Content: gateway.TextContent("hello preset")}},
				StreamOptions: &gateway.StreamOptions{IncludeUsage: true}}
			c := &gateway.Credential{ID: "c1", Secret: gateway.Secret(key)}
			resp, err := u.Chat(context.Background(), c, req)
			is.NoErr(err)
			is.Equal(resp.Choices[0].Message.Content.Text(), "Echo: hello preset")
			s, err := u.ChatStream(context.Background(), c, req)
			is.NoErr(err)
			for err == nil {
				_, err = s.Next()
			}
			is.Equal(err.Error(), "EOF")
			is.NoErr(s.Close())
			_, err = u.ListModels(context.Background(), c)
			is.NoErr(err)

			h.mu.Lock()
			seen := h.seen
			h.mu.Unlock()
			is.Equal(len(seen), 3)
			for i, want := range []string{"chat/completions", "chat/completions", "models"} {
				is.Equal(seen[i].URL.Path, basePath+"/"+want) // the host's own path
				switch pr.Options["auth"] {
				case "none":
					is.Equal(seen[i].Header.Get("Authorization"), "")
				default:
					is.Equal(seen[i].Header.Get("Authorization"), "Bearer "+key)
				}
			}
			reqs := h.srv.Requests()
			for i, stream := range []bool{false, true} {
				var body map[string]json.RawMessage
				is.NoErr(json.Unmarshal(reqs[i].Body, &body))
				is.Equal(string(body["model"]), `"`+sent+`"`)
				_, hasOpts := body["stream_options"]
				is.Equal(hasOpts, stream && pr.Name != "mistral") // Mistral refuses stream_options
				limit := "max_completion_tokens"
				if pr.Name == "mistral" {
					limit = "max_tokens" // the only name Mistral takes
				}
				is.Equal(string(body[limit]), "16")
			}
		})
	}
}
