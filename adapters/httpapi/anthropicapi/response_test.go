package anthropicapi_test

import (
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/httpapi/anthropicapi"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

// completion returns a canonical completion with one choice.
func completion(message, finish, usage string) string {
	s := `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o",
		"choices":[{"index":0,"message":` + message + `,"finish_reason":"` + finish + `"}]`
	if usage != "" {
		s += `,"usage":` + usage
	}
	return s + "}"
}

// message returns an Anthropic message as FromChat writes it.
func message(content, stop, usage string) string {
	if usage == "" {
		usage = `{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}`
	}
	return `{"id":"msg_chatcmpl-1","type":"message","role":"assistant","model":"gpt-4o","content":` + content +
		`,"stop_reason":"` + stop + `","stop_sequence":null,"usage":` + usage + `}`
}

func TestFromChat(t *testing.T) {
	t.Parallel()
	const weather = `{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}`
	tests := []struct {
		name string
		resp string // a canonical completion
		want string // the Anthropic message
	}{
		{name: "Text",
			resp: completion(`{"role":"assistant","content":"Hello!"}`, "stop", `{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}`),
			want: message(`[{"type":"text","text":"Hello!"}]`, "end_turn",
				`{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":3}`)},
		{name: "Length",
			resp: completion(`{"role":"assistant","content":"Once upon"}`, "length", ""),
			want: message(`[{"type":"text","text":"Once upon"}]`, "max_tokens", "")},
		{name: "ContentFilter",
			resp: completion(`{"role":"assistant","content":""}`, "content_filter", ""),
			want: message(`[{"type":"text","text":""}]`, "refusal", "")},
		{name: "Refusal",
			resp: completion(`{"role":"assistant","content":null,"refusal":"I can't help with that."}`, "stop", ""),
			want: message(`[{"type":"text","text":"I can't help with that."}]`, "refusal", "")},
		{name: "UnknownFinish",
			resp: completion(`{"role":"assistant","content":"x"}`, "eos", ""),
			want: message(`[{"type":"text","text":"x"}]`, "end_turn", "")},
		{name: "ToolCallsOnly",
			resp: completion(`{"role":"assistant","content":null,"tool_calls":[`+weather+`,
				{"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]}`, "tool_calls", ""),
			want: message(`[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
				{"type":"tool_use","id":"call_2","name":"get_time","input":{}}]`, "tool_use", "")},
		{name: "TextThenTools",
			resp: completion(`{"role":"assistant","content":"Let me check.","tool_calls":[`+weather+`]}`, "tool_calls", ""),
			want: message(`[{"type":"text","text":"Let me check."},
				{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]`, "tool_use", "")},
		{name: "ToolsWithStopFinish",
			resp: completion(`{"role":"assistant","content":"","tool_calls":[`+weather+`]}`, "stop", ""),
			want: message(`[{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}}]`, "tool_use", "")},
		{name: "ArgumentsNotAnObject",
			resp: completion(`{"role":"assistant","tool_calls":[
				{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"city\": \"Par"}},
				{"id":"call_2","type":"function","function":{"name":"g","arguments":"[1,2]"}},
				{"id":"call_3","type":"function","function":{"name":"h","arguments":"  "}},
				{"id":"call_4","type":"function","function":{"name":"k","arguments":" {\"a\": 1} "}}]}`, "tool_calls", ""),
			want: message(`[{"type":"tool_use","id":"call_1","name":"f","input":{"arguments":"{\"city\": \"Par"}},
				{"type":"tool_use","id":"call_2","name":"g","input":{"arguments":"[1,2]"}},
				{"type":"tool_use","id":"call_3","name":"h","input":{}},
				{"type":"tool_use","id":"call_4","name":"k","input":{"a":1}}]`, "tool_use", "")},
		{name: "CachedUsage",
			resp: completion(`{"role":"assistant","content":"ok"}`, "stop",
				`{"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,"prompt_tokens_details":{"cached_tokens":600,"cache_creation_tokens":300}}`),
			want: message(`[{"type":"text","text":"ok"}]`, "end_turn",
				`{"input_tokens":100,"cache_creation_input_tokens":300,"cache_read_input_tokens":600,"output_tokens":20}`)},
		{name: "UsageNeverNegative",
			resp: completion(`{"role":"assistant","content":"ok"}`, "stop",
				`{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":8,"cache_creation_tokens":5}}`),
			want: message(`[{"type":"text","text":"ok"}]`, "end_turn",
				`{"input_tokens":0,"cache_creation_input_tokens":5,"cache_read_input_tokens":8,"output_tokens":1}`)},
		{name: "IDAlreadyPrefixed",
			resp: `{"id":"msg_01abc","model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`,
			want: strings.Replace(message(`[{"type":"text","text":"hi"}]`, "end_turn", ""), "msg_chatcmpl-1", "msg_01abc", 1)},
		{name: "NoChoices",
			resp: `{"id":"chatcmpl-1","model":"gpt-4o","choices":[]}`,
			want: message(`[{"type":"text","text":""}]`, "end_turn", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := anthropicapi.FromChat(decode[gateway.ChatResponse](t, tt.resp))
			sameJSON(t, mustJSON(t, got), tt.want)
		})
	}
}

func TestFromChatGeneratedIDs(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	resp := decode[gateway.ChatResponse](t, `{"model":"m","choices":[{"index":0,"message":{"role":"assistant",
		"tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}},{"type":"function","function":{"name":"g","arguments":"{}"}}]},
		"finish_reason":"tool_calls"}]}`)
	a, b := anthropicapi.FromChat(resp), anthropicapi.FromChat(resp)
	is.True(strings.HasPrefix(a.ID, "msg_") && len(a.ID) > len("msg_")+16)
	is.True(a.ID != b.ID)
	is.Equal(len(a.Content), 2)
	is.True(strings.HasPrefix(a.Content[0].ID, "toolu_"))
	is.True(a.Content[0].ID != a.Content[1].ID)
	is.Equal(a.Content[0].Type, anthropicwire.BlockToolUse)

	nilResp := anthropicapi.FromChat(nil)
	is.Equal(nilResp.Type, "message")
	is.Equal(nilResp.StopReason, anthropicwire.StopEndTurn)
}
