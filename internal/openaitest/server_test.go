package openaitest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/openaitest"
)

const key = "sk-test-0123456789abcdefXYZ9"

// obj is a decoded JSON object.
type obj = map[string]any

func post(t *testing.T, s *openaitest.Server, path string, body any) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.MethodPost, s.URL+path, key, body)
}

func do(t *testing.T, method, url, apiKey string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
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
	return resp, data
}

func decode(t *testing.T, data []byte) obj {
	t.Helper()
	var m obj
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("invalid JSON %q: %v", data, err)
	}
	return m
}

// sseEvents checks the SSE framing and returns the decoded data chunks.
func sseEvents(t *testing.T, data []byte) []obj {
	t.Helper()
	is := is.New(t)
	is.True(bytes.HasSuffix(data, []byte("data: [DONE]\n\n"))) // stream ends with [DONE]
	var out []obj
	events := strings.Split(strings.TrimSuffix(string(data), "\n\n"), "\n\n")
	for i, ev := range events {
		is.True(strings.HasPrefix(ev, "data: ")) // every event is a data line
		payload := strings.TrimPrefix(ev, "data: ")
		is.True(!strings.Contains(payload, "\n")) // one line per event
		if i == len(events)-1 {
			is.Equal(payload, "[DONE]")
			break
		}
		out = append(out, decode(t, []byte(payload)))
	}
	return out
}

func errorOf(t *testing.T, data []byte) obj {
	t.Helper()
	m := decode(t, data)
	e, ok := m["error"].(obj)
	if !ok {
		t.Fatalf("no error object in %s", data)
	}
	return e
}

func userChat(text string) obj {
	return obj{"model": "gpt-4o-mini", "messages": []obj{{"role": "user", "content": text}}}
}

func TestChatCompletion(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t, key)
	resp, data := post(t, s, "/chat/completions", obj{
		"model": "gpt-4o-mini",
		"messages": []obj{
			{"role": "system", "content": "You are terse."},
			{"role": "user", "content": "hello there world"},
		},
	})
	is.Equal(resp.StatusCode, 200)
	is.Equal(resp.Header.Get("Content-Type"), "application/json")
	is.True(strings.HasPrefix(resp.Header.Get("x-request-id"), "req_"))
	is.Equal(resp.Header.Get("openai-version"), "2020-10-01")
	is.True(resp.Header.Get("openai-processing-ms") != "")
	for _, h := range []string{"limit-requests", "remaining-requests", "reset-requests", "limit-tokens", "remaining-tokens", "reset-tokens"} {
		is.True(resp.Header.Get("x-ratelimit-"+h) != "") // rate limit header
	}

	m := decode(t, data)
	is.True(strings.HasPrefix(m["id"].(string), "chatcmpl-"))
	is.Equal(m["object"], "chat.completion")
	is.Equal(m["model"], "gpt-4o-mini")
	is.True(m["created"].(float64) > 0)
	is.Equal(m["service_tier"], "default")
	is.True(strings.HasPrefix(m["system_fingerprint"].(string), "fp_"))
	choices := m["choices"].([]any)
	is.Equal(len(choices), 1)
	ch := choices[0].(obj)
	is.Equal(ch["index"], 0.0)
	is.Equal(ch["finish_reason"], "stop")
	logprobs, ok := ch["logprobs"]
	is.True(ok && logprobs == nil) // logprobs: null
	msg := ch["message"].(obj)
	is.Equal(msg["role"], "assistant")
	is.Equal(msg["content"], "Echo: hello there world")
	refusal, ok := msg["refusal"]
	is.True(ok && refusal == nil) // refusal: null
	is.Equal(msg["annotations"], []any{})
	_, hasTools := msg["tool_calls"]
	is.True(!hasTools)

	prompt := openaitest.CountTokens("You are terse.") + 4 + openaitest.CountTokens("hello there world") + 4 + 3
	completion := openaitest.CountTokens("Echo: hello there world")
	u := m["usage"].(obj)
	is.Equal(u["prompt_tokens"], float64(prompt))
	is.Equal(u["completion_tokens"], float64(completion))
	is.Equal(u["total_tokens"], float64(prompt+completion))
	is.Equal(u["prompt_tokens_details"], obj{"cached_tokens": 0.0, "audio_tokens": 0.0})
	is.Equal(u["completion_tokens_details"], obj{"reasoning_tokens": 0.0, "audio_tokens": 0.0,
		"accepted_prediction_tokens": 0.0, "rejected_prediction_tokens": 0.0})
}

