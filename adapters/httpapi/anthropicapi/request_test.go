package anthropicapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/matryer/is"

	"github.com/tollgate-ai/tollgate/adapters/httpapi/anthropicapi"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/anthropicwire"
)

func TestToChat(t *testing.T) {
	t.Parallel()
	longUser := "user_" + strings.Repeat("ab", 32) + "_account__session_0b6c8e8e-5f8a-4f3e-9c1d-2a7b5e9f0c11"
	sum := sha256.Sum256([]byte(longUser))
	tests := []struct {
		name string
		req  string // an Anthropic request body
		want string // the canonical request, as JSON
	}{
		{name: "Minimal",
			req:  `{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}`},
		{name: "SystemString",
			req: `{"model":"m","max_tokens":1,"system":"Be brief.","messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"system","content":"Be brief."},
				{"role":"user","content":"hi"}]}`},
		{name: "SystemBlocksJoined",
			req: `{"model":"m","max_tokens":1,"system":[{"type":"text","text":"You are Claude Code."},
				{"type":"text","text":"Be careful.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"system","content":"You are Claude Code.\n\nBe careful."},
				{"role":"user","content":"hi"}]}`},
		{name: "EmptySystemOmitted",
			req:  `{"model":"m","max_tokens":1,"system":[],"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`},
		{name: "Sampling",
			req: `{"model":"m","max_tokens":100,"temperature":0.2,"top_p":0.9,"top_k":40,"stop_sequences":["END","STOP"],
				"metadata":{"user_id":"u-1"},"service_tier":"auto","messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":100,"temperature":0.2,"top_p":0.9,"stop":["END","STOP"],"user":"u-1",
				"messages":[{"role":"user","content":"hi"}]}`},
		{name: "ZeroMaxTokens",
			req:  `{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}`},
		{name: "LongUserHashed",
			req:  `{"model":"m","max_tokens":1,"metadata":{"user_id":"` + longUser + `"},"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":1,"user":"` + hex.EncodeToString(sum[:]) + `","messages":[{"role":"user","content":"hi"}]}`},
		{name: "Stream",
			req:  `{"model":"m","max_tokens":1,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":1,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`},
		{name: "ThinkingLow",
			req:  `{"model":"m","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":9000,"reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}`},
		{name: "ThinkingLowEdge",
			req:  `{"model":"m","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":4095},"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":9000,"reasoning_effort":"low","messages":[{"role":"user","content":"hi"}]}`},
		{name: "ThinkingMedium",
			req:  `{"model":"m","max_tokens":9000,"thinking":{"type":"enabled","budget_tokens":4096},"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":9000,"reasoning_effort":"medium","messages":[{"role":"user","content":"hi"}]}`},
		{name: "ThinkingMediumEdge",
			req:  `{"model":"m","max_tokens":20000,"thinking":{"type":"enabled","budget_tokens":16383},"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":20000,"reasoning_effort":"medium","messages":[{"role":"user","content":"hi"}]}`},
		{name: "ThinkingHigh",
			req:  `{"model":"m","max_tokens":40000,"thinking":{"type":"enabled","budget_tokens":16384},"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":40000,"reasoning_effort":"high","messages":[{"role":"user","content":"hi"}]}`},
		{name: "ThinkingAdaptiveAndDisabled",
			req:  `{"model":"m","max_tokens":1,"thinking":{"type":"adaptive"},"messages":[{"role":"user","content":"hi"}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`},
		{name: "UserTextBlocksJoined",
			req: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"<reminder>x</reminder>"},
				{"type":"text","text":"fix the bug","cache_control":{"type":"ephemeral"}}]}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"<reminder>x</reminder>\n\nfix the bug"}]}`},
		{name: "Images",
			req: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"compare"},
				{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
				{"type":"image","source":{"type":"url","url":"https://example.com/b.jpg"}}]}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"compare"},
				{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
				{"type":"image_url","image_url":{"url":"https://example.com/b.jpg"}}]}]}`},
		{name: "Documents",
			req: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[
				{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="}},
				{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"},"title":"Report","citations":{"enabled":true}},
				{"type":"document","source":{"type":"text","media_type":"text/plain","data":"The grass is green."},"title":"Facts"},
				{"type":"document","source":{"type":"content","content":[{"type":"text","text":"chunk one"},
					{"type":"image","source":{"type":"url","url":"https://example.com/c.png"}}]}},
				{"type":"text","text":"summarize"}]}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[
				{"type":"file","file":{"filename":"document.pdf","file_data":"data:application/pdf;base64,JVBERi0="}},
				{"type":"file","file":{"filename":"Report.pdf","file_data":"data:application/pdf;base64,JVBERi0x"}},
				{"type":"text","text":"Facts\n\nThe grass is green."},
				{"type":"text","text":"chunk one"},
				{"type":"image_url","image_url":{"url":"https://example.com/c.png"}},
				{"type":"text","text":"summarize"}]}]}`},
		{name: "ToolRoundTrip",
			req: `{"model":"m","max_tokens":1,"tools":[{"name":"get_weather","description":"Weather.","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
				"messages":[
				{"role":"user","content":"weather in Paris and Rome?"},
				{"role":"assistant","content":[{"type":"thinking","thinking":"two cities","signature":"sig"},
					{"type":"text","text":"Checking both."},
					{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},
					{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Rome"}}]},
				{"role":"user","content":[{"type":"text","text":"here you go"},
					{"type":"tool_result","tool_use_id":"toolu_1","content":"21C sunny"},
					{"type":"tool_result","tool_use_id":"toolu_2","is_error":true,"content":[{"type":"text","text":"timeout"},{"type":"text","text":"retry later"}]}]},
				{"role":"assistant","content":[{"type":"redacted_thinking","data":"xyz"},{"type":"text","text":"Paris is sunny."}]},
				{"role":"user","content":"thanks"}]}`,
			want: `{"model":"m","max_tokens":1,"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather.","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
				"messages":[
				{"role":"user","content":"weather in Paris and Rome?"},
				{"role":"assistant","content":"Checking both.","tool_calls":[
					{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
					{"id":"toolu_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
				{"role":"tool","tool_call_id":"toolu_1","content":"21C sunny"},
				{"role":"tool","tool_call_id":"toolu_2","content":"timeout\n\nretry later"},
				{"role":"user","content":"here you go"},
				{"role":"assistant","content":"Paris is sunny."},
				{"role":"user","content":"thanks"}]}`},
		{name: "ToolCallsOnlyAndResultsOnly",
			req: `{"model":"m","max_tokens":1,"messages":[
				{"role":"user","content":"list files"},
				{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"ls","input":{}}]},
				{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1"}]},
				{"role":"assistant","content":[{"type":"thinking","thinking":"hm","signature":"s"}]},
				{"role":"assistant","content":""}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[
				{"role":"user","content":"list files"},
				{"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"ls","arguments":"{}"}}]},
				{"role":"tool","tool_call_id":"toolu_1","content":""}]}`},
		{name: "ToolResultImage",
			req: `{"model":"m","max_tokens":1,"messages":[
				{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"screenshot","input":{}}]},
				{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"captured"},
					{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}}]}]}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[
				{"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"screenshot","arguments":"{}"}}]},
				{"role":"tool","tool_call_id":"toolu_1","content":"captured"},
				{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/"}}]}]}`},
		{name: "AssistantString",
			req:  `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello"}]}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"Hello"}]}`},
		{name: "ToolsAndChoiceAny",
			req: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],
				"tools":[{"name":"a","input_schema":{"type":"object"},"strict":true,"cache_control":{"type":"ephemeral"}},{"type":"custom","name":"b"}],
				"tool_choice":{"type":"any","disable_parallel_tool_use":true}}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],
				"tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object"},"strict":true}},
					{"type":"function","function":{"name":"b","parameters":{"type":"object","properties":{}}}}],
				"tool_choice":"required","parallel_tool_calls":false}`},
		{name: "ChoiceAuto",
			req:  `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"a","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":false}}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object"}}}],"tool_choice":"auto","parallel_tool_calls":true}`},
		{name: "ChoiceTool",
			req:  `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"a","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"a"}}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"a"}}}`},
		{name: "ChoiceNone",
			req:  `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"a","input_schema":{"type":"object"}}],"tool_choice":{"type":"none"}}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"a","parameters":{"type":"object"}}}],"tool_choice":"none"}`},
		{name: "ChoiceWithoutToolsDropped",
			req:  `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true}}`,
			want: `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			got, err := anthropicapi.ToChat(decode[anthropicwire.Request](t, tt.req))
			is.NoErr(err)
			sameJSON(t, mustJSON(t, got), tt.want)
		})
	}
}

func TestToChatErrors(t *testing.T) {
	t.Parallel()
	const user = `"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		name  string
		req   string
		field string
		msg   string // a part of the message
	}{
		{"NoMaxTokens", `{"model":"m",` + user + `}`, "max_tokens", "max_tokens: Field required"},
		{"NegativeMaxTokens", `{"model":"m","max_tokens":-1,` + user + `}`, "max_tokens", "greater than or equal to 0"},
		{"NoModel", `{"max_tokens":1,` + user + `}`, "model", "model is required"},
		{"NoMessages", `{"model":"m","max_tokens":1,"messages":[]}`, "messages", "messages must not be empty"},
		{"WebSearchTool", `{"model":"m","max_tokens":1,` + user + `,"tools":[{"name":"a","input_schema":{"type":"object"}},
			{"type":"web_search_20250305","name":"web_search","max_uses":5}]}`, "tools", "tools[1] (web_search, type web_search_20250305) is an Anthropic-defined tool; such tools need an Anthropic upstream"},
		{"BashTool", `{"model":"m","max_tokens":1,` + user + `,"tools":[{"type":"bash_20250124","name":"bash"}]}`, "tools", "need an Anthropic upstream"},
		{"MCPServers", `{"model":"m","max_tokens":1,` + user + `,"mcp_servers":[{"type":"url","url":"https://x","name":"x"}]}`, "mcp_servers", "need an Anthropic upstream"},
		{"BadRole", `{"model":"m","max_tokens":1,"messages":[{"role":"system","content":"x"}]}`, "messages", "messages[0].role must be user or assistant"},
		{"ChoiceToolNoName", `{"model":"m","max_tokens":1,` + user + `,"tools":[{"name":"a"}],"tool_choice":{"type":"tool"}}`, "tool_choice", "tool_choice.name is required"},
		{"ChoiceUnknown", `{"model":"m","max_tokens":1,` + user + `,"tool_choice":{"type":"maybe"}}`, "tool_choice", "must be auto, any, tool or none"},
		{"ImageFromFilesAPI", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file","file_id":"file_1"}}]}]}`,
			"messages", `messages[0].content[0]: "file" sources need an Anthropic upstream`},
		{"ImageNoSource", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"image"}]}]}`, "messages", "messages[0].content[0].source is required"},
		{"PDFByURL", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"x"},{"type":"document","source":{"type":"url","url":"https://x/a.pdf"}}]}]}`,
			"messages", `messages[0].content[1]: "url" sources need an Anthropic upstream`},
		{"ServerToolUse", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}]}]}`,
			"messages", `messages[1].content[0]: "server_tool_use" blocks need an Anthropic upstream`},
		{"SearchResultInToolResult", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"search_result","source":"s","title":"t","content":[]}]}]}]}`,
			"messages", `messages[0].content[0].content[0]: "search_result" blocks need an Anthropic upstream`},
		{"ToolResultNoID", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]}`, "messages", "tool_use_id is required"},
		{"ToolUseInUserTurn", `{"model":"m","max_tokens":1,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"f","input":{}}]}]}`, "messages", "tool_use blocks belong in assistant turns"},
		{"ToolUseNoName", `{"model":"m","max_tokens":1,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","input":{}}]}]}`, "messages", "needs an id and a name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			is := is.New(t)
			got, err := anthropicapi.ToChat(decode[anthropicwire.Request](t, tt.req))
			is.True(got == nil)
			e := asError(t, err)
			is.Equal(e.Code, gateway.CodeInvalid)
			is.Equal(e.Field, tt.field)
			if !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("message %q does not contain %q", e.Message, tt.msg)
			}
		})
	}
	t.Run("Nil", func(t *testing.T) {
		t.Parallel()
		_, err := anthropicapi.ToChat(nil)
		is.New(t).Equal(asError(t, err).Code, gateway.CodeInvalid)
	})
}

// TestToChatDoesNotAlias checks that the canonical request shares no
// pointer with the client's, which the gateway may change per route.
func TestToChatDoesNotAlias(t *testing.T) {
	t.Parallel()
	is := is.New(t)
	req := decode[anthropicwire.Request](t, `{"model":"m","max_tokens":10,"temperature":0.5,"top_p":0.9,"messages":[{"role":"user","content":"hi"}]}`)
	got, err := anthropicapi.ToChat(req)
	is.NoErr(err)
	*got.MaxTokens, *got.Temperature, *got.TopP = 99, 1, 1
	is.Equal(*req.MaxTokens, 10)
	is.Equal(*req.Temperature, 0.5)
	is.Equal(*req.TopP, 0.9)
}
