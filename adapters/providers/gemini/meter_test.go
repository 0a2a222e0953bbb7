package gemini_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/geminitest"
)

// meterAll writes body to a meter of contentType in pieces of n bytes and
// returns what it reports.
func meterAll(tb testing.TB, contentType, body string, n int) (gateway.Usage, string, bool) {
	tb.Helper()
	u := mustNew(tb, &gateway.Provider{})
	m := u.Meter(&http.Request{}, contentType)
	for len(body) > 0 {
		k := min(n, len(body))
		if w, err := m.Write([]byte(body[:k])); w != k || err != nil {
			tb.Fatalf("Write = %d, %v", w, err)
		}
		body = body[k:]
	}
	return m.Usage()
}

func TestMeter(t *testing.T) {
	t.Parallel()
	sse := "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 5,\"candidatesTokenCount\": 1,\"totalTokenCount\": 6},\"modelVersion\": \"models/gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n" +
		"data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" there\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 5,\"candidatesTokenCount\": 2,\"totalTokenCount\": 19,\"cachedContentTokenCount\": 3,\"thoughtsTokenCount\": 12},\"modelVersion\": \"models/gemini-2.5-flash\",\"responseId\": \"r1\"}\r\n\r\n"
	full := gateway.Usage{PromptTokens: 5, CompletionTokens: 14, TotalTokens: 19,
		PromptTokensDetails:     &gateway.PromptTokensDetails{CachedTokens: 3},
		CompletionTokensDetails: &gateway.CompletionTokensDetails{ReasoningTokens: 12}}
	tests := []struct {
		name, contentType, body string
		usage                   gateway.Usage
		model                   string
		ok                      bool
	}{
		{name: "SSE", contentType: "text/event-stream", body: sse, usage: full, model: "gemini-2.5-flash", ok: true},
		{name: "JSON", contentType: "application/json; charset=UTF-8",
			body:  `{"candidates":[],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":2,"totalTokenCount":9,"toolUsePromptTokenCount":4},"modelVersion":"gemini-2.0-flash"}`,
			usage: gateway.Usage{PromptTokens: 11, CompletionTokens: 2, TotalTokens: 9}, model: "gemini-2.0-flash", ok: true},
		{name: "Array", contentType: "application/json",
			body:  "[{\n  \"usageMetadata\": {\"promptTokenCount\": 1, \"totalTokenCount\": 1}\n}\n,\r\n{\n  \"usageMetadata\": {\"promptTokenCount\": 1, \"candidatesTokenCount\": 3, \"totalTokenCount\": 4},\n  \"modelVersion\": \"gemini-2.5-pro\"\n}\n]",
			usage: gateway.Usage{PromptTokens: 1, CompletionTokens: 3, TotalTokens: 4}, model: "gemini-2.5-pro", ok: true},
		{name: "Predict", contentType: "application/json",
			body:  `{"predictions":[{"embeddings":{"statistics":{"token_count":4,"truncated":false},"values":[0.1]}},{"embeddings":{"statistics":{"token_count":2},"values":[0.2]}}]}`,
			usage: gateway.Usage{PromptTokens: 6, TotalTokens: 6}, ok: true},
		{name: "BatchEmbeddings", contentType: "application/json", body: `{"embeddings":[{"values":[0.1]}]}`},
		{name: "Error", contentType: "application/json", body: `{"error":{"code":429,"message":"x","status":"RESOURCE_EXHAUSTED"}}`},
		{name: "Negative", contentType: "application/json", body: `{"usageMetadata":{"promptTokenCount":-5,"candidatesTokenCount":-1}}`,
			usage: gateway.Usage{}, ok: true},
		{name: "Other", contentType: "image/png", body: "\x89PNG"},
		{name: "Truncated", contentType: "application/json", body: `{"usageMetadata":{"promptTokenCount":5`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, n := range []int{1, 7, 1 << 20} { // however the body is cut
				is := is.New(t)
				usage, model, ok := meterAll(t, tt.contentType, tt.body, n)
				is.Equal(ok, tt.ok)
				is.Equal(model, tt.model)
				is.Equal(usage, tt.usage)
			}
		})
	}
}

func TestMeterOversized(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	body := `{"usageMetadata":{"promptTokenCount":5},"pad":"` + strings.Repeat("x", gemini.MaxMeteredJSON) + `"}`
	_, _, ok := meterAll(t, "application/json", body, 1<<16)
	is.True(!ok) // given up on, not held in memory
}

func TestMeterLiveStream(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := geminitest.New(t, testKey)
	srv.SetUsage(0, 4)
	req, _ := http.NewRequest("POST", srv.APIBase()+"/models/gemini-2.5-flash:generateContent", strings.NewReader(`{"contents":[{"parts":[{"text":"a b"}]}]}`))
	req.Header.Set("x-goog-api-key", testKey)
	resp, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	defer resp.Body.Close()
	u := mustNew(t, &gateway.Provider{})
	m := u.Meter(req, resp.Header.Get("Content-Type"))
	_, err = io.Copy(m, resp.Body)
	is.NoErr(err)
	usage, model, ok := m.Usage()
	is.True(ok)
	is.Equal(model, "gemini-2.5-flash")
	is.Equal(usage.PromptTokens, 2)
	is.Equal(usage.CompletionTokens, 3+4)
	is.Equal(usage.CompletionTokensDetails.ReasoningTokens, 4)
}