func TestChatOptions(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)

	body := userChat("hi you")
	body["n"] = 3
	_, data := post(t, s, "/chat/completions", body)
	m := decode(t, data)
	choices := m["choices"].([]any)
	is.Equal(len(choices), 3)
	for i, c := range choices {
		is.Equal(c.(obj)["index"], float64(i))
		is.Equal(c.(obj)["message"].(obj)["content"], "Echo: hi you")
	}
	is.Equal(m["usage"].(obj)["completion_tokens"], 9.0) // 3 words times n=3

	parts := obj{"model": "gpt-4o", "messages": []obj{{"role": "user", "content": []obj{
		{"type": "text", "text": "look at "}, {"type": "image_url", "image_url": obj{"url": "data:,"}}, {"type": "text", "text": "this"},
	}}}}
	_, data = post(t, s, "/chat/completions", parts)
	m = decode(t, data)
	is.Equal(m["model"], "gpt-4o")
	is.Equal(m["choices"].([]any)[0].(obj)["message"].(obj)["content"], "Echo: look at this")

	s.SetReply("Fixed answer.")
	_, data = post(t, s, "/chat/completions", userChat("whatever"))
	is.Equal(decode(t, data)["choices"].([]any)[0].(obj)["message"].(obj)["content"], "Fixed answer.")
}

// chunkChoice returns the only choice of a stream chunk.
func chunkChoice(t *testing.T, c obj) obj {
	t.Helper()
	choices := c["choices"].([]any)
	if len(choices) != 1 {
		t.Fatalf("want one choice, got %v", c)
	}
	return choices[0].(obj)
}

func TestChatStream(t *testing.T) {
	for _, includeUsage := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "include_usage"}[includeUsage], func(t *testing.T) {
			is := is.New(t)
			s := openaitest.New(t)
			s.SetChunks(3)
			body := userChat("a b  c d\te f")
			body["stream"] = true
			if includeUsage {
				body["stream_options"] = obj{"include_usage": true}
			}
			resp, data := post(t, s, "/chat/completions", body)
			is.Equal(resp.StatusCode, 200)
			is.Equal(resp.Header.Get("Content-Type"), "text/event-stream; charset=utf-8")
			chunks := sseEvents(t, data)
			want := 1 + 3 + 1
			if includeUsage {
				want++
			}
			is.Equal(len(chunks), want)

			var id string
			var content strings.Builder
			for i, c := range chunks {
				if i == 0 {
					id = c["id"].(string)
				}
				is.Equal(c["id"], id)
				is.Equal(c["object"], "chat.completion.chunk")
				is.Equal(c["model"], "gpt-4o-mini")
				u, hasUsage := c["usage"]
				is.Equal(hasUsage, includeUsage)
				if includeUsage && i == len(chunks)-1 {
					is.Equal(c["choices"], []any{})
					prompt := openaitest.CountTokens("a b  c d\te f") + 4 + 3
					is.Equal(u.(obj)["prompt_tokens"], float64(prompt))
					is.Equal(u.(obj)["completion_tokens"], 7.0)
					is.Equal(u.(obj)["total_tokens"], float64(prompt+7))
					continue
				}
				is.Equal(u, nil)
				ch := chunkChoice(t, c)
				delta := ch["delta"].(obj)
				switch {
				case i == 0:
					is.Equal(delta, obj{"role": "assistant", "content": "", "refusal": nil})
					is.Equal(ch["finish_reason"], nil)
				case ch["finish_reason"] != nil:
					is.Equal(ch["finish_reason"], "stop")
					is.Equal(delta, obj{})
				default:
					content.WriteString(delta["content"].(string))
				}
			}
			is.Equal(content.String(), "Echo: a b  c d\te f")
		})
	}
}

