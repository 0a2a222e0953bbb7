package openai_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

// meter feeds body to a fresh meter in pieces of size n (all at once if
// n is 0) and returns what it reports.
func meter(tb testing.TB, contentType string, body []byte, n int) (gateway.Usage, string, bool) {
	tb.Helper()
	return meterOf(tb, mustNew(tb, "", openai.Config{}), contentType, body, n)
}

// meterOf is meter with u's meter.
func meterOf(tb testing.TB, u *openai.Upstream, contentType string, body []byte, n int) (gateway.Usage, string, bool) {
	tb.Helper()
	m := u.Meter(httptestRequest(), contentType)
	if n <= 0 {
		n = len(body) + 1
	}
	for p := body; len(p) > 0; {
		k := min(n, len(p))
		if w, err := m.Write(p[:k]); w != k || err != nil {
			tb.Fatalf("Write = %d, %v; want %d, nil", w, err, k)
		}
		p = p[k:]
	}
	return m.Usage()
}

func httptestRequest() *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "https://api.openai.com/v1/responses", nil)
	return r
}

// raw sends body to path of srv as a client of the pass-through would
// and returns the response's content type and body.
func raw(t *testing.T, url string, body string) (string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("api-key", testKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, data)
	}
	return resp.Header.Get("Content-Type"), data
}

func TestMeterServer(t *testing.T) {
	srv := openaitest.New(t, testKey)
	srv.SetChunks(3)
	az := openaitest.NewAzure(t, testKey)
	az.Deploy("chat", "gpt-4o-mini-2024-07-18")
	prompt := openaitest.CountTokens("one two three") + 4 + 3
	chat := gateway.Usage{PromptTokens: prompt, CompletionTokens: 4, TotalTokens: prompt + 4} // "Echo: one two three"
	tests := []struct {
		name  string
		url   string
		body  string
		model string
		usage gateway.Usage
		ok    bool
	}{
		{"Chat", srv.URL + "/chat/completions", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"one two three"}]}`,
			"gpt-4o-mini", chat, true},
		{"ChatStreamUsage", srv.URL + "/chat/completions",
			`{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"one two three"}]}`,
			"gpt-4o-mini", chat, true},
		{"ChatStreamNoUsage", srv.URL + "/chat/completions",
			`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"one two three"}]}`,
			"gpt-4o-mini", gateway.Usage{}, false},
		{"Embeddings", srv.URL + "/embeddings", `{"model":"text-embedding-3-small","input":["a b","c"]}`,
			"text-embedding-3-small", gateway.Usage{PromptTokens: 3, TotalTokens: 3}, true},
		{"AzureStream", az.URL + "/openai/deployments/chat/chat/completions?api-version=2024-10-21",
			`{"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"one two three"}]}`,
			"gpt-4o-mini-2024-07-18", chat, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := raw(t, tt.url, tt.body)
			for _, n := range []int{0, 1, 7} {
				is := is.New(t)
				u, model, ok := meter(t, ct, body, n)
				is.Equal(ok, tt.ok)
				is.Equal(model, tt.model)
				is.Equal(u, tt.usage)
			}
		})
	}
}

