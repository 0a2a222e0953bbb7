package anthropictest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/internal/anthropictest"
)

type obj = map[string]any

// send posts body to path with the usual headers, minus the ones named in
// drop, and returns the response and its body.
func send(t *testing.T, s *anthropictest.Server, method, path string, body any, drop ...string) (*http.Response, []byte, error) {
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
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("x-api-key", key)
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("content-type", "application/json")
	for _, h := range drop {
		req.Header.Del(h)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp, data, err
}

func post(t *testing.T, s *anthropictest.Server, body any, drop ...string) (*http.Response, []byte) {
	t.Helper()
	resp, data, err := send(t, s, http.MethodPost, "/v1/messages", body, drop...)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

func msg(text string) obj {
	return obj{"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": []obj{{"role": "user", "content": text}}}
}

// events checks the SSE framing ("event: <type>\ndata: <json>\n\n", the
// data's type naming the event) and returns the decoded events.
func events(t *testing.T, data []byte) []obj {
	t.Helper()
	is := is.New(t)
	is.True(bytes.HasSuffix(data, []byte("\n\n")))
	var out []obj
	for _, ev := range strings.Split(strings.TrimSuffix(string(data), "\n\n"), "\n\n") {
		name, payload, ok := strings.Cut(ev, "\ndata: ")
		is.True(ok)
		is.True(strings.HasPrefix(name, "event: "))
		is.True(!strings.Contains(payload, "\n"))
		var m obj
		is.NoErr(json.Unmarshal([]byte(payload), &m))
		is.Equal(m["type"], strings.TrimPrefix(name, "event: "))
		out = append(out, m)
	}
	return out
}

func types(evs []obj) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e["type"].(string))
	}
	return out
}

func TestStreamFraming(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	s.SetChunks(2)
	s.SetUsage(3, 4)
	body := msg("please use a tool now")
	body["stream"] = true
	body["tools"] = []obj{{"name": "f", "input_schema": obj{"type": "object", "properties": obj{"q": obj{"type": "string"}}}}}
	resp, data := post(t, s, body)
	is.Equal(resp.StatusCode, 200)
	is.Equal(resp.Header.Get("Content-Type"), "text/event-stream; charset=utf-8")
	evs := events(t, data)
	is.Equal(types(evs), []string{"message_start",
		"content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_stop",
		"content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
		"message_delta", "message_stop"})
	start := evs[0]["message"].(obj)
	is.Equal(start["stop_reason"], nil)
	is.Equal(start["content"], []any{})
	u := start["usage"].(obj)
	is.Equal(u["output_tokens"], 1.0)
	is.Equal(u["cache_read_input_tokens"], 3.0)
	is.Equal(evs[1]["content_block"], obj{"type": "text", "text": ""})
	tool := evs[6]["content_block"].(obj)
	is.Equal(tool["input"], obj{})
	is.Equal(evs[6]["index"], 1.0)
	is.Equal(evs[7]["delta"], obj{"type": "input_json_delta", "partial_json": ""})
	input := evs[8]["delta"].(obj)["partial_json"].(string) + evs[9]["delta"].(obj)["partial_json"].(string)
	is.Equal(input, `{"q":"please use a tool now"}`)
	md := evs[11]
	is.Equal(md["delta"], obj{"stop_reason": "tool_use", "stop_sequence": nil})
	is.Equal(md["usage"].(obj)["output_tokens"], 10.0+4) // one tool use and "Let me use f."
	is.Equal(md["usage"].(obj)["cache_creation_input_tokens"], 4.0)
}

func TestThinkingStream(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	body := msg("why")
	body["max_tokens"] = 4096
	body["thinking"] = obj{"type": "enabled", "budget_tokens": 1024}
	body["stream"] = true
	_, data := post(t, s, body)
	evs := events(t, data)
	is.Equal(evs[1]["content_block"], obj{"type": "thinking", "thinking": "", "signature": ""})
	var kinds []string
	for _, e := range evs {
		if d, ok := e["delta"].(obj); ok && e["index"] == 0.0 {
			kinds = append(kinds, d["type"].(string))
		}
	}
	is.Equal(kinds[len(kinds)-1], "signature_delta")
	is.Equal(kinds[0], "thinking_delta")
}

