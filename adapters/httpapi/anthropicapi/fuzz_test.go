package anthropicapi_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"

	"github.com/tollgate-ai/tollgate/adapters/httpapi/anthropicapi"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// FuzzToChat decodes arbitrary JSON as a request: ToChat must not panic,
// must fail only with CodeInvalid, and must otherwise return a valid
// request that encodes, whose tool messages name their call.
func FuzzToChat(f *testing.F) {
	seeds := []string{
		`{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"m","max_tokens":1,"system":[{"type":"text","text":"s"}],"stream":true,"metadata":{"user_id":"` + strings.Repeat("u", 80) + `"},
			"thinking":{"type":"enabled","budget_tokens":5000},"messages":[{"role":"user","content":[{"type":"text","text":"a"},
			{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}},
			{"type":"document","source":{"type":"content","content":[{"type":"text","text":"c"}]}},
			{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"T"}]}]}`,
		`{"model":"m","max_tokens":1,"tools":[{"name":"f","input_schema":{"type":"object"},"strict":true}],"tool_choice":{"type":"tool","name":"f","disable_parallel_tool_use":true},
			"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},
			{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1",
			"content":[{"type":"text","text":"r"},{"type":"image","source":{"type":"url","url":"https://x/y.png"}}],"is_error":true}]}]}`,
		`{"model":"m","max_tokens":1,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"x"}]}`,
		`{"model":"m","messages":[{"role":"user","content":[]}]}`,
		`{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"server_tool_use","id":"s","name":"n","input":{}}]}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req anthropicwire.Request
		if json.Unmarshal(data, &req) != nil {
			return
		}
		got, err := anthropicapi.ToChat(&req)
		if err != nil {
			if code := gateway.ErrorCode(err); code != gateway.CodeInvalid || got != nil {
				t.Fatalf("ToChat failed with %v (code %s, result %v)", err, code, got)
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("ToChat returned an invalid request: %v", err)
		}
		if got.MaxTokens == nil {
			t.Fatal("ToChat returned a request without max_tokens")
		}
		for i, m := range got.Messages {
			if m.Role == "tool" && m.ToolCallID == "" {
				t.Fatalf("messages[%d] is a tool message without tool_call_id", i)
			}
			if m.Role == "system" && i != 0 {
				t.Fatalf("messages[%d] is a system message after the first", i)
			}
		}
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("the request does not encode: %v", err)
		}
	})
}

// FuzzStream feeds arbitrary chunk sequences (a JSON array) to a Stream,
// ended by End or cut by Error: it must not panic, the events must follow
// Anthropic's grammar, encode as server-sent events, and be accumulated by
// anthropic-sdk-go without error.
func FuzzStream(f *testing.F) {
	seeds := []string{
		`[]`,
		`[` + chunk(`{"role":"assistant","content":""}`, "") + `,` + chunk(`{"content":"Hi"}`, "stop") + `]`,
		`[` + chunk(`{"content":"a"}`, "") + `,` + chunk(toolDelta(0, "c1", "f", `{"x`), "") + `,` + chunk(toolDelta(0, "", "", `":1}`), "") +
			`,` + chunk(toolDelta(1, "c2", "g", `{}`), "") + `,` + chunk(toolDelta(0, "", "", `ignored`), "") + `,` + chunk(`{}`, "tool_calls") +
			`,{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":3}}}]`,
		`[{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{}"}},{"id":"b","function":{"name":"g"}},{"function":{"arguments":"x"}}]}}]},null]`,
		`[{"choices":[{"index":0,"delta":{"refusal":"no","content":"x"},"finish_reason":"content_filter"},{"index":2,"delta":{"content":"y"}}]}]`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), "claude-x", false)
		f.Add([]byte(s), "", true)
	}
	f.Fuzz(func(t *testing.T, data []byte, model string, cut bool) {
		var chunks []*gateway.ChatChunk
		if json.Unmarshal(data, &chunks) != nil {
			return
		}
		s := anthropicapi.NewStream(model)
		var events []anthropicwire.Event
		for _, c := range chunks {
			events = append(events, s.Chunk(c)...)
		}
		if cut {
			if len(events) > 0 {
				if err := checkEvents(events, false); err != nil {
					t.Fatalf("%v in %s", err, mustJSON(t, events))
				}
			}
			events = append(events, s.Error(&gateway.Error{Code: gateway.CodeUpstream, Status: 529, Message: "m"}))
		} else {
			events = append(events, s.End()...)
			if err := checkEvents(events, true); err != nil {
				t.Fatalf("%v in %s", err, mustJSON(t, events))
			}
		}
		var msg anthropic.Message
		for i := range events {
			if _, err := anthropicwire.AppendSSE(nil, &events[i]); err != nil {
				t.Fatalf("event %d does not encode: %v", i, err)
			}
			if events[i].Type == anthropicwire.EventError {
				continue // the SDK ends the stream on it
			}
			var ev anthropic.MessageStreamEventUnion
			if err := json.Unmarshal(mustJSON(t, events[i]), &ev); err != nil {
				t.Fatalf("the SDK cannot decode event %d: %v", i, err)
			}
			if err := msg.Accumulate(ev); err != nil {
				t.Fatalf("the SDK cannot accumulate event %d: %v in %s", i, err, mustJSON(t, events))
			}
		}
		if !cut && msg.StopReason == "" {
			t.Fatal("the SDK saw no stop reason")
		}
	})
}

// TestErrorEventIsFinal checks that an error ends a stream that had not
// started: Error may come before any chunk (the server still sends it as
// an event once the stream's headers are out).
func TestErrorEventIsFinal(t *testing.T) {
	t.Parallel()
	s := anthropicapi.NewStream("m")
	ev := s.Error(errors.New("boom"))
	sameJSON(t, mustJSON(t, ev), `{"type":"error","error":{"type":"api_error","message":"internal error"}}`)
	if n := len(s.Chunk(&gateway.ChatChunk{Choices: []gateway.ChunkChoice{{Delta: gateway.Delta{Content: "x"}}}})); n != 0 {
		t.Fatalf("Chunk after Error returned %d events", n)
	}
}