func TestChatStreamFewWords(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	s.SetChunks(10)
	s.SetReply("two words")
	body := userChat("x")
	body["stream"] = true
	_, data := post(t, s, "/chat/completions", body)
	chunks := sseEvents(t, data)
	is.Equal(len(chunks), 4) // role, "two", " words", finish
	is.Equal(chunkChoice(t, chunks[1])["delta"], obj{"content": "two"})
	is.Equal(chunkChoice(t, chunks[2])["delta"], obj{"content": " words"})
}

func TestChatStreamDelayAndDisconnect(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	s.SetChunks(3)
	s.SetChunkDelay(20 * time.Millisecond)
	body := userChat("one two three")
	body["stream"] = true
	start := time.Now()
	_, data := post(t, s, "/chat/completions", body)
	is.Equal(len(sseEvents(t, data)), 5)
	is.True(time.Since(start) >= 80*time.Millisecond) // four pauses between five chunks

	s.SetChunks(1000)
	s.SetReply(strings.Repeat("word ", 1000))
	s.SetChunkDelay(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	data, _ = json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/chat/completions", bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	is.NoErr(err)
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	is.NoErr(err)
	is.True(strings.HasPrefix(line, "data: {"))
	cancel()
	resp.Body.Close()
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop streaming after the client went away")
	}
}

var searchTools = []obj{
	{"type": "function", "function": obj{"name": "search", "parameters": obj{"type": "object"}}},
	{"type": "function", "function": obj{"name": "lookup", "parameters": obj{"type": "object"}}},
}

func TestToolCall(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	body := userChat(`weather in "Paris"`)
	body["tools"] = searchTools
	_, data := post(t, s, "/chat/completions", body)
	m := decode(t, data)
	ch := m["choices"].([]any)[0].(obj)
	is.Equal(ch["finish_reason"], "tool_calls")
	msg := ch["message"].(obj)
	content, ok := msg["content"]
	is.True(ok && content == nil) // content: null
	calls := msg["tool_calls"].([]any)
	is.Equal(len(calls), 1)
	call := calls[0].(obj)
	is.True(strings.HasPrefix(call["id"].(string), "call_"))
	is.Equal(call["type"], "function")
	fn := call["function"].(obj)
	is.Equal(fn["name"], "search")
	var args obj
	is.NoErr(json.Unmarshal([]byte(fn["arguments"].(string)), &args))
	is.Equal(args, obj{"query": `weather in "Paris"`})
	is.Equal(m["usage"].(obj)["completion_tokens"], 10.0)

	body["tool_choice"] = obj{"type": "function", "function": obj{"name": "lookup"}}
	_, data = post(t, s, "/chat/completions", body)
	msg = decode(t, data)["choices"].([]any)[0].(obj)["message"].(obj)
	is.Equal(msg["tool_calls"].([]any)[0].(obj)["function"].(obj)["name"], "lookup")

	body["tool_choice"] = "none"
	_, data = post(t, s, "/chat/completions", body)
	msg = decode(t, data)["choices"].([]any)[0].(obj)["message"].(obj)
	is.Equal(msg["content"], `Echo: weather in "Paris"`)
}

