package anthropic_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/providers/anthropic"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropictest"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

func TestChatParallelTools(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	req := userChat("check both in parallel")
	req.Tools = []gateway.Tool{weatherTool(), {Type: "function", Function: gateway.Function{Name: "get_time",
		Parameters: json.RawMessage(`{"type":"object","properties":{"zone":{"type":"string"}}}`)}}}
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	ch := resp.Choices[0]
	is.Equal(ch.FinishReason, "tool_calls")
	is.Equal(ch.Message.Content.Text(), "Let me use get_weather and get_time.")
	is.Equal(len(ch.Message.ToolCalls), 2)
	tc := ch.Message.ToolCalls[0]
	is.True(tc.Index == nil)
	is.Equal(tc.Type, "function")
	is.Equal(tc.Function.Name, "get_weather")
	is.Equal(tc.Function.Arguments, `{"city":"check both in parallel"}`)
	is.Equal(ch.Message.ToolCalls[1].Function.Name, "get_time")
	is.True(ch.Message.ToolCalls[0].ID != ch.Message.ToolCalls[1].ID)
	is.Equal(resp.Usage.CompletionTokens, 20+anthropictest.CountTokens("Let me use get_weather and get_time."))
}

func TestChatForcedToolHasNullContent(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	req := userChat("Paris")
	req.Tools = []gateway.Tool{weatherTool()}
	req.ToolChoice = &gateway.ToolChoice{Mode: "required"}
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	m := resp.Choices[0].Message
	is.True(m.Content.IsNull())
	is.Equal(len(m.ToolCalls), 1)
	data, err := json.Marshal(m)
	is.NoErr(err)
	is.Equal(string(data), `{"role":"assistant","content":null,"tool_calls":[{"id":"`+m.ToolCalls[0].ID+`","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}`)
}

func TestChatThinkingAndJSON(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	srv := anthropictest.New(t, testKey)
	u := mustNew(t, srv.URL, nil)
	req := userChat("why")
	req.Extra = gateway.Extra{"reasoning_effort": json.RawMessage(`"low"`)}
	resp, err := u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	m := resp.Choices[0].Message
	is.Equal(m.Content.Text(), "Echo: why")
	is.Equal(string(m.Extra["reasoning_content"]), `"Thinking about: why"`)
	is.Equal(sentBody(t, srv).Thinking.BudgetTokens, 1024)

	req = userChat("answer")
	req.ResponseFormat = &gateway.ResponseFormat{Type: "json_schema",
		JSONSchema: json.RawMessage(`{"name":"a","schema":{"type":"object","properties":{"answer":{"type":"string"},"n":{"type":"integer"}}}}`)}
	resp, err = u.Chat(context.Background(), cred(testKey), req)
	is.NoErr(err)
	m = resp.Choices[0].Message
	is.Equal(resp.Choices[0].FinishReason, "stop")
	is.Equal(len(m.ToolCalls), 0)
	is.Equal(m.Content.Text(), `{"answer":"answer","n":42}`)
}

func TestFromResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resp     string
		json     bool
		finish   string
		content  string
		null     bool
		calls    int
		thinking string
	}{
		{name: "EndTurn", resp: `{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"stop_reason":"end_turn"}`, finish: "stop", content: "ab"},
		{name: "StopSequence", resp: `{"content":[{"type":"text","text":"a"}],"stop_reason":"stop_sequence","stop_sequence":"X"}`, finish: "stop", content: "a"},
		{name: "PauseTurn", resp: `{"content":[{"type":"server_tool_use","id":"s","name":"web_search","input":{}},{"type":"text","text":"so far"}],"stop_reason":"pause_turn"}`, finish: "stop", content: "so far"},
		{name: "MaxTokens", resp: `{"content":[{"type":"text","text":"cut"}],"stop_reason":"max_tokens"}`, finish: "length", content: "cut"},
		{name: "ContextWindow", resp: `{"content":[],"stop_reason":"model_context_window_exceeded"}`, finish: "length", content: ""},
		{name: "Refusal", resp: `{"content":[{"type":"text","text":"no"}],"stop_reason":"refusal"}`, finish: "content_filter", content: "no"},
		{name: "Unknown", resp: `{"content":[],"stop_reason":"something_new"}`, finish: "stop"},
		{name: "ToolUse", resp: `{"content":[{"type":"tool_use","id":"t1","name":"f","input":{"x":[1,2]}},{"type":"tool_use","id":"t2","name":"g","input":null}],"stop_reason":"tool_use"}`,
			finish: "tool_calls", null: true, calls: 2},
		{name: "Thinking", resp: `{"content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"redacted_thinking","data":"x"},{"type":"thinking","thinking":"m","signature":"s"},{"type":"text","text":"ok"}],"stop_reason":"end_turn"}`,
			finish: "stop", content: "ok", thinking: `"hmm"`},
		{name: "JSONAnswer", json: true, resp: `{"content":[{"type":"text","text":"Sure:"},{"type":"tool_use","id":"t","name":"` + anthropic.JSONToolName + `","input":{"a":1}}],"stop_reason":"tool_use"}`,
			finish: "stop", content: `{"a":1}`},
		{name: "JSONToolNameWithoutFormat", resp: `{"content":[{"type":"tool_use","id":"t","name":"` + anthropic.JSONToolName + `","input":{}}],"stop_reason":"tool_use"}`,
			finish: "tool_calls", null: true, calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			var r anthropicwire.Response
			is.NoErr(json.Unmarshal([]byte(tt.resp), &r))
			got := anthropic.FromResponse(&r, tt.json)
			ch := got.Choices[0]
			is.Equal(ch.FinishReason, tt.finish)
			is.Equal(ch.Message.Content.IsNull(), tt.null)
			is.Equal(ch.Message.Content.Text(), tt.content)
			is.Equal(len(ch.Message.ToolCalls), tt.calls)
			is.Equal(string(ch.Message.Extra["reasoning_content"]), tt.thinking)
			is.Equal(got.Created, int64(1700000000))
			if tt.calls == 2 {
				is.Equal(ch.Message.ToolCalls[0].Function.Arguments, `{"x":[1,2]}`)
				is.Equal(ch.Message.ToolCalls[1].Function.Arguments, `{}`)
			}
		})
	}
}