// Bodies as the OpenAI API documents them.
const (
	responsesJSON = `{
  "id": "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41",
  "object": "response",
  "created_at": 1741476777,
  "status": "completed",
  "model": "gpt-4o-2024-08-06",
  "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
    "content": [{"type": "output_text", "text": "The \"usage\": {} is text here.", "annotations": []}]}],
  "usage": {
    "input_tokens": 328,
    "input_tokens_details": {"cached_tokens": 128},
    "output_tokens": 52,
    "output_tokens_details": {"reasoning_tokens": 10},
    "total_tokens": 380
  }
}`
	responsesSSE = "event: response.created\n" +
		`data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"o4-mini-2025-04-16","output":[],"usage":null}}` + "\n\n" +
		"event: response.output_text.delta\n" +
		`data: {"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi"}` + "\n\n" +
		"event: response.completed\n" +
		`data: {"type":"response.completed","sequence_number":2,"response":{"id":"resp_1","object":"response","status":"completed","model":"o4-mini-2025-04-16","output":[],"usage":{"input_tokens":37,"input_tokens_details":{"cached_tokens":0},"output_tokens":11,"output_tokens_details":{"reasoning_tokens":4},"total_tokens":48}}}` + "\n\n"
	groqSSE = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"x_groq":{"id":"req_1"}}` + "\n\n" +
		`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"queue_time":0.01,"prompt_tokens":40,"prompt_time":0.006,"completion_tokens":25,"completion_time":0.03,"total_tokens":65,"total_time":0.04}}}` + "\n\n" +
		"data: [DONE]\n\n"
	chatJSONDetails = `{"id":"chatcmpl-1","object":"chat.completion","model":"o3-2025-04-16","choices":[],
		"usage":{"prompt_tokens":100,"completion_tokens":300,"total_tokens":400,
		"prompt_tokens_details":{"cached_tokens":64,"audio_tokens":0},
		"completion_tokens_details":{"reasoning_tokens":256,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`
)

func TestMeterShapes(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		model       string
		usage       gateway.Usage
		ok          bool
	}{
		{"Responses", "application/json", responsesJSON, "gpt-4o-2024-08-06", gateway.Usage{PromptTokens: 328, CompletionTokens: 52, TotalTokens: 380,
			PromptTokensDetails:     &gateway.PromptTokensDetails{CachedTokens: 128},
			CompletionTokensDetails: &gateway.CompletionTokensDetails{ReasoningTokens: 10}}, true},
		{"ResponsesStream", "text/event-stream", responsesSSE, "o4-mini-2025-04-16", gateway.Usage{PromptTokens: 37, CompletionTokens: 11, TotalTokens: 48,
			CompletionTokensDetails: &gateway.CompletionTokensDetails{ReasoningTokens: 4}}, true},
		{"GroqStream", "text/event-stream; charset=utf-8", groqSSE, "llama-3.3-70b-versatile",
			gateway.Usage{PromptTokens: 40, CompletionTokens: 25, TotalTokens: 65}, true},
		{"ChatDetails", "application/json; charset=utf-8", chatJSONDetails, "o3-2025-04-16", gateway.Usage{PromptTokens: 100, CompletionTokens: 300, TotalTokens: 400,
			PromptTokensDetails:     &gateway.PromptTokensDetails{CachedTokens: 64},
			CompletionTokensDetails: &gateway.CompletionTokensDetails{ReasoningTokens: 256}}, true},
		{"NoTotal", "application/json", `{"model":"m","usage":{"prompt_tokens":2,"completion_tokens":3}}`, "m",
			gateway.Usage{PromptTokens: 2, CompletionTokens: 3, TotalTokens: 5}, true},
		{"ErrorBody", "application/json", `{"error":{"message":"bad","type":"invalid_request_error"}}`, "", gateway.Usage{}, false},
		{"Truncated", "application/json", responsesJSON[:200], "", gateway.Usage{}, false},
		{"Audio", "audio/mpeg", `{"model":"m","usage":{"prompt_tokens":2}}`, "", gateway.Usage{}, false},
		{"VendorJSON", "application/vnd.api+json", `{"model":"m","usage":{"prompt_tokens":2}}`, "m",
			gateway.Usage{PromptTokens: 2, TotalTokens: 2}, true},
		{"Negative", "application/json", `{"model":"m","usage":{"prompt_tokens":-5,"completion_tokens":3,"total_tokens":-2,"prompt_tokens_details":{"cached_tokens":-1}}}`, "m",
			gateway.Usage{PromptTokens: 0, CompletionTokens: 3, TotalTokens: 3, PromptTokensDetails: &gateway.PromptTokensDetails{}}, true},
		{"NullUsage", "application/json", `{"model":"m","usage":null}`, "m", gateway.Usage{}, false},
		{"StreamNotJSON", "text/event-stream", "data: hello\n\ndata: [DONE]\n\n", "", gateway.Usage{}, false},
		{"StreamLastWins", "text/event-stream",
			`data: {"model":"a","usage":{"prompt_tokens":1,"completion_tokens":1}}` + "\n\n" +
				`data: {"model":"b","usage":{"prompt_tokens":2,"completion_tokens":2}}` + "\n\n",
			"b", gateway.Usage{PromptTokens: 2, CompletionTokens: 2, TotalTokens: 4}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []int{0, 1, 5} {
				is := is.New(t)
				u, model, ok := meter(t, tt.contentType, []byte(tt.body), n)
				is.Equal(ok, tt.ok)
				is.Equal(model, tt.model)
				is.Equal(u, tt.usage)
			}
		})
	}
}

func TestMeterBounds(t *testing.T) {
	t.Run("JSONOverLimit", func(t *testing.T) {
		is := is.New(t)
		pad := strings.Repeat(" ", openai.MaxMeteredJSON)
		_, _, ok := meter(t, "application/json", []byte(`{"model":"m",`+pad+`"usage":{"prompt_tokens":1}}`), 1<<20)
		is.True(!ok) // given up on, not held
	})
	t.Run("JSONAtLimit", func(t *testing.T) {
		is := is.New(t)
		body := `{"model":"m","usage":{"prompt_tokens":1}}`
		body = strings.Replace(body, ",", ","+strings.Repeat(" ", openai.MaxMeteredJSON-len(body)), 1)
		u, _, ok := meter(t, "application/json", []byte(body), 1<<20)
		is.True(ok)
		is.Equal(u.PromptTokens, 1)
	})
	t.Run("UsageBeforeEnd", func(t *testing.T) {
		is := is.New(t)
		m := mustNew(t, "", openai.Config{}).Meter(httptestRequest(), "application/json")
		_, _ = m.Write([]byte(`{"model":"m","usage":{"prompt_tokens":1}`))
		_, _, ok := m.Usage()
		is.True(!ok) // not a whole document yet
		_, _ = m.Write([]byte(`}`))
		u, model, ok := m.Usage()
		is.True(ok)
		is.Equal(model, "m")
		is.Equal(u.PromptTokens, 1)
	})
	t.Run("StreamLineTooLong", func(t *testing.T) {
		is := is.New(t)
		body := `data: {"model":"m","usage":{"prompt_tokens":1}}` + "\n\n" + "data: " + strings.Repeat("x", 5<<20) + "\n\n" +
			`data: {"model":"m","usage":{"prompt_tokens":9}}` + "\n\n"
		u, _, ok := meter(t, "text/event-stream", []byte(body), 1<<16)
		is.True(ok)
		is.Equal(u.PromptTokens, 1) // the rest is ignored, not buffered
	})
}

// FuzzMeter checks that a meter never fails a write, whatever the body,
// and reports the same whether the body comes whole or in pieces.
func FuzzMeter(f *testing.F) {
	f.Add(true, []byte(responsesSSE), uint8(3))
	f.Add(true, []byte(groqSSE), uint8(1))
	f.Add(false, []byte(responsesJSON), uint8(7))
	f.Add(false, []byte(chatJSONDetails), uint8(2))
	f.Add(true, []byte("data: {\"usage\" :\r\n {\"prompt_tokens\":1}}\r\r"), uint8(1))
	f.Add(true, []byte("data: {\"x_groq\":{\"usage\":{\"input_tokens\":-1}},\"response\":null}\n\n"), uint8(4))
	f.Add(false, []byte(`{"usage":{"prompt_tokens":1e3}}`), uint8(0))
	u := mustNew(f, "", openai.Config{})
	f.Fuzz(func(t *testing.T, stream bool, body []byte, n uint8) {
		ct := "application/json"
		if stream {
			ct = "text/event-stream"
		}
		u1, m1, ok1 := meterOf(t, u, ct, body, 0)
		u2, m2, ok2 := meterOf(t, u, ct, body, int(n))
		if ok1 != ok2 || m1 != m2 || !sameUsage(u1, u2) {
			t.Fatalf("whole: %+v %q %v; in pieces of %d: %+v %q %v", u1, m1, ok1, n, u2, m2, ok2)
		}
		if !ok1 && (u1 != gateway.Usage{}) {
			t.Fatalf("usage %+v reported with ok false", u1)
		}
	})
}

func sameUsage(a, b gateway.Usage) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