func TestToolCallStream(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	s.SetChunks(4)
	body := userChat("find cats")
	body["tools"] = searchTools
	body["stream"] = true
	_, data := post(t, s, "/chat/completions", body)
	chunks := sseEvents(t, data)
	is.Equal(len(chunks), 1+4+1)

	first := chunkChoice(t, chunks[0])["delta"].(obj)
	is.Equal(first["role"], "assistant")
	content, ok := first["content"]
	is.True(ok && content == nil) // content: null
	tc := first["tool_calls"].([]any)[0].(obj)
	is.Equal(tc["index"], 0.0)
	is.True(strings.HasPrefix(tc["id"].(string), "call_"))
	is.Equal(tc["type"], "function")
	is.Equal(tc["function"], obj{"name": "search", "arguments": ""})

	var args strings.Builder
	for _, c := range chunks[1 : len(chunks)-1] {
		calls := chunkChoice(t, c)["delta"].(obj)["tool_calls"].([]any)
		call := calls[0].(obj)
		is.Equal(call["index"], 0.0)
		_, hasID := call["id"]
		is.True(!hasID)
		args.WriteString(call["function"].(obj)["arguments"].(string))
	}
	is.Equal(args.String(), `{"query":"find cats"}`)
	last := chunkChoice(t, chunks[len(chunks)-1])
	is.Equal(last["finish_reason"], "tool_calls")
	is.Equal(last["delta"], obj{})
}

func TestToolResult(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	msgs := []obj{
		{"role": "user", "content": "find cats"},
		{"role": "assistant", "content": nil, "tool_calls": []obj{{"id": "call_1", "type": "function",
			"function": obj{"name": "search", "arguments": `{"query":"find cats"}`}}}},
		{"role": "tool", "tool_call_id": "call_1", "content": "3 cats found"},
	}
	resp, data := post(t, s, "/chat/completions", obj{"model": "gpt-4o-mini", "messages": msgs, "tools": searchTools})
	is.Equal(resp.StatusCode, 200)
	ch := decode(t, data)["choices"].([]any)[0].(obj)
	is.Equal(ch["finish_reason"], "stop")
	is.Equal(ch["message"].(obj)["content"], "Tool said: 3 cats found")

	// A tool message without the assistant's tool_calls is rejected like OpenAI does.
	resp, data = post(t, s, "/chat/completions", obj{"model": "gpt-4o-mini", "messages": []obj{msgs[0], msgs[2]}})
	is.Equal(resp.StatusCode, 400)
	is.Equal(errorOf(t, data)["param"], "messages.[1].role")
}

func TestAuth(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t, key)

	resp, data := do(t, http.MethodPost, s.URL+"/chat/completions", "sk-wrong-abcdefghijklmnopWXYZ", userChat("hi"))
	is.Equal(resp.StatusCode, 401)
	is.True(strings.HasPrefix(resp.Header.Get("x-request-id"), "req_"))
	is.Equal(decode(t, data), obj{"error": obj{
		"message": "Incorrect API key provided: sk-wrong" + strings.Repeat("*", 17) + "WXYZ. You can find your API key at https://platform.openai.com/account/api-keys.",
		"type":    "invalid_request_error", "param": nil, "code": "invalid_api_key",
	}})

	resp, data = do(t, http.MethodPost, s.URL+"/chat/completions", "", userChat("hi"))
	is.Equal(resp.StatusCode, 401)
	e := errorOf(t, data)
	is.True(strings.HasPrefix(e["message"].(string), "You didn't provide an API key."))
	is.Equal(e["code"], nil)

	resp, _ = do(t, http.MethodPost, s.URL+"/chat/completions", key, userChat("hi"))
	is.Equal(resp.StatusCode, 200)

	open := openaitest.New(t)
	resp, _ = do(t, http.MethodGet, open.URL+"/models", "anything", nil)
	is.Equal(resp.StatusCode, 200)
}