func TestStops(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	body := msg("alpha beta gamma delta")
	body["stop_sequences"] = []string{"gamma", "beta"}
	_, data := post(t, s, body)
	var m obj
	is.NoErr(json.Unmarshal(data, &m))
	is.Equal(m["stop_reason"], "stop_sequence")
	is.Equal(m["stop_sequence"], "beta")
	is.Equal(m["content"].([]any)[0].(obj)["text"], "Echo: alpha ")

	body = msg("alpha beta gamma delta")
	body["max_tokens"] = 2
	_, data = post(t, s, body)
	is.NoErr(json.Unmarshal(data, &m))
	is.Equal(m["stop_reason"], "max_tokens")
	is.Equal(m["content"].([]any)[0].(obj)["text"], "Echo: alpha ")
}

func TestValidation(t *testing.T) {
	t.Parallel()
	png := pngData
	tests := []struct {
		name   string
		body   any
		drop   []string
		status int
		typ    string
		msg    string
	}{
		{name: "NoVersion", body: msg("hi"), drop: []string{"anthropic-version"}, status: 400, typ: "invalid_request_error", msg: "anthropic-version: header is required"},
		{name: "NoKey", body: msg("hi"), drop: []string{"x-api-key"}, status: 401, typ: "authentication_error", msg: "x-api-key header is required"},
		{name: "NotJSON", body: "{", status: 400, typ: "invalid_request_error"},
		{name: "NoMaxTokens", body: obj{"model": "m", "messages": []obj{{"role": "user", "content": "x"}}}, status: 400, typ: "invalid_request_error", msg: "max_tokens: Field required"},
		{name: "NoModel", body: obj{"max_tokens": 1, "messages": []obj{{"role": "user", "content": "x"}}}, status: 400, msg: "model: Field required"},
		{name: "NoMessages", body: obj{"model": "m", "max_tokens": 1}, status: 400, msg: "messages: Field required"},
		{name: "EmptyMessages", body: obj{"model": "m", "max_tokens": 1, "messages": []obj{}}, status: 400, msg: "messages: at least one message is required"},
		{name: "BadRole", body: obj{"model": "m", "max_tokens": 1, "messages": []obj{{"role": "system", "content": "x"}}}, status: 400,
			msg: "messages.0.role: Input should be 'user' or 'assistant'"},
		{name: "EmptyContent", body: obj{"model": "m", "max_tokens": 1, "messages": []obj{{"role": "user", "content": ""}}}, status: 400,
			msg: "messages.0: all messages must have non-empty content except for the optional final assistant message"},
		{name: "BadMediaType", body: obj{"model": "m", "max_tokens": 1, "messages": []obj{{"role": "user", "content": []obj{
			{"type": "image", "source": obj{"type": "base64", "media_type": "image/bmp", "data": png}}}}}}, status: 400,
			msg: "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"},
		{name: "BadBase64", body: obj{"model": "m", "max_tokens": 1, "messages": []obj{{"role": "user", "content": []obj{
			{"type": "image", "source": obj{"type": "base64", "media_type": "image/png", "data": "!!!"}}}}}}, status: 400,
			msg: "messages.0.content.0.image.source.base64.data: The image data is not valid base64."},
		{name: "ToolResultWithoutUse", body: obj{"model": "m", "max_tokens": 1, "messages": []obj{{"role": "user", "content": []obj{
			{"type": "tool_result", "tool_use_id": "toolu_x", "content": "r"}}}}}, status: 400,
			msg: "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_x. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."},
		{name: "ToolUseWithoutResult", body: obj{"model": "m", "max_tokens": 1, "messages": []obj{
			{"role": "user", "content": "q"},
			{"role": "assistant", "content": []obj{{"type": "tool_use", "id": "toolu_a", "name": "f", "input": obj{}}}},
			{"role": "user", "content": "r"}}}, status: 400,
			msg: "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_a. Each `tool_use` block must have a corresponding `tool_result` block in the next message."},
		{name: "ToolChoiceWithoutTools", body: obj{"model": "m", "max_tokens": 1, "tool_choice": obj{"type": "any"},
			"messages": []obj{{"role": "user", "content": "q"}}}, status: 400, msg: "tool_choice: tool_choice may only be specified while providing tools."},
		{name: "ThinkingBudget", body: obj{"model": "m", "max_tokens": 1000, "thinking": obj{"type": "enabled", "budget_tokens": 2000},
			"messages": []obj{{"role": "user", "content": "q"}}}, status: 400},
		{name: "MissingModel", body: obj{"model": "missing-claude", "max_tokens": 1, "messages": []obj{{"role": "user", "content": "q"}}},
			status: 404, typ: "not_found_error", msg: "model: missing-claude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			s := anthropictest.New(t, key)
			resp, data := post(t, s, tt.body, tt.drop...)
			is.Equal(resp.StatusCode, tt.status)
			var e struct {
				Type  string `json:"type"`
				Error struct {
					Type    string `json:"type"`
					Message string `json:"message"`
				} `json:"error"`
				RequestID string `json:"request_id"`
			}
			is.NoErr(json.Unmarshal(data, &e))
			is.Equal(e.Type, "error")
			is.Equal(e.RequestID, resp.Header.Get("request-id"))
			if tt.typ != "" {
				is.Equal(e.Error.Type, tt.typ)
			}
			if tt.msg != "" {
				is.Equal(e.Error.Message, tt.msg)
			}
		})
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	s := anthropictest.New(t, key)
	s.Fail(1, 500)
	for _, status := range []int{500, 200} {
		is := is.New(t)
		resp, _ := post(t, s, msg("hi"))
		is.Equal(resp.StatusCode, status)
		is.True(strings.HasPrefix(resp.Header.Get("request-id"), "req_"))
		for _, kind := range []string{"requests", "tokens", "input-tokens", "output-tokens"} {
			is.True(resp.Header.Get("anthropic-ratelimit-"+kind+"-limit") != "")
			_, err := time.Parse(time.RFC3339, resp.Header.Get("anthropic-ratelimit-"+kind+"-reset"))
			is.NoErr(err)
		}
	}
}

