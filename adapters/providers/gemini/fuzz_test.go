package gemini_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/adapters/providers/gemini"
	"github.com/tollgate-ai/tollgate/gateway"
)

// FuzzRequest translates arbitrary canonical requests: no panic, and a
// translation that succeeds is valid JSON with at least one turn.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBO"}}]}]}`,
		`{"model":"m","messages":[{"role":"user","content":"w"},{"role":"assistant","tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"{\"a\":1}"}]}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"f"}}}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"object"}}},"seed":5,"n":2,"stop":["a"]}`,
		`{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"medium","google":{"thinking_config":{"include_thoughts":true}}}`,
		`{"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_data":"JVBE"}},{"type":"input_audio","input_audio":{"data":"x","format":"flac"}}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req gateway.ChatRequest
		if json.Unmarshal(data, &req) != nil {
			return
		}
		out, err := gemini.RequestJSON(&req)
		if err != nil {
			if gateway.ErrorCode(err) != gateway.CodeInvalid {
				t.Fatalf("error %v is not CodeInvalid", err)
			}
			return
		}
		var v struct {
			Contents []json.RawMessage `json:"contents"`
		}
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("invalid JSON %s: %v", out, err)
		}
		if len(v.Contents) == 0 {
			t.Fatalf("no contents in %s", out)
		}
	})
}

// FuzzResponse translates arbitrary GenerateContentResponses: no panic,
// and no negative token count.
func FuzzResponse(f *testing.F) {
	for _, s := range []string{
		`{"candidates":[{"content":{"parts":[{"text":"hi"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1,"candidatesTokenCount":1,"totalTokenCount":2},"modelVersion":"gemini-2.5-flash","responseId":"x"}`,
		`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}}},{"text":"t","thought":true}]},"finishReason":"STOP"}]}`,
		`{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":-3,"thoughtsTokenCount":9223372036854775807}}`,
		`{"candidates":[{"index":7,"finishReason":"MAX_TOKENS"},{"index":-1}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := gemini.ResponseFromJSON(data, "m")
		if err != nil {
			return
		}
		if u := resp.Usage; u != nil && (u.PromptTokens < 0 || u.CompletionTokens < 0 || u.TotalTokens < 0) {
			t.Fatalf("negative usage %+v", u)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatalf("response does not encode: %v", err)
		}
	})
}

// FuzzStream reads arbitrary event streams: no panic, an end in a bounded
// number of calls, and every error a Delivered *gateway.Error.
func FuzzStream(f *testing.F) {
	for _, s := range []string{
		"data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hi\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 1,\"totalTokenCount\": 2}}\r\n\r\n",
		"data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\"}},{\"functionCall\":{\"name\":\"g\",\"args\":{}}}]},\"finishReason\":\"STOP\"}]}\n\n",
		"data: {\"error\": {\"code\": 500, \"message\": \"x\", \"status\": \"INTERNAL\"}}\r\n\r\n",
		"data: {\"promptFeedback\":{\"blockReason\":\"OTHER\"}}\r\n\r\n",
		"data: {\"candidates\":[{\"index\":0},{\"index\":1,\"finishReason\":\"STOP\"}]}\r\n\r\ndata: {\"candidates\":[{\"index\":0,\"finishReason\":\"SAFETY\"}]}\r\n\r\n",
		": comment\r\ndata: [DONE]\r\n\r\n",
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, wantUsage bool) {
		s := gemini.StreamFrom(io.NopCloser(strings.NewReader(string(data))), "m", wantUsage)
		defer s.Close()
		for i := 0; ; i++ {
			if i > len(data)+2 {
				t.Fatalf("no end after %d chunks of a %d-byte stream", i, len(data))
			}
			c, err := s.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				e := asError(t, err)
				if !e.Delivered || e.Code != gateway.CodeUpstream {
					t.Fatalf("error %+v", e)
				}
				return
			}
			if c == nil {
				t.Fatal("nil chunk without error")
			}
		}
	})
}

// FuzzMeter meters arbitrary bodies, cut anywhere: no panic, Write always
// takes everything, and no negative count.
func FuzzMeter(f *testing.F) {
	for _, s := range []string{
		"data: {\"usageMetadata\": {\"promptTokenCount\": 5,\"candidatesTokenCount\": 2,\"totalTokenCount\": 7},\"modelVersion\": \"g\"}\r\n\r\n",
		`{"usageMetadata":{"promptTokenCount":1},"modelVersion":"models/g"}`,
		"[{\"usageMetadata\":{\"candidatesTokenCount\":3}}\n,\r\n{\"usageMetadata\":{\"promptTokenCount\":-1}}]",
		`{"predictions":[{"embeddings":{"statistics":{"token_count":1e300}}}]}`,
	} {
		f.Add([]byte(s), uint8(0), uint16(7))
		f.Add([]byte(s), uint8(1), uint16(1))
	}
	u, err := gemini.New(&gateway.Provider{Name: "g", Type: "gemini"}, gemini.Config{})
	if err != nil {
		f.Fatal(err)
	}
	types := []string{"text/event-stream", "application/json", "application/json; charset=UTF-8", "text/plain"}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, cut uint16) {
		m := u.Meter(&http.Request{}, types[int(kind)%len(types)])
		step := int(cut)%64 + 1
		for len(data) > 0 {
			k := min(step, len(data))
			if n, err := m.Write(data[:k]); n != k || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
			data = data[k:]
		}
		usage, _, _ := m.Usage()
		if usage.PromptTokens < 0 || usage.CompletionTokens < 0 || usage.TotalTokens < 0 {
			t.Fatalf("negative usage %+v", usage)
		}
	})
}