func TestFail(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t, key)
	s.Fail(2, 429)
	for range 2 {
		resp, data := do(t, http.MethodPost, s.URL+"/chat/completions", "", userChat("hi")) // before auth
		is.Equal(resp.StatusCode, 429)
		is.Equal(resp.Header.Get("retry-after"), "1")
		is.Equal(resp.Header.Get("retry-after-ms"), "1000")
		is.Equal(resp.Header.Get("x-ratelimit-remaining-requests"), "0")
		is.True(resp.Header.Get("x-ratelimit-limit-requests") != "")
		is.Equal(decode(t, data), obj{"error": obj{
			"message": "Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 1s.",
			"type":    "requests", "param": nil, "code": "rate_limit_exceeded",
		}})
	}
	resp, _ := post(t, s, "/chat/completions", userChat("hi"))
	is.Equal(resp.StatusCode, 200)

	for _, tc := range []struct {
		status        int
		typ, message  string
		code          any
		messagePrefix bool
	}{
		{500, "server_error", "The server had an error while processing your request. Sorry about that!", nil, false},
		{503, "server_error", "The engine is currently overloaded, please try again later", nil, false},
		{400, "invalid_request_error", "", nil, true},
		{401, "invalid_request_error", "Incorrect API key provided: sk-test-" + strings.Repeat("*", len(key)-12) + "XYZ9.", "invalid_api_key", true},
	} {
		s.Fail(1, tc.status)
		resp, data := post(t, s, "/embeddings", obj{"model": "text-embedding-3-small", "input": "x"})
		is.Equal(resp.StatusCode, tc.status)
		e := errorOf(t, data)
		is.Equal(e["type"], tc.typ)
		is.Equal(e["code"], tc.code)
		if tc.messagePrefix {
			is.True(strings.HasPrefix(e["message"].(string), tc.message))
		} else {
			is.Equal(e["message"], tc.message)
		}
	}
}

func TestChatErrors(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)

	resp, data := post(t, s, "/chat/completions", userChat("hi"))
	is.Equal(resp.StatusCode, 200)
	body := userChat("hi")
	body["model"] = "missing-x"
	resp, data = post(t, s, "/chat/completions", body)
	is.Equal(resp.StatusCode, 404)
	is.Equal(decode(t, data), obj{"error": obj{
		"message": "The model `missing-x` does not exist or you do not have access to it.",
		"type":    "invalid_request_error", "param": nil, "code": "model_not_found",
	}})

	resp, data = post(t, s, "/chat/completions", obj{"model": "gpt-4o-mini"})
	is.Equal(resp.StatusCode, 400)
	is.Equal(errorOf(t, data)["param"], "messages")
	is.Equal(errorOf(t, data)["type"], "invalid_request_error")

	resp, data = post(t, s, "/chat/completions", obj{"model": "gpt-4o-mini", "messages": []obj{}})
	is.Equal(resp.StatusCode, 400)
	is.Equal(errorOf(t, data)["param"], "messages")

	resp, data = post(t, s, "/chat/completions", obj{"messages": []obj{{"role": "user", "content": "hi"}}})
	is.Equal(resp.StatusCode, 400)
	is.Equal(errorOf(t, data)["param"], "model")

	resp, data = post(t, s, "/chat/completions", "{not json")
	is.Equal(resp.StatusCode, 400)
	is.True(strings.HasPrefix(errorOf(t, data)["message"].(string), "We could not parse the JSON body"))
}

