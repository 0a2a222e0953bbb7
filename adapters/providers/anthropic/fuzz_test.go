package anthropic_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// FuzzRequestTranslation translates arbitrary chat requests: no panic, and
// what is not refused encodes to a Messages request that decodes again.
func FuzzRequestTranslation(f *testing.F) {
	for _, seed := range []string{
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"s"}]},{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"t","content":"r"},{"role":"user","content":"more"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"required","parallel_tool_calls":false,"max_tokens":10,"stop":"x","n":1}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{"type":"object"}}},"reasoning_effort":"high","max_completion_tokens":2000}`,
		`{"model":"m","messages":[{"role":"developer","content":"d"},{"role":"user","content":[{"type":"file","file":{"file_data":"data:application/pdf;base64,JV"}}]}],"tool_choice":{"type":"function","function":{"name":"f"}}}`,
	} {
		f.Add([]byte(seed))
	}
	u, err := anthropic.New(&gateway.Provider{Type: "anthropic"}, anthropic.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req gateway.ChatRequest
		if json.Unmarshal(data, &req) != nil {
			return
		}
		out, _, err := u.ToRequest(&req)
		if err != nil {
			var e *gateway.Error
			if !errors.As(err, &e) || e.Code != gateway.CodeInvalid || e.Field == "" {
				t.Fatalf("error %v is not a CodeInvalid naming a field", err)
			}
			return
		}
		if out.MaxTokens == nil || len(out.Messages) == 0 {
			t.Fatal("max_tokens and messages are always sent")
		}
		for i := 1; i < len(out.Messages); i++ {
			if out.Messages[i].Role == out.Messages[i-1].Role {
				t.Fatal("turns of one role were not merged")
			}
		}
		body, err := json.Marshal(out)
		if err != nil {
			return // a raw field of the input that is not valid JSON
		}
		var back anthropicwire.Request
		if err := json.Unmarshal(body, &back); err != nil {
			t.Fatalf("sent body does not decode: %v\n%s", err, body)
		}
	})
}

// FuzzResponseTranslation translates arbitrary Messages responses.
func FuzzResponseTranslation(f *testing.F) {
	f.Add([]byte(`{"id":"msg","model":"m","content":[{"type":"text","text":"a"},{"type":"tool_use","id":"t","name":"f","input":{"x":1}},{"type":"thinking","thinking":"t","signature":"s"}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2,"cache_read_input_tokens":3}}`), true)
	f.Add([]byte(`{"content":[{"type":"tool_use","name":"json_response","input":null}],"stop_reason":"refusal"}`), true)
	f.Add([]byte(`{"content":[{"type":"web_search_tool_result","content":{"type":"x"}}]}`), false)
	f.Fuzz(func(t *testing.T, data []byte, jsonFormat bool) {
		var r anthropicwire.Response
		if json.Unmarshal(data, &r) != nil {
			return
		}
		got := anthropic.FromResponse(&r, jsonFormat)
		if len(got.Choices) != 1 || got.Usage == nil {
			t.Fatal("one choice and a usage are always returned")
		}
		u := got.Usage
		if u.TotalTokens != u.PromptTokens+u.CompletionTokens {
			t.Fatal("total is not the sum")
		}
		for _, tc := range got.Choices[0].Message.ToolCalls {
			if !json.Valid([]byte(tc.Function.Arguments)) {
				t.Fatalf("arguments %q are not JSON", tc.Function.Arguments)
			}
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzStreamTranslation feeds arbitrary bytes to the stream: no panic, a
// bounded number of chunks, and every error a Delivered *gateway.Error.
func FuzzStreamTranslation(f *testing.F) {
	f.Add([]byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":1}}}\n\n" +
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":3}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
	f.Add([]byte("data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"))
	f.Add([]byte("event: ping\ndata: {}\n\ndata: {\"type\":\"message_stop\"}\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := anthropic.NewStream(io.NopCloser(bytes.NewReader(data)), "secret", true)
		defer s.Close()
		for n := 0; ; n++ {
			if n > len(data)+2 {
				t.Fatal("more chunks than the input can hold")
			}
			c, err := s.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var e *gateway.Error
				if !errors.As(err, &e) || !e.Delivered {
					t.Fatalf("error %v is not a Delivered *gateway.Error", err)
				}
				return
			}
			if c.Object != "chat.completion.chunk" {
				t.Fatal("not a chunk")
			}
		}
	})
}

// FuzzMeter feeds arbitrary bodies to both meters in two writes: no panic,
// and for a JSON object the JSON meter agrees with encoding/json on its
// top-level usage.
func FuzzMeter(f *testing.F) {
	f.Add([]byte(`{"model":"m","usage":{"input_tokens":1,"output_tokens":2}}`), 5)
	f.Add([]byte(`{"content":"\"usage\":{}","usage":{"cache_read_input_tokens":3}, "model" : "x"}`), 11)
	f.Add([]byte("event: message_start\ndata: {\"message\":{\"usage\":{\"input_tokens\":2}}}\n\n"), 3)
	f.Add([]byte(`{"usAge":{}}`), -21) // encoding/json would match it; the API never sends it
	u, err := anthropic.New(&gateway.Provider{Type: "anthropic"}, anthropic.Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		if cut < 0 || cut > len(data) {
			cut = len(data) / 2
		}
		for _, ct := range []string{"application/json", "text/event-stream"} {
			m := u.Meter(nil, ct)
			m.Write(data[:cut])
			m.Write(data[cut:])
			got, _, ok := m.Usage()
			if ok && got.TotalTokens != got.PromptTokens+got.CompletionTokens {
				t.Fatal("total is not the sum")
			}
		}
		// encoding/json matches keys case-insensitively; a map holds them
		// exactly, as the API sends them.
		var top map[string]json.RawMessage
		if json.Unmarshal(data, &top) != nil || top == nil {
			return
		}
		if bytes.Count(data, []byte(`"usage"`)) > 1 || bytes.Count(data, []byte(`"model"`)) > 1 || bytes.Contains(data, []byte(`\u`)) {
			return // duplicate or escaped keys: encoding/json's choice is not the point
		}
		var whole struct {
			Model string
			Usage *anthropicwire.Usage
		}
		if json.Unmarshal(top["usage"], &whole.Usage) != nil || whole.Usage == nil {
			return
		}
		_ = json.Unmarshal(top["model"], &whole.Model)
		m := u.Meter(nil, "application/json")
		m.Write(data[:cut])
		m.Write(data[cut:])
		got, model, ok := m.Usage()
		if !ok {
			t.Fatalf("no usage found in %s", data)
		}
		want := gateway.Usage{PromptTokens: whole.Usage.InputTokens + whole.Usage.CacheReadInputTokens + whole.Usage.CacheCreationInputTokens,
			CompletionTokens: whole.Usage.OutputTokens}
		want.TotalTokens = want.PromptTokens + want.CompletionTokens
		want.PromptTokensDetails = &gateway.PromptTokensDetails{CachedTokens: whole.Usage.CacheReadInputTokens, CacheCreationTokens: whole.Usage.CacheCreationInputTokens}
		if !reflect.DeepEqual(got, want) || model != whole.Model {
			t.Fatalf("meter read %+v %q, encoding/json %+v %q from %s", got, model, want, whole.Model, data)
		}
	})
}