func TestFailRateLimitHeaders(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	s.Fail(2, 429)
	for range 2 {
		resp, _ := post(t, s, msg("hi"))
		is.Equal(resp.StatusCode, 429)
		is.Equal(resp.Header.Get("retry-after"), "1")
		is.Equal(resp.Header.Get("anthropic-ratelimit-requests-remaining"), "0")
	}
	resp, _ := post(t, s, msg("hi"))
	is.Equal(resp.StatusCode, 200)
}

func TestFailInStreamRaw(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	s.FailInStream(1)
	body := msg("a b c")
	body["stream"] = true
	_, data := post(t, s, body)
	evs := events(t, data)
	is.Equal(types(evs), []string{"message_start", "content_block_start", "ping", "content_block_delta", "error"})
	is.Equal(evs[4]["error"], obj{"type": "overloaded_error", "message": "Overloaded"})
	_, data = post(t, s, body) // only the next one failed
	is.Equal(types(events(t, data))[len(events(t, data))-1], "message_stop")
}

func TestCutAfter(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	s.CutAfter(3)
	body := msg("a b c")
	body["stream"] = true
	_, data, err := send(t, s, http.MethodPost, "/v1/messages", body)
	is.True(err != nil) // the body ends without the end of the chunked encoding
	is.Equal(strings.Count(string(data), "event: "), 3)
}

func TestModelsPagination(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	s := anthropictest.New(t, key)
	all := anthropictest.Models()
	var page struct {
		Data    []obj  `json:"data"`
		HasMore bool   `json:"has_more"`
		FirstID string `json:"first_id"`
		LastID  string `json:"last_id"`
	}
	_, data, err := send(t, s, http.MethodGet, "/v1/models?limit=2&after_id="+all[0].ID, nil)
	is.NoErr(err)
	is.NoErr(json.Unmarshal(data, &page))
	is.Equal(len(page.Data), 2)
	is.Equal(page.FirstID, all[1].ID)
	is.Equal(page.LastID, all[2].ID)
	is.True(page.HasMore)
	is.Equal(page.Data[0]["type"], "model")
	is.Equal(page.Data[0]["created_at"], all[1].CreatedAt.Format(time.RFC3339))

	_, data, _ = send(t, s, http.MethodGet, "/v1/models?limit=2&before_id="+all[3].ID, nil)
	is.NoErr(json.Unmarshal(data, &page))
	is.Equal(page.FirstID, all[1].ID)

	resp, _, _ := send(t, s, http.MethodGet, "/v1/models?limit=0", nil)
	is.Equal(resp.StatusCode, 400)
	resp, data, _ = send(t, s, http.MethodGet, "/v1/models/"+all[2].ID, nil)
	is.Equal(resp.StatusCode, 200)
	is.True(strings.Contains(string(data), all[2].DisplayName))
	resp, _, _ = send(t, s, http.MethodGet, "/v1/models/nope", nil)
	is.Equal(resp.StatusCode, 404)
	resp, _, _ = send(t, s, http.MethodGet, "/v1/messages", nil)
	is.Equal(resp.StatusCode, 405)
}