func TestEmbeddings(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	inputs := []string{"hello world", "foo"}

	resp, data := post(t, s, "/embeddings", obj{"model": "text-embedding-3-small", "input": inputs})
	is.Equal(resp.StatusCode, 200)
	var floats struct {
		Object string
		Model  string
		Data   []struct {
			Object    string
			Index     int
			Embedding []float32
		}
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		}
	}
	is.NoErr(json.Unmarshal(data, &floats))
	is.Equal(floats.Object, "list")
	is.Equal(floats.Model, "text-embedding-3-small")
	is.Equal(floats.Usage.PromptTokens, 3)
	is.Equal(floats.Usage.TotalTokens, 3)
	is.Equal(len(floats.Data), 2)
	for i, d := range floats.Data {
		is.Equal(d.Object, "embedding")
		is.Equal(d.Index, i)
		is.Equal(d.Embedding, openaitest.Embed(inputs[i], 8))
		var norm float64
		for _, v := range d.Embedding {
			norm += float64(v) * float64(v)
		}
		is.True(math.Abs(norm-1) < 1e-5) // unit length
	}
	is.True(floats.Data[0].Embedding[0] != floats.Data[1].Embedding[0]) // inputs differ

	_, data = post(t, s, "/embeddings", obj{"model": "text-embedding-3-small", "input": "hello world",
		"encoding_format": "base64", "dimensions": 16})
	var b64 struct {
		Data []struct{ Embedding string }
	}
	is.NoErr(json.Unmarshal(data, &b64))
	is.Equal(len(b64.Data), 1)
	raw, err := base64.StdEncoding.DecodeString(b64.Data[0].Embedding)
	is.NoErr(err)
	is.Equal(len(raw), 16*4)
	vec := make([]float32, 16)
	for i := range vec {
		vec[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	is.Equal(vec, openaitest.Embed("hello world", 16))

	_, data = post(t, s, "/embeddings", obj{"model": "m", "input": [][]int{{1, 2, 3}, {4}}})
	is.NoErr(json.Unmarshal(data, &floats))
	is.Equal(floats.Usage.PromptTokens, 4)
	is.Equal(floats.Data[0].Embedding, openaitest.Embed("1 2 3", 8))

	resp, data = post(t, s, "/embeddings", obj{"model": "m", "input": ""})
	is.Equal(resp.StatusCode, 400)
	resp, data = post(t, s, "/embeddings", obj{"input": "x"})
	is.Equal(resp.StatusCode, 400)
	is.Equal(errorOf(t, data)["param"], "model")
	resp, _ = post(t, s, "/embeddings", obj{"model": "missing-emb", "input": "x"})
	is.Equal(resp.StatusCode, 404)
}

func TestModels(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	resp, data := do(t, http.MethodGet, s.URL+"/models", key, nil)
	is.Equal(resp.StatusCode, 200)
	m := decode(t, data)
	is.Equal(m["object"], "list")
	ids := map[string]bool{}
	for _, d := range m["data"].([]any) {
		is.Equal(d.(obj)["object"], "model")
		is.Equal(d.(obj)["owned_by"], "system")
		ids[d.(obj)["id"].(string)] = true
	}
	for _, id := range []string{"gpt-4o", "gpt-4o-mini", "gpt-4.1", "text-embedding-3-small"} {
		is.True(ids[id]) // model listed
	}

	_, data = do(t, http.MethodGet, s.URL+"/models/gpt-4o-mini", key, nil)
	is.Equal(decode(t, data), obj{"id": "gpt-4o-mini", "object": "model", "created": 1721172741.0, "owned_by": "system"})

	resp, data = do(t, http.MethodGet, s.URL+"/models/nope", key, nil)
	is.Equal(resp.StatusCode, 404)
	is.Equal(errorOf(t, data)["code"], "model_not_found")
}

func TestUnknownPathAndMethod(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	resp, data := post(t, s, "/foo", obj{})
	is.Equal(resp.StatusCode, 404)
	e := errorOf(t, data)
	is.Equal(e["type"], "invalid_request_error")
	is.Equal(e["code"], "unknown_url")
	is.True(strings.Contains(e["message"].(string), "POST /v1/foo"))

	resp, data = do(t, http.MethodGet, s.URL+"/chat/completions", key, nil)
	is.Equal(resp.StatusCode, 405)
	is.Equal(errorOf(t, data)["type"], "invalid_request_error")
}

func TestRequestsAndConcurrency(t *testing.T) {
	is := is.New(t)
	s := openaitest.New(t)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			body := userChat("parallel")
			body["stream"] = true
			resp, _ := post(t, s, "/chat/completions", body)
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	reqs := s.Requests()
	is.Equal(len(reqs), 20)
	is.Equal(reqs[0].Method, "POST")
	is.Equal(reqs[0].Path, "/v1/chat/completions")
	is.Equal(reqs[0].Header.Get("Authorization"), "Bearer "+key)
	is.True(bytes.Contains(reqs[0].Body, []byte(`"parallel"`)))

	reqs[0].Body[0] = 'X' // Requests returns copies
	is.Equal(s.Requests()[0].Body[0], byte('{'))

	s.SetRecord(false)
	post(t, s, "/chat/completions", userChat("hi"))
	is.Equal(len(s.Requests()), 20)
}
